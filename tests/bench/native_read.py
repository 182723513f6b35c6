"""The reference for the gate's speed: DuckDB's own CSV reader on the same files, read as the gate reads them.

One file at a time into a table, every column as text, in the encoding the delivering force's layout declares
(Windows-1252 files read as latin-1, DuckDB's name for it). Files DuckDB cannot read (the demo's deliberately broken
files) are counted apart; the gate answers those with a reason instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.gate.contract import load_contract


@dataclass(frozen=True)
class NativeRead:
    files: int
    rows: int
    seconds: float
    unreadable: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _encoding(landing: Path, path: Path) -> str:
    source, force = path.relative_to(landing).parts[:2]
    return "latin-1" if load_contract(source).delivery_layout(force).encoding == "cp1252" else "utf-8"


def read_natively(landing: Path, files: list[Path]) -> NativeRead:
    """Read each CSV file into an in-memory DuckDB table, all columns as text; time the reads."""
    csvs = [(f, _encoding(landing, f)) for f in files if f.suffix.lower() == ".csv"]
    rows = unreadable = 0
    with duckdb.connect() as con:
        start = time.perf_counter()
        for path, encoding in csvs:
            try:
                con.execute(
                    "create or replace table native as select * from read_csv(?, all_varchar = true, encoding = ?)",
                    [str(path), encoding],
                )
            except duckdb.Error:
                unreadable += 1
                continue
            rows += con.execute("select count(*) from native").fetchone()[0]
        seconds = time.perf_counter() - start
    return NativeRead(len(csvs), rows, seconds, unreadable)
