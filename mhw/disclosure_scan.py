"""Scan published tables for disclosure-control leaks, by the column semantics each dbt model declares.

Every numeric column of a published model (`dim_*`, `mart_*`) carries a `disclosure` class in its column meta
(docs/methods.md, "Disclosure control"):

- ``count``: people, or records about people, counted by this warehouse. Below national level it is published
  rounded: 0, or a multiple of 5 that is not 1-7 (NULL when withheld or missing). A signed difference of such
  counts is checked on its absolute value.
- ``statistic``: a rate, percentage, interval, median or ratio derived from such counts. ``withheld_with`` names the
  published count columns (and the denominators) it derives from; it must be NULL wherever any of them is NULL, so
  nothing is shown whose count is withheld.
- ``published``: another body's published figure, republished as published (or derived from those only).
- ``not_person``: not about individuals (populations, file counts, months, years, coordinates).

A model whose rows are all national declares ``disclosure_national_rows: "true"`` in its model meta; a model with
both gives the SQL condition of its national rows. National counts are exact and are not checked for rounding;
statistics are checked on every row. A numeric column without a class is itself a finding: a new mart is covered by
declaring its columns, and cannot be published until it does.

A long table whose rows hold different measures (mart_benchmark: a count of people on one row, another body's
figure or a population on the next) gives ``disclosure_cases``: a list of ``{where: <SQL>, disclosure: <class>,
withheld_with: [..]}``; the first case whose condition holds classifies the row, the column's own class the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from .catalog import table_names

CLASSES = {"count", "statistic", "published", "not_person"}
PUBLISHED_PREFIXES = ("dim_", "mart_")


@dataclass(frozen=True)
class Case:
    """A column's class on the rows where `where` (SQL) holds, instead of its own."""

    where: str
    kind: str
    withheld_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableRules:
    columns: dict[str, str]  # column -> disclosure class
    withheld_with: dict[str, tuple[str, ...]]  # statistic column -> the columns it derives from
    national_rows: str = "false"  # SQL condition of the rows at national level (exact counts)
    cases: dict[str, tuple[Case, ...]] = field(default_factory=dict)  # column -> its row cases, first match wins

    def classes_of(self, column: str) -> list[tuple[str | None, tuple[str, ...], str]]:
        """(class, withheld_with, SQL condition of its rows) for each case of the column, then for its own class."""
        out, earlier = [], []
        for case in self.cases.get(column, ()):
            out.append((case.kind, case.withheld_with, " and ".join([*earlier, f"coalesce(({case.where}), false)"])))
            earlier.append(f"not coalesce(({case.where}), false)")
        out.append((self.columns.get(column), self.withheld_with.get(column, ()), " and ".join(earlier) or "true"))
        return out


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    rule: str  # unclassified | small_count | not_rounded | shown_while_withheld | bad_declaration
    rows: int
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.table}.{self.column}: {self.rule} ({self.rows} rows){': ' + self.detail if self.detail else ''}"


@dataclass
class _Scan:
    con: duckdb.DuckDBPyConnection
    prefix: str
    findings: list[Finding] = field(default_factory=list)

    def count_rows(self, table: str, where: str) -> int:
        return self.con.execute(f'select count(*) from {self.prefix}"{table}" where {where}').fetchone()[0]

    def check(self, table: str, column: str, rule: str, where: str, detail: str = "") -> None:
        rows = self.count_rows(table, where)
        if rows:
            self.findings.append(Finding(table, column, rule, rows, detail))


def dbt_meta(entry: dict) -> dict:
    """The meta of a manifest node or column: its `meta` with its `config.meta` over it."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def load_rules(manifest: Mapping[str, Any]) -> dict[str, TableRules]:
    """The disclosure rules of every published model in a parsed dbt manifest (mhw.published.load_manifest)."""
    nodes = manifest["nodes"].values()
    rules = {}
    for node in nodes:
        if node["resource_type"] != "model" or not node["name"].startswith(PUBLISHED_PREFIXES):
            continue
        classes, withheld, cases = {}, {}, {}
        for name, column in node["columns"].items():
            meta = dbt_meta(column)
            if "disclosure" in meta:
                classes[name] = meta["disclosure"]
            if meta.get("withheld_with"):
                withheld[name] = tuple(meta["withheld_with"])
            if meta.get("disclosure_cases"):
                cases[name] = tuple(
                    Case(c["where"], c.get("disclosure"), tuple(c.get("withheld_with") or ()))
                    for c in meta["disclosure_cases"]
                )
        national = str(dbt_meta(node).get("disclosure_national_rows", "false"))
        rules[node["name"]] = TableRules(classes, withheld, national, cases)
    return rules


def numeric_columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """table -> its numeric columns in order, for every table of the database's main schema, in one query
    (duckdb_columns() reads every attached database's catalog on each call)."""
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = ? and schema_name = 'main' "
        "and numeric_precision is not null order by table_name, column_index",
        [database],
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def scan_disclosure(
    con: duckdb.DuckDBPyConnection, rules: dict[str, TableRules], database: str | None = None
) -> list[Finding]:
    """Every leak in the published tables of `database` (schema main; default: the current database)."""
    database = database or con.execute("select current_database()").fetchone()[0]
    scan = _Scan(con, f'"{database}"."main".')
    numeric = numeric_columns(con, database)
    for table in table_names(con, "main", database):
        if table.startswith(PUBLISHED_PREFIXES):
            _scan_table(scan, table, rules.get(table), numeric.get(table, []))
    return scan.findings


def _scan_table(scan: _Scan, table: str, rules: TableRules | None, numeric: list[str]) -> None:
    if rules is None and not numeric:  # e.g. the publish's own mart_revisions: text copies of scanned values
        return
    if rules is None:
        scan.findings.append(Finding(table, "*", "unclassified", 0, "no dbt model declares this table"))
        return
    local = f"not coalesce(({rules.national_rows}), false)"
    for column in numeric:
        for kind, sources, rows in rules.classes_of(column):
            if kind not in CLASSES:
                scan.findings.append(Finding(table, column, "unclassified", 0, f"disclosure class {kind!r}"))
            elif kind == "count":
                value = f'{rows} and {local} and abs("{column}")'
                scan.check(table, column, "small_count", f"{value} between 1 and 7", "1-7 shown")
                scan.check(table, column, "not_rounded", f"{value} % 5 <> 0", "not a multiple of 5")
            elif kind == "statistic":
                _check_statistic(scan, table, column, sources, rows, numeric)


def _check_statistic(
    scan: _Scan, table: str, column: str, sources: tuple[str, ...], rows: str, numeric: list[str]
) -> None:
    unknown = [c for c in sources if c not in numeric]
    if not sources or unknown:
        detail = f"withheld_with {list(sources)} names no published numeric column {unknown}" if unknown else ""
        scan.findings.append(Finding(table, column, "bad_declaration", 0, detail or "no withheld_with"))
        return
    withheld = " or ".join(f'"{c}" is null' for c in sources)
    where = f'{rows} and "{column}" is not null and ({withheld})'
    scan.check(table, column, "shown_while_withheld", where, ", ".join(sources))
