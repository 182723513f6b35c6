"""Read-only access to the serving snapshot for the Streamlit pages (architecture.md, Locks; anchors L4).

The app opens only ``get_settings().current_snapshot`` (the ``current.duckdb`` symlink that publish swaps
atomically), always ``read_only=True``, and never the warehouse. The connection is cached per *resolved* snapshot
path, so a new publish (a new target of the symlink) gives a new connection and new cache keys, and the old
connection is released. Every query runs on its own cursor (a DuckDB connection is not thread-safe).

Query functions return polars frames with DECIMAL columns cast to DOUBLE (stack-notes: decimals were drawn
100× too large by the charts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import polars.selectors as cs
import streamlit as st

from mhw.settings import get_settings

QUERY_TTL = "10m"
REFRESH_HINT = "Run `make refresh` to build the warehouse and publish a serving snapshot, then reload this page."


class SnapshotUnavailable(RuntimeError):
    """No usable serving snapshot: the page shows a friendly message instead of a stack trace.

    ``missing`` is True when nothing has been published yet (an expected state, shown as information),
    False when a snapshot exists but cannot be read as expected (shown as an error).
    """

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Snapshot:
    conn: duckdb.DuckDBPyConnection
    key: str  # the resolved real path of current.duckdb: the cache key of every query


def snapshot_key() -> str | None:
    """The real path behind ``current.duckdb``, or None when there is no snapshot (or a dangling link)."""
    link = get_settings().current_snapshot
    if not link.exists():  # follows the symlink: False for a dangling one
        return None
    return os.path.realpath(link)


def _close(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.close()
    except duckdb.Error:  # pragma: no cover - closing is best effort
        pass


@st.cache_resource(max_entries=2, show_spinner=False, on_release=_close)
def _connect(key: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(key, read_only=True)


def open_snapshot() -> Snapshot:
    """The cached read-only connection to the current snapshot, or SnapshotUnavailable."""
    settings = get_settings()
    key = snapshot_key()
    if key is None:
        raise SnapshotUnavailable(
            f"No published data were found (looked for `{settings.current_snapshot}`). {REFRESH_HINT}",
            missing=True,
        )
    if Path(key).resolve() == settings.warehouse.resolve():  # the app never opens the warehouse file
        raise SnapshotUnavailable("The serving snapshot points at the warehouse itself; re-run the publish step.")
    try:
        return Snapshot(_connect(key), key)
    except duckdb.Error as exc:
        raise SnapshotUnavailable(f"The serving snapshot could not be opened ({exc}). {REFRESH_HINT}") from exc


def _to_double(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(cs.decimal().cast(pl.Float64))


def run_query(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """One query on its own cursor; missing tables or columns become SnapshotUnavailable."""
    cursor = conn.cursor()
    try:
        return _to_double(cursor.execute(sql, params or []).pl())
    except duckdb.Error as exc:
        raise SnapshotUnavailable(
            f"The serving snapshot does not hold what this page needs ({type(exc).__name__}: {exc}). {REFRESH_HINT}"
        ) from exc
    finally:
        cursor.close()


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def s136_national(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every financial year of ``mart_s136_national_year``, oldest first."""
    return run_query(_conn, "select * from mart_s136_national_year order by fy_label")


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def s136_force_year(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    """``mart_s136_force_year`` for one financial year, by force name."""
    return run_query(
        _conn,
        "select * from mart_s136_force_year where fy_label = ? order by force_name",
        [fy_label],
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def publication(_conn: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """The single ``publication`` row (snapshot_id, published_at, …) or an empty dict."""
    frame = run_query(_conn, "select * from publication order by published_at desc limit 1")
    return frame.row(0, named=True) if frame.height else {}


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def scheme_evaluations(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every scheme x outcome row of ``mart_scheme_evaluation`` (estimates or the reason there are none)."""
    return run_query(
        _conn, "select * from mart_scheme_evaluation order by scheme_type, force_name, scheme_key, outcome"
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def scheme_evaluation_series(_conn: duckdb.DuckDBPyConnection, key: str, scheme_key: str, outcome: str) -> pl.DataFrame:
    """The periods of one evaluation from ``mart_scheme_evaluation_series``, oldest first."""
    return run_query(
        _conn,
        "select * from mart_scheme_evaluation_series where scheme_key = ? and outcome = ? order by period_start",
        [scheme_key, outcome],
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revisions_summary(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_revisions`` counted by table, kind of change and cause (what changed since the last publication)."""
    return run_query(
        _conn,
        "select table_name, change_type, coalesce(cause, 'not known') as cause, count(*) as changes "
        "from mart_revisions group by all order by table_name, change_type, cause",
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revisions_of(_conn: duckdb.DuckDBPyConnection, key: str, table_name: str) -> pl.DataFrame:
    """Every row of ``mart_revisions`` for one published table, by kind of change, force, period and measure."""
    return run_query(
        _conn,
        "select change_type, measure, force_code, period, row_key, old_value, new_value, cause, cause_detail "
        "from mart_revisions where table_name = ? order by change_type, force_code, period, measure, row_key",
        [table_name],
    )
