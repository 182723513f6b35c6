"""dbt's manifest of the project (dbt_project/target/manifest.json), parsed for the builds' profile.

dbt reuses a parse (the partial_parse.msgpack beside the manifest) only for the same profile, and the profile holds
the warehouse's path. Every parse here names the warehouse as the builds do (orchestration/dbt_child.py), so a new
MHW_HOME's first build starts from it: `make manifest`, `mhw` and `dagster dev` (orchestration/dbt.py) parse alike.
"""

from __future__ import annotations

import os
import subprocess

from .settings import DBT_MANIFEST, DBT_PROJECT_DIR, SEEDS_DIR


class ManifestError(Exception):
    """dbt could not parse the project (its output says why)."""


def is_current() -> bool:
    """True when target/manifest.json is newer than every file dbt parses (models, macros, tests, seeds, config)."""
    if not DBT_MANIFEST.exists():
        return False
    sources = [DBT_PROJECT_DIR / name for name in ("models", "macros", "tests")] + [SEEDS_DIR]
    files = [p for folder in sources for p in folder.rglob("*") if p.is_file()]
    files += [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    built = DBT_MANIFEST.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in files if p.exists())


def prepare(env: dict[str, str] | None = None) -> None:
    """`dbt parse` into target/ for the builds' profile, unless the manifest is current. Raises ManifestError."""
    if is_current():
        return
    from orchestration.dbt_child import WAREHOUSE_ENV, WAREHOUSE_NAME, child_env, dbt_executable

    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cmd = [dbt_executable(), "parse", "--quiet", *project]
    env = {WAREHOUSE_ENV: WAREHOUSE_NAME, **child_env(dict(os.environ) if env is None else env)}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise ManifestError(f"dbt parse failed:\n{done.stdout}{done.stderr}")
