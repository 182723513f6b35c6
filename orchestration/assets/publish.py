"""Publish asset: the serving snapshot the app and analysts read, and the blocking checks in front of it.

The published models (dim_* and mart_* of the marts schema) come from the dbt manifest (mhw.published), so a new
mart is published, checked and compared for revisions without a change here.
"""

import dagster as dg

from mhw.catalog import table_columns
from mhw.checks import contract_problems
from mhw.published import PUBLISHED_SCHEMA, PublishedModel, load_manifest, published_models
from mhw.refresh_inputs import PLAN_TAG, ledger_totals, record_planned_refresh
from mhw.serving import publish_snapshot, require_checks_pass
from mhw.settings import get_settings

from ..dbt import dbt_project, translator
from ..resources import WarehouseResource

SERVING_SNAPSHOT = dg.AssetKey("serving_snapshot")


def _models() -> dict[str, PublishedModel]:
    return published_models(load_manifest(dbt_project.manifest_path))


def _asset_key(model: PublishedModel) -> dg.AssetKey:
    return translator.get_asset_key(load_manifest(dbt_project.manifest_path)["nodes"][model.unique_id])


def published_model_keys() -> list[dg.AssetKey]:
    """The asset keys of the published dbt models (never fct_*)."""
    return [_asset_key(model) for model in _models().values()]


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "columns_match_contract",
            asset=_asset_key(model),
            blocking=True,
            description="the built table's columns are those of the model's .yml",
        )
        for model in _models().values()
    ],
    can_subset=True,
)
def contract_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Blocking: each published table has exactly the columns its .yml declares, so a column changes only with its
    contract (docs/operations.md). One step for every model: a step of its own cost each some 0.15 s of Dagster's
    bookkeeping; a failed check still stops the publish, as the step fails once every result is reported."""
    models = {_asset_key(model): model for model in _models().values()}
    with warehouse.connect() as con:
        for key in sorted(context.selected_asset_check_keys):
            model = models[key.asset_key]
            built = table_columns(con, model.name, PUBLISHED_SCHEMA)
            problems = contract_problems(built, model)
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=not problems,
                description="; ".join(problems) or None,
                metadata={"built_columns": len(built), "declared_columns": len(model.columns)},
            )


@dg.asset(deps=published_model_keys(), group_name="serving", kinds={"duckdb"})
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """A new serving/<stamp>.duckdb of the published tables and their revisions, then serving/current.duckdb
    switched to it (under the run's writer claim)."""
    settings = get_settings()
    models = _models()
    require_checks_pass(warehouse.path, models)  # when materialised without the checks above (alone, in the UI)
    snapshot = publish_snapshot(warehouse.path, settings.serving_dir, models=models, demo=settings.demo)
    context.log.info(snapshot.summary())
    plan_id = context.run.tags.get(PLAN_TAG)
    if plan_id:  # a scheduled or sensed refresh: recorded as `mhw refresh` records its own, so the next skips
        # until an input changes and then runs only what changed since
        if not record_planned_refresh(settings, plan_id, ledger_totals(settings)):
            context.log.warning(
                f"refresh plan {plan_id}: gone, or the code changed since it was made; not recorded, so the next "
                "refresh runs in full"
            )
    return dg.MaterializeResult(
        metadata={
            "snapshot": str(snapshot.path),
            "snapshot_id": snapshot.snapshot_id,
            "revisions": snapshot.revisions,
            **{f"rows.{table}": rows for table, rows in snapshot.tables.items()},
        }
    )
