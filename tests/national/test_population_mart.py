"""Published ONS population denominators against the publication's own E&W totals (real file, when available)."""

import os
from pathlib import Path

import duckdb
import pytest

from ingestion.national.population import load_ons_population
from ingestion.schema import ensure_raw_schema
from tests.dbt_runner import run_dbt

PUBLIC = os.environ.get("MHW_PUBLIC_DATA_DIR")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PUBLIC, reason="MHW_PUBLIC_DATA_DIR is not set: the real ONS file is not available"),
]


def test_population_mart_equals_ons_totals(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        assert load_ons_population(con, Path(PUBLIC)).rows_loaded == 860
    run_dbt(
        ["build", "--select", "+mart_population_force_year", "--indirect-selection", "cautious"],
        tmp_path,
        warehouse=warehouse,
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        totals = dict(
            con.execute(
                "select mid_year, population from marts.mart_population_force_year where geo_code = 'E&W'"
            ).fetchall()
        )
        forces = con.execute(
            "select count(distinct geo_code) from marts.mart_population_force_year where geo_level = 'force'"
        ).fetchone()[0]
    # ONS E&W totals quoted in PROVENANCE.md §10
    assert totals[2011] == 56_170_927 and totals[2018] == 59_115_809 and totals[2020] == 59_719_724
    assert forces == 43 and len(totals) == 20
