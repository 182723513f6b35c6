"""Fixtures shared across test folders: a warehouse with the raw schema (`con`), and the serving snapshot the real
pipeline builds (tests/pipeline_snapshot.py).

It is built once per test session, also under pytest-xdist: the workers share the session's base temporary folder,
and a file lock lets the first worker build while the others wait and then reuse it (the pattern pytest-xdist
documents for session fixtures that must run once). Tests only read it; a test that changes a snapshot copies it
first (tests/apps/conftest.py).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from ingestion.schema import ensure_raw_schema
from tests import pipeline_snapshot

BUILT = "built.json"
# the app hides tracebacks from its users (.streamlit/config.toml); tests want the whole error
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"


@pytest.fixture
def con(tmp_path: Path):
    """A warehouse file with the raw schema, as a refresh leaves it before its first load."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_raw_schema(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="session", autouse=True)
def _streamlit_components_scanned_once():
    """Each new AppTest scans every installed distribution for Streamlit components (0.25-0.4 s here); the
    installed packages do not change during a test run, so each test process scans them once."""
    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            manifest_scanner, "scan_component_manifests", functools.cache(manifest_scanner.scan_component_manifests)
        )
        yield


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


# The order the test files start in, so that `make test`'s workers finish together: xdist --dist loadfile hands
# whole files to the workers in collection order (no reordering by test count), so the few long files go first and
# the many short ones fill the gaps behind them. A worker holds its current file and the next; the first file that asks
# for the pipeline snapshot builds it (some 37 s) while the other waits if it asks too, so one such file comes early,
# behind the second longest. `make test` prints the slowest tests to show when this needs changing.
LONGEST_FIRST = (
    "tests/orchestration/test_refresh_e2e.py",
    "tests/orchestration/test_crash_safety.py",
    "tests/apps/test_benchmarks.py",  # builds the session's pipeline snapshot while the other worker is still busy
    "tests/dbt/test_dbt_build.py",
    "tests/dbt/test_person_contacts_incremental.py",
    "tests/dbt/test_change_review.py",
    "tests/dbt/test_dbt_demand.py",
    "tests/dbt/test_dbt_benchmark.py",
    "tests/e2e/test_browser.py",
    "tests/evaluation/test_scheme_evaluation_pipeline.py",
    "tests/national/test_census_disproportionality.py",
    "tests/national/test_adr125.py",
    "tests/national/test_iopc_home_office.py",
    "tests/national/test_inspections_coroners.py",
    "tests/national/test_population_mart.py",
    "tests/demo/test_force_extracts.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest keep order
