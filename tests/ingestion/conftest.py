"""Shared fixtures for the ingestion tests: a landing zone and a DuckDB warehouse in tmp_path."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_raw_schema(connection)
    yield connection
    connection.close()
