"""mhw.process_exit: the status, the exit handlers and a running thread survive the quick exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _run(body: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = "import sys, atexit, threading, time, tempfile, logging\nfrom mhw.process_exit import exit_now\n"
    script += textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[1])})  # fmt: skip


@pytest.mark.parametrize(("code", "status"), [(0, 0), (None, 0), (4, 4), ("no landing zone", 1)])
def test_status_as_sys_exit_gives_it(tmp_path, code, status):
    done = _run(f"print('output before the exit')\nexit_now({code!r})\n", tmp_path)
    assert done.returncode == status
    assert done.stdout == "output before the exit\n"  # flushed although the process never tore down
    assert ("no landing zone" in done.stderr) == isinstance(code, str)


def test_exit_handlers_and_finalizers_run(tmp_path):
    done = _run(
        """
        folder = tempfile.TemporaryDirectory(dir='.')  # removed by its finalizer at exit, never explicitly
        open('held', 'w').write(folder.name)
        atexit.register(lambda: open('handler_ran', 'w').write('yes'))
        logging.basicConfig(filename='log.txt', level=logging.INFO)
        logging.info('logged just before the exit')
        exit_now(0)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "handler_ran").read_text() == "yes"
    assert not (tmp_path / (tmp_path / "held").read_text()).exists()
    assert "logged just before the exit" in (tmp_path / "log.txt").read_text()


def test_waits_for_a_running_thread(tmp_path):
    done = _run(
        """
        def work():
            time.sleep(0.5)
            open('thread_done', 'w').write('yes')
        threading.Thread(target=work).start()
        exit_now(3)
        """,
        tmp_path,
    )
    assert done.returncode == 3
    assert (tmp_path / "thread_done").read_text() == "yes"


def test_run_then_exit_keeps_a_command_lines_status_and_runs_the_step_before(tmp_path):
    done = _run(
        """
        from mhw.process_exit import run_then_exit
        def command():
            print('ran')
            sys.exit(2)
        run_then_exit(command, lambda: open('closed', 'w').write('yes'))
        """,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (2, "ran\n")
    assert (tmp_path / "closed").read_text() == "yes"
