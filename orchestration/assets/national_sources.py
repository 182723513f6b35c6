"""National publications from MHW_PUBLIC_DATA_DIR -> raw.<table> (group 'national_sources'): ONS population and
boundaries, Census 2011 ethnic group and the LAD -> PFA lookup, IOPC deaths, Home Office use of force, officers and
arrests, coroners' PFD reports, published RCRP and street triage schemes, published national s136 totals; plus the
cross-check of LAD-summed force populations against a third-party file.

One asset per raw table, all made by `national_source_asset`: a new national source is one line in NATIONAL_SOURCES.
Files already in the ledger load nothing. Without the folder or the file nothing is loaded and the metadata says so,
so the pipeline runs on any machine (the marts then go without those numbers, never with invented ones). A file in
the wrong format, or with a force name the alias table does not know, stops the asset with a clear message (file,
row, field, name), never a stack trace.
"""

from collections.abc import Callable

import dagster as dg
import duckdb

from ingestion.national import census
from ingestion.national.aliases import UnmappedForceName
from ingestion.national.boundaries import load_pfa_boundaries
from ingestion.national.coroners import load_coroners_pfd
from ingestion.national.formats import PublicFileError
from ingestion.national.iopc import load_iopc_deaths
from ingestion.national.load import PublicLoadReport
from ingestion.national.police_denominators import load_arrests, load_police_officers
from ingestion.national.population import load_ons_population
from ingestion.national.s136_national import load_s136_published
from ingestion.national.schemes import load_mh_schemes_published, load_rcrp_published
from ingestion.national.use_of_force import load_use_of_force
from ingestion.schema import ensure_raw_schema
from mhw.settings import get_settings

from ..resources import WAREHOUSE_POOL, WarehouseResource

GROUP = "national_sources"

Loader = Callable[[duckdb.DuckDBPyConnection, object], PublicLoadReport]

NATIONAL_SOURCES: dict[str, tuple[Loader, str]] = {
    "ons_population_pfa": (
        load_ons_population,
        "ONS mid-year population by police force area (absent: the dbt layer uses the labelled stand-in seed).",
    ),
    "census2011_ethnic_group_lad": (
        census.load_census_lad,
        "Census 2011 QS201EW ethnic group by local authority district (long format): the ethnic-group denominators "
        "of mart_disproportionality (absent: no denominators).",
    ),
    "ons_lad_pfa_lookup": (
        census.load_lad_pfa_lookup,
        "ONS LAD -> CSP -> PFA lookup (December 2016): sums the census LADs to police force areas.",
    ),
    "census2011_ethnic_group_pfa_third_party": (
        census.load_census_pfa_third_party,
        "Third-party (Resistance Lab) Census 2011 ethnic group by PFA: a cross-check only, never a denominator.",
    ),
    "ons_pfa_boundaries": (
        load_pfa_boundaries,
        "ONS police force area boundaries (Dec 2016, ultra generalised, clipped) as GeoJSON per force -> "
        "dim_force_boundary (choropleth).",
    ),
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
    "coroners_pfd_reports": (
        load_coroners_pfd,
        "Regulation 28 Prevention of Future Deaths reports naming police and mental health (judiciary index, "
        "metadata only).",
    ),
    "rcrp_go_live_published": (
        load_rcrp_published,
        "Right Care, Right Person go-live dates and phases by force as printed on public pages (transcribed).",
    ),
    "mh_schemes_published": (
        load_mh_schemes_published,
        "Street triage and control-room mental health schemes by force as printed on public pages (transcribed).",
    ),
    "s136_published_national": (
        load_s136_published,
        "England and Wales s136 detentions as published (Home Affairs Committee 2015; Home Office answer to PQ "
        "190083), set beside the warehouse's own national totals (transcribed).",
    ),
}


def national_source_asset(table: str, loader: Loader, description: str) -> dg.AssetsDefinition:
    """The asset running `loader` on MHW_PUBLIC_DATA_DIR into raw.<table>; its metadata say what was loaded and why."""

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
        if rows_available == 0:
            context.log.warning(f"raw.{table} is empty: {report.note or 'the files hold no rows'}")
        elif report.note:
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

RAW_CENSUS_LAD = dg.AssetKey(["raw", census.CENSUS_LAD.table])
RAW_CENSUS_PFA = dg.AssetKey(["raw", census.CENSUS_PFA.table])
RAW_LOOKUP = dg.AssetKey(["raw", census.LAD_PFA_LOOKUP.table])


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
