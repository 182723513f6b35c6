"""Run the project's dbt against a test warehouse (shared by every dbt-building test).

dbt runs in the test's own process (dbtRunner, dbt's programmatic entry point): importing dbt and its adapters
costs about 3 s, paid once per test process instead of once per call (the suite makes some fifty calls). Each call
gets the environment, working folder and console output a `dbt` subprocess would have had, and dbt-duckdb's
database is closed after it, so the test (or a process it starts) opens the warehouse as after a subprocess.

Parsing the whole project costs dbt more than building a few models, and dbt reuses a parse only for the same
profile, whose DuckDB path is the warehouse's. So dbt runs in the warehouse's folder with the warehouse named
relatively (`warehouse.duckdb`), as mhw-dbt starts the refresh's builds: every test's profile is then the same, and
each new target folder starts from the parse `make manifest` made.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from orchestration.dbt_child import WAREHOUSE_ENV, WAREHOUSE_NAME, close_duckdb, in_warehouse_folder

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"


@contextmanager
def _as_a_subprocess(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """This process's environment and working folder as a `dbt` subprocess would have them, restored after."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _dbt(args: list[str], cwd: Path, env: dict[str, str], target: Path) -> subprocess.CompletedProcess:
    """`dbt <args>` in this process; the result as subprocess.run(capture_output=True, text=True) gives it."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import capture_stdout_logs, stop_capture_stdout_logs

    # dbt.log at info level, as the refresh keeps it (orchestration.dbt.dbt_resource): every statement at debug level
    # costs about a tenth of a small build
    cmd = [*args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)]
    cmd += ["--log-level-file", "info"]
    console = io.StringIO()
    capture_stdout_logs(console)
    try:
        with _as_a_subprocess(cwd, env):
            result = dbtRunner().invoke(cmd)
    finally:
        stop_capture_stdout_logs()
        close_duckdb()
    # dbt's exit codes: 0 success, 1 a node failed, 2 dbt itself failed (result.exception)
    code = 0 if result.success else 2 if result.exception is not None else 1
    error = "" if result.exception is None else f"{type(result.exception).__name__}: {result.exception}"
    return subprocess.CompletedProcess(["dbt", *cmd], code, console.getvalue(), error)


@cache
def _parsed_project() -> Path | None:
    """A parse state of the project for a DuckDB warehouse named WAREHOUSE_NAME in dbt's working folder: the one
    `make manifest` made (as the refresh's first build does, orchestration/dbt.py), else one made once here."""
    from orchestration.dbt import first_parse_state  # needs the manifest: imported only when dbt runs

    if (made := first_parse_state()) is not None:
        return made
    folder = Path(tempfile.mkdtemp(prefix="mhw-dbt-parse-"))
    atexit.register(shutil.rmtree, folder, True)
    env = {**os.environ, "MHW_WAREHOUSE": WAREHOUSE_NAME, "DBT_LOG_PATH": str(folder / "logs")}
    done = _dbt(["parse", "--quiet"], folder, env, folder / "target")
    state = folder / "target" / "partial_parse.msgpack"
    return state if done.returncode == 0 and state.exists() else None


def run_dbt(
    args: list[str],
    tmp: Path,
    *,
    warehouse: Path | None = None,
    env_extra: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """`dbt <args>` on the project with its own target and log folders under tmp; fails the test on error (check).

    warehouse sets MHW_WAREHOUSE (the DuckDB target's file). A build of a few marts should pass
    `--indirect-selection cautious`, so tests whose other parents are not built here are left out.
    """
    env = {
        **os.environ,
        **(env_extra or {}),
        "DBT_LOG_PATH": str(tmp / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if warehouse is not None:
        env["MHW_WAREHOUSE"] = str(warehouse)
    cwd, target = REPO, tmp / "dbt_target"
    named = Path(env.get(WAREHOUSE_ENV) or ".").name == WAREHOUSE_NAME
    if named and "--target" not in args and (folder := in_warehouse_folder(env)):
        cwd = folder  # the same profile as the shared parse, as mhw-dbt does
        state = _parsed_project()
        if state is not None and not (target / state.name).exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state, target / state.name)
    proc = _dbt(args, cwd, env, target)
    if check:
        assert proc.returncode == 0, f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    return proc


def rows(con, sql: str) -> list[dict]:
    """Query result as a list of dicts (column name -> value)."""
    cur = con.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
