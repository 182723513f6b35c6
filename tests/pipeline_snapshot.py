"""A serving snapshot built by the real pipeline on a small landing zone, shared by the app, browser and evaluation
tests (one build per test session: see the `pipeline_snapshot` fixture in tests/conftest.py).

The pipeline is the one `mhw refresh` runs, step by step and without Dagster's start-up: the demo generator writes
the landing zone (a few forces, three years of monthly extracts, four financial years of s136, the published ADR
tables, an inspections tracker, the forces' scheme registers); the gate loads every landing file; the national
loaders read MHW_PUBLIC_DATA_DIR when it is set (as CI does); dbt builds every seed and model (its tests run
elsewhere); `publish_snapshot` scans and publishes. Nothing here writes a mart by hand.

To keep it cheap, custody and street triage are delivered for the last financial year only (as a force that joined
the collection late would), and the forces are small ones; the choice below is what the tests rely on. The demo's
row dirt is kept, and two whole bad files are planted beside good ones (an empty re-send, a file with the wrong
header), so the Data quality page has rejections to show.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from demo.adr125_published import generate_adr125_published
from demo.force_extracts import generate_national
from demo.inspections import generate_inspections
from demo.scheme_register import generate_scheme_registers
from ingestion.gate.load import ingest_source
from ingestion.schema import ensure_raw_schema
from mhw.serving import Snapshot, publish_snapshot
from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES
from orchestration.assets.national_sources import NATIONAL_SOURCES
from tests.dbt_runner import run_dbt

SEED = 42
MONTHS = "2022-04:2025-03"
YEARS = ("2021-22", "2022-23", "2023-24", "2024-25")
RCRP_FORCES = ("E23000019", "E23000024")  # demo go-lives 2024-09-02 and 2024-05-07 (assumed_demo)
PLAIN_FORCES = ("E23000002", "E23000008", "E23000013", "W15000002")  # no demo scheme
SMALL_FORCE = "E23000034"  # City of London: a tiny resident population, small counts (suppressed cells)
FORCES = (*RCRP_FORCES, *PLAIN_FORCES, SMALL_FORCE)
LATE_SOURCES = ("custody", "street_triage")  # delivered from LATE_FROM only
LATE_FROM = "2024-04"
KEY, KEY_ID = b"test-key-not-secret", "k-test"
BAD_FILES = {  # rejected whole by the gate, beside the month's good file
    f"incidents/{PLAIN_FORCES[0]}/2024-06/resend-empty.csv": "",
    f"custody/{RCRP_FORCES[0]}/2024-09/resend-wrong-header.csv": "detention,when\n1,2024-09-01\n",
}


@dataclass(frozen=True)
class PipelineSnapshot:
    home: Path
    warehouse: Path
    snapshot: Path  # the published <stamp>.duckdb
    manifest: Path
    public_data: bool  # the national public files were loaded
    timings: dict[str, float] = field(default_factory=dict)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of a query on the published snapshot (read-only)."""
        with duckdb.connect(str(self.snapshot), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def frame(self, sql: str, params: list | None = None):
        """A query on the published snapshot as a polars frame."""
        with duckdb.connect(str(self.snapshot), read_only=True) as con:
            return con.execute(sql, params or []).pl()

    def to_json(self) -> dict:
        return {
            "home": str(self.home), "warehouse": str(self.warehouse), "snapshot": str(self.snapshot),
            "manifest": str(self.manifest), "public_data": self.public_data, "timings": self.timings,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> PipelineSnapshot:
        paths = {k: Path(data[k]) for k in ("home", "warehouse", "snapshot", "manifest")}
        return cls(**paths, public_data=data["public_data"], timings=data["timings"])


def write_landing(landing: Path) -> None:
    """The demo's landing zone for FORCES, custody and triage from LATE_FROM only."""
    generate_national(landing, SEED, YEARS, MONTHS, dirt=0.002, bad_files=0, forces=FORCES, progress=False)
    generate_scheme_registers(landing, SEED, MONTHS, forces=FORCES)
    generate_adr125_published(landing, seed=SEED, years=YEARS)
    generate_inspections(landing, seed=SEED)
    for source in LATE_SOURCES:
        for month_dir in (landing / source).glob("*/*"):
            if month_dir.name < LATE_FROM:
                shutil.rmtree(month_dir)
    for path, text in BAD_FILES.items():
        (landing / path).write_text(text, encoding="utf-8")


def build(home: Path) -> PipelineSnapshot:
    """Landing zone -> gate -> national loaders -> dbt (seeds and models) -> published snapshot, under home."""
    timings: dict[str, float] = {}
    shutil.rmtree(home, ignore_errors=True)  # a build that failed half-way is not reused
    home.mkdir(parents=True)
    start = time.perf_counter()
    landing, warehouse = home / "landing", home / "warehouse.duckdb"
    write_landing(landing)
    timings["landing"] = time.perf_counter() - start

    start = time.perf_counter()
    public = os.environ.get("MHW_PUBLIC_DATA_DIR")
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        for source in (*LANDING_SOURCES, *MONTHLY_SOURCES):
            ingest_source(con, landing, source, KEY, KEY_ID)
        if public:
            for loader, _ in NATIONAL_SOURCES.values():
                loader(con, Path(public))
    timings["ingest"] = time.perf_counter() - start

    start = time.perf_counter()
    run_dbt(["build", "--resource-type", "seed", "model"], home, warehouse=warehouse)
    timings["dbt"] = time.perf_counter() - start

    start = time.perf_counter()
    manifest = home / "dbt_target" / "manifest.json"
    published: Snapshot = publish_snapshot(warehouse, home / "serving", manifest=manifest, demo=True)
    timings["publish"] = time.perf_counter() - start
    return PipelineSnapshot(home, warehouse, published.path, manifest, bool(public), timings)
