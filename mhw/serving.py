"""Publish the serving snapshot: a new DuckDB file of published tables, switched in atomically.

The app and analysts read only `serving/current.duckdb` (a symlink), never the warehouse, so a refresh
never holds a lock they need (architecture.md, Locks). Only `dim_*` and `mart_*` tables of the `marts`
schema are copied; a column that could carry a person identifier, or a value that breaks disclosure control by the
rules the dbt models declare (`mhw.disclosure_scan`, docs/methods.md "Disclosure control"), stops the publish.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .disclosure_scan import PUBLISHED_PREFIXES, load_rules, scan_disclosure
from .identifier_scan import scan_identifiers
from .settings import DBT_MANIFEST

PUBLISHED_SCHEMA = "marts"
FORBIDDEN_COLUMN = re.compile(r"person_token|person_id|detention_id|detention_key|nhs|pnc", re.IGNORECASE)
CURRENT = "current.duckdb"


class PublishError(RuntimeError):
    """The warehouse is not in a state that may be published."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    snapshot_id: str
    tables: dict[str, int]


def published_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
        [database, PUBLISHED_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows if name.startswith(PUBLISHED_PREFIXES)]


def _check_privacy(con: duckdb.DuckDBPyConnection, database: str, tables: list[str]) -> None:
    for table in tables:
        columns = con.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ?",
            [database, PUBLISHED_SCHEMA, table],
        ).fetchall()
        bad = [c for (c,) in columns if FORBIDDEN_COLUMN.search(c)]
        if bad:
            raise PublishError(f"{table} has person-level column(s) {bad}; it may not be published")


def publish_snapshot(warehouse: Path, serving_dir: Path, keep: int = 5, manifest: Path = DBT_MANIFEST) -> Snapshot:
    """Copy the published tables into serving/<stamp>.duckdb, then point current.duckdb at it.

    `manifest` is the dbt manifest whose model yml declares each published column's disclosure class.
    """
    if not warehouse.exists():
        raise PublishError(f"no warehouse at {warehouse}: run the refresh first")
    if not manifest.exists():
        raise PublishError(f"no dbt manifest at {manifest}: run `make manifest` (dbt parse) first")
    rules = load_rules(manifest)
    serving_dir.mkdir(parents=True, exist_ok=True)
    snapshot_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = serving_dir / f"{snapshot_id}.duckdb"
    tmp = serving_dir / f".{snapshot_id}.duckdb.tmp"
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        tables = published_tables(con, "wh")
        if not tables:
            raise PublishError(f"the warehouse has no {PUBLISHED_SCHEMA}.dim_*/mart_* tables to publish")
        _check_privacy(con, "wh", tables)
        counts = {}
        for table in tables:
            con.execute(f'create table main."{table}" as select * from wh.{PUBLISHED_SCHEMA}."{table}"')
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        database = con.execute("select current_database()").fetchone()[0]
        leaks = scan_identifiers(con, database)
        if leaks:
            where = "; ".join(f"{f.table}.{f.column} ({f.shape}, {f.rows} rows)" for f in leaks)
            raise PublishError(f"values shaped like person identifiers found, so nothing was published: {where}")
        breaches = scan_disclosure(con, rules, database)
        if breaches:
            where = "; ".join(str(f) for f in breaches)
            raise PublishError(f"disclosure control is not met, so nothing was published: {where}")
        loads = con.execute("select count(*) from wh.raw.load_ledger where status = 'loaded'").fetchone()[0]
        con.execute(
            "create table main.publication as select ? as snapshot_id, now()::timestamp as published_at, "
            "? as warehouse_loads, ? as tables_published",
            [snapshot_id, loads, ", ".join(tables)],
        )
        con.execute("detach wh")
        con.close()
        os.replace(tmp, final)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    _switch_current(serving_dir, final.name)
    _prune(serving_dir, keep)
    return Snapshot(final, snapshot_id, counts)


def _switch_current(serving_dir: Path, target_name: str) -> None:
    """Atomically repoint current.duckdb (rename of a fresh symlink over the old one)."""
    link = serving_dir / f".{CURRENT}.tmp"
    link.unlink(missing_ok=True)
    os.symlink(target_name, link)
    os.replace(link, serving_dir / CURRENT)


def _prune(serving_dir: Path, keep: int) -> None:
    current = os.path.realpath(serving_dir / CURRENT)
    snapshots = sorted(p for p in serving_dir.glob("*.duckdb") if not p.is_symlink())
    for old in snapshots[:-keep]:
        if str(old.resolve()) != current:
            old.unlink()


def list_snapshots(serving_dir: Path) -> list[Path]:
    return sorted(p for p in serving_dir.glob("*.duckdb") if not p.is_symlink())
