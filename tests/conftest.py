"""Fixtures shared across test folders: the serving snapshot the real pipeline builds (tests/pipeline_snapshot.py).

It is built once per test session, also under pytest-xdist: the workers share the session's base temporary folder,
and a file lock lets the first worker build while the others wait and then reuse it (the pattern pytest-xdist
documents for session fixtures that must run once). Tests only read it; a test that changes a snapshot copies it
first (tests/apps/conftest.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from filelock import FileLock

from tests import pipeline_snapshot

BUILT = "built.json"
# the app hides tracebacks from its users (.streamlit/config.toml); tests want the whole error
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"


@pytest.fixture(scope="session")
def pipeline_snapshot_build(tmp_path_factory, worker_id) -> pipeline_snapshot.PipelineSnapshot:
    """The snapshot the real pipeline publishes from the small landing zone of tests/pipeline_snapshot.py.

    MHW_TEST_REUSE_BUILD=<folder of an earlier build> reuses that build as it is (its built.json), for iterating on
    app tests locally; it is not checked against the code, so never set it in CI.
    """
    reuse = os.environ.get("MHW_TEST_REUSE_BUILD")
    if reuse:
        return pipeline_snapshot.PipelineSnapshot.from_json(json.loads((Path(reuse) / BUILT).read_text()))
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # under xdist: the session's folder, parent of every worker's own
        shared = shared.parent
    home = shared / "pipeline_snapshot"
    with FileLock(str(shared / "pipeline_snapshot.lock")):
        marker = home / BUILT
        if marker.exists():
            return pipeline_snapshot.PipelineSnapshot.from_json(json.loads(marker.read_text()))
        built = pipeline_snapshot.build(home)
        marker.write_text(json.dumps(built.to_json()))
        return built
