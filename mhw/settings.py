"""One place that reads the MHW_* environment variables (docs/interfaces.md, "Paths and settings").

Every path defaults to a folder under MHW_HOME, which itself defaults to data/ in the project root.
Settings are read afresh on every call so tests and subprocesses can point them elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEMO_MARKER = ".demo-landing"  # the file `mhw synth` leaves at the top of a demo landing zone
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"  # `dbt parse`: models, columns and their meta
SEEDS_DIR = PROJECT_ROOT / "seeds"
DUCKDB_MEMORY_LIMIT = "768MB"  # the default; dbt_project/profiles.yml repeats it for dbt run on its own
# the landing gate's default: it reads little back, and the Python around it holds the rest of a refresh's peak
# (docs/operations.md: the two limits keep the ten-year refresh under 2 GB)
INGEST_MEMORY_LIMIT = "256MB"


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse: Path
    landing_dir: Path
    serving_dir: Path
    public_data_dir: Path | None
    pseudonymisation_key: str | None
    pseudonymisation_key_id: str | None
    dagster_home: Path
    demo: bool
    alert_webhook_url: str | None = None  # MHW_ALERT_WEBHOOK_URL: failed runs are also posted there
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT  # MHW_DUCKDB_MEMORY_LIMIT: the warehouse's, in the refresh
    ingest_memory_limit: str = INGEST_MEMORY_LIMIT  # MHW_INGEST_MEMORY_LIMIT: the warehouse's while landing files load

    @property
    def alerts_log(self) -> Path:
        """Where failed runs are recorded, one JSON line each (orchestration/operations.py)."""
        return self.home / "alerts.log"

    @property
    def sqlmesh_dir(self) -> Path:
        """SQLMesh's scratch space for `make plan`: copies of the project and a database that is not the warehouse."""
        return self.home / "sqlmesh"

    @property
    def dbt_dir(self) -> Path:
        """dbt's target folders of the refresh's builds, and the parse state each build leaves for the next."""
        return self.home / "dbt"

    @property
    def current_snapshot(self) -> Path:
        """The serving snapshot the app reads: a symlink switched atomically by publish."""
        return self.serving_dir / "current.duckdb"

    @property
    def demo_marker(self) -> Path:
        """Written by `mhw synth`: this landing zone holds demo data, so a local demo key may be used."""
        return self.landing_dir / DEMO_MARKER

    @property
    def demo_key_file(self) -> Path:
        """Where the demo keeps its locally generated pseudonymisation key (never inside the warehouse)."""
        return self.home / "secrets" / "demo-pseudonymisation.key"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def get_settings() -> Settings:
    home = _path("MHW_HOME", PROJECT_ROOT / "data")
    landing = _path("MHW_LANDING_DIR", home / "landing")
    public = os.environ.get("MHW_PUBLIC_DATA_DIR")
    return Settings(
        home=home,
        warehouse=_path("MHW_WAREHOUSE", home / "warehouse.duckdb"),
        landing_dir=landing,
        serving_dir=_path("MHW_SERVING_DIR", home / "serving"),
        public_data_dir=Path(public).expanduser().resolve() if public else None,
        pseudonymisation_key=os.environ.get("MHW_PSEUDONYMISATION_KEY") or None,
        pseudonymisation_key_id=os.environ.get("MHW_PSEUDONYMISATION_KEY_ID") or None,
        dagster_home=_path("DAGSTER_HOME", home / "dagster_home"),
        demo=os.environ.get("MHW_DEMO", "").lower() in {"1", "true", "yes"} or (landing / DEMO_MARKER).exists(),
        alert_webhook_url=os.environ.get("MHW_ALERT_WEBHOOK_URL") or None,
        duckdb_memory_limit=os.environ.get("MHW_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT,
        ingest_memory_limit=os.environ.get("MHW_INGEST_MEMORY_LIMIT") or INGEST_MEMORY_LIMIT,
    )
