"""Publish the serving snapshot: a new DuckDB file of published tables, switched in atomically.

The app and analysts read only `serving/current.duckdb` (a symlink), never the warehouse, so a refresh never holds a
lock they need (docs/interfaces.md, "Writers: one at a time"). Only `dim_*` and `mart_*` tables of the `marts` schema
are copied; a column that could carry a person identifier, or a value that breaks disclosure control by the
rules the dbt models declare (`mhw.disclosure_scan`, docs/methods.md "Disclosure control"), stops the publish.
Each snapshot also holds
`mart_revisions`, what it changed against the snapshot before it (mhw.revisions), and `publication_tables`, the
grain and code lineage of each published table that the next publish compares against.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .catalog import table_columns, table_names
from .checks import warehouse_problems
from .disclosure_scan import PUBLISHED_PREFIXES, load_rules, scan_disclosure
from .identifier_scan import event_date_columns, scan_identifiers
from .published import PUBLISHED_SCHEMA, ManifestError, PublishedModel, load_manifest, published_models
from .revisions import REVISIONS, write_publication_tables, write_revisions
from .settings import DBT_MANIFEST

FORBIDDEN_COLUMN = re.compile(r"person_token|person_id|detention_id|detention_key|nhs|pnc", re.IGNORECASE)
CURRENT = "current.duckdb"
DOCS_SITE = ("static_index.html", "index.html", "manifest.json", "catalog.json")  # what `dbt docs generate` serves


class PublishError(RuntimeError):
    """The warehouse is not in a state that may be published."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    snapshot_id: str
    tables: dict[str, int]
    revisions: int = 0
    previous: str | None = None  # the snapshot its revisions are against (None: the first publication)

    def summary(self) -> str:
        """What the operator is told once it is published."""
        if self.previous is None:
            return f"published {self.path}: the first publication here (no earlier snapshot to revise)"
        return f"published {self.path}: {self.revisions} revision(s) against the previous snapshot ({self.previous})"


def published_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [name for name in table_names(con, PUBLISHED_SCHEMA, database) if name.startswith(PUBLISHED_PREFIXES)]


def _check_privacy(con: duckdb.DuckDBPyConnection, database: str, tables: list[str]) -> None:
    for table in tables:
        bad = [c for c in table_columns(con, table, PUBLISHED_SCHEMA, database) if FORBIDDEN_COLUMN.search(c)]
        if bad:
            raise PublishError(f"{table} has person-level column(s) {bad}; it may not be published")


