"""The project's Dagster event log (orchestration/event_log.py): Dagster's per-run SQLite files with connections kept
open. What a run stores is read back by another process while the writer still holds its connections, and survives
the writer being killed outright; the open files stay bounded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from mhw.settings import PROJECT_ROOT
from orchestration.event_log import OPEN_SHARDS, OpenSqliteEventLogStorage

pytestmark = pytest.mark.timeout(300)


@dg.asset
def answer() -> int:
    return 42


def test_a_home_mhw_prepared_opens_by_path_without_dagster_home(tmp_path, monkeypatch):
    from mhw.cli import prepare_dagster_home
    from mhw.settings import get_settings

    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = get_settings()
    prepare_dagster_home(settings)
    monkeypatch.delenv("DAGSTER_HOME")  # set by prepare_dagster_home for this process
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert instance.event_log_storage._base_dir == str(settings.dagster_home / "history" / "runs")


def test_make_dev_opens_the_instance_of_the_homes_refreshes(tmp_path, monkeypatch):
    """`make dev` asks dagster_home_for_dev where the UI's instance is: MHW_HOME's, as mhw refresh prepares it."""
    from mhw.cli import dagster_home_for_dev

    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home_for_dev() == tmp_path / "home" / "dagster_home"
    with dg.DagsterInstance.from_config(str(tmp_path / "home" / "dagster_home")) as instance:
        assert instance.event_log_storage._base_dir == str(tmp_path / "home" / "dagster_home" / "history" / "runs")
    assert "dagster_home_for_dev()" in (Path(__file__).parents[2] / "Makefile").read_text()


def _events_seen_by_another_process(run_id: str) -> list[str]:
    """The event types of a run, as a fresh process reading the same DAGSTER_HOME sees them."""
    code = f"""
        import dagster as dg
        with dg.DagsterInstance.get() as instance:
            for record in instance.all_logs({run_id!r}):
                print(record.dagster_event_type.value if record.dagster_event_type else "LOG")
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_project_instance_keeps_dagster_run_logs_where_dagster_does(dagster_home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, OpenSqliteEventLogStorage)
        assert storage._base_dir == str(dagster_home / "history" / "runs")


def test_another_process_reads_a_run_while_its_writer_holds_the_files_open(dagster_home):
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([answer], instance=instance)
        assert result.success
        seen = _events_seen_by_another_process(result.run_id)  # the writer's connections are still open
        mine = [r.dagster_event_type.value if r.dagster_event_type else "LOG" for r in instance.all_logs(result.run_id)]
        assert seen == mine
        assert {"PIPELINE_SUCCESS", "ASSET_MATERIALIZATION", "STEP_SUCCESS"} <= set(seen)
        assert instance.get_latest_materialization_event(dg.AssetKey("answer")).run_id == result.run_id  # the index
    shard = dagster_home / "history" / "runs" / f"{result.run_id}.db"
    with sqlite3.connect(shard) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_what_a_run_stored_survives_its_process_being_killed(dagster_home):
    code = """
        import os, signal
        import dagster as dg
        from tests.orchestration.test_event_log import answer
        instance = dg.DagsterInstance.get()
        result = dg.materialize([answer], instance=instance)
        print(result.run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no dispose, no close: the connections die open
    """
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert killed.returncode == -9, killed.stderr
    run_id = killed.stdout.split()[0]
    assert "PIPELINE_SUCCESS" in _events_seen_by_another_process(run_id)


def test_at_most_a_few_run_files_stay_open(dagster_home):
    with dg.DagsterInstance.get() as instance:
        runs = [dg.materialize([answer], instance=instance).run_id for _ in range(OPEN_SHARDS + 2)]
        storage = instance.event_log_storage
        assert len(storage._engines) <= OPEN_SHARDS
        assert "index" in storage._engines  # the cross-run index is used by every run, so stays open
        for run_id in runs:  # a run whose file was closed is opened again
            assert any(r.dagster_event_type == dg.DagsterEventType.RUN_SUCCESS for r in instance.all_logs(run_id))
    assert not storage._engines  # disposed with the instance
