"""The one Dagster code location: `dagster dev` (see [tool.dagster] in pyproject.toml).

Every module in orchestration/assets contributes its assets and asset checks; dbt assets come from
orchestration.dbt. A source is added by adding a module, not by editing this file.
"""

import importlib
import pkgutil

import dagster as dg

from . import assets as assets_package
from .dbt import dbt_models, dbt_resource
from .resources import WarehouseResource

asset_modules = [
    importlib.import_module(f"{assets_package.__name__}.{module.name}")
    for module in pkgutil.iter_modules(assets_package.__path__)
]

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Full refresh: landing -> raw -> dbt build -> serving snapshot.",
    executor_def=dg.in_process_executor,  # one DuckDB writer at a time
)

nightly = dg.ScheduleDefinition(job=refresh_job, cron_schedule="30 2 * * *", execution_timezone="Europe/London")

defs = dg.Definitions(
    assets=[*dg.load_assets_from_modules(asset_modules), dbt_models],
    asset_checks=dg.load_asset_checks_from_modules(asset_modules),
    jobs=[refresh_job],
    schedules=[nightly],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
