"""Asset checks of our own on ingestion outputs (dbt tests arrive as checks through dagster-dbt)."""

import dagster as dg

from ..resources import WarehouseResource
from .ingestion import LANDING_SOURCES


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


reconciliation_checks = [reconciliation_check(source) for source in LANDING_SOURCES]
