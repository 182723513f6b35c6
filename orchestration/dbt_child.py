"""`mhw-dbt`: dbt bound to the life of the process that started it (the dbt executable of orchestration.dbt).

dagster-dbt runs dbt as a child process. If that parent is killed outright (SIGKILL: the OOM killer, a CI timeout),
a plain child would run on, orphaned, with the warehouse open, and the next refresh would have to wait for it.
This wrapper asks Linux to kill it as soon as its parent dies (mhw/child_process.py), then becomes dbt (exec),
keeping that wish. Elsewhere it just runs dbt, and the writer claim waits for an orphan instead.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mhw.child_process import end_with_parent

PARENT_ENV = "MHW_DBT_PARENT_PID"  # set by the parent: the pid whose death must end dbt


def dbt_executable() -> str:
    """mhw-dbt beside the running Python (else that environment's dbt, else dbt from PATH)."""
    bin_dir = Path(sys.executable).parent
    found = next((bin_dir / name for name in ("mhw-dbt", "dbt") if (bin_dir / name).exists()), None)
    return str(found) if found else "dbt"


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a dbt child of this process: mhw-dbt ends it when this process dies."""
    return {**(os.environ if env is None else env), PARENT_ENV: str(os.getpid())}


def installed_versions() -> str:
    """`dbt --version` as this environment's packages say, without dbt's online check for a newer release (no
    network on the build machines; dbt spends some 6 s on it, and dagster-dbt asks before every build)."""
    lines = ["Core:", f"  - installed: {version('dbt-core')}", "", "Plugins:"]
    for adapter in ("duckdb", "postgres"):
        try:
            lines.append(f"  - {adapter}: {version(f'dbt-{adapter}')}")
        except PackageNotFoundError:
            pass
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(installed_versions())
        return
    parent = os.environ.get(PARENT_ENV)
    if not end_with_parent(int(parent) if parent else None):  # the parent died before the wish was made
        sys.exit(f"mhw-dbt: the process that started dbt (pid {parent}) has gone; not running dbt")
    dbt = Path(sys.executable).parent / "dbt"
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
