"""MH demand, custody and street triage models end to end on a tiny raw layer, on DuckDB and on a real PostgreSQL.

Fixture (financial year 2023-24, two stages built one after the other, the second incrementally):
- Cumbria April 2023: first delivery v1 (12 incidents, all different people) is superseded in stage two by v2
  (10 incidents: person pA five times in five days, pB twice, three without a person);
- Cumbria May 2023: 20 incidents (pA three more times; incident 3 led to an s136 detention of pA, and an unlinked
  s136 detention of pA on 20 May); stage two adds an s136 detention linked to May incident 5, so that incident's
  linked_detention_key must appear without its own load changing;
- Lancashire April 2023: 3 incidents (SDC: suppressed); Lancashire May 2023: a nil return (load with no rows);
- BTP April 2023: 9 incidents (no resident population);
- all-incident totals for every force-month; custody (Cumbria April, 10 detentions) and triage (Cumbria May, 9).
Population: the stand-in seed (Cumbria 500,000, Lancashire 1,500,000) as no ONS rows are loaded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema, raw_ddl
from tests import dbt_runner
from tests.dbt.test_dbt_build import _assert_same, _insert, _ledger, postgres_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

CUMBRIA, LANCS, BTP = "E23000002", "E23000003", "BTP"
APR_V1, APR_V2 = "incidents/E23000002/2023-04/v1", "incidents/E23000002/2023-04/v2"
MAY = "incidents/E23000002/2023-05/a"
LANCS_APR, LANCS_MAY_NIL = "incidents/E23000003/2023-04/a", "incidents/E23000003/2023-05/nil"
BTP_APR = "incidents/BTP/2023-04/a"
S136_A, S136_B = "s136/E23000002/2023-24/a", "s136/E23000002/2023-24/b"
CUSTODY = "custody/E23000002/2023-04/a"
TRIAGE = "street_triage/E23000002/2023-05/a"
TOTALS = {  # (force, month) -> all incidents
    (CUMBRIA, "2023-04"): 20000, (CUMBRIA, "2023-05"): 21000, (LANCS, "2023-04"): 50000,
    (LANCS, "2023-05"): 52000, (BTP, "2023-04"): 8000,
}  # fmt: skip


def _incident(load_id, n, force, created_at, token=None, *, deployed=True, minutes=60, closing=True, age=30):
    tag = load_id.split("/")[2].replace("-", "")
    return {
        "load_id": load_id, "row_number": n, "incident_id": f"{tag}-{n:03d}", "force_code": force,
        "created_at": created_at, "first_arrival_at": created_at + timedelta(minutes=20) if deployed else None,
        "closed_at": created_at + timedelta(hours=2), "opening_code": "CW", "closing_code": "MH",
        "mh_flag_opening": True, "mh_flag_closing": closing, "mh_subcategory": "mh_crisis", "grade": "priority",
        "deployed": deployed, "officer_minutes": minutes if deployed else None, "rcrp_decision": "attend",
        "outcome": "nfa", "person_age": age, "person_sex": "F", "person_ethnicity": "W1", "person_token": token,
        "person_key_id": "k1" if token else None, "person_match_method": "deterministic_nhs" if token else None,
    }  # fmt: skip


def _april_v1() -> list[dict]:
    return [_incident(APR_V1, i, CUMBRIA, datetime(2023, 4, i, 9), f"pv1_{i}") for i in range(1, 13)]


def _april_v2() -> list[dict]:
    tokens = ["pA"] * 5 + ["pB"] * 2 + [None] * 3
    # incident 10 not deployed; incident 9: opening and closing flags disagree
    return [
        _incident(APR_V2, i, CUMBRIA, datetime(2023, 4, i, 10), tokens[i - 1], deployed=i != 10, closing=i != 9)
        for i in range(1, 11)
    ]


def _may() -> list[dict]:
    tokens = {3: "pA", 6: "pA", 9: "pA", 12: "pC", 15: "pC"}
    return [_incident(MAY, i, CUMBRIA, datetime(2023, 5, i, 8), tokens.get(i)) for i in range(1, 21)]


def _detention(load_id, n, detained_at, token, incident_id):
    arrived = detained_at + timedelta(hours=1)
    return {
        "load_id": load_id, "row_number": n, "detention_id": f"{load_id[-1]}-{n:03d}", "force_code": CUMBRIA,
        "power": "s136", "detained_at": detained_at, "location_type": "public_place", "age": 30, "sex": "F",
        "ethnicity_self_defined": "W1", "ethnicity_officer_defined": "IC1", "transport_method": "ambulance",
        "police_vehicle_reason": None, "first_place_of_safety": "hbpos", "police_station_reason": None,
        "arrested_for_offence": False, "arrived_first_pos_at": arrived,
        "assessment_completed_at": arrived + timedelta(hours=3), "detention_ended_at": arrived + timedelta(hours=6),
        "extension_12h": False, "outcome": "admitted_informal", "person_token": token, "person_key_id": "k1",
        "incident_id": incident_id,
    }  # fmt: skip


def _custody() -> list[dict]:
    rows = []
    for i in range(1, 11):
        arrived = datetime(2023, 4, i, 22)
        referred = arrived + timedelta(hours=2) if i <= 4 else None
        screened = referred + timedelta(hours=1) if i <= 3 else None
        assessed = screened + timedelta(hours=3) if i <= 2 else None
        outcome = ["oocd", "oocd", "charge", "nfa", "rui", "bail", "charge", "nfa", "oocd", "charge"][i - 1]
        rows.append({
            "load_id": CUSTODY, "row_number": i, "custody_id": f"C{i:03d}", "force_code": CUMBRIA,
            "arrived_at": arrived, "released_at": arrived + timedelta(hours=10), "age": 25, "sex": "M",
            "ethnicity": "W1", "mh_risk_identified": i <= 6, "appropriate_adult": False,
            "lnd_referred_at": referred, "lnd_screened_at": screened, "lnd_assessed_at": assessed,
            "outcome": outcome, "oocd_type": "community_resolution" if outcome == "oocd" else None,
            "person_token": None, "person_key_id": None, "person_match_method": None,
        })  # fmt: skip
    return rows


def _triage() -> list[dict]:
    outcomes = ["s136", "informal_admission", "cmht_referral", "crisis_team", "signpost", "nfa", "nfa", "signpost",
                "cmht_referral"]  # fmt: skip
    return [
        {"load_id": TRIAGE, "row_number": i, "contact_id": f"T{i:03d}", "force_code": CUMBRIA, "scheme_id": "CUM1",
         "model_type": "co_response", "contact_at": datetime(2023, 5, i, 20), "response_minutes": 15 + i,
         "incident_id": "202305-001" if i == 1 else None, "outcome": outcomes[i - 1], "person_token": None,
         "person_key_id": None, "person_match_method": None}
        for i in range(1, 10)
    ]  # fmt: skip


def _totals_rows() -> tuple[list[dict], list[dict]]:
    rows, ledger = [], []
    for (force, month), n in TOTALS.items():
        load_id = f"incident_totals/{force}/{month}/a"
        rows.append({"load_id": load_id, "row_number": 1, "force_code": force,
                     "month": datetime.strptime(month + "-01", "%Y-%m-%d"), "all_incidents": n})  # fmt: skip
        ledger.append(_ledger(load_id, "incident_totals", force, month, rows=1))
    return rows, ledger


def stage_one() -> dict[str, list[dict]]:
    incidents = {
        APR_V1: _april_v1(),
        MAY: _may(),
        LANCS_APR: [_incident(LANCS_APR, i, LANCS, datetime(2023, 4, 3 * i, 12)) for i in range(1, 4)],
        BTP_APR: [_incident(BTP_APR, i, BTP, datetime(2023, 4, 2 * i, 18), f"pbtp{i}") for i in range(1, 10)],
    }
    ledger = [_ledger(k, "incidents", k.split("/")[1], k.split("/")[2], rows=len(v)) for k, v in incidents.items()]
    ledger.append(_ledger(LANCS_MAY_NIL, "incidents", LANCS, "2023-05", rows=0))
    s136 = [_detention(S136_A, 1, datetime(2023, 5, 3, 9), "pA", "202305-003"),
            _detention(S136_A, 2, datetime(2023, 5, 20, 9), "pA", None)]  # fmt: skip
    ledger.append(_ledger(S136_A, "s136", CUMBRIA, "2023-24", rows=2))
    totals, totals_ledger = _totals_rows()
    ledger += totals_ledger
    ledger.append(_ledger(CUSTODY, "custody", CUMBRIA, "2023-04", rows=10))
    ledger.append(_ledger(TRIAGE, "street_triage", CUMBRIA, "2023-05", rows=9))
    return {
        "incidents": [r for v in incidents.values() for r in v],
        "incident_totals": totals,
        "s136": s136,
        "custody": _custody(),
        "street_triage": _triage(),
        "load_ledger": ledger,
    }


SUPERSEDE_SQL = (
    f"update raw.load_ledger set status = 'superseded', superseded_by = '{APR_V2}' where load_id = '{APR_V1}'"
)


def load_stage_one(con, marker: str) -> None:
    for table, rows in stage_one().items():
        _insert(con, table, rows, marker)


def load_stage_two(con, marker: str) -> None:
    _insert(con, "incidents", _april_v2(), marker)
    _insert(con, "s136", [_detention(S136_B, 1, datetime(2023, 5, 5, 12), "pA", "202305-005")], marker)
    _insert(con, "load_ledger", [_ledger(APR_V2, "incidents", CUMBRIA, "2023-04", rows=10),
                                 _ledger(S136_B, "s136", CUMBRIA, "2023-24", rows=1)], marker)  # fmt: skip
    con.cursor().execute(SUPERSEDE_SQL)


SELECT = ["+mart_demand_force_month", "+mart_demand_national_month", "+mart_outcomes_force_year",
          "fct_mh_incidents", "fct_custody_mh", "fct_street_triage", "int_person_contact_flags"]  # fmt: skip
FORCE_SQL = "select * from marts.mart_demand_force_month order by force_code, month_start"
NATIONAL_SQL = "select * from marts.mart_demand_national_month order by month_start"
OUTCOMES_SQL = "select * from marts.mart_outcomes_force_year order by force_code, fy_label"
FACT_SQL = "select * from marts.fct_mh_incidents order by incident_key"
fetch = dbt_runner.rows


def _build(args: list[str], tmp: Path, env: dict[str, str]):
    return dbt_runner.run_dbt(
        ["build", *args, "--indirect-selection", "cautious", "--select", *SELECT], tmp, env_extra=env
    )


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_demand_duckdb")
    wh = tmp / "warehouse.duckdb"
    env = {"MHW_WAREHOUSE": str(wh)}
    with duckdb.connect(str(wh)) as con:
        ensure_raw_schema(con)
        load_stage_one(con, "?")
    first = _build([], tmp, env)
    with duckdb.connect(str(wh)) as con:
        fact_before = fetch(con, FACT_SQL)
        load_stage_two(con, "?")
    second = _build([], tmp, env)
    with duckdb.connect(str(wh), read_only=True) as con:
        result = {
            "force": fetch(con, FORCE_SQL),
            "national": fetch(con, NATIONAL_SQL),
            "outcomes": fetch(con, OUTCOMES_SQL),
            "fact": fetch(con, FACT_SQL),
            "flags": fetch(con, "select * from intermediate.int_person_contact_flags order by contact_key"),
            "custody": fetch(con, "select * from marts.fct_custody_mh order by custody_key"),
            "fact_before": fact_before,
        }
    return {"first": first, "second": second, **result}


def _row(rows: list[dict], force: str, month: str) -> dict:
    [row] = [r for r in rows if r["force_code"] == force and str(r["month_start"])[:7] == month]
    return row


def test_build_ran_unit_tests_and_incrementally(duckdb_build):
    out = duckdb_build["first"].stdout
    assert "ERROR=0" in out.replace(" ", "") and "ERROR=0" in duckdb_build["second"].stdout.replace(" ", "")
    assert "int_person_contact_flags_thresholds_at_boundaries" in out
    assert "mart_demand_force_month_rates_and_shares" in out
    assert "mart_outcomes_force_year_withholding_and_coverage" in out
    assert "incremental" in duckdb_build["second"].stdout


def test_superseded_month_vanishes_from_fact(duckdb_build):
    before, fact = duckdb_build["fact_before"], duckdb_build["fact"]
    assert {r["load_id"] for r in before if r["month_start"].month == 4 and r["force_code"] == CUMBRIA} == {APR_V1}
    april = [r for r in fact if r["force_code"] == CUMBRIA and r["month_start"].month == 4]
    assert {r["load_id"] for r in april} == {APR_V2} and len(april) == 10
    assert f"{CUMBRIA}:202304-011" not in {r["incident_key"] for r in fact}  # dropped by the correction
    assert len(fact) == 10 + 20 + 3 + 9
    assert all(r["person_token"] is None or not r["person_token"].startswith("pv1_") for r in fact)


def test_linked_detention_refreshed_without_reload(duckdb_build):
    by_key = {r["incident_key"]: r for r in duckdb_build["fact"]}
    before = {r["incident_key"]: r for r in duckdb_build["fact_before"]}
    assert before[f"{CUMBRIA}:202305-003"]["linked_detention_key"] == f"{CUMBRIA}:a-001"
    assert before[f"{CUMBRIA}:202305-005"]["linked_detention_key"] is None
    assert by_key[f"{CUMBRIA}:202305-005"]["linked_detention_key"] == f"{CUMBRIA}:b-001"
    assert by_key[f"{CUMBRIA}:202305-005"]["load_id"] == MAY


def test_repeat_flags(duckdb_build):
    flags = [r for r in duckdb_build["flags"] if r["person_token"] == "pA"]
    # pA: April 1-5 (incidents), May 3 (incident + linked s136), May 5 (incident + linked s136, stage two),
    # May 6, May 9 (incidents), May 20 (unlinked s136) -> 10 contacts, 3 of them s136
    assert len(flags) == 10
    assert [r["n_contacts_12m_window"] for r in flags] == list(range(1, 11))
    assert [r["repeat_12m"] for r in flags] == [False] * 4 + [True] * 6
    assert [r["hi_contact_1m"] for r in flags][:5] == [False] * 4 + [True]
    assert [r["is_s136"] for r in flags] == [False] * 5 + [True, True, False, False, True]
    assert [r["repeat_s136_12m"] for r in flags] == [False] * 6 + [True] * 4
    assert not any(r["child_repeat_6m"] for r in flags)


def test_force_month_mart(duckdb_build):
    rows = duckdb_build["force"]
    r = _row(rows, CUMBRIA, "2023-04")
    assert (r["mh_incidents"], r["mh_incidents_sdc_flag"], r["all_incidents"]) == (10, "rounded5", 20000)
    assert r["mh_per_1000_incidents"] == pytest.approx(0.5)
    assert r["mh_per_100k_population"] == pytest.approx(2.0)  # stand-in 500,000
    assert r["incidents_per_hour"] == pytest.approx(round(10 / 720, 3)) and r["hours_in_month"] == 720
    assert (r["pct_deployed"], r["officer_hours"], r["pct_flag_agreement"]) == (90.0, 9.0, 90.0)
    # 7 of 10 with a person: the count is withheld, and so is the percentage (numerator 1-7)
    assert (r["contacts_with_person"], r["contacts_with_person_sdc_flag"], r["pct_contacts_with_person"]) == (
        None, "suppressed_1_7", None)  # fmt: skip
    assert (r["deployed"], r["deployment_recorded"], r["flags_agree"], r["is_partial_month"]) == (10, 10, 10, False)
    # an s136 return covers the whole year (0 in April); no triage file for April: NULL, never 0
    assert (r["s136_detentions"], r["triage_contacts"], r["triage_contacts_sdc_flag"]) == (0, None, None)
    assert (r["repeat_contacts"], r["repeat_contacts_sdc_flag"], r["repeat_share"]) == (None, "suppressed_1_7", None)
    r = _row(rows, CUMBRIA, "2023-05")
    assert (r["mh_incidents"], r["s136_detentions"], r["s136_detentions_sdc_flag"]) == (20, None, "suppressed_1_7")
    assert (r["triage_contacts"], r["triage_contacts_sdc_flag"], r["hours_in_month"]) == (10, "rounded5", 744)
    r = _row(rows, LANCS, "2023-04")
    assert (r["mh_incidents"], r["mh_per_1000_incidents"], r["incidents_per_hour"]) == (None, None, None)
    assert (r["s136_detentions"], r["s136_detentions_sdc_flag"]) == (None, None)  # Lancashire sent no s136 return
    r = _row(rows, LANCS, "2023-05")  # nil return
    assert (r["mh_incidents"], r["mh_incidents_sdc_flag"], r["all_incidents"]) == (0, "none", 52000)
    assert (r["mh_per_1000_incidents"], r["incidents_per_hour"], r["pct_deployed"]) == (0.0, 0.0, None)
    r = _row(rows, BTP, "2023-04")
    assert (r["mh_incidents"], r["population"], r["mh_per_100k_population"]) == (10, None, None)
    assert len(rows) == 5


def test_national_equals_sum_of_fact(duckdb_build):
    national, fact = {str(r["month_start"])[:7]: r for r in duckdb_build["national"]}, duckdb_build["fact"]
    for month, r in national.items():
        in_month = [f for f in fact if str(f["month_start"])[:7] == month]
        assert r["mh_incidents"] == len(in_month)
        assert r["contacts_with_person"] == sum(f["person_token"] is not None for f in in_month)
        assert r["officer_hours"] == pytest.approx(round(sum(f["officer_minutes"] or 0 for f in in_month) / 60, 1))
    apr = national["2023-04"]
    assert (apr["mh_incidents"], apr["all_incidents"], apr["forces_reporting"]) == (22, 78000, 3)
    assert apr["incidents_per_hour"] == pytest.approx(round(22 / 720, 3))
    assert apr["published_incidents_per_hour"] == 54
    assert apr["mh_per_100k_population"] == pytest.approx(round(13 / 2000000 * 1e5, 2))  # BTP excluded
    assert apr["repeat_contacts"] == 1 and apr["contacts_with_person"] == 7 + 9
    # only Cumbria has s136 data for April (0), and no force has triage data for it
    assert (apr["s136_detentions"], apr["forces_with_s136"], apr["triage_contacts"], apr["forces_with_triage"]) == (
        0, 1, None, 0)  # fmt: skip


def test_custody_and_outcomes(duckdb_build):
    custody = duckdb_build["custody"]
    assert len(custody) == 10 and sum(r["is_mh_identified"] for r in custody) == 6
    assert [r["hours_referral_to_assess"] for r in custody[:3]] == [4.0, 4.0, None]
    [r] = [x for x in duckdb_build["outcomes"] if x["force_code"] == CUMBRIA]
    assert (r["custody_detentions"], r["custody_detentions_sdc_flag"]) == (10, "rounded5")
    # 6 of 10 MH identified: numerator 1-7, so the count, the percentage and its interval are all withheld
    assert (r["mh_identified"], r["pct_mh_identified"], r["pct_mh_identified_lcl95"]) == (None, None, None)
    # 4 of 10 referred to L&D, 3 of them screened: every count and percentage of the pathway withheld
    assert (r["lnd_referred"], r["pct_lnd_referred"], r["lnd_screened"], r["pct_lnd_screened"]) == (None,) * 4
    assert (r["triage_contacts"], r["triage_s136_per_100"]) == (10, None)  # 1 s136 outcome of 9: suppressed
    # April custody and May triage only: a partial year
    assert (r["custody_months_covered"], r["triage_months_covered"], r["is_partial_year"]) == (1, 1, True)


# ---------------------------------------------------------------- PostgreSQL: same project, same fixture


def test_postgres_build_matches_duckdb(duckdb_build, postgres_server, tmp_path):  # noqa: F811
    psycopg2, port = postgres_server["psycopg2"], postgres_server["port"]
    env = {"MHW_PG_HOST": "127.0.0.1", "MHW_PG_PORT": str(port), "MHW_PG_USER": "postgres",
           "MHW_PG_DBNAME": "postgres"}  # fmt: skip
    con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    con.autocommit = True
    try:
        con.cursor().execute(raw_ddl())
        load_stage_one(con, "%s")
        _build(["--target", "postgres"], tmp_path, env)
        load_stage_two(con, "%s")
        _build(["--target", "postgres"], tmp_path, env)
        pg = {"force": fetch(con, FORCE_SQL), "national": fetch(con, NATIONAL_SQL),
              "outcomes": fetch(con, OUTCOMES_SQL), "fact": fetch(con, FACT_SQL)}  # fmt: skip
    finally:
        con.close()
    for key in ("force", "national", "outcomes"):
        _assert_same(pg[key], duckdb_build[key])
    assert [r["incident_key"] for r in pg["fact"]] == [r["incident_key"] for r in duckdb_build["fact"]]
    assert [r["linked_detention_key"] for r in pg["fact"]] == [r["linked_detention_key"] for r in duckdb_build["fact"]]
