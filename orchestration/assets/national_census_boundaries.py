"""National reference sources: Census 2011 ethnic group, the ONS LAD -> PFA lookup, PFA boundaries (group
national_sources), plus the cross-check of LAD-summed force populations against a third-party by-PFA file.

Each asset loads one file from MHW_PUBLIC_DATA_DIR into raw.<table> (a file already loaded loads nothing). Without
the folder, or without the file, nothing is loaded and the metadata says so: the pipeline still runs, and
mart_disproportionality then has numerators only (no population, no rates), never invented denominators.
"""

from collections.abc import Callable

import dagster as dg

from ingestion.national import census
from ingestion.national.boundaries import BOUNDARY_FILE, load_pfa_boundaries
from ingestion.schema import ensure_raw_schema
from mhw.settings import get_settings

from ..resources import WAREHOUSE_POOL, WarehouseResource

GROUP = "national_sources"
RAW_CENSUS_LAD = dg.AssetKey(["raw", census.LAD_TABLE])
RAW_CENSUS_PFA = dg.AssetKey(["raw", census.PFA_TABLE])
RAW_LOOKUP = dg.AssetKey(["raw", census.LOOKUP_TABLE])
RAW_BOUNDARIES = dg.AssetKey(["raw", "ons_pfa_boundaries"])


def _public_asset(
    key: dg.AssetKey, table: str, file_name: str, loader: Callable, description: str
) -> dg.AssetsDefinition:
    @dg.asset(key=key, group_name=GROUP, pool=WAREHOUSE_POOL, kinds={"polars", "duckdb"}, description=description)
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = get_settings()
        public_dir = settings.public_data_dir
        if public_dir is None:
            status = "MHW_PUBLIC_DATA_DIR is not set: nothing loaded"
        elif not (public_dir / file_name).is_file():
            status = f"{file_name} is not in {public_dir}: nothing loaded"
        else:
            status = "loaded"
        with warehouse.connect() as con:
            ensure_raw_schema(con)
            rows = loader(con, public_dir) if status == "loaded" else 0
            if status == "loaded" and rows == 0:
                status = "unchanged: this file is already loaded"
            active = con.execute(
                f"select count(*) from raw.{table} where load_id in "
                "(select load_id from raw.load_ledger where status = 'loaded')"
            ).fetchone()[0]
        if active == 0:
            context.log.warning(f"raw.{table} is empty: {status}")
        return dg.MaterializeResult(
            metadata={
                "status": status,
                "rows_loaded": rows,
                "rows_active": int(active),
                "file": file_name,
                "public_data_dir": str(public_dir or "(unset)"),
            }
        )

    return _asset


raw_census2011_ethnic_group_lad = _public_asset(
    RAW_CENSUS_LAD,
    census.LAD_TABLE,
    census.LAD_FILE,
    census.load_census_lad,
    "Census 2011 QS201EW ethnic group by local authority district (long format), from MHW_PUBLIC_DATA_DIR: the "
    "ethnic-group denominators of mart_disproportionality (absent: no denominators).",
)
raw_ons_lad_pfa_lookup = _public_asset(
    RAW_LOOKUP,
    census.LOOKUP_TABLE,
    census.LOOKUP_FILE,
    census.load_lad_pfa_lookup,
    "ONS LAD -> CSP -> PFA lookup (December 2016): sums the census LADs to police force areas.",
)
raw_census2011_ethnic_group_pfa_third_party = _public_asset(
    RAW_CENSUS_PFA,
    census.PFA_TABLE,
    census.PFA_FILE,
    census.load_census_pfa_third_party,
    "Third-party (Resistance Lab) Census 2011 ethnic group by PFA: a cross-check only, never a denominator.",
)
raw_ons_pfa_boundaries = _public_asset(
    RAW_BOUNDARIES,
    "ons_pfa_boundaries",
    BOUNDARY_FILE,
    load_pfa_boundaries,
    "ONS police force area boundaries (Dec 2016, ultra generalised, clipped) as GeoJSON per force -> "
    "dim_force_boundary (choropleth).",
)


@dg.asset_check(
    asset=RAW_CENSUS_PFA,
    additional_deps=[RAW_CENSUS_LAD, RAW_LOOKUP],
    name="census2011_pfa_cross_check",
    blocking=False,
    description=(
        "Census 2011 LADs summed to PFAs through the ONS lookup equal the third-party by-PFA file, force by force "
        "and group by group; census LADs missing from the lookup are reported (their population would be lost)."
    ),
)
def census2011_pfa_cross_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        result = census.compare_lad_sum_with_pfa_file(con)
    shown = result.differences[:20]
    table = "\n".join(
        ["| force | group | LAD sum | by-PFA file | difference |", "|---|---|---|---|---|"]
        + [f"| {f} | {g} | {a} | {b} | {d} |" for f, g, a, b, d in shown]
    )
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=result.summary(),
        metadata={
            "compared_cells": result.compared_cells,
            "differing_cells": len(result.differences),
            "differences": dg.MetadataValue.md(table if shown else "none"),
            "lads_not_in_lookup": str(result.lads_not_in_lookup[:20]),
            "lookup_lads_without_census": str(result.lookup_lads_without_census[:20]),
        },
    )
