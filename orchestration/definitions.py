"""The one Dagster code location: `dagster dev` (see [tool.dagster] in pyproject.toml).

Every module in orchestration/assets contributes its assets and asset checks; dbt assets and `dbt_tests` (each
model's data tests as one check) come from orchestration.dbt. A source is added by adding a module, not by editing
this file. The refresh job and the landing sensor come from orchestration.refresh; the schedules, the run-failure
alert and each source's freshness policy from orchestration.operations.
"""

import importlib
import pkgutil

import dagster as dg

from . import assets as assets_package
from . import compute_log_watcher
from .dbt import dbt_models, dbt_resource, dbt_tests
from .operations import build_schedules, freshness_policies, run_failure_alert, with_freshness
from .refresh import build_landing_sensor, refresh_job
from .resources import WarehouseResource

compute_log_watcher.install()  # Ctrl-C stops a refresh without a traceback from each step's output mirror

asset_modules = [
    importlib.import_module(f"{assets_package.__name__}.{module.name}")
    for module in pkgutil.iter_modules(assets_package.__path__)
]
all_assets = with_freshness([*dg.load_assets_from_modules(asset_modules), dbt_models], freshness_policies())
asset_keys = sorted({key for asset in all_assets for key in asset.keys})  # what a refresh run can select

landing_sensor = build_landing_sensor(asset_keys)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=[*dg.load_asset_checks_from_modules(asset_modules), dbt_tests],
    jobs=[refresh_job],
    schedules=build_schedules(asset_keys),
    sensors=[landing_sensor, run_failure_alert],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    # every run (the refresh job, a materialisation in the UI) runs its steps in one process, resources first: its
    # writer claim is taken before any step claims a warehouse pool slot (orchestration/stale_runs.py)
    executor=dg.in_process_executor,
)
