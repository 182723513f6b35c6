"""The writer's transactions: whole files committed together, their rows inserted one statement per table.

Every COMMIT_SECONDS the files written so far commit together (a commit costs a disk flush, so not one per file),
and the rest at the end; an error rolls back the files not committed yet (the next refresh loads them again). The
ledger entries, rows, rejects and 'seen' records of the files written since the last commit wait here and go in with
one insert per table just before the commit, or before anything reads those tables (`flush`): one insert of many
files' rows costs DuckDB far less than one per file. A file's entry, rows and rejects still commit together, in the
same transaction; the writer answers its own questions about the ledger meanwhile (ledger.LedgerView).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import polars as pl

from ingestion.gate.ledger import Entry, entries_frame

FLUSH_ROWS = 50_000  # rows held back at most: then they go in (still uncommitted), so memory does not grow with speed
COMMIT_SECONDS = 5.0  # files written within this long commit together (each file's rows, rejects and entry always)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> None:
    """Insert a frame's rows into a table, column by name (columns the frame lacks get the table's default).

    The frame goes in as one chunk: DuckDB keeps some 120 KB for each chunk it is given until the commit, so the
    one-row frames of thousands of files (their rejects, stray files) would otherwise run it out of memory."""
    if df.height:
        con.register("_mhw_frame", df.rechunk().to_arrow())
        try:
            con.execute(f"insert into {table} by name select * from _mhw_frame")
        finally:
            con.unregister("_mhw_frame")


class Transaction:
    """The open transaction of a writer: what it holds back until the next flush, and when to commit."""

    def __init__(self, con: duckdb.DuckDBPyConnection, commit_seconds: float):
        self.con = con
        self._commit_seconds = commit_seconds
        self._entries: list[tuple[Entry, datetime]] = []
        self._frames: dict[str, list[pl.DataFrame]] = {}
        self._rows = 0  # rows in _frames
        self._seen: dict[str, tuple[str, str]] = {}
        self._started = time.monotonic()

    def entry(self, entry: Entry) -> None:
        """A ledger entry, written now (its loaded_at), inserted at the next flush."""
        self._entries.append((entry, datetime.now()))

    def insert(self, table: str, df: pl.DataFrame) -> None:
        """Rows for a table, inserted at the next flush."""
        if df.height:
            self._frames.setdefault(table, []).append(df)
            self._rows += df.height
            if self._rows >= FLUSH_ROWS:
                self.flush()

    def seen(self, file_path: str, signature: str, sha: str) -> None:
        """How a landing file looked when it was read (raw.landing_file_seen), recorded at the next flush."""
        self._seen[file_path] = (signature, sha)

    def flush(self) -> None:
        """Insert what is held back, one statement per table."""
        if self._entries:
            entries, self._entries = self._entries, []
            insert_frame(self.con, "raw.load_ledger", entries_frame(entries))
        frames, self._frames, self._rows = self._frames, {}, 0
        for table, parts in frames.items():
            insert_frame(self.con, table, pl.concat(parts, how="diagonal_relaxed"))
        if self._seen:
            seen = pl.DataFrame(
                [(path, signature, sha) for path, (signature, sha) in self._seen.items()],
                schema={"file_path": pl.String, "signature": pl.String, "sha256": pl.String},
                orient="row",
            )
            self._seen = {}
            self.con.register("_mhw_seen", seen.to_arrow())
            try:
                self.con.execute("insert or replace into raw.landing_file_seen by name select * from _mhw_seen")
            finally:
                self.con.unregister("_mhw_seen")

    def file_written(self) -> None:
        """A whole file is written: commit the files so far when the transaction has been open long enough."""
        if time.monotonic() - self._started >= self._commit_seconds:
            self.commit()
            self.con.execute("begin transaction")
            self._started = time.monotonic()

    def commit(self) -> None:
        self.flush()
        self.con.execute("commit")


@contextmanager
def transactions(con: duckdb.DuckDBPyConnection) -> Iterator[Transaction]:
    """Transactions holding whole files (see the module's docstring): the caller writes files and calls
    `file_written` after each; what is left commits at the end, and an error rolls back what is not committed."""
    con.execute("begin transaction")
    tx = Transaction(con, COMMIT_SECONDS)
    try:
        yield tx
        tx.commit()
    except BaseException:
        con.execute("rollback")
        raise
