"""A small warehouse for the publish, revisions and What changed tests: real raw DDL, three published tables, and a
minimal dbt manifest declaring their columns' disclosure classes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from ingestion.schema import ensure_raw_schema
from mhw.published import PublishedModel

LINEAGE = {"model.mhw.mart_x_force_year": "a1", "macro.mhw.pct": "m1"}


def model(name: str, key: tuple[str, ...], columns: tuple[str, ...], lineage=LINEAGE) -> PublishedModel:
    return PublishedModel(name, f"model.mhw.{name}", key, columns, ("deliveries", "load_ledger"), lineage, (2,))


MODELS = {
    "dim_force": model("dim_force", ("force_code",), ("force_code", "force_name")),
    "mart_x_force_year": model(
        "mart_x_force_year", ("force_code", "fy_label"), ("force_code", "fy_label", "n", "rate")
    ),
    "mart_x_month": model("mart_x_month", ("month_start",), ("month_start", "n")),
}


def build_warehouse(path: Path) -> Path:
    """A warehouse with the real raw DDL, one delivery in the ledger and three small published tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        con.execute("create table raw.deliveries (load_id varchar)")
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_force as select * from (values ('E23000001', 'Met'), ('W15000002', 'Gwent')) "
            "t(force_code, force_name)"
        )
        con.execute(
            "create table marts.mart_x_force_year as select * from (values "
            "('E23000001', '2023-24', 100, 1.5::double), ('W15000002', '2023-24', 40, 2.25::double), "
            "('W15000002', '2024-25', 45, 2.5::double), ('E&W', '2023-24', 140, 1.75::double)) "
            "t(force_code, fy_label, n, rate)"
        )
        con.execute(
            "create table marts.mart_x_month as select * from (values (date '2016-04-01', 5), (date '2024-05-01', 7)) "
            "t(month_start, n)"
        )
        deliver(con, "s136", "W15000002", "2023-24", "gwent_2023-24.csv", when=datetime.now() - timedelta(days=3))
    return path


def deliver(con, source, force, period, name, when=None, supersedes=None) -> str:
    """A ledger entry (and one raw row) as the gate writes them; supersedes: the load_id it replaces."""
    load_id = f"{source}/{force}/{period}/{name}"
    con.execute(
        "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, loaded_at, rows_read, "
        "rows_loaded, rows_rejected, status) values (?, ?, ?, ?, ?, 'x', ?, 1, 1, 0, 'loaded')",
        [load_id, source, force, period, f"{source}/{force}/{period}/{name}", when or datetime.now()],
    )
    con.execute("insert into raw.deliveries values (?)", [load_id])
    if supersedes:
        con.execute(
            "update raw.load_ledger set status = 'superseded', superseded_by = ? where load_id = ?",
            [load_id, supersedes],
        )
    return load_id


def write_manifest(path, models: dict[str, dict[str, str]]) -> None:
    """A minimal dbt manifest: each model's columns with their disclosure class (column meta)."""
    nodes = {
        f"model.mhw.{name}": {
            "resource_type": "model",
            "name": name,
            "config": {"meta": {}},
            "columns": {col: {"name": col, "config": {"meta": {"disclosure": kind}}} for col, kind in cols.items()},
        }
        for name, cols in models.items()
    }
    path.write_text(json.dumps({"nodes": nodes}))


def fixture_manifest(path: Path) -> Path:
    """The manifest of MODELS for the disclosure scan: their numeric columns are not counts of people."""
    numeric = {
        "mart_x_force_year": ("n", "rate", "pct"),
        "mart_x_month": ("n",),
        "mart_new": ("a",),
        "mart_x_quality": ("n",),
        "mart_x_bench": ("n",),
    }
    write_manifest(
        path,
        {"dim_force": {}, "dim_measure": {}, **{t: dict.fromkeys(cols, "not_person") for t, cols in numeric.items()}},
    )
    return path
