"""The benchmarking core end to end on a small raw layer (docs/methods.md §2-§6), DuckDB, built twice incrementally.

Fixture: five North West forces, monthly MH incidents and all-incident totals from April 2023 (stage one to December
2024, stage two adds January-March 2025), s136 returns for 2023-24, no public data (stand-in populations):
- Lancashire's MH incidents jump by 80% from June 2024 (a planted shift; its RCRP go-live, July 2023, rebases its
  series), so mh_incidents_per_1000 shows special cause and an escalation that continues into stage two;
- Cheshire's officer time is five times usual in December 2024 only: special cause at the end of stage one, an
  escalation resolved in stage two;
- Cumbria has 5 s136 detentions in 2023-24 (withheld); Merseyside did not send its December 2024 incidents (an
  incomplete month, not a zero).
Checked against independent implementations: mart_spc against a Python port of NHSRplotthedots
(tests/stats/plotthedots.py), the rate funnel against mhw/stats.py, the peer groups against a direct computation.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from ingestion.schema import ensure_raw_schema
from mhw import stats
from mhw.disclosure_scan import load_rules, scan_disclosure
from mhw.published import load_manifest
from tests import dbt_runner
from tests.dbt.test_dbt_build import _detention, _ledger
from tests.stats import plotthedots

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CUMBRIA, LANCS, MERSEY, GMP, CHESHIRE = "E23000002", "E23000003", "E23000004", "E23000005", "E23000006"
FORCES = {CUMBRIA: 30, LANCS: 45, MERSEY: 50, GMP: 80, CHESHIRE: 35}  # usual MH incidents a month
STAGE_ONE = [f"{2023 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(21)]  # 2023-04 .. 2024-12
STAGE_TWO = ["2025-01", "2025-02", "2025-03"]
MISSING = (MERSEY, "2024-12")
# models and seeds; their unit and data tests run in test_dbt_build's whole-project build
SELECT = ["build", "--select", "+mart_escalations", "--exclude-resource-type", "test", "unit_test"]
fetch = dbt_runner.rows


def _mh_count(force: str, month: str, rng: np.random.Generator) -> int:
    base = FORCES[force] * (1.8 if force == LANCS and month >= "2024-06" else 1.0)
    return int(rng.poisson(base))


def _month_rows(force: str, month: str, rng: np.random.Generator) -> tuple[list[dict], dict, int]:
    """The month's incidents (load), its all-incident total row and the MH count."""
    load_id = f"incidents/{force}/{month}/a"
    start = datetime.strptime(month + "-01", "%Y-%m-%d")
    n = _mh_count(force, month, rng)
    minutes = 300 if (force, month) == (CHESHIRE, "2024-12") else 60
    rows = []
    for i in range(1, n + 1):
        created = start + timedelta(hours=7 * i)
        rows.append({
            "load_id": load_id, "row_number": i, "incident_id": f"{month}-{i:03d}", "force_code": force,
            "created_at": created, "first_arrival_at": created + timedelta(minutes=20),
            "closed_at": created + timedelta(hours=2), "opening_code": "CW", "closing_code": "MH",
            "mh_flag_opening": True, "mh_flag_closing": True, "mh_subcategory": "mh_crisis", "grade": "priority",
            "deployed": True, "officer_minutes": minutes + (i % 7) * 5, "rcrp_decision": "attend", "outcome": "nfa",
            "person_age": 30, "person_sex": "F", "person_ethnicity": "W1", "person_token": None,
            "person_key_id": None, "person_match_method": None,
        })  # fmt: skip
    total = {"load_id": f"incident_totals/{force}/{month}/a", "row_number": 1, "force_code": force,
             "month": start, "all_incidents": FORCES[force] * 20 + int(rng.integers(0, 40))}  # fmt: skip
    return rows, total, n


