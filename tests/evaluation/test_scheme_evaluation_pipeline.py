"""Honesty tests of the scheme evaluation on data that went through the real pipeline: the demo generator (a few
forces, 36 months), the gate, dbt (the Python fits on DuckDB) and a published snapshot, which the What works page
then reads (AppTest and Chromium).

1. The demo plants Right Care, Right Person: deployments of MH incidents not ending in s136 fall to
   RCRP_DEPLOYED_FACTOR (0.71) of before at go-live. s136 incidents are always deployed, so the expected ratio of all
   deployments is (s + (1 - s) p 0.71) / (s + (1 - s) p), with p the force's deployed share before and s its s136
   share of MH incidents. Each RCRP force's 95% intervals (own trend and against comparison forces) must hold it.
2. Placebo start dates in forces without a scheme (every other month, on the pipeline's own series): the finding
   the page reports (against comparison forces when there are any) may show an effect no more often than the 5%
   the intervals allow (exact binomial test at the 1% level).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from scipy.stats import binom
from streamlit.testing.v1 import AppTest

from demo.force_extracts import RCRP_DEPLOYED_FACTOR, generate_national, national_parameters, parse_months
from demo.scheme_register import generate_scheme_registers
from ingestion.gate.load import ingest_source
from mhw.scheme_evaluation import OUTCOMES, evaluate_one
from mhw.serving import publish_snapshot
from tests.dbt_runner import run_dbt
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, running_app

pytestmark = pytest.mark.slow

SEED, MONTHS, YEARS = 42, "2022-04:2025-03", ("2021-22", "2022-23", "2023-24", "2024-25")
RCRP_FORCES = ("E23000019", "E23000024")  # demo go-lives 2024-09-02 and 2024-05-07 (assumed_demo)
PLAIN_FORCES = ("E23000002", "E23000008", "E23000013", "W15000002")  # no demo scheme
KEY, KEY_ID = b"test-key-not-secret", "k-test"
EVALUATION_MODELS = (
    "stg_scheme_register__schemes int_scheme_records dim_scheme int_scheme_outcome_month int_scheme_comparison_forces "
    "int_scheme_evaluation int_scheme_evaluation_series mart_scheme_evaluation mart_scheme_evaluation_series"
)
PLACEBO_OUTCOMES = ("mh_incidents", "deployments", "officer_hours", "s136_per_100k", "police_vehicle_conveyance")
APP = Path(__file__).resolve().parents[2] / "apps" / "views" / "what_works.py"
PEERS_SQL = "select peer_force_code from marts.dim_force_peer_group where force_code = ?"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Demo data for six forces through the gate and dbt (the evaluation and everything it reads), then published."""
    home = tmp_path_factory.mktemp("mhw-eval")
    landing, warehouse = home / "landing", home / "warehouse.duckdb"
    forces = RCRP_FORCES + PLAIN_FORCES
    generate_national(
        landing, SEED, YEARS, MONTHS, dirt=0, bad_files=0, forces=forces, s136_invalid_rows=0, progress=False
    )
    generate_scheme_registers(landing, SEED, MONTHS, forces=forces)
    con = duckdb.connect(str(warehouse))
    for source in ("incidents", "incident_totals", "s136", "scheme_register"):
        report = ingest_source(con, landing, source, KEY, KEY_ID)
        assert report.rows_rejected == 0, report.summary()
    con.close()
    selection = ["--select", "+mart_scheme_evaluation", "+mart_scheme_evaluation_series"]
    run_dbt(["build", *selection, "--resource-type", "seed", "model"], home, warehouse=warehouse)
    run_dbt(["test", "--select", *EVALUATION_MODELS.split()], home, warehouse=warehouse)
    snapshot = publish_snapshot(warehouse, home / "serving")
    return {"home": home, "warehouse": warehouse, "snapshot": snapshot}


def _frame(path: Path, sql: str, params=None) -> pl.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).pl()


def test_the_planted_rcrp_effect_is_recovered_within_its_intervals(built):
    nat = national_parameters(SEED, parse_months(MONTHS))
    rows = _frame(
        built["warehouse"],
        "select * from marts.mart_scheme_evaluation where scheme_type = 'rcrp' and outcome = 'deployments'",
    )
    assert sorted(rows["force_code"]) == sorted(RCRP_FORCES)
    for row in rows.iter_rows(named=True):
        force = row["force_code"]
        go_live = nat.go_live[force]
        s = _frame(
            built["warehouse"],
            "select avg(case when i.outcome = 's136' then 1.0 else 0.0 end) as s from raw.incidents i "
            "join raw.load_ledger l using (load_id) where l.status = 'loaded' and i.force_code = ? and created_at < ?",
            [force, go_live],
        )["s"][0]
        p = nat.deployed_pre[nat.forces.index(force)]
        planted = (s + (1 - s) * p * RCRP_DEPLOYED_FACTOR) / (s + (1 - s) * p)
        assert row["status"] == "evaluated" and row["start_basis"] == "assumed", row
        assert row["level_lcl"] < planted < row["level_ucl"], (force, planted, row)
        # the force's peer group when 3 of its peers qualify (the plain forces: data, no RCRP), else all of them
        peers = set(_frame(built["warehouse"], PEERS_SQL, [force])["peer_force_code"]) & set(PLAIN_FORCES)
        expected = ("peer_group", peers) if len(peers) >= 3 else ("all_forces_fallback", set(PLAIN_FORCES))
        assert (row["comparison_basis"], set(row["comparison_forces"].split(","))) == expected
        assert row["did_level_lcl"] < planted < row["did_level_ucl"], (force, planted, row)
        assert row["did_level_finding"] == "fell"
        assert "the start date is assumed" in row["caveats"]


