"""The dbt project as Dagster assets: dbt runs as a subprocess (`dbt build`), its tests become asset checks."""

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from mhw.progress import Reporter
from mhw.published import NPCC_OBJECTIVES, load_manifest
from mhw.settings import DBT_PROJECT_DIR, get_settings

from .dbt_changes import build_inputs, changes, has_marts, last_build, raw_tables, record_build, unaffected
from .dbt_child import PARENT_ENV, dbt_executable
from .resources import WAREHOUSE_POOL, WarehouseResource

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class Translator(DagsterDbtTranslator):
    """Groups dbt assets by layer (staging, intermediate, marts) so the graph reads left to right, and tags each
    published mart with its NPCC strategy objectives (dbt meta `npcc_objectives`; filter the UI by tag)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        schema = dbt_resource_props.get("config", {}).get("schema")
        return schema or "dbt"

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        meta = {**dbt_resource_props.get("meta", {}), **dbt_resource_props.get("config", {}).get("meta", {})}
        objectives = {f"npcc_objective_{n}": NPCC_OBJECTIVES[int(n)] for n in meta.get("npcc_objectives", [])}
        return {**super().get_tags(dbt_resource_props), **objectives}


translator = Translator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Seeds, models, unit tests and data tests, in dependency order (under this run's writer claim): what is
    downstream of the raw tables that changed since the last successful build (orchestration/dbt_changes.py), the
    rest reported unchanged. Says how far it has come every few seconds."""
    dbt_dir = get_settings().dbt_dir
    manifest = load_manifest(dbt_project.manifest_path)
    with warehouse.connect() as con:  # closed before dbt opens the warehouse
        inputs = build_inputs(con, warehouse.path, raw_tables(manifest))
        previous = last_build(dbt_dir) if has_marts(con) and not context.is_subset else None
    found = changes(previous, inputs)
    built: set[str] = set()
    if found is not None and found.nothing:
        context.log.info("dbt build: nothing it reads changed since the last build (raw loads, code): not run")
    else:
        skipped = [] if found is None else unaffected(manifest, found)
        what = "everything" if found is None else f"what is downstream of {found.describe()}"
        context.log.info(f"dbt build: {what} ({len(skipped)} models, seeds and tests unaffected)")
        yield from _build(context, dbt, warehouse, dbt_dir, skipped, built)
    outputs = {context.assets_def.get_output_name_for_asset_key(key) for key in context.selected_asset_keys}
    for name in sorted(outputs - built):  # so that what depends on them (the publish) still runs
        yield dg.Output(None, output_name=name, metadata={"rebuilt": "no: none of its inputs changed"})
    if not context.is_subset:
        record_build(dbt_dir, inputs)


def _build(context, dbt: DbtCliResource, warehouse: WarehouseResource, dbt_dir: Path, skipped, built: set[str]):
    """`dbt build` of what the run asks for but the `skipped` nodes, adding the outputs it yields to `built`."""
    os.environ["MHW_WAREHOUSE"] = str(warehouse.path)  # dbt resolves the same absolute path
    os.environ[PARENT_ENV] = str(os.getpid())  # mhw-dbt dies with this process
    target = build_target(dbt_dir)
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys) - len(skipped)
    reporter = Reporter(context.log.info, "dbt build")
    with _skipping(skipped):
        invocation = dbt.cli(
            ["build", *(["--exclude", *skipped] if skipped else [])], context=context, target_path=target
        )
    done = 0
    for done, event in enumerate(invocation.stream(), start=1):
        if done == 1:  # dbt has parsed the project: keep its parse state for the next build
            keep_parse_state(target)
        if isinstance(event, dg.Output):
            built.add(event.output_name)
        reporter.update(done, max(total, done + 1), f"{done:,} of about {total:,} models, seeds and tests")
        yield event
    reporter.update(done, done, f"{done:,} models, seeds and tests")


@contextmanager
def _skipping(skipped: list[str]) -> Iterator[None]:
    """While dbt starts: a test is left out only when named (not because a parent is), so a test of a rebuilt model
    against one left out still runs (dbt's indirect selection 'empty')."""
    before = os.environ.get(INDIRECT_SELECTION)
    if skipped:
        os.environ[INDIRECT_SELECTION] = "empty"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(INDIRECT_SELECTION, None)
        else:
            os.environ[INDIRECT_SELECTION] = before


PARSE_STATE = "partial_parse.msgpack"
INDIRECT_SELECTION = "DBT_INDIRECT_SELECTION"


def build_target(dbt_dir: Path) -> Path:
    """A fresh dbt target folder for a build, seeded with the parse state the last build in this MHW_HOME left.

    dbt reuses a parse state only for the same profile, and the profile holds the warehouse's path, so the state
    of the project's own target folder (made by `dbt parse` without a warehouse) is never reusable here: without
    this, every build would parse the whole project again. Earlier builds' folders are removed (the last one is
    kept until then, for its logs and run results)."""
    for old in dbt_dir.glob("build-*"):
        shutil.rmtree(old, ignore_errors=True)
    target = dbt_dir / f"build-{uuid.uuid4().hex[:8]}"
    target.mkdir(parents=True)
    if (dbt_dir / PARSE_STATE).exists():
        shutil.copyfile(dbt_dir / PARSE_STATE, target / PARSE_STATE)
    return target


def keep_parse_state(target: Path) -> None:
    """Keep a build's parse state for the next build (written whole, then renamed into place)."""
    if (target / PARSE_STATE).exists():
        kept = target.parent / f".{PARSE_STATE}.tmp"
        shutil.copyfile(target / PARSE_STATE, kept)
        kept.replace(target.parent / PARSE_STATE)


def dbt_resource() -> DbtCliResource:
    """dbt from this environment's bin (beside the running Python), so PATH does not matter; through the mhw-dbt
    wrapper when installed, so that dbt never outlives a killed refresh (orchestration/dbt_child.py)."""
    executable = dbt_executable()
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=executable)
