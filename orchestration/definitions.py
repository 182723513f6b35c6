"""The one Dagster code location: `dagster dev -m orchestration.definitions`."""

import dagster as dg

from .assets.ingestion import raw_ons_population_pfa, raw_s136
from .assets.publish import serving_snapshot
from .checks import s136_reconciliation
from .dbt import dbt_models, dbt_resource
from .resources import WarehouseResource

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Full refresh: landing -> raw -> dbt build -> serving snapshot.",
    executor_def=dg.in_process_executor,  # one DuckDB writer at a time
)

nightly = dg.ScheduleDefinition(job=refresh_job, cron_schedule="30 2 * * *", execution_timezone="Europe/London")

defs = dg.Definitions(
    assets=[raw_s136, raw_ons_population_pfa, dbt_models, serving_snapshot],
    asset_checks=[s136_reconciliation],
    jobs=[refresh_job],
    schedules=[nightly],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
