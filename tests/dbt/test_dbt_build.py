"""End-to-end dbt build on a tiny hand-written raw layer, on DuckDB and on a real PostgreSQL server.

The fixture has 3 forces over 2 financial years and is built twice (dbt start-up dominates the run time):
1. stage one: Cumbria 2022-23 first delivery (11 rows) active, ONS mid-2022/2023 rows loaded -> population sources
   ons_mye / ons_mye_carried_forward are checked on this build;
2. stage two: a corrected Cumbria 2022-23 load (9 rows) supersedes the first and the ONS rows are removed; the
   incremental fact is rebuilt, so the superseded rows must disappear without a full refresh, and every denominator
   falls back to the labelled stand-in.
Expected mart values are computed by hand (exact Poisson limits from scipy, as PHEindicatormethods does).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema, raw_ddl
from tests import dbt_runner

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / ".venv" / "bin" / "dbt"
DBT_DIR = REPO / "dbt_project"

CUMBRIA, LANCS, MERSEY, BTP = "E23000002", "E23000003", "E23000004", "BTP"
LOADED_AT = datetime(2024, 5, 1, 9, 0)

S136_COLS = [
    "load_id", "row_number", "detention_id", "force_code", "power", "detained_at", "location_type", "age", "sex",
    "ethnicity_self_defined", "ethnicity_officer_defined", "transport_method", "police_vehicle_reason",
    "first_place_of_safety", "police_station_reason", "arrested_for_offence", "arrived_first_pos_at",
    "assessment_completed_at", "detention_ended_at", "extension_12h", "outcome", "person_token", "person_key_id",
    "incident_id",
]  # fmt: skip
LEDGER_COLS = [
    "load_id", "source", "force_code", "period", "file_path", "sha256", "layout", "loaded_at", "rows_read",
    "rows_loaded", "rows_rejected", "status", "message", "superseded_by", "key_id",
]  # fmt: skip
ONS_COLS = ["load_id", "geo_code", "geo_name", "mid_year", "population", "population_vintage", "source_file"]

V1, V2 = "s136/E23000002/2022-23/v1", "s136/E23000002/2022-23/v2"
ONS_LOAD = "ons_population/national/2023/abc"
NIL_RETURN = "s136/E23000004/2023-24/nil"


def _detention(load_id, n, force, detained_at, *, pos="hbpos", transport="ambulance", age=30, hours=5.0):
    arrived = detained_at + timedelta(hours=1)
    ended = None if hours is None else arrived + timedelta(hours=hours)
    return {
        "load_id": load_id, "row_number": n, "detention_id": f"{load_id.split('/')[2]}-{n:03d}",
        "force_code": force, "power": "s136", "detained_at": detained_at, "location_type": "public_place",
        "age": age, "sex": "M" if n % 2 else "F", "ethnicity_self_defined": ["W1", "B2", "NS", "A1"][n % 4],
        "ethnicity_officer_defined": "IC1", "transport_method": transport,
        "police_vehicle_reason": "amb_not_within_30" if transport == "police_vehicle" else None,
        "first_place_of_safety": pos,
        "police_station_reason": "regs2017_conditions_met" if pos == "police_station" else None,
        "arrested_for_offence": False, "arrived_first_pos_at": arrived,
        "assessment_completed_at": None if hours is None else arrived + timedelta(hours=hours / 2),
        "detention_ended_at": ended, "extension_12h": hours is not None and hours > 24,
        "outcome": "admitted_informal", "person_token": f"tok{n:04d}", "person_key_id": "k1", "incident_id": None,
    }  # fmt: skip


def _cumbria_2223(load_id: str, corrected: bool) -> list[dict]:
    """v1: 11 rows, all 'other' transport; v2: 9 rows with the corrected detail (ids 001..009 in both)."""
    first = datetime(2022, 4, 1, 0, 30)  # FY boundaries: 1 April 00:30 and 31 March 23:00 both in 2022-23
    dates = [first] + [datetime(2022, 6, 1, 14) + timedelta(days=20 * i) for i in range(1, 10)]
    dates.append(datetime(2023, 3, 31, 23, 0))
    if not corrected:
        return [_detention(load_id, i + 1, CUMBRIA, d, transport="other") for i, d in enumerate(dates[:11])]
    pos = ["hbpos", "hbpos", "hbpos", "ae", "ae", "police_station", "not_known", "hbpos", "ae"]
    transport = ["ambulance"] * 4 + ["police_vehicle"] * 3 + ["not_known", "none_already_at_pos"]
    hours = [2, 4, 6, 8, 10, 12, 26, 30, None]
    ages = [30, 30, 30, 30, 30, 16, 30, 30, 30]
    dates = dates[:8] + [dates[-1]]
    return [
        _detention(load_id, i + 1, CUMBRIA, dates[i], pos=pos[i], transport=transport[i], age=ages[i], hours=hours[i])
        for i in range(9)
    ]


def _simple(load_id: str, force: str, fy_start: int, n: int, s135: int = 0) -> list[dict]:
    """n s136 detentions, then s135 ones (counted apart, in no s136 statistic)."""
    start = datetime(fy_start, 5, 1, 10)
    rows = [_detention(load_id, i + 1, force, start + timedelta(days=7 * i)) for i in range(n + s135)]
    for row in rows[n:]:
        row.update(power="s135(1)", location_type="dwelling", first_place_of_safety="police_station", age=16)
    return rows


def _ledger(load_id, source, force, period, status="loaded", superseded_by=None, rows=0):
    return {
        "load_id": load_id, "source": source, "force_code": force, "period": period, "file_path": f"{load_id}.csv",
        "sha256": "0" * 64, "layout": "canonical", "loaded_at": LOADED_AT, "rows_read": rows, "rows_loaded": rows,
        "rows_rejected": 0, "status": status, "message": None, "superseded_by": superseded_by, "key_id": "k1",
    }  # fmt: skip


def stage_one() -> dict[str, list[dict]]:
    """First delivery: Cumbria 2022-23 v1 still active."""
    loads = {
        V1: _cumbria_2223(V1, corrected=False),
        "s136/E23000002/2023-24/a": _simple("s136/E23000002/2023-24/a", CUMBRIA, 2023, 22),
        "s136/E23000003/2022-23/a": _simple("s136/E23000003/2022-23/a", LANCS, 2022, 3),
        "s136/E23000003/2023-24/a": _simple("s136/E23000003/2023-24/a", LANCS, 2023, 12, s135=1),
        "s136/BTP/2022-23/a": _simple("s136/BTP/2022-23/a", BTP, 2022, 8),
    }
    ledger = [_ledger(k, "s136", k.split("/")[1], k.split("/")[2], rows=len(v)) for k, v in loads.items()]
    ledger.append(_ledger(NIL_RETURN, "s136", MERSEY, "2023-24", rows=0))  # a nil return: no rows
    ledger.append(_ledger(ONS_LOAD, "ons_population", "national", "2023", rows=3))
    ons = [
        (CUMBRIA, "Cumbria", 2022, 500123),
        (LANCS, "Lancashire", 2022, 1500000),
        (LANCS, "Lancashire", 2023, 1510000),
    ]
    ons_rows = [
        dict(zip(ONS_COLS, (ONS_LOAD, g, nm, y, p, f"ONS MYE mid-{y} (test)", "test.xlsx"), strict=True))
        for g, nm, y, p in ons
    ]
    return {"s136": [r for v in loads.values() for r in v], "load_ledger": ledger, "ons_population_pfa": ons_rows}


STAGE_TWO_S136 = _cumbria_2223(V2, corrected=True)
STAGE_TWO_LEDGER = [_ledger(V2, "s136", CUMBRIA, "2022-23", rows=9)]
SUPERSEDE_SQL = f"update raw.load_ledger set status = 'superseded', superseded_by = '{V2}' where load_id = '{V1}'"


def _insert(con, table: str, rows: list[dict], marker: str) -> None:
    cols = list(rows[0])
    sql = f"insert into raw.{table} ({', '.join(cols)}) values ({', '.join([marker] * len(cols))})"
    cur = con.cursor()
    cur.executemany(sql, [tuple(r[c] for c in cols) for r in rows])


def load_stage_one(con, marker: str) -> None:
    for table, rows in stage_one().items():
        _insert(con, table, rows, marker)


def load_stage_two(con, marker: str) -> None:
    _insert(con, "s136", STAGE_TWO_S136, marker)
    _insert(con, "load_ledger", STAGE_TWO_LEDGER, marker)
    con.cursor().execute(SUPERSEDE_SQL)
    con.cursor().execute("delete from raw.ons_population_pfa")


def run_dbt(args: list[str], env_extra: dict[str, str], tmp: Path) -> subprocess.CompletedProcess:
    return dbt_runner.run_dbt(args, tmp, env_extra=env_extra)


fetch = dbt_runner.rows


FORCE_SQL = "select * from marts.mart_s136_force_year order by force_code, fy_label"
NATIONAL_SQL = "select * from marts.mart_s136_national_year order by fy_label"
# the benchmarking core, compared between the engines (tests/dbt/test_dbt_benchmark.py checks its values); the
# escalations without the refresh timestamps
ESCALATION_COLUMNS = """escalation_id, measure_id, measure_name, geography_level, geography_code, geography_name,
region_name, signal_source, signal_type, escalation_level, previous_escalation_level, rule_id, signal_text,
since_period, periods_running, latest_period, status, resolved_period, evaluated_period"""
BENCHMARK_SQL = {
    "benchmark": "select * from marts.mart_benchmark order by measure_id, geography_code, period",
    "spc": "select * from marts.mart_spc order by measure_id, geography_code, month_start",
    "peers": "select * from marts.dim_force_peer_group order by force_code, peer_rank",
    "escalations": f"select {ESCALATION_COLUMNS} from marts.mart_escalations order by escalation_id",
}


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    wh = tmp / "warehouse.duckdb"
    env = {"MHW_WAREHOUSE": str(wh)}
    with duckdb.connect(str(wh)) as con:
        ensure_raw_schema(con)
        load_stage_one(con, "?")
    first = run_dbt(["build"], env, tmp)
    with duckdb.connect(str(wh)) as con:
        before = fetch(con, "select detention_key, load_id from marts.fct_s136_detentions")
        force_one = fetch(con, FORCE_SQL)
        load_stage_two(con, "?")
    second = run_dbt(["build", "--select", "stg_s136__detentions+", "stg_ons__population_pfa+"], env, tmp)
    with duckdb.connect(str(wh), read_only=True) as con:
        result = {
            "force": fetch(con, FORCE_SQL),
            "national": fetch(con, NATIONAL_SQL),
            "fact": fetch(con, "select * from marts.fct_s136_detentions"),
            "fact_before": before,
            "force_one": force_one,
            **{key: fetch(con, sql) for key, sql in BENCHMARK_SQL.items()},
        }
    return {"tmp": tmp, "warehouse": wh, "first": first, "second": second, **result}


def _row(rows: list[dict], force: str, fy: str) -> dict:
    [row] = [r for r in rows if r["force_code"] == force and r["fy_label"] == fy]
    return row


def test_build_runs_unit_and_data_tests(duckdb_build):
    out = duckdb_build["first"].stdout
    assert "mart_s136_force_year_rates_sdc_percentages" in out  # the unit test ran
    for name in ("int_benchmark_values_phe_reference_rates_and_proportions", "int_spc_points_plotthedots_rule_fixtures",
                 "int_benchmark_funnel_reference_values", "mart_escalations_first_build"):  # fmt: skip
        assert name in out  # and the benchmark's reference tests
    assert "ERROR=0" in out.replace(" ", "") and "ERROR=0" in duckdb_build["second"].stdout.replace(" ", "")
    assert "incremental" in duckdb_build["second"].stdout  # fact built incrementally the second time


def test_superseded_rows_disappear_incrementally(duckdb_build):
    before = {r["load_id"] for r in duckdb_build["fact_before"]}
    assert V1 in before and V2 not in before
    fact = duckdb_build["fact"]
    assert {r["load_id"] for r in fact if r["force_code"] == CUMBRIA and r["fy_label"] == "2022-23"} == {V2}
    ids = {r["detention_key"] for r in fact}
    assert f"{CUMBRIA}:2022-23-009" in ids and f"{CUMBRIA}:2022-23-010" not in ids  # dropped by the correction
    assert len(fact) == 9 + 22 + 3 + 12 + 1 + 8
    # FY from detained_at: 1 April 00:30 and 31 March 23:00 are both 2022-23
    boundary = [r for r in fact if r["load_id"] == V2 and r["detained_at"].month in (3, 4)]
    assert {r["fy_label"] for r in boundary} == {"2022-23"} and len(boundary) == 2
    u18 = [r for r in fact if r["dq_u18_in_police_station"]]
    assert len(u18) == 2 and {r["power"] for r in u18} == {"s136", "s135(1)"} and u18[0]["band_u18"] == "<18"
    assert sum(r["dq_over_36h"] for r in fact) == 0 and sum(r["dq_missing_times"] for r in fact) == 1


def test_active_load_test_fails_for_a_fact_row_whose_load_was_superseded(duckdb_build, tmp_path):
    """The facts' active_load data test: a load marked superseded after the build is reported by name."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_build["warehouse"], wh)
    with duckdb.connect(str(wh)) as con:
        con.execute("update raw.load_ledger set status = 'superseded' where load_id = ?", [V2])
    select = ["--select", "fct_s136_detentions,test_name:active_load"]
    failed = dbt_runner.run_dbt(["test", *select], tmp_path, warehouse=wh, check=False)
    assert failed.returncode != 0 and "FAIL 1 active_load_fct_s136_detentions_load_id" in failed.stdout
    with duckdb.connect(str(wh)) as con:
        con.execute("update raw.load_ledger set status = 'loaded' where load_id = ?", [V2])
    dbt_runner.run_dbt(["test", *select], tmp_path, warehouse=wh)  # and passes once the load is active again


