"""Ingestion assets: landing files -> raw.* through the source contracts, one transaction per file.

`landing_asset(source)` makes the asset of one landing source (ingestion/contracts/<source>.yml), and
`reconciliation_check(source)` its blocking check; a new landing source adds one line to LANDING_SOURCES.
"""

import dagster as dg

from ingestion.load import ingest_source
from ingestion.population import load_ons_population
from ingestion.pseudonymise import MissingKeyError, resolve_key
from ingestion.schema import ensure_raw_schema
from mhw.settings import get_settings

from ..resources import WAREHOUSE_POOL, WarehouseResource

LANDING_SOURCES = {
    "s136": "s136/s135 detention records (ADR-125), validated and pseudonymised at the gate.",
    "adr125_published": "Home Office published s136 tables (ADR-125 items, long format), one file per release.",
    "inspections": "Inspection findings tracker (HMICFRS/CQC/HMIP/joint), monthly status snapshots.",
}
RAW_S136 = dg.AssetKey(["raw", "s136"])
RAW_POPULATION = dg.AssetKey(["raw", "ons_population_pfa"])


def landing_asset(source: str, description: str) -> dg.AssetsDefinition:
    """The asset loading every new file of landing/<source>/ into raw.<source>, rejects and the ledger."""

    @dg.asset(
        key=dg.AssetKey(["raw", source]),
        group_name="ingestion",
        pool=WAREHOUSE_POOL,
        kinds={"polars", "duckdb"},
        description=f"{description} Files already in the ledger are skipped.",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = get_settings()
        try:
            key, key_id = resolve_key(settings)
        except MissingKeyError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        with warehouse.connect() as con:
            ensure_raw_schema(con)
            report = ingest_source(con, settings.landing_dir, source=source, key=key, key_id=key_id)
        for result in report.files:
            if result.status != "loaded" or result.rows_rejected:
                context.log.warning(f"{result.path}: {result.status}; {result.message or ''}")
        return dg.MaterializeResult(
            metadata={
                "files_new": len(report.files),
                "rows_read": report.rows_read,
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "files_rejected": report.count("rejected_file"),
                "key_id": key_id,
            }
        )

    return _asset


landing_assets = [landing_asset(source, text) for source, text in LANDING_SOURCES.items()]


@dg.asset(key=RAW_POPULATION, group_name="ingestion", pool=WAREHOUSE_POOL, kinds={"polars", "duckdb"})
def raw_ons_population_pfa(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """ONS mid-year population by police force area from MHW_PUBLIC_DATA_DIR (absent: stand-in denominators)."""
    settings = get_settings()
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        rows = load_ons_population(con, settings.public_data_dir)
        active = con.execute("select count(*) from raw.ons_population_pfa").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": rows,
            "rows_available": active,
            "public_data_dir": str(settings.public_data_dir or "(unset: stand-in denominators)"),
        }
    )
