"""Scan every text column of a DuckDB database for values shaped like a person identifier.

Shapes (methods.md §5): an NHS number (10 digits, optionally spaced 3-3-4), a PNC ID (YY[YY]/N..NA) and a date of
birth (a date with no time of day, in a year a person in police contact could be born: 1900 to ten years ago).
Dates of events are stored as TIMESTAMP columns, so a date-only string in a text column is treated as a possible
date of birth, unless the column's dbt yml declares its dates are of events (`meta: {dates_of: events}`: a scheme's
start as its source printed it, which can be years back). Person tokens are 64-character hex strings: the word
boundaries keep their digit runs from matching.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import product

import duckdb

from .disclosure_scan import dbt_meta

SHAPES = {
    # not inside a longer number or a decimal fraction (GeoJSON coordinates have 10+ decimal places)
    "nhs_number": r"(^|[^0-9A-Za-z.])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}($|[^0-9A-Za-z.]|\.([^0-9]|$))",
    "pnc_id": r"\b[0-9]{2,4}/[0-9]{1,7}[A-Za-z]\b",
    "date_of_birth": r"\b([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})\b",
}
_DATE = re.compile(SHAPES["date_of_birth"])
_TIME_AFTER = re.compile(r"^[ T][0-9]{1,2}:[0-9]{2}")
SAMPLE = 20  # candidate values examined per column and shape


@dataclass(frozen=True)
class Finding:
    table: str  # schema.table
    column: str
    shape: str
    rows: int  # rows whose value has the shape (before the date-of-birth refinement)


def _birth_year_dates(values: list[str]) -> bool:
    """True when any value holds a date-only string (no time after it) in a plausible year of birth."""
    latest = date.today().year - 10
    for value in values:
        for match in _DATE.finditer(value):
            text = match.group(0)
            year = int(text[:4]) if "-" in text else int(text[-4:])
            if 1900 <= year <= latest and not _TIME_AFTER.match(value[match.end() :]):
                return True
    return False


def text_columns(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every VARCHAR column of base tables in `database` (default: the current one)."""
    database = database or con.execute("select current_database()").fetchone()[0]
    return con.execute(
        "select c.schema_name, c.table_name, c.column_name from duckdb_columns() c join duckdb_tables() t "
        "using (database_name, schema_name, table_name) where c.database_name = ? and c.data_type = 'VARCHAR' "
        "order by 1, 2, 3",
        [database],
    ).fetchall()


def event_date_columns(manifest: Mapping) -> set[tuple[str, str]]:
    """(model, column) of the text columns whose dbt yml declares their dates are of events, not of people."""
    return {
        (node["name"], column)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for column, spec in node["columns"].items()
        if dbt_meta(spec).get("dates_of") == "events"
    }


def scan_identifiers(
    con: duckdb.DuckDBPyConnection, database: str | None = None, event_dates: Collection[tuple[str, str]] = ()
) -> list[Finding]:
    """Every (table, column, shape) with at least one identifier-shaped value; empty means clean. `event_dates`:
    (table, column) pairs whose dates are of events (event_date_columns), not checked for dates of birth."""
    prefix = f'"{database}".' if database else ""
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in text_columns(con, database):
        columns.setdefault((schema, table), []).append(column)
    findings = []
    for (schema, table), names in columns.items():
        source = f'{prefix}"{schema}"."{table}"'
        # one read of the table for all its columns and shapes, each distinct value matched once (a mart repeats
        # its codes and labels on every row): 0.7-1.6 s for a ten-year snapshot against 3.7-4.7 s for one query per
        # column and shape (docs/benchmarks.md)
        quoted = ", ".join(f'"{c}"' for c in names)
        counted = ", ".join(f"sum(n) filter (where regexp_matches(val, ${i}))" for i in range(1, len(SHAPES) + 1))
        by_column = {
            column: dict(zip(SHAPES, counts, strict=True))
            for column, *counts in con.execute(
                f"select col, {counted} from (select col, val, count(*) as n from (unpivot (select {quoted} from "
                f"{source}) on {quoted} into name col value val) group by col, val) group by col",
                list(SHAPES.values()),
            ).fetchall()
        }
        for column, (shape, pattern) in product(names, SHAPES.items()):
            rows = by_column.get(column, {}).get(shape)
            if not rows or (shape == "date_of_birth" and (table, column) in event_dates):
                continue
            if shape == "date_of_birth":
                sample = con.execute(
                    f'select distinct "{column}" from {source} where regexp_matches("{column}", ?) limit {SAMPLE}',
                    [pattern],
                ).fetchall()
                if not _birth_year_dates([v for (v,) in sample]):
                    continue
            findings.append(Finding(f"{schema}.{table}", column, shape, rows))
    return findings
