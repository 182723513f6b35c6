"""The dbt project as Dagster assets: dbt runs as a subprocess (`dbt build`), its tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from mhw.published import NPCC_OBJECTIVES
from mhw.settings import DBT_PROJECT_DIR

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
    """Seeds, models, unit tests and data tests, in dependency order (under this run's writer claim)."""
    os.environ["MHW_WAREHOUSE"] = str(warehouse.path)  # dbt resolves the same absolute path
    os.environ[PARENT_ENV] = str(os.getpid())  # mhw-dbt dies with this process
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    """dbt from this environment's bin (beside the running Python), so PATH does not matter; through the mhw-dbt
    wrapper when installed, so that dbt never outlives a killed refresh (orchestration/dbt_child.py)."""
    executable = dbt_executable()
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=executable)