def test_rcrp_leaves_mental_health_incidents_alone(built):
    rows = _frame(
        built["warehouse"],
        "select did_level_finding from marts.mart_scheme_evaluation where scheme_type = 'rcrp' "
        "and outcome = 'mh_incidents'",
    )
    assert rows["did_level_finding"].to_list() == ["no clear change"] * len(RCRP_FORCES)


def test_placebo_start_dates_show_an_effect_no_more_often_than_the_intervals_allow(built):
    warehouse = built["warehouse"]
    schemes = _frame(warehouse, "select * from marts.dim_scheme")
    series = _frame(warehouse, "select * from intermediate.int_scheme_outcome_month")
    placebo_dates = [date(2023, m, 1) for m in (5, 7, 9, 11)] + [date(2024, m, 1) for m in (1, 3, 5, 7, 9)]
    shown, evaluated = 0, 0
    for force in PLAIN_FORCES:
        for start in placebo_dates:
            key = f"placebo:{force}:{start}"
            scheme = {
                **{c: None for c in schemes.columns}, "scheme_key": key, "force_code": force, "scheme_type": "rcrp",
                "scheme_type_label": "placebo", "start_from": start, "start_to": start, "start_precision": "day",
                "start_basis": "assumed", "start_as_printed": str(start), "is_year_supplied": False,
                "is_planned": False, "has_start_date": True,
            }  # fmt: skip
            register = pl.concat([schemes, pl.DataFrame([scheme], schema=schemes.schema)])
            # forces with no RCRP, as the force's peer group: the comparison candidates
            others = {f: True for f in PLAIN_FORCES if f != force}
            for code in PLACEBO_OUTCOMES:
                outcome_rows = series.filter(pl.col("outcome") == code)
                rows = outcome_rows.filter(pl.col("force_code") == force)
                row, _ = evaluate_one(scheme, OUTCOMES[code], rows, outcome_rows, others, register)
                if row["status"] != "evaluated":
                    continue
                evaluated += 1
                lcl, ucl = (row["did_level_lcl"], row["did_level_ucl"]) if row["did_level_ratio"] else (
                    row["level_lcl"], row["level_ucl"])  # fmt: skip
                shown += lcl > 1 or ucl < 1
    assert evaluated >= 150
    # could this many placebo 'effects' come from intervals that hold 95% of the time? (exact binomial, 1% level)
    p_value = binom.sf(shown - 1, evaluated, 0.05)
    print(f"placebo effects shown: {shown} of {evaluated} ({shown / evaluated:.1%}); P(X >= {shown}) = {p_value:.3f}")
    assert p_value >= 0.01


def test_the_published_evaluation_is_disclosure_controlled(built):
    with duckdb.connect(str(built["snapshot"].path), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"dim_scheme", "mart_scheme_evaluation", "mart_scheme_evaluation_series"} <= tables
        assert not tables & {"int_scheme_evaluation", "int_scheme_outcome_month"}
        counts = con.execute(
            "select events_before, events_after from mart_scheme_evaluation "
            "where outcome <> 'deaths_following_contact' and events_before is not null"
        ).fetchall()
        assert counts and all(v % 5 == 0 and not 1 <= v <= 7 for pair in counts for v in pair if v is not None)
        shown = con.execute(
            "select count(*) from mart_scheme_evaluation_series where observed_sdc_flag = 'suppressed_1_7' "
            "and observed_rate is not null"
        ).fetchone()[0]
        assert shown == 0


def test_the_what_works_page_reads_one_force_as_a_national_lead_would(built, monkeypatch):
    home = built["home"]
    monkeypatch.setenv("MHW_HOME", str(home))
    monkeypatch.setenv("MHW_SERVING_DIR", str(home / "serving"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["scheme"] = "E23000024:E23000024-RCRP"
    at.run()
    assert not at.exception
    kinds = ("markdown", "warning", "caption", "subheader")
    text = "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))
    assert "7 May 2024 (ASSUMED: not published or recorded by the force)" in text
    assert "Deployments to mental health incidents:" in text and "lower than the force's own trend" in text
    assert "against 4 comparison forces without such a scheme" in text
    assert "The start date is assumed" in text
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the forest plot across forces, then the force's series with its counterfactual
    forest = next(d.value for d in at.dataframe if "Finding" in d.value.columns and "Force" in d.value.columns)
    assert set(forest["Finding"]) == {"fell"}
    assert os.path.realpath(home / "serving" / "current.duckdb") == str(built["snapshot"].path)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install -y chromium")
def test_the_what_works_page_renders_in_chromium(built, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with running_app(built["home"], tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.goto(f"{url}/what-works?scheme=E23000019:E23000019-RCRP", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="What works")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("2 September 2024 (ASSUMED").first).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2, timeout=60_000)
            expect(page.get_by_text("Caveats")).to_be_visible()
            page.wait_for_timeout(500)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
