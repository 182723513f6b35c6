"""Run the project's dbt as a subprocess against a test warehouse (shared by every dbt-building test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(
    args: list[str], tmp: Path, *, warehouse: Path | None = None, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`dbt <args>` on the project with its own target and log folders under tmp; fails the test on error.

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
    cmd = [str(DBT), *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target-path", str(tmp / "dbt_target")]  # fmt: skip
    # the timeout guards against a hang on a shared, loaded machine; it is not a speed test
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    return proc


def rows(con, sql: str) -> list[dict]:
    """Query result as a list of dicts (column name -> value)."""
    cur = con.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
