"""int_load_field_completeness on a tiny raw layer: two custody loads counted once each (an incremental run adds only
the new one, the contract's 'NS' ethnicity is not recorded), and a change to its list of key fields (stood in for by
rows carrying another list's checksum) makes the next run count those loads again instead of keeping old counts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema
from tests import dbt_runner
from tests.dbt.test_dbt_build import _insert, _ledger
from tests.dbt.test_dbt_demand import _custody

pytestmark = pytest.mark.slow

APRIL, MAY = "custody/E23000002/2023-04/a", "custody/E23000002/2023-05/a"
TABLE = "intermediate.int_load_field_completeness"
COUNTS = f"select load_id, field, rows_loaded, rows_recorded from {TABLE} where field = 'ethnicity' order by all"


def _run(warehouse: Path, tmp: Path) -> None:
    dbt_runner.run_dbt(["run", "--select", "int_load_field_completeness"], tmp, warehouse=warehouse)


def test_each_load_is_counted_once_and_again_when_the_key_fields_change(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    april = _custody()  # ten detentions, ethnicity W1
    april[0]["ethnicity"], april[1]["ethnicity"] = "NS", None
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        _insert(con, "load_ledger", [_ledger(APRIL, "custody", "E23000002", "2023-04", rows=10)], "?")
        _insert(con, "custody", april, "?")
    _run(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(COUNTS).fetchall() == [(APRIL, "ethnicity", 10, 8)]  # 'NS' and empty: not recorded
        con.execute(f"update {TABLE} set rows_recorded = -1")  # a load already counted is not read again
        may = [{**row, "load_id": MAY, "custody_id": f"M{n}"} for n, row in enumerate(april[:4])]
        _insert(con, "load_ledger", [_ledger(MAY, "custody", "E23000002", "2023-05", rows=4)], "?")
        _insert(con, "custody", may, "?")
    _run(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(COUNTS).fetchall() == [(APRIL, "ethnicity", 10, -1), (MAY, "ethnicity", 4, 2)]
        con.execute(f"update {TABLE} set key_fields_checksum = 'an older list' where load_id = ?", [APRIL])
    _run(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(COUNTS).fetchall() == [(APRIL, "ethnicity", 10, 8), (MAY, "ethnicity", 4, 2)]
        assert con.execute(f"select count(distinct key_fields_checksum), count(*) from {TABLE}").fetchone() == (1, 12)
