"""Asset checks of our own on ingestion outputs (dbt tests arrive as checks through dagster-dbt)."""

import dagster as dg

from ..resources import WarehouseResource
from .ingestion import RAW_S136


@dg.asset_check(asset=RAW_S136, blocking=True, description="rows read = loaded + rejected, file by file")
def s136_reconciliation(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Nothing lost, nothing double counted: every ledger entry balances and active raw rows match the ledger."""
    with warehouse.connect() as con:
        unbalanced = con.execute(
            "select file_path, rows_read, rows_loaded, rows_rejected from raw.load_ledger "
            "where source = 's136' and rows_read <> rows_loaded + rows_rejected"
        ).fetchall()
        ledger_loaded, raw_active = con.execute(
            """
            select
                (select coalesce(sum(rows_loaded), 0) from raw.load_ledger
                  where source = 's136' and status = 'loaded'),
                (select count(*) from raw.s136 s join raw.load_ledger l using (load_id)
                  where l.status = 'loaded')
            """
        ).fetchone()
        rejected_rows = con.execute(
            "select count(*) from raw.rejected_rows r join raw.load_ledger l using (load_id) "
            "where l.source = 's136' and r.row_number is not null"
        ).fetchone()[0]
    passed = not unbalanced and ledger_loaded == raw_active
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "unbalanced_files": len(unbalanced),
            "first_unbalanced": str(unbalanced[:3]),
            "ledger_rows_loaded": int(ledger_loaded),
            "raw_active_rows": int(raw_active),
            "row_level_rejects": int(rejected_rows),
        },
    )
