"""Coroners' Prevention of Future Deaths reports index (police & mental health subset) from MHW_PUBLIC_DATA_DIR."""

import dagster as dg

from ingestion.national.coroners import FILE_NAME, load_coroners_pfd
from ingestion.schema import ensure_raw_schema
from mhw.settings import get_settings

from ..resources import WAREHOUSE_POOL, WarehouseResource

RAW_CORONERS_PFD = dg.AssetKey(["raw", "coroners_pfd_reports"])


@dg.asset(key=RAW_CORONERS_PFD, group_name="national_sources", pool=WAREHOUSE_POOL, kinds={"polars", "duckdb"})
def raw_coroners_pfd_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Regulation 28 PFD reports naming police and mental health (judiciary index, metadata only).

    Without MHW_PUBLIC_DATA_DIR, or without the file in it, nothing is loaded and the pipeline carries on.
    """
    public_dir = get_settings().public_data_dir
    present = public_dir is not None and (public_dir / FILE_NAME).is_file()
    if not present:
        where = "MHW_PUBLIC_DATA_DIR is not set" if public_dir is None else f"{FILE_NAME} is not in {public_dir}"
        context.log.info(f"coroners' PFD index not loaded: {where}")
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        rows = load_coroners_pfd(con, public_dir) if present else 0
        active = con.execute("select count(*) from raw.coroners_pfd_reports").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": rows,
            "rows_available": active,
            "public_file": str(public_dir / FILE_NAME) if present else "(absent: nothing loaded)",
        }
    )
