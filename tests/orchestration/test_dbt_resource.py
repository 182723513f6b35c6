"""The dbt resource the refresh uses: what it leaves out of dagster-dbt's start-up, and that dbt still runs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.dbt import DbtResource, dbt_resource

MHW_DBT = Path(sys.executable).parent / "mhw-dbt"


def test_the_adapter_hook_it_overrides_is_still_dagster_dbts():
    """If dagster-dbt renamed the hook, the override would silently stop saving the adapter's start-up."""
    assert callable(DbtCliResource.__dict__.get("_initialize_dbt_core_adapter"))
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None
    assert isinstance(dbt_resource(), DbtResource)


def test_mhw_dbt_answers_its_version_from_the_installed_packages():
    done = subprocess.run([str(MHW_DBT), "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert f"installed: {version('dbt-core')}" in done.stdout
    assert f"duckdb: {version('dbt-duckdb')}" in done.stdout
    assert dbt_resource()._cli_version.base_version == version("dbt-core")  # what dagster-dbt reads from it


def test_mhw_dbt_runs_dbt_for_anything_else():
    done = subprocess.run([str(MHW_DBT), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Usage: dbt" in done.stdout
