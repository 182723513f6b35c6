"""The one Dagster code location: `dagster dev` (see [tool.dagster] in pyproject.toml).

Every module in orchestration/assets contributes its assets and asset checks; dbt assets come from
orchestration.dbt. A source is added by adding a module, not by editing this file. The refresh job, the
nightly schedule and the landing sensor come from orchestration.refresh.
"""

import importlib
import pkgutil

import dagster as dg

from . import assets as assets_package
from .dbt import dbt_models, dbt_resource
from .refresh import build_landing_sensor, build_nightly_schedule, refresh_job
from .resources import WarehouseResource

asset_modules = [
    importlib.import_module(f"{assets_package.__name__}.{module.name}")
    for module in pkgutil.iter_modules(assets_package.__path__)
]
all_assets = [*dg.load_assets_from_modules(asset_modules), dbt_models]
asset_keys = sorted({key for asset in all_assets for key in asset.keys})  # what a refresh run can select

nightly = build_nightly_schedule(asset_keys)
landing_sensor = build_landing_sensor(asset_keys)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=dg.load_asset_checks_from_modules(asset_modules),
    jobs=[refresh_job],
    schedules=[nightly],
    sensors=[landing_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
