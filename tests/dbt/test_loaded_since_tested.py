"""Data tests marked __loaded_since_tested__ (dbt_project/macros/get_where_subquery.sql) on a tiny raw layer: two
Cumbria custody loads, April (loaded first, already tested) and May, whose first detention repeats an April custody
number. With MHW_TESTED_THROUGH between the two loads (a month's refresh) the unique test reads only the keys of May's
rows, and still finds the clash with April's row; without it (a full refresh) it reads every row; with it after May it
leaves May's rows as tested. A value that is not a timestamp stops the test with the variable named."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema
from tests import dbt_runner
from tests.dbt.test_dbt_build import _insert, _ledger
from tests.dbt.test_dbt_demand import _custody

pytestmark = pytest.mark.slow

APRIL, MAY = "custody/E23000002/2023-04/a", "custody/E23000002/2023-05/a"
APRIL_AT = datetime(2024, 5, 1, 9, 0)
MAY_AT = APRIL_AT + timedelta(days=30, microseconds=1)
UNIQUE = "unique_stg_custody__detentions_custody_key"
SELECT = ["--select", "stg_custody__detentions"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The warehouse with both loads and the staging view (and the force seed its relationships test reads)."""
    tmp = tmp_path_factory.mktemp("loaded_since_tested")
    warehouse = tmp / "warehouse.duckdb"
    april = _custody()
    may = [{**row, "load_id": MAY, "arrived_at": row["arrived_at"] + timedelta(days=30)} for row in april[:3]]
    may[1]["custody_id"], may[2]["custody_id"] = "C101", "C102"  # may[0] keeps C001: April's first detention
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        ledger = [
            {**_ledger(APRIL, "custody", "E23000002", "2023-04", rows=len(april)), "loaded_at": APRIL_AT},
            {**_ledger(MAY, "custody", "E23000002", "2023-05", rows=len(may)), "loaded_at": MAY_AT},
        ]
        _insert(con, "load_ledger", ledger, "?")
        _insert(con, "custody", april + may, "?")
    dbt_runner.run_dbt(["build", "--select", "ref_force", "stg_custody__detentions", "--exclude-resource-type",
                        "test"], tmp, warehouse=warehouse)  # fmt: skip
    return warehouse


def _test(warehouse: Path, tmp: Path, through: str | None):
    env = {"MHW_TESTED_THROUGH": through} if through is not None else {}
    done = dbt_runner.run_dbt(["test", *SELECT], tmp, warehouse=warehouse, env_extra=env, check=False)
    compiled = next((tmp / "dbt_target" / "run").rglob(f"{UNIQUE}.sql"), None)
    return done, compiled.read_text() if compiled else ""


def test_a_months_unique_test_reads_its_new_rows_and_finds_their_clash_with_tested_ones(built, tmp_path):
    done, sql = _test(built, tmp_path, f"{APRIL_AT:%Y-%m-%d %H:%M:%S.%f}")
    assert done.returncode == 1
    assert f"FAIL 1 {UNIQUE}" in done.stdout  # C001 twice: May's row and April's
    assert "loaded_at > cast('2024-05-01 09:00:00.000000' as timestamp)" in sql
    assert "not_null_columns" in done.stdout and "PASS=2" in done.stdout  # not null, relationships: May's rows pass


def test_without_the_variable_every_row_is_tested(built, tmp_path):
    done, sql = _test(built, tmp_path, None)
    assert done.returncode == 1 and f"FAIL 1 {UNIQUE}" in done.stdout
    assert "loaded_at" not in sql and "dbt_subquery" not in sql


def test_rows_loaded_up_to_the_time_count_as_tested(built, tmp_path):
    done, sql = _test(built, tmp_path, f"{MAY_AT:%Y-%m-%d %H:%M:%S.%f}")
    assert done.returncode == 0, done.stdout
    assert "loaded_at > cast('2024-05-31 09:00:00.000001' as timestamp)" in sql


def test_a_value_that_is_not_a_timestamp_is_refused(built, tmp_path):
    done, _ = _test(built, tmp_path, "2024-05-01'; drop table raw.custody; --")
    assert done.returncode == 1
    assert "MHW_TESTED_THROUGH is not a timestamp (YYYY-MM-DD HH:MM:SS.ffffff)" in done.stdout
    with duckdb.connect(str(built), read_only=True) as con:
        assert con.execute("select count(*) from raw.custody").fetchone() == (13,)
