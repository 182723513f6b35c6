"""`mhw-dbt`: dbt bound to the life of the process that started it (the dbt executable of orchestration.dbt).

dagster-dbt runs dbt as a child process. If that parent is killed outright (SIGKILL: the OOM killer, a CI timeout),
a plain child would run on, orphaned, with the warehouse open, and the next refresh would have to wait for it.
This wrapper asks Linux to kill it as soon as its parent dies (mhw/child_process.py), then runs dbt in the same
process, which keeps that wish. Elsewhere it just runs dbt, and the writer claim waits for an orphan instead.

Started by mhw (the parent named), it also starts dbt in the warehouse's folder with the warehouse named by its file
name (`in_warehouse_folder`); run by hand, it leaves the working folder and relative paths alone:
dbt reuses a parse of the project only for the same profile, and the profile holds the warehouse's path, so every
warehouse then shares one profile, and a new MHW_HOME's first build starts from the parse `make manifest` made
instead of parsing the whole project (some 10 s).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NoReturn

from mhw.child_process import end_with_parent
from mhw.process_exit import run_then_exit

PARENT_ENV = "MHW_DBT_PARENT_PID"  # set by the parent: the pid whose death must end dbt
WAREHOUSE_ENV = "MHW_WAREHOUSE"  # the DuckDB file of dbt's profile (dbt_project/profiles.yml)
WAREHOUSE_NAME = "warehouse.duckdb"  # its usual name: `make manifest` parses the project for this profile


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


def in_warehouse_folder(env: MutableMapping[str, str]) -> Path | None:
    """The folder dbt should start in: the warehouse's, when MHW_WAREHOUSE names it by an absolute path, which env
    then gives as a path relative to that folder (its file name)."""
    path = Path(env.get(WAREHOUSE_ENV) or ".")
    if not path.is_absolute():
        return None
    env[WAREHOUSE_ENV] = path.name
    return path.parent


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(installed_versions())
        return
    parent = os.environ.get(PARENT_ENV)
    if not end_with_parent(int(parent) if parent else None):  # the parent died before the wish was made
        sys.exit(f"mhw-dbt: the process that started dbt (pid {parent}) has gone; not running dbt")
    folder = in_warehouse_folder(os.environ) if parent else None  # started by mhw, which passes absolute paths only
    if folder is not None:
        os.chdir(folder)
    run_dbt(sys.argv[1:])


def close_duckdb() -> None:
    """dbt-duckdb keeps its database open for the next dbt call in the process: close it (DuckDB checkpoints the
    warehouse then), as a dbt process's exit would."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def run_dbt(args: list[str]) -> NoReturn:
    """dbt's command line in this process (as the `dbt` executable runs it), then its warehouse closed and the process
    ended without tearing down dbt's libraries: about 1 s of every build (mhw/process_exit.py)."""
    from dbt.cli.main import cli

    sys.argv = ["dbt", *args]
    run_then_exit(cli, close_duckdb)


if __name__ == "__main__":
    main()
