"""The writer claim: one writer at a time, visibly; a holder killed outright never blocks the next (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from mhw import writer_claim
from mhw.settings import get_settings


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    return get_settings()


def _holder_process(home: Path, *, then: str = "time.sleep(60)") -> subprocess.Popen:
    """Another process that takes the claim as `mhw test-holder`, says so on stdout, then does `then`."""
    code = textwrap.dedent(
        f"""
        import os, time
        from mhw import writer_claim
        from mhw.settings import get_settings
        claim = writer_claim.acquire(get_settings(), "mhw test-holder")
        claim.set_run("run-1234")
        print("held", flush=True)
        {then}
        """
    )
    env = {**os.environ, "MHW_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_claim_is_reentrant_in_a_process_and_released_after_the_last_release(settings):
    first = writer_claim.acquire(settings, "outer")
    inner = writer_claim.acquire(settings, "inner")
    assert inner is first and first.depth == 2
    writer_claim.release(inner)
    assert writer_claim.claim_path(settings).read_text()  # still held: the holder is written
    writer_claim.release(first)
    assert writer_claim.claim_path(settings).read_text() == ""  # released cleanly: nobody to clean up after
    again = writer_claim.acquire(settings, "again")
    assert again.previous is None
    writer_claim.release(again)


def test_busy_claim_names_its_holder_at_once_and_no_wait_exits(settings):
    holder = _holder_process(settings.home)
    try:
        assert writer_claim.current_holder(settings).pid == holder.pid
        started = time.monotonic()
        with pytest.raises(writer_claim.WarehouseBusy) as busy:
            writer_claim.acquire(settings, "second", wait=False)
        assert time.monotonic() - started < 2
        assert f"pid {holder.pid} (mhw test-holder, started " in busy.value.what
        assert "Dagster run run-1234" in busy.value.what
    finally:
        holder.kill()
        holder.wait()


def test_waiting_writer_says_for_whom_at_once_and_proceeds_when_the_holder_ends(settings):
    holder = _holder_process(settings.home, then="time.sleep(1.5); writer_claim.release(claim)")
    said = []
    claim = writer_claim.acquire(settings, "waiter", on_wait=said.append)
    try:
        assert len(said) == 1 and f"pid {holder.pid}" in said[0] and "waiting for it to finish" in said[0]
        assert claim.previous is None, "a holder that exits normally leaves nothing to clean up"
    finally:
        writer_claim.release(claim)
        holder.wait()


def test_holder_killed_outright_releases_the_claim_and_is_reported(settings):
    holder = _holder_process(settings.home)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert writer_claim.current_holder(settings) is None, "the kernel dropped the lock with the process"
    claim = writer_claim.acquire(settings, "next", wait=False)
    try:
        assert claim.previous is not None
        assert (claim.previous.pid, claim.previous.command, claim.previous.run_id) == (
            holder.pid,
            "mhw test-holder",
            "run-1234",
        )
    finally:
        writer_claim.release(claim)


def test_writer_waits_for_a_process_holding_the_duckdb_file(settings):
    """A DuckDB shell (or an orphaned dbt) outside the claim: the writer names it and never meets DuckDB's lock."""
    duckdb.connect(str(settings.warehouse)).close()
    code = (
        f"import duckdb, time; c = duckdb.connect({str(settings.warehouse)!r}, read_only=True); "
        "print('open', flush=True); time.sleep(60)"
    )
    shell = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert shell.stdout.readline().strip() == "open"
        assert writer_claim.duckdb_file_holder(settings.warehouse) == shell.pid
        with pytest.raises(writer_claim.WarehouseBusy) as busy:
            writer_claim.acquire(settings, "writer", wait=False)
        assert f"the warehouse file is open in pid {shell.pid} (python" in busy.value.what
        assert writer_claim.current_holder(settings) is None, "a refused writer leaves the claim free"
    finally:
        shell.kill()
        shell.wait()
    assert writer_claim.duckdb_file_holder(settings.warehouse) is None
    claim = writer_claim.acquire(settings, "writer", wait=False)
    assert claim.previous is None
    writer_claim.release(claim)
