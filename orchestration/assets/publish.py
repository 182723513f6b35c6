"""Publish asset: the serving snapshot the app and analysts read."""

import json

import dagster as dg

from mhw.serving import publish_snapshot
from mhw.settings import get_settings

from ..dbt import dbt_project, translator


def published_model_keys() -> list[dg.AssetKey]:
    """dbt models of the marts layer that are published: dim_* and mart_* (never fct_*)."""
    manifest = dbt_project.manifest_path
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return [
        translator.get_asset_key(node)
        for node in nodes
        if node["resource_type"] == "model"
        and node["config"].get("schema") == "marts"
        and node["name"].startswith(("dim_", "mart_"))
    ]


@dg.asset(deps=published_model_keys(), group_name="serving", kinds={"duckdb"})
def serving_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """A new serving/<stamp>.duckdb of the published tables, then serving/current.duckdb switched to it."""
    settings = get_settings()
    snapshot = publish_snapshot(settings.warehouse, settings.serving_dir)
    context.log.info(f"published {snapshot.path}")
    return dg.MaterializeResult(
        metadata={
            "snapshot": str(snapshot.path),
            "snapshot_id": snapshot.snapshot_id,
            **{f"rows.{table}": rows for table, rows in snapshot.tables.items()},
        }
    )
