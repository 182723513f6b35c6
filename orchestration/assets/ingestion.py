"""Ingestion assets: landing files -> raw.* through the source contracts, whole files per transaction.

`landing_asset(source)` makes the asset of one landing source (ingestion/contracts/<source>.yml), and
`reconciliation_check(source)` its blocking check; a new landing source adds one line to LANDING_SOURCES, or to
MONTHLY_SOURCES when forces deliver it monthly (landing/<source>/<force>/<YYYY-MM>/): those assets are partitioned
by month and a range of months loads in one run.
"""

import functools
import warnings
from collections.abc import Callable, Collection

import dagster as dg

from ingestion.gate.landing import UNKNOWN_SOURCE
from ingestion.gate.load import ingest_source, ingest_strays
from ingestion.gate.pseudonymise import KeyMismatchError, MissingKeyError, resolve_key
from ingestion.schema import ensure_raw_schema
from mhw.progress import Reporter
from mhw.settings import get_settings

from ..partitions import month_span, monthly_partitions, months_of_keys, partition_key_of
from ..resources import WAREHOUSE_POOL, WarehouseResource

LANDING_SOURCES = {
    "s136": "s136/s135 detention records (ADR-125), validated and pseudonymised at the gate.",
    "adr125_published": "Home Office published s136 tables (ADR-125 items, long format), one file per release.",
    "inspections": "Inspection findings tracker (HMICFRS/CQC/HMIP/joint), monthly status snapshots.",
    "scheme_register": "Forces' own registers of RCRP, street triage and other mental-health schemes, with dates.",
}
MONTHLY_SOURCES = {
    "incidents": "Control-room incidents with a mental-health qualifier, one file per force and month.",
    "incident_totals": "All control-room incidents per force and month (the denominator of MH demand).",
    "custody": "Custody detentions with MH risk and Liaison & Diversion timestamps, one file per force and month.",
    "street_triage": "Street triage (police / mental-health co-response) contacts, one file per force and month.",
}
RAW_S136 = dg.AssetKey(["raw", "s136"])
RAW_LANDING_ZONE = dg.AssetKey(["raw", UNKNOWN_SOURCE])


def run_periods(partition_keys: Collection[str]) -> Callable[[str | None], bool]:
    """The period folders a run of a monthly source loads: its partitions' months, and every folder that is no
    partition (not a month, outside the window, or misplaced files). Every run takes the latter too, so their files
    get a ledger verdict (usually rejected_file with the reason) instead of lying unseen in the landing zone."""
    months = months_of_keys(partition_keys)

    @functools.cache  # asked once per file: some 5,000 a source on ten years, of some 120 folders
    def runs(period: str | None) -> bool:
        return period in months or partition_key_of(period) is None

    return runs


def landing_asset(
    source: str, description: str, partitions_def: dg.PartitionsDefinition | None = None
) -> dg.AssetsDefinition:
    """The asset loading every new file of landing/<source>/ into raw.<source>, rejects and the ledger.

    partitions_def (monthly sources): the asset is partitioned by month and loads only the period folders of the
    run's partition keys (a range of months in one run); unpartitioned, it loads every new file of the source.
    """
    monthly = partitions_def is not None
    with warnings.catch_warnings():  # backfill_policy is marked beta in dagster 1.13; we rely only on single_run()
        warnings.simplefilter("ignore", dg.BetaWarning)
        decorate = dg.asset(
            key=dg.AssetKey(["raw", source]),
            group_name="ingestion",
            pool=WAREHOUSE_POOL,
            kinds={"polars", "duckdb"},
            description=f"{description} Files already in the ledger are skipped.",
            partitions_def=partitions_def,
            backfill_policy=dg.BackfillPolicy.single_run() if monthly else None,
        )

    @decorate
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = get_settings()
        try:
            key, key_id = resolve_key(settings)
        except MissingKeyError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        periods = None
        if monthly:
            if not (context.has_partition_key or context.has_partition_key_range):  # a run launched without months
                raise dg.Failure(
                    description=f"{source} loads by month: launch the run with a range of months (the launchpad's "
                    "partition range; from the command line `dagster job execute ... --tags` with "
                    "dagster/asset_partition_range_start and _end, e.g. 2024-04 and 2025-03), or use `mhw refresh`, "
                    "which picks the months itself",
                    allow_retries=False,
                )
            periods = run_periods(context.partition_keys)
        context.log.info(f"{source}: reading new and changed files under {settings.landing_dir / source}")
        reporter = Reporter(context.log.info, source)
        with warehouse.connect(memory_limit=settings.ingest_memory_limit) as con:
            ensure_raw_schema(con)
            try:
                report = ingest_source(
                    con,
                    settings.landing_dir,
                    source=source,
                    key=key,
                    key_id=key_id,
                    periods=periods,
                    progress=lambda p: reporter.update(p.bytes_done, p.bytes_total, p.describe()),
                )
            except KeyMismatchError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from None
        for line in report.warnings():
            context.log.warning(line)
        return dg.MaterializeResult(
            metadata={
                "files_new": len(report.files),
                "rows_read": report.rows_read,
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "files_rejected": report.count("rejected_file"),
                "key_id": key_id,
                **({"months": month_span(context.partition_keys)} if monthly else {}),
            }
        )

    return _asset


landing_assets = [
    *(landing_asset(source, text) for source, text in LANDING_SOURCES.items()),
    *(landing_asset(source, text, monthly_partitions) for source, text in MONTHLY_SOURCES.items()),
]


@dg.asset(key=RAW_LANDING_ZONE, group_name="ingestion", pool=WAREHOUSE_POOL, kinds={"duckdb"})
def raw_landing_zone(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Files outside every source folder of the landing zone (a misspelt or unknown source, a file at the top):
    each gets a rejected ledger entry naming the source folders, so no delivery goes unanswered."""
    with warehouse.connect() as con:
        report = ingest_strays(con, get_settings().landing_dir, {*LANDING_SOURCES, *MONTHLY_SOURCES})
    for line in report.warnings():
        context.log.warning(line)
    return dg.MaterializeResult(metadata={"files_refused": len(report.files)})
