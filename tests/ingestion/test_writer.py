"""The writer's transactions (ingestion/gate/writer.py): files' rows held back, then one insert per table."""

from __future__ import annotations

import polars as pl
import pytest

import ingestion.gate.writer as writer_module
from ingestion.gate.writer import transactions


def _rejects(load_id: str, rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "load_id": [load_id] * rows,
            "source": ["s136"] * rows,
            "file_path": [f"s136/{load_id}.csv"] * rows,
            "row_number": list(range(1, rows + 1)),
            "field": ["age"] * rows,
            "reason": ["age: is not a whole number"] * rows,
        },
        schema_overrides={"row_number": pl.Int32},
    )


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_files_rows_go_in_with_one_insert_per_table_when_the_transaction_commits(con, monkeypatch):
    inserts = []
    original = writer_module.insert_frame
    monkeypatch.setattr(
        writer_module, "insert_frame", lambda c, t, df: inserts.append((t, df.height)) or original(c, t, df)
    )
    with transactions(con) as tx:
        for n, load_id in enumerate(["a", "b", "c"], start=1):
            tx.insert("raw.rejected_rows", _rejects(load_id, n))
            tx.insert("raw.rejected_rows", _rejects(load_id, 0)[:0])  # a file with no rejects adds nothing
            tx.seen(f"s136/{load_id}.csv", "sig-1", f"sha-{load_id}")
            tx.file_written()
        assert inserts == [], "held back until the commit"
        tx.seen("s136/a.csv", "sig-2", "sha-a2")  # read again: the later record wins
    assert inserts == [("raw.rejected_rows", 6)]
    assert _count(con, "select count(*) from raw.rejected_rows") == 6
    seen = con.execute("select file_path, signature, sha256 from raw.landing_file_seen order by 1").fetchall()
    assert seen == [
        ("s136/a.csv", "sig-2", "sha-a2"),
        ("s136/b.csv", "sig-1", "sha-b"),
        ("s136/c.csv", "sig-1", "sha-c"),
    ]


def test_a_flush_makes_held_rows_readable_inside_the_open_transaction_and_an_error_rolls_them_back(con):
    with pytest.raises(RuntimeError, match="disk full"), transactions(con) as tx:
        tx.insert("raw.rejected_rows", _rejects("a", 2))
        assert _count(con, "select count(*) from raw.rejected_rows") == 0
        tx.flush()
        assert _count(con, "select count(*) from raw.rejected_rows") == 2
        raise RuntimeError("disk full")
    assert _count(con, "select count(*) from raw.rejected_rows") == 0


def test_files_commit_together_every_commit_seconds(con, monkeypatch):
    """Each file_written past COMMIT_SECONDS commits what was written so far: another connection sees it."""
    monkeypatch.setattr(writer_module, "COMMIT_SECONDS", 0)
    with transactions(con) as tx:
        tx.insert("raw.rejected_rows", _rejects("a", 1))
        tx.file_written()
        cursor = con.cursor()  # a second connection to the same database: sees committed rows only
        assert _count(cursor, "select count(*) from raw.rejected_rows") == 1
        tx.insert("raw.rejected_rows", _rejects("b", 2))
        tx.flush()
        assert _count(cursor, "select count(*) from raw.rejected_rows") == 1, "flushed, not committed"
    assert _count(con, "select count(*) from raw.rejected_rows") == 3


def test_many_small_files_rows_go_in_within_a_small_memory_limit(con):
    """Thousands of files with a row or two each (rejects, stray files' entries) held back in one transaction:
    one insert of them fits in little memory. (Inserted as thousands of one-row chunks, DuckDB kept some 120 KB
    for each: 8,000 stray files ran a 1 GB warehouse out of memory.)"""
    con.execute("set memory_limit = '64MB'")
    with transactions(con) as tx:
        for n in range(4_000):
            tx.insert("raw.rejected_rows", _rejects(f"load-{n}", 1 + n % 2))
            tx.file_written()
    assert _count(con, "select count(*) from raw.rejected_rows") == 6_000
    assert _count(con, "select count(distinct load_id) from raw.rejected_rows") == 4_000
