"""Helpers for the ingestion tests (fixture files, ledger and reject queries)."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
KEY, KEY_ID = b"test-key-not-secret", "k-test"


def place(landing: Path, fixture: str, force: str = "E23000001", period: str = "2023-24", name: str | None = None):
    """Copy a fixture file into landing/s136/<force>/<period>/ and return its path."""
    target = landing / "s136" / force / period / (name or fixture)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, target)
    return target


def ledger(con) -> list[tuple]:
    return con.execute(
        "select file_path, status, rows_read, rows_loaded, rows_rejected, superseded_by, load_id "
        "from raw.load_ledger order by loaded_at, file_path"
    ).fetchall()


def rejects(con, file_path: str | None = None) -> list[tuple]:
    sql = "select row_number, field, reason from raw.rejected_rows"
    args = []
    if file_path:
        sql += " where file_path = ?"
        args.append(file_path)
    return con.execute(sql + " order by row_number nulls first, field", args).fetchall()
