from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixture import BuiltSnapshot, build_snapshot

APP = str(Path(__file__).resolve().parents[2] / "apps" / "app.py")


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every MHW_* path into tmp_path, so no test reads the repository's data/ folder."""
    home = tmp_path / "mhw_home"
    monkeypatch.setenv("MHW_HOME", str(home))
    monkeypatch.setenv("MHW_SERVING_DIR", str(home / "serving"))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    return home


@pytest.fixture
def serving_snapshot(isolated_home: Path) -> BuiltSnapshot:
    return build_snapshot(isolated_home / "serving")


@pytest.fixture
def app_path() -> str:
    return APP