def _contracted_models(target: Path) -> list[dict]:
    """The models with an enforced contract in a build's manifest."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    return [node for node in nodes if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]]


def declared_not_null(target: Path) -> set[tuple[str, str]]:
    """(table, column) of each not_null constraint on a model with an enforced contract, in a build's manifest."""
    return {
        (node["name"], column)
        for node in _contracted_models(target)
        for column, spec in node["columns"].items()
        if any(c["type"] == "not_null" for c in spec["constraints"])
    }


def declared_checks(target: Path) -> dict[str, int]:
    """Check constraints (model- and column-level) per model with an enforced contract, in a build's manifest."""
    counts = {}
    for node in _contracted_models(target):
        specs = [*node["constraints"], *(c for col in node["columns"].values() for c in col["constraints"])]
        if n := sum(c["type"] == "check" for c in specs):
            counts[node["name"]] = n
    return counts


def test_published_tables_carry_their_not_null_columns_as_constraints(duckdb_build):
    """Contracted tables (the published ones, the facts, the benchmark's and demand's intermediate tables) hold their
    NOT NULL columns by constraint, not by data test: each table dbt created has them, the incremental ones too
    (created by the first build, inserted into by the second). Their accepted values and row-level expressions are
    CHECK constraints: each table has as many as its model declares."""
    declared = declared_not_null(duckdb_build["tmp"] / "dbt_target")
    assert {("dim_force", "force_code"), ("mart_escalations", "escalation_id"), ("fct_s136_detentions", "load_id"),
            ("int_benchmark_counts", "measure_id")} <= declared  # fmt: skip
    checks = declared_checks(duckdb_build["tmp"] / "dbt_target")
    assert checks["dim_force"] == 1 and checks["mart_benchmark"] >= 20
    with duckdb.connect(str(duckdb_build["warehouse"]), read_only=True) as con:
        found = con.execute(
            "select table_name, unnest(constraint_column_names) from duckdb_constraints() "
            "where schema_name in ('marts', 'intermediate') and constraint_type = 'NOT NULL'"
        ).fetchall()
        found_checks = dict(
            con.execute(
                "select table_name, count(*) from duckdb_constraints() "
                "where schema_name in ('marts', 'intermediate') and constraint_type = 'CHECK' group by table_name"
            ).fetchall()
        )
    assert declared <= set(found)
    assert {table: found_checks.get(table) for table in checks} == checks


