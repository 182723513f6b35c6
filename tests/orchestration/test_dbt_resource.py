"""The dbt resource the refresh uses: what it leaves out of dagster-dbt's start-up, and that dbt still runs."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource

from orchestration.dbt import (
    MANIFEST,
    PARSE_STATE,
    DbtResource,
    build_target,
    dbt_project,
    dbt_resource,
    drop_outdated_tables,
    first_parse_state,
    last_build_results,
    translator,
)
from orchestration.dbt_child import WAREHOUSE_ENV, in_warehouse_folder

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


def test_dbt_starts_in_the_warehouses_folder_with_the_warehouse_named_by_its_file(tmp_path):
    env = {WAREHOUSE_ENV: str(tmp_path / "home" / "warehouse.duckdb")}
    assert in_warehouse_folder(env) == tmp_path / "home" and env == {WAREHOUSE_ENV: "warehouse.duckdb"}
    relative = {WAREHOUSE_ENV: "../data/warehouse.duckdb"}
    assert in_warehouse_folder(relative) is None and relative == {WAREHOUSE_ENV: "../data/warehouse.duckdb"}
    assert in_warehouse_folder({}) is None


def test_a_build_starts_from_the_homes_parse_state_else_the_projects(tmp_path):
    first = tmp_path / "project_state"
    first.write_bytes(b"project")
    dbt_dir = tmp_path / "dbt"
    target = build_target(dbt_dir, first)
    assert (target / PARSE_STATE).read_bytes() == b"project"
    (dbt_dir / PARSE_STATE).write_bytes(b"home")  # what keep_parse_state leaves after a build
    again = build_target(dbt_dir, first)
    assert (again / PARSE_STATE).read_bytes() == b"home"
    assert not target.exists(), "an earlier build's folder is removed"


def test_a_models_tests_are_read_from_the_last_build_that_ran_them(tmp_path):
    """A build of one model (materialised from the Dagster UI) leaves the other models' test results as the build
    before left them: their `dbt_tests` check, run on its own, does not say their tests were not run."""
    import dagster as dg

    from orchestration.dbt import tests_result  # imported here: pytest would collect it as a test

    dbt_dir, first = tmp_path / "dbt", tmp_path / "project_state"
    first.write_bytes(b"project")

    def build(generated_at: str, results: dict[str, tuple[str, int | None]]) -> None:  # its run results, as dbt's
        rows = [{"unique_id": u, "status": status, "failures": n} for u, (status, n) in results.items()]
        (build_target(dbt_dir, first) / "run_results.json").write_text(
            json.dumps({"metadata": {"generated_at": generated_at}, "results": rows})
        )

    build("t1", {"model.mhw.a": ("success", None), "test.mhw.t_a": ("pass", 0), "test.mhw.t_b": ("warn", 3)})
    build("t2", {"model.mhw.b": ("success", None), "test.mhw.t_b": ("pass", 0)})  # b alone
    generated_at, results = last_build_results(dbt_dir)
    checked = tests_result(dg.AssetKey("a"), ["test.mhw.t_a"], results, generated_at)
    assert checked.passed and checked.metadata["dbt build finished at"].value == "t1"
    assert generated_at == "t2" and results["test.mhw.t_b"]["status"] == "pass"


def test_the_projects_parse_state_is_used_only_when_parsed_for_the_projects_folder():
    """dbt keeps the folder it parsed a seed from; a state parsed with another (a relative) project folder would
    send the seeds' COPY to a path that does not exist."""
    seed = next(n for n in MANIFEST["nodes"].values() if n["resource_type"] == "seed")
    elsewhere = {"nodes": {"seed.x": {**seed, "root_path": "dbt_project"}}}
    assert first_parse_state(elsewhere) is None
    here = {"nodes": {"seed.x": {**seed, "root_path": str(dbt_project.project_dir)}}}
    assert first_parse_state(here) == dbt_project.manifest_path.parent / PARSE_STATE  # written by `make manifest`


def _model(name: str) -> dict:
    return MANIFEST["nodes"][f"model.mhw.{name}"]


def _create(con, name: str, *, without: str | None = None, nullable: bool = False, extra: str | None = None) -> None:
    """The model's table with its documented columns (all text), NOT NULL where declared unless nullable."""
    node = _model(name)
    cols = [
        f'"{col}" varchar' + ("" if nullable or not spec["constraints"] else " not null")
        for col, spec in node["columns"].items()
        if col != without
    ]
    con.execute(f"create schema if not exists {node['schema']}")
    con.execute(f"create table {node['schema']}.{name} ({', '.join(cols + ([f'{extra} varchar'] if extra else []))})")


def test_a_rebuildable_table_a_release_changed_is_dropped_for_the_build_to_make_again():
    """A table whose columns changed, or which lacks a declared NOT NULL, is dropped when its model is rebuildable
    and selected; a current one, an unselected one and mart_escalations (history dbt cannot rebuild) are kept."""
    with duckdb.connect() as con:
        _create(con, "fct_s136_detentions")  # current
        _create(con, "fct_custody_mh", nullable=True)  # created before the constraints
        _create(con, "int_person_contacts", without="load_id")  # created before a column was added
        _create(con, "fct_mh_incidents", extra="old_column")  # outdated, but not selected in this run
        _create(con, "mart_escalations", extra="old_column")  # not rebuildable
        names = ("fct_s136_detentions", "fct_custody_mh", "int_person_contacts", "mart_escalations")
        selected = {translator.get_asset_key(_model(name)) for name in names}
        assert sorted(drop_outdated_tables(con, MANIFEST, selected)) == ["fct_custody_mh", "int_person_contacts"]
        left = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert left == {"fct_s136_detentions", "fct_mh_incidents", "mart_escalations"}


def test_a_current_builds_tables_are_all_kept(pipeline_snapshot_build, tmp_path):
    """The rebuildable models are incremental and document every column of their table, so a warehouse the current
    project built has nothing to drop."""
    rebuildable = [n for n in MANIFEST["nodes"].values() if n["config"].get("meta", {}).get("rebuildable")]
    assert len(rebuildable) == 7 and {n["config"]["materialized"] for n in rebuildable} == {"incremental"}
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(pipeline_snapshot_build.warehouse.read_bytes())
    every = {translator.get_asset_key(n) for n in rebuildable}
    with duckdb.connect(str(copy)) as con:
        assert drop_outdated_tables(con, MANIFEST, every) == []
