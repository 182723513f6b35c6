"""National public sources: IOPC deaths during or following police contact, Home Office use of force by perceived
health condition, police officers and arrests by force -> raw.* (group 'national_sources').

Each asset loads its files from MHW_PUBLIC_DATA_DIR. Without the folder or the file it loads nothing and says so in
its metadata, so the pipeline runs on any machine. A file in the wrong format or with a force name the alias table
does not know stops the asset with a clear message (file, row, field, name), never a stack trace.
"""

from collections.abc import Callable

import dagster as dg
import duckdb

from ingestion.national.aliases import UnmappedForceName
from ingestion.national.iopc import load_iopc_deaths
from ingestion.national.national_public import PublicFileError, PublicLoadReport
from ingestion.national.police_denominators import load_arrests, load_police_officers
from ingestion.national.use_of_force import load_use_of_force
from ingestion.schema import ensure_raw_schema
from mhw.settings import get_settings

from ..resources import WAREHOUSE_POOL, WarehouseResource

GROUP = "national_sources"

Loader = Callable[[duckdb.DuckDBPyConnection, object], PublicLoadReport]

NATIONAL_SOURCES: dict[str, tuple[Loader, str]] = {
    "iopc_deaths_tables": (
        load_iopc_deaths,
        "IOPC deaths during or following police contact: time-series tables (long format) by edition, all tables.",
    ),
    "home_office_use_of_force": (
        load_use_of_force,
        "Home Office police use of force by officer-perceived health condition of the subject, by force and tactic.",
    ),
    "home_office_police_officers": (
        load_police_officers,
        "Home Office police workforce: officer headcount and FTE by force (open data 2007-2022; Sep 2019 Table 1).",
    ),
    "home_office_arrests": (
        load_arrests,
        "Home Office arrests by force and financial year (open data totals, 2006/07-2017/18).",
    ),
}


def national_source_asset(table: str, loader: Loader, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", table]),
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"polars", "duckdb"},
        description=f"{description} Read from MHW_PUBLIC_DATA_DIR; files already in the ledger are skipped.",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        public_dir = get_settings().public_data_dir
        with warehouse.connect() as con:
            ensure_raw_schema(con)
            try:
                report = loader(con, public_dir)
            except (UnmappedForceName, PublicFileError) as exc:
                raise dg.Failure(
                    description=f"raw.{table} not loaded: {exc}",
                    metadata={"public_data_dir": str(public_dir)},
                    allow_retries=False,
                ) from None
            rows_available = con.execute(
                f"select count(*) from raw.{table} t join raw.load_ledger l using (load_id) where l.status = 'loaded'"
            ).fetchone()[0]
        if report.note:
            context.log.info(f"raw.{table}: {report.note}")
        return dg.MaterializeResult(
            metadata={
                **report.metadata(),
                "rows_available": int(rows_available),
                "public_data_dir": str(public_dir or "(MHW_PUBLIC_DATA_DIR unset)"),
            }
        )

    _asset.__name__ = f"raw_{table}"
    return _asset


national_source_assets = [
    national_source_asset(table, loader, text) for table, (loader, text) in NATIONAL_SOURCES.items()
]
