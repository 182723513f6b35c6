"""Loading one published reference file (ONS, Home Office, IOPC, ...) into its raw table, with the ledger.

Shared by every public-source loader. A file already loaded (same sha256 for the source) loads nothing. A
changed file supersedes the earlier load of the same `period` (an edition, e.g. '2019-20') and replaces its
rows; loads of other periods stay (unless `replaces_every_period`), so two editions of a publication sit side
by side. Rows, ledger entry and supersession commit in one transaction.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.gate.load import free_load_id
from ingestion.schema import ensure_raw_schema


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def already_loaded(con: duckdb.DuckDBPyConnection, source: str, sha: str) -> bool:
    ensure_raw_schema(con)
    return bool(
        con.execute(
            "select 1 from raw.load_ledger where source = ? and sha256 = ? and status = 'loaded'", [source, sha]
        ).fetchone()
    )


def load_public_frame(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    public_dir: Path,
    source: str,
    table: str,
    frame: pl.DataFrame,
    period: str,
    layout: str,
    sha: str | None = None,
    replaces_every_period: bool = False,
) -> int:
    """Write `frame` (plus load_id, source_file) into raw.<table>; returns rows loaded (0 when unchanged).

    replaces_every_period: the new file supersedes every earlier load of the source (one edition at a time).
    """
    sha = sha or file_sha256(path)
    if already_loaded(con, source, sha):
        return 0
    load_id = free_load_id(con, f"{source}/national/{period}/{sha[:16]}")
    rel = path.relative_to(public_dir).as_posix() if path.is_relative_to(public_dir) else path.name
    rows = frame.with_columns(pl.lit(load_id).alias("load_id"), pl.lit(rel).alias("source_file"))
    old = [
        r[0]
        for r in con.execute(
            "select load_id from raw.load_ledger where source = ? and (period = ? or ?) and status = 'loaded'",
            [source, period, replaces_every_period],
        ).fetchall()
    ]
    message = f"{rows.height} rows" + (f"; replaces {', '.join(old)}" if old else "")
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, layout, loaded_at, "
            "rows_read, rows_loaded, rows_rejected, status, message) "
            "values (?, ?, 'national', ?, ?, ?, ?, ?, ?, ?, 0, 'loaded', ?)",
            [load_id, source, period, rel, sha, layout, datetime.now(), rows.height, rows.height, message],
        )
        for old_id in old:
            con.execute(f"delete from raw.{table} where load_id = ?", [old_id])
            con.execute(
                "update raw.load_ledger set status = 'superseded', superseded_by = ? where load_id = ?",
                [load_id, old_id],
            )
        con.register("_mhw_public", rows.to_arrow())
        con.execute(f"insert into raw.{table} by name select * from _mhw_public")
        con.unregister("_mhw_public")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows.height
