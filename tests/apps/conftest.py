"""App tests read the serving snapshot the real pipeline built (tests/pipeline_snapshot.py, one build per session).

`published` points the app at that snapshot (read-only, shared); a test that changes a snapshot takes `own_copy`,
which copies it into the test's own serving folder first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.pipeline_snapshot import PipelineSnapshot


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every MHW_* path into tmp_path, so no test reads the repository's data/ folder."""
    home = tmp_path / "mhw_home"
    monkeypatch.setenv("MHW_HOME", str(home))
    monkeypatch.setenv("MHW_SERVING_DIR", str(home / "serving"))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    return home


@pytest.fixture
def published(pipeline_snapshot_build: PipelineSnapshot, isolated_home: Path, monkeypatch) -> PipelineSnapshot:
    """The app reads the pipeline's published snapshot (shared by every test: never written to)."""
    monkeypatch.setenv("MHW_SERVING_DIR", str(pipeline_snapshot_build.snapshot.parent))
    return pipeline_snapshot_build


@pytest.fixture
def own_copy(pipeline_snapshot_build: PipelineSnapshot, isolated_home: Path) -> Path:
    """A copy of the published snapshot as this test's current snapshot (the test may change it)."""
    serving = isolated_home / "serving"
    serving.mkdir(parents=True)
    copy = serving / pipeline_snapshot_build.snapshot.name
    shutil.copyfile(pipeline_snapshot_build.snapshot, copy)
    os.symlink(copy.name, serving / "current.duckdb")
    return copy
