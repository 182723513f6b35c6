"""Dagster's helper that watches each step's output mirror, run with Ctrl-C left to the refresh.

Dagster mirrors a step's captured output to the terminal through `tail -F`, and starts a small Python process
beside it (dagster/_core/execution/scripts/watch_orphans.py) that stops the `tail` should the step's process die.
Ctrl-C in a terminal reaches every process of the command's group, so that helper met it too and printed a
KeyboardInterrupt traceback (one per running step) above `mhw refresh`'s own message, which says that the refresh
was interrupted and which snapshot stands. Run as a script, this file ignores SIGINT and then runs Dagster's helper
unchanged: it still ends when Dagster stops it (SIGTERM, at the end of the step) or when its parent dies.
`install()` (orchestration/definitions.py, so in every process that runs the project's steps) points Dagster at it.
"""

from __future__ import annotations

import runpy
import signal
import sys
import types
from importlib.util import find_spec
from pathlib import Path


def dagster_watcher() -> Path:
    """Dagster's own helper script, found without importing dagster (this starts once for every step)."""
    spec = find_spec("dagster")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("dagster is not installed")
    return Path(spec.submodule_search_locations[0]) / "_core" / "execution" / "scripts" / "watch_orphans.py"


def install() -> None:
    """Have Dagster start this file, not its helper, beside each step's `tail` (it starts it by the path of the
    module `watch_orphans` it imported)."""
    from dagster._core.execution import compute_logs

    compute_logs.watch_orphans = types.SimpleNamespace(__file__=str(Path(__file__).resolve()))


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the refresh's to answer, not this helper's
    watcher = dagster_watcher()
    sys.argv = [str(watcher), *sys.argv[1:]]
    runpy.run_path(str(watcher), run_name="__main__")


if __name__ == "__main__":
    main()