def _sent(month: str) -> datetime:
    """When a month's files were loaded: three days after it ended (a file loaded earlier holds part of the month)."""
    year, mon = map(int, month.split("-"))
    return datetime(year + mon // 12, mon % 12 + 1, 3, 9)


def _stage(months: list[str], seed: int) -> tuple[dict[str, list[dict]], dict[tuple[str, str], int]]:
    rng = np.random.default_rng(seed)
    incidents, totals, ledger, counts = [], [], [], {}
    for month in months:
        for force in FORCES:
            rows, total, n = _month_rows(force, month, rng)
            totals.append(total)
            ledger.append(
                {**_ledger(total["load_id"], "incident_totals", force, month, rows=1), "loaded_at": _sent(month)}
            )
            if (force, month) == MISSING:
                continue
            incidents += rows
            counts[(force, month)] = n
            ledger.append(
                {
                    **_ledger(f"incidents/{force}/{month}/a", "incidents", force, month, rows=n),
                    "loaded_at": _sent(month),
                }
            )
    return {"incidents": incidents, "incident_totals": totals, "load_ledger": ledger}, counts


def _s136() -> dict[str, list[dict]]:
    detentions, ledger = [], []
    for force, n in {CUMBRIA: 5, LANCS: 40, MERSEY: 35, GMP: 60, CHESHIRE: 25}.items():
        load_id = f"s136/{force}/2023-24/a"
        start = datetime(2023, 4, 3, 10)
        detentions += [_detention(load_id, i + 1, force, start + timedelta(days=5 * i)) for i in range(n)]
        ledger.append(_ledger(load_id, "s136", force, "2023-24", rows=n))
    return {"s136": detentions, "load_ledger": ledger}


def _load(con, tables: dict[str, list[dict]]) -> None:
    for table, rows in tables.items():
        if rows:
            con.register("_rows", pl.DataFrame(rows, infer_schema_length=None).to_arrow())
            con.execute(f"insert into raw.{table} by name select * from _rows")
            con.unregister("_rows")


def _results(wh: Path) -> dict[str, list[dict]]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return {
            "benchmark": fetch(con, "select * from marts.mart_benchmark order by measure_id, geography_code, period"),
            "spc": fetch(con, "select * from marts.mart_spc order by measure_id, geography_code, month_start"),
            "escalations": fetch(con, "select * from marts.mart_escalations order by escalation_id"),
            "peers": fetch(con, "select * from marts.dim_force_peer_group order by force_code, peer_rank"),
            "measures": fetch(con, "select * from marts.dim_measure"),
        }


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_benchmark")
    wh = tmp / "warehouse.duckdb"
    env = {"MHW_WAREHOUSE": str(wh)}
    stage_one, counts = _stage(STAGE_ONE, seed=1)
    stage_two, counts_two = _stage(STAGE_TWO, seed=2)
    with duckdb.connect(str(wh)) as con:
        ensure_raw_schema(con)
        _load(con, stage_one)
        _load(con, _s136())
    first = dbt_runner.run_dbt(SELECT, tmp, env_extra=env)
    one = _results(wh)
    # the same data again: nothing about the escalations may change
    dbt_runner.run_dbt(["run", "--select", "mart_escalations"], tmp, env_extra=env)
    again = _results(wh)
    with duckdb.connect(str(wh)) as con:
        _load(con, stage_two)
    # stage two, with --full-refresh: the facts rebuild, the escalation history must survive it
    dbt_runner.run_dbt(["run", "--select", "+mart_escalations", "--full-refresh"], tmp, env_extra=env)
    two = _results(wh)
    return {"first": first, "one": one, "again": again, "two": two, "counts": {**counts, **counts_two},
            "warehouse": wh, "manifest": tmp / "dbt_target" / "manifest.json"}  # fmt: skip


def _by(rows: list[dict], **key) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in key.items())]


def _one(rows: list[dict], **key) -> dict:
    [row] = _by(rows, **key)
    return row


def test_every_measure_with_data_has_rows_for_every_force(build):
    benchmark = build["two"]["benchmark"]
    expected = {"mh_incidents_per_1000", "mh_incidents_per_100k", "officer_hours_per_mh_incident", "repeat_share",
                "s136_per_100k", "s136_per_100k_month", "s136_police_station_pos_pct", "s136_ed_pos_pct",
                "s136_ambulance_pct", "s136_police_vehicle_pct", "s136_over_24h_pct",
                "s136_black_white_rr"}  # fmt: skip
    assert expected <= {r["measure_id"] for r in benchmark}
    for measure in expected:
        forces = {r["force_code"] for r in _by(benchmark, measure_id=measure, geography_level="force")}
        assert forces == set(FORCES), measure
    months = {r["period"] for r in _by(benchmark, measure_id="mh_incidents_per_1000", force_code=LANCS)}
    assert months == set(STAGE_ONE + STAGE_TWO)


