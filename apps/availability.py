"""Helpers for pages over marts that an older serving snapshot may not hold, and for disclosure-controlled values.

``require_table`` turns "this snapshot was published before the mart existed" into a friendly information message
(``SnapshotUnavailable`` with ``missing=True``) instead of the generic "cannot be read" error that a failed query
gives. ``sdc_text`` shows a published count as the marts publish it (methods.md §4): ``*`` for 1–7, never a
recomputed number.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from apps import common, data

SUPPRESSED = "suppressed_1_7"


def require_table(snapshot: data.Snapshot, table: str, what: str) -> None:
    """Raise SnapshotUnavailable (shown as information) when ``table`` is not in the snapshot."""
    found = common.query(
        snapshot.conn,
        snapshot.key,
        "select count(*) as n from duckdb_tables() where table_name = ?",
        (table,),
    )
    if not found["n"][0]:
        raise data.SnapshotUnavailable(
            f"The {what} table `{table}` is not in this snapshot: it was published before that table existed. "
            f"{data.REFRESH_HINT}",
            missing=True,
        )


def load_table(snapshot: data.Snapshot, table: str, what: str, sql: str, params: tuple[Any, ...] = ()) -> pl.DataFrame:
    """``sql`` on ``table`` after checking the table is there; no rows raises EmptyTable (shown as information)."""
    require_table(snapshot, table, what)
    frame = common.query(snapshot.conn, snapshot.key, sql, params)
    if frame.is_empty():
        raise common.EmptyTable(f"{what} figures")
    return frame


def sdc_text(value: Any, flag: str | None = None) -> str:
    """A published count: ``*`` when suppressed (1–7), ``–`` when absent, else the published (rounded) value."""
    if flag == SUPPRESSED:
        return "*"
    return "–" if common.missing(value) else f"{int(value):,}"