def test_a_null_or_unlisted_value_in_a_published_column_fails_the_models_build(duckdb_build, tmp_path):
    """The constraints are the checks: a NULL in a not_null column (dim_force) and a value outside a column's
    accepted values (dim_measure.method) fail the model's build itself (one run, both models), and the tables keep
    their rows."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_build["warehouse"], wh)
    with duckdb.connect(str(wh)) as con:
        con.execute("update seeds.ref_force set force_name = null where force_code = ?", [CUMBRIA])
        con.execute("update seeds.ref_benchmark_measure set method = 'median' where measure_id = 's136_per_100k'")
    failed = dbt_runner.run_dbt(["run", "--select", "dim_force", "dim_measure"], tmp_path, warehouse=wh, check=False)
    out = failed.stdout
    assert failed.returncode != 0 and "NOT NULL constraint failed" in out, out[-3000:]
    assert "CHECK constraint failed on table dim_measure__dbt_tmp" in out and "IN ('rate', 'proportion'" in out, out
    with duckdb.connect(str(wh), read_only=True) as con:
        kept = con.execute("select force_name from marts.dim_force where force_code = ?", [CUMBRIA]).fetchall()
        method = con.execute("select method from marts.dim_measure where measure_id = 's136_per_100k'").fetchall()
    assert kept == [("Cumbria",)] and method == [("rate",)]


def test_not_null_columns_names_each_column_with_nulls_and_how_many(duckdb_build, tmp_path):
    """A model's not-null columns are checked by one test: it passes on the build, fails when a listed column holds
    NULLs, and its failing rows say which column and how many rows (the other listed column is not reported)."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_build["warehouse"], wh)
    select = ["--select", "int_s136_force_year,test_name:not_null_columns"]
    passed = dbt_runner.run_dbt(["test", *select], tmp_path, warehouse=wh, check=False)
    assert passed.returncode == 0 and "PASS=1" in passed.stdout, passed.stdout[-3000:]
    with duckdb.connect(str(wh)) as con:
        # a view: NULLs go in through another view over it
        con.execute("alter view intermediate.int_s136_force_year rename to kept")
        con.execute(
            "create view intermediate.int_s136_force_year as select * replace "
            f"(case when force_code = '{CUMBRIA}' then null else fy_label end as fy_label) from intermediate.kept"
        )
        nulled = con.execute("select count(*) from intermediate.int_s136_force_year where fy_label is null").fetchone()
    failed = dbt_runner.run_dbt(["test", *select], tmp_path, warehouse=wh, check=False)
    assert failed.returncode == 1 and "not_null_columns_int_s136_force_year" in failed.stdout, failed.stdout[-3000:]
    (compiled,) = (tmp_path / "dbt_target" / "compiled").rglob("not_null_columns_int_s136_force_year*.sql")
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute(compiled.read_text()).fetchall() == [("fy_label", nulled[0])] and nulled[0] > 0