def test_disclosure_control_of_published_rows(build):
    for r in build["two"]["benchmark"]:
        if r["geography_level"] == "national":
            continue
        if r["numerator"] is not None and r["method"] != "mean":
            assert r["numerator"] == 0 or (r["numerator"] >= 8 and r["numerator"] % 5 == 0), r
        if r["withheld_reason"]:
            assert r["value"] is None and r["lcl95"] is None and r["funnel_z"] is None and r["value_rank"] is None
            assert r["change_estimate"] is None and r["funnel_position"] in (None, "not_compared")
    cumbria = _one(build["two"]["benchmark"], measure_id="s136_per_100k", force_code=CUMBRIA, period="2023-24")
    assert (cumbria["numerator"], cumbria["numerator_sdc_flag"], cumbria["withheld_reason"]) == (
        None, "suppressed_1_7", "count_1_7")  # fmt: skip
    assert cumbria["value"] is None and cumbria["significance_vs_national"] == "not_compared"
    national = _one(build["two"]["benchmark"], measure_id="s136_per_100k", geography_code="E&W", period="2023-24")
    assert national["numerator"] == 5 + 40 + 35 + 60 + 25  # national counts are exact
    assert national["value"] == pytest.approx(165 / (500000 + 1500000 + 1400000 + 2800000 + 1100000) * 1e5, abs=1e-6)
    for r in build["two"]["spc"]:
        if r["withheld_reason"]:
            assert r["value"] is None and r["point_type"] is None


def test_publish_scan_passes_and_finds_planted_leaks(build):
    """The publish's disclosure scan (docs/methods.md §7) over the built marts, by the classes their yml declare
    (row cases in the long tables); leaks planted in a copy are found."""
    rules = load_rules(load_manifest(build["manifest"]))
    con = duckdb.connect()
    con.execute(f"attach '{build['warehouse']}' as wh (read_only)")
    for table in ("mart_benchmark", "mart_spc", "mart_escalations", "dim_measure", "dim_force_peer_group",
                  "dim_force_peer_covariate"):  # fmt: skip
        con.execute(f"create table {table} as select * from wh.marts.{table}")
    con.execute("detach wh")
    assert scan_disclosure(con, rules) == []
    withheld = "where withheld_reason is not null and geography_level = 'force'"
    assert con.execute(f"select count(*) from mart_benchmark {withheld}").fetchone()[0] > 0
    con.execute(f"update mart_benchmark set value = 1.0 {withheld} and measure_id = 's136_per_100k'")
    con.execute("update mart_spc set numerator = 6 where measure_id = 'mh_incidents_per_100k' and period = '2024-05'")
    found = {(f.table, f.column, f.rule) for f in scan_disclosure(con, rules)}
    assert found == {
        ("mart_benchmark", "value", "shown_while_withheld"),
        ("mart_spc", "numerator", "small_count"),
        ("mart_spc", "numerator", "not_rounded"),
    }


def test_incomplete_month_is_marked_not_zero(build):
    benchmark = build["two"]["benchmark"]
    r = _one(benchmark, measure_id="mh_incidents_per_1000", force_code=MERSEY, period="2024-12")
    assert not r["is_complete"] and r["completeness_note"] == "no incidents extract for the month"
    assert r["numerator"] is None and r["value"] is None
    assert r["significance_vs_national"] == "not_compared" and r["value_rank"] is None
    region = _one(benchmark, measure_id="mh_incidents_per_1000", geography_code="E12000002", period="2024-12")
    assert (region["forces_expected"], region["forces_included"], region["is_complete"]) == (5, 4, False)
    assert "2024-12" not in {r["period"] for r in _by(build["two"]["spc"], geography_code=MERSEY)}
    counts = build["counts"]
    national = _one(benchmark, measure_id="mh_incidents_per_1000", geography_code="E&W", period="2024-11")
    assert national["numerator"] == sum(counts[(f, "2024-11")] for f in FORCES)