def require_checks_pass(warehouse: Path, models: Mapping[str, PublishedModel]) -> None:
    """Refuse, naming each problem, a warehouse that fails `mhw checks` (mhw/checks.py). The Dagster checks block
    only the run they run in, so without this `mhw publish`, or the serving asset materialised on its own, would
    publish a table off its contract."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        problems = [p for found in warehouse_problems(con, models).values() for p in found]
    if problems:
        raise PublishError(f"the checks fail (`mhw checks`), so nothing was published: {'; '.join(problems)}")


def publish_snapshot(
    warehouse: Path,
    serving_dir: Path,
    keep: int = 5,
    manifest: Path = DBT_MANIFEST,
    models: Mapping[str, PublishedModel] | None = None,
    previous: Path | None = None,
    demo: bool = False,
) -> Snapshot:
    """Copy the published tables into serving/<stamp>.duckdb with their revisions against the previous snapshot,
    then point current.duckdb at it.

    `manifest` is the dbt manifest whose model yml declares each published column's disclosure class; `models` the
    published models (grain, lineage; default: read from that manifest); `previous` the snapshot to compare with
    (default: the current one; CI passes the last run's, fetched from its artefacts); `demo`: the warehouse was
    loaded from the demo landing zone (`mhw synth`), which the publication records so that the app says so.
    """
    if not warehouse.exists():
        raise PublishError(f"no warehouse at {warehouse}: run the refresh first")
    try:
        described = load_manifest(manifest)
    except ManifestError as exc:
        raise PublishError(str(exc)) from None
    rules = load_rules(described)
    models = published_models(described) if models is None else models
    serving_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(serving_dir)
    current = serving_dir / CURRENT
    if previous is not None and not previous.is_file():
        raise PublishError(f"no previous snapshot at {previous} to compare with")
    if previous is not None:
        _check_snapshot(previous)
    previous = os.path.realpath(previous or current) if (previous or current.exists()) else None
    previous_id = previous and Path(previous).stem
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
        leaks = scan_identifiers(con, database, event_date_columns(described))
        if leaks:
            where = "; ".join(f"{f.table}.{f.column} ({f.shape}, {f.rows} rows)" for f in leaks)
            raise PublishError(f"values shaped like person identifiers found, so nothing was published: {where}")
        breaches = scan_disclosure(con, rules, database)
        if breaches:
            where = "; ".join(str(f) for f in breaches)
            raise PublishError(f"disclosure control is not met, so nothing was published: {where}")
        # after the scans: the report only repeats values of tables that passed them, here or in the previous snapshot
        revisions = write_revisions(con, previous, tables, models, snapshot_id)
        loads, loaded_until = con.execute(
            "select count(*) filter (where status = 'loaded'), max(loaded_at) from wh.raw.load_ledger"
        ).fetchone()
        con.execute(
            "create table main.publication as select ? as snapshot_id, now()::timestamp as published_at, "
            "?::integer as warehouse_loads, ? as tables_published, ?::timestamp as ledger_loaded_until, "
            "?::varchar as previous_snapshot, ?::integer as revisions, ? as is_demo_data",
            [snapshot_id, loads, ", ".join(tables), loaded_until, previous_id, revisions, demo],
        )
        write_publication_tables(con, counts, models)
        con.execute("detach wh")
        con.close()
        os.replace(tmp, final)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    _switch_current(serving_dir, final.name)
    _prune(serving_dir, keep)
    return Snapshot(final, snapshot_id, counts, revisions, previous_id)


def _check_snapshot(path: Path) -> None:
    """Refuse a `previous` that is not a serving snapshot (another file, or a DuckDB file without a publication)."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            if "publication" in table_names(con, "main"):
                return
    except duckdb.Error as exc:
        raise PublishError(f"{path} is not a serving snapshot to compare with: {exc}") from None
    raise PublishError(f"{path} is not a serving snapshot to compare with: it holds no publication table")


def _remove_leftovers(serving_dir: Path) -> None:
    """Half-written files of a publish that was killed (the caller holds the writer claim, so none is in use)."""
    for leftover in serving_dir.glob(".*.tmp*"):
        leftover.unlink(missing_ok=True)


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


def export_publication(serving_dir: Path, docs_dir: Path, out: Path) -> list[Path]:
    """The current publication as plain files (CI uploads them): out/serving/<stamp>.duckdb, out/revisions/
    revisions_<stamp>.csv and, when `mhw docs` has built it, out/dbt-docs/ (the site)."""
    current = serving_dir / CURRENT
    if not current.exists():
        raise PublishError(f"nothing published yet in {serving_dir}: run `mhw publish` first")
    snapshot = Path(os.path.realpath(current))
    written = [out / "serving" / snapshot.name, out / "revisions" / f"revisions_{snapshot.stem}.csv"]
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(snapshot, written[0])
    with duckdb.connect(str(snapshot), read_only=True) as con:
        target = str(written[1]).replace("'", "''")
        con.execute(f"copy (select * from {REVISIONS} order by all) to '{target}' (header, delimiter ',')")
    if (docs_dir / "static_index.html").exists():
        written.append(out / "dbt-docs")
        written[-1].mkdir(parents=True, exist_ok=True)
        for name in DOCS_SITE:
            shutil.copyfile(docs_dir / name, written[-1] / name)
    return written
