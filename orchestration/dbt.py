"""The dbt project as Dagster assets: dbt runs as a subprocess (`dbt build`), its tests become asset checks."""

import os
import sys
from collections.abc import Mapping
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

from mhw.published import NPCC_OBJECTIVES
from mhw.settings import DBT_PROJECT_DIR, get_settings

from .resources import WAREHOUSE_POOL

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
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Seeds, models, unit tests and data tests, in dependency order."""
    os.environ["MHW_WAREHOUSE"] = str(get_settings().warehouse)  # dbt resolves the same absolute path
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    """dbt from this environment's bin (beside the running Python), so PATH does not matter."""
    local = Path(sys.executable).parent / "dbt"
    executable = str(local) if local.exists() else "dbt"
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=executable)
