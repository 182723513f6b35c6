"""Shared helpers for the national pages: cached queries through apps.data, year choice, downloads, footnotes.

Every query goes through ``apps.data.run_query`` on the cached read-only snapshot connection, so DECIMAL columns
arrive as DOUBLE and a missing table or column becomes ``SnapshotUnavailable`` (shown as a friendly message).
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from apps import data


class EmptyTable(data.SnapshotUnavailable):
    """A table the page needs is in the snapshot but holds no rows."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The serving snapshot holds no {what} yet. {data.REFRESH_HINT}", missing=True)


@st.cache_data(ttl=data.QUERY_TTL, show_spinner=False)
def query(_conn: duckdb.DuckDBPyConnection, key: str, sql: str, params: tuple[Any, ...] = ()) -> pl.DataFrame:
    """One cached query on the snapshot (``key`` is the resolved snapshot path: a new publish, new entries)."""
    return data.run_query(_conn, sql, list(params))


def show_unavailable(exc: data.SnapshotUnavailable) -> None:
    (st.info if exc.missing else st.error)(str(exc))


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: Any, digits: int = 1) -> str:
    return "–" if missing(value) else f"{value:,.{digits}f}"


def choose(label: str, options: list[str], param: str, fmt=str, help: str | None = None, column=None) -> str:
    """A selectbox whose choice is kept in the page address (``?param=``); falls back to the first option."""
    requested = st.query_params.get(param)
    default = requested if requested in options else options[0]
    target = column if column is not None else st
    value = target.selectbox(
        label,
        options,
        index=options.index(default),
        format_func=fmt,
        help=help or "The choice is kept in the page address, so the link can be shared.",
        key=f"choose_{param}",
    )
    if st.query_params.get(param) != value:
        st.query_params[param] = value
    return value


def download(frame: pl.DataFrame, label: str, file_name: str) -> None:
    st.download_button(
        label,
        data=frame.write_csv(),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"download_{file_name}",
    )


def publication(snapshot: data.Snapshot) -> dict[str, Any]:
    try:
        return data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable:
        return {}


def footnotes(lines: list[str], pub: dict[str, Any]) -> None:
    published_at = pub.get("published_at")
    published = published_at.strftime("%d %B %Y %H:%M") if hasattr(published_at, "strftime") else published_at
    with st.container(border=True):
        for line in lines:
            st.caption(line)
        st.caption(f"Snapshot `{pub.get('snapshot_id', 'unknown')}`, published {published or 'at an unknown time'}.")