def test_planted_shift_is_special_cause_and_escalated(build):
    spc = _by(build["two"]["spc"], measure_id="mh_incidents_per_1000", geography_code=LANCS)
    assert [p["is_segment_start"] for p in spc].index(True) == 3  # RCRP go-live July 2023 (assumed for the demo)
    after = [p for p in spc if p["period"] >= "2024-08"]
    assert after and all(p["point_type"] == "special_cause_neutral_high" for p in after)
    assert spc[-1]["is_latest_point"] and spc[-1]["variation_type"] == "neutral_high"
    others = [p for p in build["two"]["spc"] if p["measure_id"] == "mh_incidents_per_1000" and p["is_latest_point"]
              and p["geography_level"] == "force" and p["geography_code"] != LANCS]  # fmt: skip
    assert others and all(p["point_type"] == "common_cause" for p in others)
    items = _by(build["one"]["escalations"], measure_id="mh_incidents_per_1000", geography_code=LANCS)
    [item] = [i for i in items if i["signal_source"] == "spc"]
    assert (item["status"], item["signal_type"]) == ("new", "spc_special_cause_neutral")
    # a neutral special cause held for six points escalates as one of concern would (methods.md section 6)
    assert item["periods_running"] >= 6
    assert (item["escalation_level"], item["rule_id"]) == ("regional", "spc_neutral_force_sustained")
    assert "Lancashire" in item["signal_text"] and item["latest_period"] == "2024-12"


def test_neutral_signals_escalate_as_signals_of_concern():
    """Every rule for a signal of concern has its twin for the neutral signal (a measure with no agreed direction):
    the same geography level, periods running and escalation level."""
    rules = list(csv.DictReader((REPO / "seeds" / "ref_escalation_rule.csv").open()))

    def levels(kind: str) -> set[tuple[str, str, str, str]]:
        return {(r["signal_type"].replace(kind, ""), r["geography_level"], r["min_periods_running"],
                 r["escalation_level"]) for r in rules if r["signal_type"].endswith(kind)}  # fmt: skip

    assert levels("_concern") == levels("_neutral")


def test_escalation_status_across_refreshes(build):
    one = {r["escalation_id"]: r for r in build["one"]["escalations"]}
    again = {r["escalation_id"]: r for r in build["again"]["escalations"]}
    two = {r["escalation_id"]: r for r in build["two"]["escalations"]}
    assert one and all(r["status"] == "new" for r in one.values())
    # the same data refreshed again: every row as it was (status, timestamps, the level before)
    assert again == one
    assert all(r["previous_escalation_level"] is None for r in one.values())
    lancs = next(k for k, r in one.items() if r["geography_code"] == LANCS and r["signal_source"] == "spc"
                 and r["measure_id"] == "mh_incidents_per_1000")  # fmt: skip
    cheshire = next(k for k, r in one.items() if r["geography_code"] == CHESHIRE and r["signal_source"] == "spc"
                    and r["measure_id"] == "officer_hours_per_mh_incident")  # fmt: skip
    # stage two (built with --full-refresh): history kept, ids stable
    assert set(one) <= set(two)
    assert (two[lancs]["status"], two[lancs]["first_raised_at"]) == ("continuing", one[lancs]["first_raised_at"])
    assert two[lancs]["latest_period"] == "2025-03" and two[lancs]["periods_running"] >= 8
    assert two[lancs]["previous_escalation_level"] == one[lancs]["escalation_level"]
    assert (two[cheshire]["status"], two[cheshire]["resolved_period"]) == ("resolved", "2025-03")
    assert two[cheshire]["first_raised_at"] == one[cheshire]["first_raised_at"]


