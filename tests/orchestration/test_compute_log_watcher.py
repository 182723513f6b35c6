"""Ctrl-C during a refresh: the helpers Dagster starts beside each step print no traceback
(orchestration/compute_log_watcher.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from mhw.settings import PROJECT_ROOT

# a step's output mirrored as Dagster mirrors it, in a process of its own group, as `mhw refresh` is in a terminal;
# it imports the code location, so whatever the definitions set up for every step is in place
STEP = textwrap.dedent(
    """
    import sys, tempfile, time
    import orchestration.definitions  # noqa: F401
    from dagster._core.execution import compute_logs

    with tempfile.NamedTemporaryFile() as out:
        try:
            with compute_logs.execute_posix_tail(out.name, sys.stdout) as (tail_pid, watcher_pid):
                print("ready", watcher_pid, flush=True)
                time.sleep(60)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """
)


def test_ctrl_c_reaches_the_step_output_watcher_without_a_traceback():
    """Ctrl-C goes to every process of the terminal's group: Dagster's watcher of a step's `tail` printed a
    KeyboardInterrupt traceback (two per running step) above the refresh's own message."""
    child = subprocess.Popen(
        [sys.executable, "-c", STEP],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("ready"), child.stderr.read()
        watcher = int(line.split()[1])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the watcher has started Python and set itself up
            with open(f"/proc/{watcher}/status") as status:
                ignored = int(next(v for v in status if v.startswith("SigIgn:")).split()[1], 16)
                caught = int(next(v for v in status if v.startswith("SigCgt:")).split()[1], 16)
            if (ignored | caught) & (1 << (signal.SIGINT - 1)):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C does
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert "interrupted" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
