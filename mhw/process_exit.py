"""Ending a command's process once its work is done, without Python's teardown of what it loaded.

At exit Python frees every object of every module it imported, one by one: for a process that has loaded Dagster,
dbt, DuckDB, polars and pandas (some 300,000 objects) that takes about a second, at the end of every `mhw refresh`
and of every dbt build inside it (docs/operations.md, "Process exit"). Nothing in that teardown is work of ours:
connections to the warehouse are closed by the code that opened them, files are written atomically, and the exit
handlers (logging's flush, temporary folders' removal) still run here. So once a command has finished, the process
flushes its output, runs those handlers and ends at once with the command's status.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def exit_now(code: object = 0) -> NoReturn:
    """End the process with ``code`` as sys.exit() takes it (None: 0; a message: printed to stderr, status 1). While
    another non-daemon thread runs, Python's own exit, which waits for it, is used instead."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others:
        sys.exit(code)
    atexit._run_exitfuncs()  # what Python's exit would run first: logging's flush, weakref finalizers (temp folders)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written to it
            pass
    os._exit(code)


def run_then_exit(command: Callable[[], object], before_exit: Callable[[], None] = lambda: None) -> NoReturn:
    """Run a command line (a click or typer command, which ends by raising SystemExit), then ``before_exit``, then
    exit_now with the command's status. Any other exception propagates, and Python's own exit follows."""
    try:
        command()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    before_exit()
    exit_now(code)
