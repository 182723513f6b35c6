"""Asset checks of our own on ingestion outputs (dbt tests arrive as checks through dagster-dbt).

Every landing source: a blocking reconciliation check. Monthly sources also: a freshness check (WARN) naming the
forces whose deliveries lag the newest month any force has delivered.
"""

import dagster as dg
import duckdb

from ..resources import WarehouseResource
from .ingestion import LANDING_SOURCES, MONTHLY_SOURCES


def reconciliation_check(source: str) -> dg.AssetChecksDefinition:
    """Nothing lost, nothing double counted: every ledger entry balances and active raw rows match the ledger."""

    @dg.asset_check(
        asset=dg.AssetKey(["raw", source]),
        name=f"{source}_reconciliation",
        blocking=True,
        description="rows read = loaded + rejected, file by file; active raw rows = rows the ledger says loaded",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            unbalanced = con.execute(
                "select file_path, rows_read, rows_loaded, rows_rejected from raw.load_ledger "
                "where source = ? and rows_read <> rows_loaded + rows_rejected",
                [source],
            ).fetchall()
            ledger_loaded, raw_active = con.execute(
                f"""
                select
                    (select coalesce(sum(rows_loaded), 0) from raw.load_ledger
                      where source = $source and status = 'loaded'),
                    (select count(*) from raw.{source} s join raw.load_ledger l using (load_id)
                      where l.status = 'loaded')
                """,
                {"source": source},
            ).fetchone()
            rejected_rows = con.execute(
                "select count(*) from raw.rejected_rows where source = ? and row_number is not null", [source]
            ).fetchone()[0]
        return dg.AssetCheckResult(
            passed=not unbalanced and ledger_loaded == raw_active,
            metadata={
                "unbalanced_files": len(unbalanced),
                "first_unbalanced": str(unbalanced[:3]),
                "ledger_rows_loaded": int(ledger_loaded),
                "raw_active_rows": int(raw_active),
                "row_level_rejects": int(rejected_rows),
            },
        )

    return _check


reconciliation_checks = [reconciliation_check(source) for source in (*LANDING_SOURCES, *MONTHLY_SOURCES)]


class FreshnessConfig(dg.Config):
    max_lag_months: int = 2  # a force may be this many months behind the newest month any force delivered


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def lagging_forces(con: duckdb.DuckDBPyConnection, source: str, max_lag_months: int) -> dict:
    """The newest month any force delivered for a monthly source, and each force lagging it by more than
    max_lag_months (force -> (its latest month, months behind)). Only loaded deliveries count (not rejected files).
    """
    latest = dict(
        con.execute(
            "select force_code, max(period) from raw.load_ledger where source = ? and status = 'loaded' "
            "and regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])') group by force_code",
            [source],
        ).fetchall()
    )
    newest = max(latest.values(), default=None)
    behind = {
        force: (month, _month_index(newest) - _month_index(month))
        for force, month in sorted(latest.items())
        if _month_index(newest) - _month_index(month) > max_lag_months
    }
    return {"newest": newest, "forces": len(latest), "lagging": behind}


def freshness_check(source: str) -> dg.AssetChecksDefinition:
    """Warns when a force that has delivered this monthly source falls behind the newest month delivered."""

    @dg.asset_check(
        asset=dg.AssetKey(["raw", source]),
        name=f"{source}_freshness",
        description=(
            "every force that has ever delivered is within max_lag_months (default 2) of the newest month "
            "any force delivered; WARN naming the lagging forces"
        ),
    )
    def _check(config: FreshnessConfig, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            found = lagging_forces(con, source, config.max_lag_months)
        lagging = found["lagging"]
        return dg.AssetCheckResult(
            passed=not lagging,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(lagging)} force(s) more than {config.max_lag_months} months behind {found['newest']}"
                if lagging
                else None
            ),
            metadata={
                "newest_month": found["newest"] or "(nothing delivered yet)",
                "max_lag_months": config.max_lag_months,
                "forces_delivering": found["forces"],
                "forces_lagging": len(lagging),
                "lagging_forces": ", ".join(
                    f"{force} (latest {month}, {lag} months behind)" for force, (month, lag) in lagging.items()
                )
                or "none",
            },
        )

    return _check


freshness_checks = [freshness_check(source) for source in MONTHLY_SOURCES]
