"""A Dagster run killed outright (SIGKILL) while it holds the `warehouse` pool slot: the next run notices, says so,
fails the dead run, frees its slot and completes (before the writer claim it waited for that slot for ever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from mhw.settings import PROJECT_ROOT

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def homes(tmp_path, dagster_home, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    return tmp_path


def _killed_while_writing(home: Path) -> str:
    """Run the pool job in another process, kill it outright inside its step; returns the dead run's id."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.orchestration.pool_job", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    line = proc.stdout.readline()
    assert line.startswith("writing in run "), line
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return line.split()[-1]


def test_next_run_cleans_up_after_a_killed_run_and_completes(homes):
    from tests.orchestration.pool_job import run

    dead = _killed_while_writing(homes)
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.STARTED
        assert dead in instance.event_log_storage.get_concurrency_info("warehouse").active_run_ids

    result = run()

    assert result.success
    with dg.DagsterInstance.get() as instance:
        said = "\n".join(entry.user_message for entry in instance.all_logs(result.run_id))
    assert "the previous writer, pid" in said and f"Dagster run {dead}), died without finishing (killed?)" in said
    assert f"its Dagster run {dead} was still STARTED: marked failed" in said
    assert f"the 'warehouse' pool slot held for run {dead} was freed" in said
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        info = instance.event_log_storage.get_concurrency_info("warehouse")
        assert info.active_run_ids == set() and info.pending_steps == []
