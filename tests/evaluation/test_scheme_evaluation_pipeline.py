"""Honesty tests of the scheme evaluation on data that went through the real pipeline: the snapshot the app tests
share (tests/pipeline_snapshot.py: the demo generator for a few forces over 36 months, the gate, dbt with the Python
fits on DuckDB, publish), which the What works page then reads (AppTest here; Chromium in tests/e2e/test_browser.py).
With MHW_PUBLIC_DATA_DIR set the published RCRP and scheme records are in the register too: a force with one is no
comparison for RCRP.

1. The demo plants Right Care, Right Person: deployments of MH incidents not ending in s136 fall to
   RCRP_DEPLOYED_FACTOR (0.71) of before at go-live. s136 incidents are always deployed, so the expected ratio of all
   deployments is (s + (1 - s) p 0.71) / (s + (1 - s) p), with p the force's deployed share before and s its s136
   share of MH incidents. Each RCRP force's 95% intervals (own trend and against comparison forces) must hold it.
2. Placebo start dates in forces without a scheme (every other month, on the pipeline's own series): the finding
   the page reports (against comparison forces when there are any) may show an effect no more often than the 5%
   the intervals allow (exact binomial test at the 1% level).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from scipy.stats import binom

from apps import links
from demo.force_extracts import RCRP_DEPLOYED_FACTOR, national_parameters, parse_months
from mhw.scheme_evaluation import OUTCOMES, evaluate_one
from tests.apps.page_helpers import all_text, frame_with, no_exception, open_page
from tests.pipeline_snapshot import FORCES, MONTHS, PLAIN_FORCES, RCRP_FORCES, SEED

pytestmark = pytest.mark.slow

PLACEBO_OUTCOMES = ("mh_incidents", "deployments", "officer_hours", "s136_per_100k", "police_vehicle_conveyance")
PEERS_SQL = "select peer_force_code from marts.dim_force_peer_group where force_code = ?"


@pytest.fixture(scope="module")
def built(pipeline_snapshot_build):
    """The shared pipeline snapshot: landing, warehouse and the published snapshot."""
    return {"home": pipeline_snapshot_build.home, "warehouse": pipeline_snapshot_build.warehouse,
            "snapshot": pipeline_snapshot_build.snapshot}  # fmt: skip


def _without_rcrp(warehouse: Path) -> set[str]:
    """The forces of the landing zone with no RCRP record in the register (published or their own): the comparison
    candidates of an RCRP scheme."""
    with_rcrp = set(
        _frame(warehouse, "select force_code from marts.dim_scheme where scheme_type = 'rcrp'")["force_code"]
    )
    return set(FORCES) - with_rcrp


def _frame(path: Path, sql: str, params=None) -> pl.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).pl()


def test_the_planted_rcrp_effect_is_recovered_within_its_intervals(built):
    nat = national_parameters(SEED, parse_months(MONTHS))
    rows = _frame(
        built["warehouse"],
        "select * from marts.mart_scheme_evaluation where scheme_type = 'rcrp' and outcome = 'deployments'",
    )
    rows = rows.filter(pl.col("force_code").is_in(list(RCRP_FORCES)))
    assert sorted(rows["force_code"]) == sorted(RCRP_FORCES)
    candidates = _without_rcrp(built["warehouse"])
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
        # the force's peer group when 3 of its peers qualify (data, no RCRP), else all the forces that qualify
        peers = set(_frame(built["warehouse"], PEERS_SQL, [force])["peer_force_code"]) & candidates
        expected = ("peer_group", peers) if len(peers) >= 3 else ("all_forces_fallback", candidates)
        assert (row["comparison_basis"], set(row["comparison_forces"].split(","))) == expected
        assert row["did_level_lcl"] < planted < row["did_level_ucl"], (force, planted, row)
        assert row["did_level_finding"] == "fell"
        assert "the start date is assumed" in row["caveats"]


def test_rcrp_leaves_mental_health_incidents_alone(built):
    rows = _frame(
        built["warehouse"],
        "select did_level_finding from marts.mart_scheme_evaluation where scheme_type = 'rcrp' "
        "and outcome = 'mh_incidents' and force_code in (?, ?)",
        list(RCRP_FORCES),
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
    with duckdb.connect(str(built["snapshot"]), read_only=True) as con:
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


def test_the_series_shows_the_covid_months_the_fit_left_out_and_every_comparison_is_judged(built):
    """Found by an independent refit (2026-12-03): the COVID-19 months a fit leaves out were missing from the series
    behind it, though its caveat counts them; and a change on the force's own trend that the comparison forces share
    lacked its caveat whenever the comparison fell back to all forces."""
    import re

    evaluations = _frame(
        built["snapshot"],
        "select scheme_key, outcome, caveats, level_lcl, level_ucl, did_level_lcl, did_level_ucl "
        "from mart_scheme_evaluation where status = 'evaluated'",
    )
    series = _frame(built["snapshot"], "select * from mart_scheme_evaluation_series")
    left_out = 0
    for row in evaluations.iter_rows(named=True):
        one = series.filter((pl.col("scheme_key") == row["scheme_key"]) & (pl.col("outcome") == row["outcome"]))
        covid = one.filter("is_covid_restrictions")
        said = re.search(r"(\d+) month\(s\) under COVID-19 restrictions left out of the fit", row["caveats"] or "")
        assert covid.height == (int(said.group(1)) if said else 0), row["scheme_key"]
        assert not covid["fit_usable"].any() and covid["fitted_rate"].is_null().all()
        left_out += covid.height
        own_change = not row["level_lcl"] <= 1 <= row["level_ucl"]
        shared = row["did_level_lcl"] is not None and row["did_level_lcl"] <= 1 <= row["did_level_ucl"]
        assert ("also seen in the comparison forces" in (row["caveats"] or "")) == (own_change and shared)
        assert "autocorrelation (0.00)" not in (row["caveats"] or ""), "no allowance is not an allowance of 0"
    assert left_out > 0, "the fixture's s136 series cross the 2021 restrictions"


def test_the_what_works_page_reads_one_force_as_a_national_lead_would(built, monkeypatch, tmp_path):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.setenv("MHW_SERVING_DIR", str(built["snapshot"].parent))
    at = no_exception(open_page(links.WHAT_WORKS, scheme="E23000024:E23000024-RCRP"))
    assert len(at.get("vega_lite_chart")) == 1  # the forest plot across forces; the force's series is another tab
    forest = frame_with(at, "Force", "Finding")
    demo = forest[forest["Force"].isin(["Nottinghamshire", "Norfolk"])]
    assert set(demo["Finding"]) == {"fell"}
    at = no_exception(open_page(links.WHAT_WORKS, scheme="E23000024:E23000024-RCRP", section="One scheme in one force"))
    text = all_text(at)
    assert "7 May 2024 (ASSUMED: not published or recorded by the force)" in text
    assert "Deployments to mental health incidents:" in text and "lower than the force's own trend" in text
    n = _frame(built["warehouse"], "select n_comparison_forces from marts.mart_scheme_evaluation where scheme_key = "
               "'E23000024:E23000024-RCRP' and outcome = 'deployments'")["n_comparison_forces"][0]  # fmt: skip
    assert f"against {n} comparison forces without such a scheme" in text
    assert "The start date is assumed" in text
    assert len(at.get("vega_lite_chart")) == 1  # the force's series with its counterfactual


def test_the_one_scheme_view_opens_on_a_scheme_that_was_evaluated(built, monkeypatch, tmp_path):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.setenv("MHW_SERVING_DIR", str(built["snapshot"].parent))
    at = no_exception(open_page(links.WHAT_WORKS, section="One scheme in one force"))
    sql = "select distinct scheme_key from marts.mart_scheme_evaluation where status = 'evaluated' and outcome = ?"
    evaluated = _frame(built["warehouse"], sql, [at.query_params["outcome"]])["scheme_key"].to_list()
    assert at.query_params["scheme"] in evaluated and not all_text(at).count("Not evaluated:")
