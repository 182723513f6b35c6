"""Which part of the dbt project a build runs: what is downstream of the raw tables that changed since the last
successful build (docs/operations.md, "What a refresh rebuilds").

Each build records what it read: the dbt code (models, macros, tests, seeds, the raw DDL and the Python the dbt
Python models call) and, per raw table, the loads it holds with their ledger status. The next build compares:
- code changed, the warehouse is another one or has no marts, or there is no record: everything is built;
- otherwise only the models downstream of a raw table whose loads changed (a new load, one superseded or
  withdrawn), with their tests; and the models reading the ledger as a whole (data quality, the loads per source)
  whenever any ledger entry changed. Staging joins a raw table to the ledger's loads in force by load_id, so an
  entry of another source never changes a model of this one;
- nothing changed: nothing is built.
No model reads the clock, so a model whose inputs did not change would be rebuilt the same. The build names what it
leaves out (`unaffected`), since the Dagster asset asks dbt for everything it holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from mhw.refresh_inputs import files_digest
from mhw.settings import DBT_PROJECT_DIR, PROJECT_ROOT, SEEDS_DIR

CODE = (
    DBT_PROJECT_DIR / "models",
    DBT_PROJECT_DIR / "macros",
    DBT_PROJECT_DIR / "tests",
    DBT_PROJECT_DIR / "dbt_project.yml",
    DBT_PROJECT_DIR / "profiles.yml",
    SEEDS_DIR,
    PROJECT_ROOT / "ingestion" / "ddl",
    PROJECT_ROOT / "mhw" / "its.py",  # called by the dbt Python models of the scheme evaluation
    PROJECT_ROOT / "mhw" / "scheme_evaluation.py",
)
LEDGER_TABLES = ("load_ledger", "rejected_rows")  # written with every load, whatever its source
STATE = "last_build.json"


@dataclass(frozen=True)
class BuildInputs:
    """What a build reads, as digests: compared with the last successful build's to choose what to run."""

    warehouse: str
    code: str
    ledger: str
    tables: dict[str, str]  # raw table -> digest of its loads and their status


def raw_tables(manifest: Mapping[str, Any]) -> list[str]:
    """The raw tables the dbt project reads as sources (the ledger apart)."""
    names = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "raw"}
    return sorted(names - set(LEDGER_TABLES))


def ledger_readers(manifest: Mapping[str, Any]) -> list[str]:
    """Models whose only raw sources are the ledger or the rejected rows: they change with any load."""
    readers = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        sources = [d.rsplit(".", 1)[1] for d in node["depends_on"]["nodes"] if d.startswith("source.")]
        if sources and set(sources) <= set(LEDGER_TABLES):
            readers.append(node["name"])
    return sorted(readers)


def build_inputs(con: duckdb.DuckDBPyConnection, warehouse: Path, tables: list[str]) -> BuildInputs:
    """The digests of what a build would read now; `tables` missing from the warehouse count as empty."""
    code = files_digest([(p.name, p) for p in CODE])
    ledger = con.execute(
        "select coalesce(md5(string_agg(concat_ws(':', load_id, status), ',' order by load_id)), '') "
        "from raw.load_ledger"
    ).fetchone()[0]
    present = {t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()}
    digests = {}
    for table in tables:
        digests[table] = "" if table not in present else con.execute(
            f"""
            select coalesce(md5(string_agg(concat_ws(':', l.load_id, l.status), ',' order by l.load_id)), '')
            from raw.load_ledger l semi join (select distinct load_id from raw.{table}) t using (load_id)
            """
        ).fetchone()[0]  # fmt: skip
    return BuildInputs(str(warehouse), code, ledger, digests)


def has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'").fetchone()[0] > 0


@dataclass(frozen=True)
class Changes:
    """What changed since the last successful build, when only loads did."""

    tables: tuple[str, ...]  # raw tables whose loads changed
    ledger: bool  # any ledger entry changed

    @property
    def nothing(self) -> bool:
        return not self.tables and not self.ledger

    def describe(self) -> str:
        what = [f"raw.{t}" for t in self.tables] + (["the ledger"] if self.ledger else [])
        return ", ".join(what) or "nothing"


def changes(previous: BuildInputs | None, now: BuildInputs) -> Changes | None:
    """The loads that changed since the previous build; None when everything must be built."""
    if previous is None or (previous.warehouse, previous.code) != (now.warehouse, now.code):
        return None
    tables = tuple(t for t, digest in now.tables.items() if previous.tables.get(t) != digest)
    return Changes(tables, previous.ledger != now.ledger)


def unaffected(manifest: Mapping[str, Any], found: Changes) -> list[str]:
    """The names of the nodes (seeds, models, tests, unit tests) no change reaches: not downstream of a changed raw
    table, nor, when the ledger changed, of a model reading the whole ledger."""
    start = [f"source.{s['package_name']}.raw.{s['name']}" for s in manifest["sources"].values()
             if s["source_name"] == "raw" and s["name"] in found.tables]  # fmt: skip
    if found.ledger:
        start += [uid for uid, node in manifest["nodes"].items() if node["name"] in ledger_readers(manifest)]
    reached, todo = set(start), list(start)
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in reached:
                reached.add(child)
                todo.append(child)
    built = {"model", "seed", "test", "snapshot"}
    nodes = [n for uid, n in manifest["nodes"].items() if n["resource_type"] in built and uid not in reached]
    nodes += [n for uid, n in manifest.get("unit_tests", {}).items() if uid not in reached]
    return sorted(n["name"] for n in nodes)


def last_build(dbt_dir: Path) -> BuildInputs | None:
    try:
        return BuildInputs(**json.loads((dbt_dir / STATE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def record_build(dbt_dir: Path, inputs: BuildInputs) -> None:
    """Remember what a successful build read (written whole, then renamed into place)."""
    dbt_dir.mkdir(parents=True, exist_ok=True)
    tmp = dbt_dir / f".{STATE}.tmp"
    tmp.write_text(json.dumps(asdict(inputs), sort_keys=True), encoding="utf-8")
    tmp.replace(dbt_dir / STATE)


def forget_build(dbt_dir: Path) -> None:
    """The next build runs in full (e.g. `mhw refresh --force`)."""
    (dbt_dir / STATE).unlink(missing_ok=True)