def test_spc_matches_the_plotthedots_port(build):
    """Every published series, recomputed by the independent Python port of NHSRplotthedots."""
    spc = build["two"]["spc"]
    series: dict[tuple[str, str], list[dict]] = {}
    for p in spc:
        series.setdefault((p["measure_id"], p["geography_code"]), []).append(p)
    compared = 0
    for points in series.values():
        if any(p["value"] is None for p in points):
            continue
        starts = [i for i, p in enumerate(points) if p["is_segment_start"]]
        ported = plotthedots.xmr([p["value"] for p in points], points[0]["improvement_direction"], starts,
                                 fix_after_n_points=12)  # fmt: skip
        for p, q in zip(points, ported, strict=True):
            assert p["centre"] == pytest.approx(q["centre"], abs=1e-5)
            assert p["upl"] == pytest.approx(q["upl"], abs=1e-5) and p["lpl"] == pytest.approx(q["lpl"], abs=1e-5)
            assert (p["special_cause_type"], p["point_type"]) == (q["special_cause_type"], q["point_type"]), p
        compared += 1
    assert compared >= 20


def test_rate_funnel_matches_mhw_stats(build):
    """mart_benchmark's funnel for MH incidents per 100,000 against mhw/stats.py (which draws the app's curves)."""
    standin = {r["force_code"]: int(r["population_standin"])
               for r in csv.DictReader((REPO / "seeds" / "ref_population_standin.csv").open())}  # fmt: skip
    counts = build["counts"]
    rows = _by(build["two"]["benchmark"], measure_id="mh_incidents_per_100k", geography_level="force")
    for month in ("2024-05", "2024-12", "2025-03"):
        units = [r for r in rows if r["period"] == month and r["is_complete"]]
        result = stats.funnel([counts[(r["force_code"], month)] for r in units],
                              [standin[r["force_code"]] for r in units], [r["force_code"] for r in units])  # fmt: skip
        for r, u in zip(units, result.units.iter_rows(named=True), strict=True):
            assert r["funnel_target"] == pytest.approx(result.target, rel=1e-6)
            assert r["funnel_phi"] == pytest.approx(result.phi, rel=1e-5)
            assert r["funnel_od_adjusted"] == (result.phi > 1)
            for key in ("lcl95", "ucl95", "lcl998", "ucl998"):
                # the mart interpolates the exact limits below E = 10 from a table; above it both use Byar's
                assert r[f"funnel_{key}"] == pytest.approx(u[key], rel=1e-5), (month, r["force_code"], key)
            if r["withheld_reason"] is None:
                assert r["funnel_position"] == u["band"]


def test_peer_groups_fall_back_to_standin_population_and_say_so(build):
    peers = build["two"]["peers"]
    assert {r["peer_method"] for r in peers} == {"nearest_neighbours_standin_population"}
    assert all(r["is_standin_basis"] and "stand-in" in r["peer_group_caveat"] for r in peers)
    standin = {r["force_code"]: int(r["population_standin"])
               for r in csv.DictReader((REPO / "seeds" / "ref_population_standin.csv").open())}  # fmt: skip
    compared = {f: math.log(p) for f, p in standin.items() if f != "E23000034"}  # City of London has no group
    mean = sum(compared.values()) / len(compared)
    sd = math.sqrt(sum((v - mean) ** 2 for v in compared.values()) / (len(compared) - 1))
    z = {f: (v - mean) / sd for f, v in compared.items()}
    expected = sorted((abs(z[f] - z[LANCS]), f) for f in z if f != LANCS)[:7]
    got = [(r["distance"], r["peer_force_code"]) for r in peers if r["force_code"] == LANCS]
    assert [f for _, f in got] == [f for _, f in expected]
    assert [d for d, _ in got] == pytest.approx([d for d, _ in expected])
    # the peer value pools the counts of the peers that have data
    r = _one(build["two"]["benchmark"], measure_id="mh_incidents_per_100k", force_code=LANCS, period="2025-02")
    with_data = [f for _, f in expected if f in FORCES]
    pooled = sum(build["counts"][(f, "2025-02")] for f in with_data) / sum(standin[f] for f in with_data) * 1e5
    assert r["peer_forces_included"] == len(with_data)
    assert r["peer_value"] == pytest.approx(pooled, rel=1e-9)