def test_an_incremental_fact_refuses_a_bad_row_of_a_new_load_and_keeps_its_rows(duckdb_build, tmp_path):
    """The incremental facts are contracted too: every insert is checked, so a new load with a detention under an
    unknown power fails fct_s136_detentions' incremental run (no data test needed), and the fact keeps its rows."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(duckdb_build["warehouse"], wh)
    load = "s136/E23000003/2024-25/a"
    rows = _simple(load, LANCS, 2024, 2)
    rows[1]["power"] = "s137"
    with duckdb.connect(str(wh)) as con:
        before = con.execute("select count(*) from marts.fct_s136_detentions").fetchone()[0]
        _insert(con, "s136", rows, "?")
        _insert(con, "load_ledger", [_ledger(load, "s136", LANCS, "2024-25", rows=2)], "?")
    failed = dbt_runner.run_dbt(["run", "--select", "fct_s136_detentions"], tmp_path, warehouse=wh, check=False)
    out = failed.stdout
    assert failed.returncode != 0 and "CHECK constraint failed" in out and "s135(2)" in out, out[-3000:]
    with duckdb.connect(str(wh), read_only=True) as con:
        after = con.execute("select count(*), count(*) filter (where load_id = ?) from marts.fct_s136_detentions",
                            [load]).fetchone()  # fmt: skip
    assert after == (before, 0)


def test_population_sources_with_ons_rows(duckdb_build):
    rows = duckdb_build["force_one"]  # stage one: ONS mid-2022 (both forces) and mid-2023 (Lancashire) loaded
    r = _row(rows, CUMBRIA, "2022-23")
    assert (r["population"], r["population_year"], r["population_source"]) == (500123, 2022, "ons_mye")
    assert r["population_vintage"] == "ONS MYE mid-2022 (test)" and r["is_standin_denominator"] is False
    assert (r["s136_detentions"], r["ci_method"]) == (10, "byars")  # first delivery: 11 rows
    r = _row(rows, CUMBRIA, "2023-24")
    assert (r["population"], r["population_year"], r["population_source"]) == (500123, 2022, "ons_mye_carried_forward")
    assert "carried forward" in r["population_vintage"]
    r = _row(rows, LANCS, "2023-24")
    assert (r["population"], r["population_year"], r["population_source"]) == (1510000, 2023, "ons_mye")
    assert _row(rows, BTP, "2022-23")["population_source"] is None


def test_force_mart_known_values(duckdb_build):
    rows = duckdb_build["force"]
    assert list(rows[0]) == FORCE_COLUMNS
    r = _row(rows, CUMBRIA, "2022-23")
    pop = 500000  # stand-in (ONS rows removed in stage two)
    assert (r["s136_detentions"], r["s136_detentions_sdc_flag"]) == (10, "rounded5")  # 9 -> 10
    assert (r["months_covered"], r["is_partial_year"]) == (12, False)  # an annual return loaded after the year
    # exact Poisson, d = 9: scipy chi2.ppf(.025, 18)/2, chi2.ppf(.975, 20)/2, and .001/.999
    expected = {
        "rate_per_100k": 9 / pop * 1e5,  # 1.80
        "rate_lcl95": 4.115373097378334 / pop * 1e5,  # 0.82
        "rate_ucl95": 17.084803451419166 / pop * 1e5,  # 3.42
        "rate_lcl998": 2.452424404363775 / pop * 1e5,  # 0.49
        "rate_ucl998": 22.65737330906293 / pop * 1e5,  # 4.53
    }
    for col, value in expected.items():
        assert r[col] == pytest.approx(round(value, 2), abs=1e-9), col
    assert (r["ci_method"], r["rate_reliability"]) == ("exact_poisson", "unreliable_lt20")
    # first PoS of 8 known: 1 police station, 3 A&E, 4 HBPoS -> every numerator is 1-7: withheld, with its count
    assert (r["first_pos_known"], r["police_station_pos"], r["ae_pos"], r["health_based_pos"]) == (10, None, None, None)
    assert (r["pct_police_station_pos"], r["pct_ae_pos"], r["pct_health_based_pos"]) == (None, None, None)
    # transport denominator 9 - not known - already at PoS = 7 -> SDC: NULL
    assert r["transport_known"] is None and r["pct_ambulance"] is None and r["pct_police_vehicle"] is None
    # 8 valid durations (median shown), 2 over 24 hours (numerator 1-7: percentage withheld)
    assert (r["durations_known"], r["median_hours"], r["over_24h"], r["pct_over_24h"]) == (10, 9.0, None, None)
    assert (r["under18_in_police_station"], r["under18_in_police_station_sdc_flag"]) == (None, "suppressed_1_7")

    r = _row(rows, CUMBRIA, "2023-24")  # 22 detentions: Byar's
    d, z = 22, 1.959964
    lcl = d * (1 - 1 / (9 * d) - z / (3 * math.sqrt(d))) ** 3
    ucl = (d + 1) * (1 - 1 / (9 * (d + 1)) + z / (3 * math.sqrt(d + 1))) ** 3
    assert (r["s136_detentions"], r["ci_method"], r["rate_reliability"]) == (20, "byars", "ok")
    assert r["rate_lcl95"] == pytest.approx(round(lcl / pop * 1e5, 2))
    assert r["rate_ucl95"] == pytest.approx(round(ucl / pop * 1e5, 2))

    r = _row(rows, LANCS, "2022-23")  # 3 detentions
    assert r["s136_detentions"] is None
    assert r["s136_detentions_sdc_flag"] == r["rate_reliability"] == "suppressed_1_7"
    assert r["rate_per_100k"] is None and r["pct_ambulance"] is None and r["median_hours"] is None
    r = _row(rows, MERSEY, "2023-24")  # nil return: 0 stays 0, exact upper limit for d = 0
    assert (r["s136_detentions"], r["s136_detentions_sdc_flag"], r["rate_per_100k"], r["rate_lcl95"]) == (
        0,
        "none",
        0.0,
        0.0,
    )
    assert r["rate_ucl95"] == pytest.approx(round(3.6888794541139354 / 1400000 * 1e5, 2))
    r = _row(rows, BTP, "2022-23")
    assert (r["s136_detentions"], r["population"], r["rate_per_100k"]) == (10, None, None)
    assert r["rate_reliability"] == "no_resident_population"
    r = _row(rows, LANCS, "2023-24")  # 12 s136 and 1 s135: the s135 is published apart and counts in no statistic
    assert (r["s136_detentions"], r["s135_detentions"], r["s135_detentions_sdc_flag"]) == (10, None, "suppressed_1_7")
    assert (r["police_station_pos"], r["pct_police_station_pos"], r["under18_in_police_station"]) == (0, 0.0, 0)
    assert r["rate_per_100k"] == pytest.approx(round(12 / 1500000 * 1e5, 2))


def test_national_mart_exact(duckdb_build):
    rows = duckdb_build["national"]
    assert list(rows[0]) == NATIONAL_COLUMNS
    n = {r["fy_label"]: r for r in rows}
    assert (n["2022-23"]["s136_detentions"], n["2022-23"]["forces_reporting"]) == (9 + 3 + 8, 3)
    assert n["2022-23"]["population"] == 500000 + 1500000  # BTP excluded from the denominator...
    assert n["2022-23"]["rate_per_100k"] == pytest.approx(round(12 / 2000000 * 1e5, 2))  # ...and the numerator
    assert (n["2023-24"]["s136_detentions"], n["2023-24"]["police_station_pos"]) == (34, 0)
    assert (n["2023-24"]["s135_detentions"], n["2023-24"]["under18_in_police_station"]) == (1, 0)
    # a year lacking a force that sends returns is partial: Merseyside (a nil return for 2023-24 only) in 2022-23,
    # BTP (2022-23 only) in 2023-24
    assert (n["2022-23"]["is_partial_year"], n["2022-23"]["forces_partial_year"]) == (True, 1)
    assert (n["2023-24"]["is_partial_year"], n["2023-24"]["forces_partial_year"]) == (True, 1)
    assert (n["2023-24"]["forces_reporting"], n["2023-24"]["population"]) == (3, 500000 + 1500000 + 1400000)
    assert n["2022-23"]["police_station_pos"] == 1 and n["2022-23"]["transport_not_known"] == 1
    # exact national percentages (no disclosure control), of known values: 1 / (9 + 3 + 8 - 1 not known)
    assert n["2022-23"]["first_pos_known"] == 19 and n["2022-23"]["pct_police_station_pos"] == round(100 / 19, 1)


def test_standin_when_ons_rows_removed(duckdb_build):
    rows, national = duckdb_build["force"], duckdb_build["national"]
    r = _row(rows, CUMBRIA, "2022-23")
    assert (r["population"], r["population_year"], r["population_source"]) == (500000, None, "standin")
    assert r["is_standin_denominator"] is True
    assert r["population_vintage"] == "stand-in: approximate, not an ONS figure"
    assert all(x["is_standin_denominator"] and x["population_source"] == "standin" for x in national)
    assert _row(rows, BTP, "2022-23")["is_standin_denominator"] is False


FORCE_COLUMNS = """force_code force_name region_name nation fy_label months_covered is_partial_year s136_detentions
s136_detentions_sdc_flag s135_detentions s135_detentions_sdc_flag population population_year population_vintage
population_source is_standin_denominator is_small_population rate_per_100k rate_lcl95 rate_ucl95 rate_lcl998
rate_ucl998 ci_method rate_reliability first_pos_known police_station_pos ae_pos health_based_pos
pct_police_station_pos pct_ae_pos pct_health_based_pos transport_known ambulance police_vehicle pct_ambulance
pct_police_vehicle durations_known over_24h median_hours pct_over_24h under18_in_police_station
under18_in_police_station_sdc_flag""".split()
NATIONAL_COLUMNS = """fy_label forces_reporting forces_partial_year is_partial_year s136_detentions s135_detentions
population population_source is_standin_denominator rate_per_100k rate_lcl95 rate_ucl95 first_pos_known
police_station_pos ae_pos health_based_pos pct_police_station_pos pct_ae_pos pct_health_based_pos transport_known
ambulance police_vehicle transport_not_known pct_ambulance pct_police_vehicle durations_known over_24h median_hours
pct_over_24h under18_in_police_station""".split()


# ---------------------------------------------------------------- PostgreSQL: same project, same fixture


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in [Path("/usr/local/bin") / name, *Path("/usr/lib/postgresql").glob(f"*/bin/{name}")]
         if p.exists()), None)  # fmt: skip


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory):
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl) found")
    if os.geteuid() != 0:
        pytest.skip("starting a throwaway PostgreSQL here needs root (initdb runs as the unprivileged user pgrun)")
    psycopg2 = pytest.importorskip("psycopg2")
    if subprocess.run(["id", "pgrun"], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-M", "pgrun"], capture_output=True)  # a parallel worker may win the race
        subprocess.run(["id", "pgrun"], check=True, capture_output=True)
    # own folder under /tmp (pytest's basetemp is 0700 and may be rotated by concurrent pytest sessions)
    base = Path(tempfile.mkdtemp(prefix="mhw-pg-"))
    base.chmod(0o755)
    shutil.chown(base, "pgrun")
    port = _free_port()

    def su(cmd: str) -> None:
        proc = subprocess.run(["su", "pgrun", "-c", cmd], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{cmd}: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"

    started = False
    try:
        su(f"{initdb} -D {base}/data -U postgres --auth=trust")
        su(f"{pg_ctl} -D {base}/data -l {base}/log -o '-p {port} -k {base} -c listen_addresses=127.0.0.1' -w start")
        started = True
        for _ in range(50):
            try:
                psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres").close()
                break
            except psycopg2.OperationalError:
                time.sleep(0.1)
        yield {"port": port, "psycopg2": psycopg2}
    finally:
        if started:
            su(f"{pg_ctl} -D {base}/data -m fast -w stop")
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_build_matches_duckdb(duckdb_build, postgres_server, tmp_path):
    psycopg2, port = postgres_server["psycopg2"], postgres_server["port"]
    env = {"MHW_PG_HOST": "127.0.0.1", "MHW_PG_PORT": str(port), "MHW_PG_USER": "postgres",
           "MHW_PG_DBNAME": "postgres"}  # fmt: skip
    con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    con.autocommit = True
    try:
        con.cursor().execute(raw_ddl())  # the raw DDL is plain SQL both engines accept
        load_stage_one(con, "%s")
        run_dbt(["build", "--target", "postgres"], env, tmp_path)
        load_stage_two(con, "%s")
        # incremental, with the superseding load and the ONS rows removed
        run_dbt(["build", "--target", "postgres", "--select", "stg_s136__detentions+", "stg_ons__population_pfa+"],
                env, tmp_path)  # fmt: skip
        pg_force, pg_national = fetch(con, FORCE_SQL), fetch(con, NATIONAL_SQL)
        pg_fact_n = fetch(con, "select count(*) as n from marts.fct_s136_detentions")[0]["n"]
        pg_benchmark = {key: fetch(con, sql) for key, sql in BENCHMARK_SQL.items()}
        pg_not_null = fetch(con, NOT_NULL_COLUMNS_SQL)
        pg_checks = {r["table_name"]: r["n"] for r in fetch(con, CHECK_CONSTRAINTS_SQL)}
    finally:
        con.close()
    declared = declared_not_null(tmp_path / "dbt_target")  # the published columns' not_null constraints
    assert declared and declared <= {(r["table_name"], r["column_name"]) for r in pg_not_null}
    checks = declared_checks(tmp_path / "dbt_target")  # and their check constraints
    assert checks and {table: pg_checks.get(table) for table in checks} == checks
    assert pg_fact_n == len(duckdb_build["fact"])
    _assert_same(pg_force, duckdb_build["force"])
    _assert_same(pg_national, duckdb_build["national"])
    assert duckdb_build["benchmark"] and duckdb_build["spc"] and duckdb_build["peers"]
    for key, rows in pg_benchmark.items():
        _assert_same(rows, duckdb_build[key])


NOT_NULL_COLUMNS_SQL = """select table_name, column_name from information_schema.columns
where table_schema in ('marts', 'intermediate') and is_nullable = 'NO'"""
CHECK_CONSTRAINTS_SQL = """select t.relname as table_name, count(*) as n from pg_constraint c
join pg_class t on t.oid = c.conrelid join pg_namespace s on s.oid = t.relnamespace
where s.nspname in ('marts', 'intermediate') and c.contype = 'c' group by t.relname"""


def _assert_same(pg_rows: list[dict], duck_rows: list[dict]) -> None:
    assert len(pg_rows) == len(duck_rows)
    for pg, dk in zip(pg_rows, duck_rows, strict=True):
        assert list(pg) == list(dk)
        for col in dk:
            a, b = pg[col], dk[col]
            if isinstance(b, float) or isinstance(a, float):
                assert a is not None and b is not None and float(a) == pytest.approx(float(b), abs=0.011), col
            else:
                assert a == b, (col, a, b)
