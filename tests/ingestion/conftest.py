"""Shared fixtures for the ingestion tests: a landing zone in tmp_path (the warehouse: `con`, tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path
