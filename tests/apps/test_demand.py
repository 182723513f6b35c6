"""AppTest of the MH demand page on the fixture snapshot (tests/apps/serving_fixture.py)."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path

import duckdb
import page_helpers
from page_helpers import all_text, frame_with, metric
from serving_fixture import (
    CUMBRIA,
    DEMAND_LATEST,
    DEMAND_MONTHS,
    DURHAM,
    BuiltSnapshot,
    build_snapshot,
    demand_force_rows,
    demand_national_rows,
)
from streamlit.testing.v1 import AppTest

run_page = partial(page_helpers.run_page, "demand")

MET = "E23000001"


def national(month: str) -> dict:
    return next(r for r in demand_national_rows() if r["month_start"].strftime("%Y-%m") == month)


def force_rows(code: str) -> list[dict]:
    return sorted((r for r in demand_force_rows() if r["force_code"] == code), key=lambda r: r["month_start"])


def force_chart_spec(at: AppTest) -> str:
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2, "the national trend, then the force series"
    return charts[1].proto.spec


def test_headline_is_the_exact_national_figure(serving_snapshot: BuiltSnapshot):
    at = run_page()
    assert not at.exception
    assert at.title[0].value == "Mental-health demand"
    assert at.selectbox(key="choose_month").value == DEMAND_LATEST
    latest = national(DEMAND_LATEST)
    assert metric(at, "MH incidents an hour (E&W)") == f"{latest['incidents_per_hour']:.1f}"
    assert metric(at, "MH incidents (E&W)") == f"{latest['mh_incidents']:,}"  # exact, not rounded to 5
    assert metric(at, "MH incidents per 1,000 incidents") == f"{latest['mh_per_1000_incidents']:.1f}"
    assert metric(at, "Deployed") == f"{latest['pct_deployed']:.1f}%"
    assert metric(at, "Officer hours") == f"{latest['officer_hours']:,.0f}"
    hour = next(m for m in at.metric if m.label == "MH incidents an hour (E&W)")
    assert hour.delta == f"{latest['incidents_per_hour'] - 54:+.1f} on 54"
    text = all_text(at)
    assert "NPCC 2019 national census (54 an hour)" in text
    assert f"**{latest['incidents_per_hour']:.1f} an hour**" in text
    assert "Forces with an all-incident total: 13 of 14" in text  # Cumbria sent no total in the latest month
    assert at.query_params["month"] == DEMAND_LATEST
    assert "Snapshot `20250101T000000000000Z`" in text


def test_repeat_share_shows_its_denominator(serving_snapshot: BuiltSnapshot):
    at = run_page()
    latest = national(DEMAND_LATEST)
    assert metric(at, "Repeat share of demand") == f"{latest['repeat_share']:.1f}%"
    assert metric(at, "High-intensity share") == f"{latest['high_intensity_share']:.1f}%"
    denominator = (
        f"Of **{latest['contacts_with_person']:,}** contacts with a resolvable person "
        f"({latest['pct_contacts_with_person']:.1f}% of {latest['mh_incidents']:,} MH incidents)"
    )
    captions = [c.value for c in at.caption if c.value.startswith(denominator)]
    assert len(captions) == 2, "both the repeat and the high-intensity share carry the denominator"
    table = frame_with(at, "Force", "Contacts with a person", "Repeat share %")
    assert list(table.columns).index("Contacts with a person") < list(table.columns).index("Repeat share %")


def test_month_choice_changes_the_headline(serving_snapshot: BuiltSnapshot):
    first = DEMAND_MONTHS[0]
    at = run_page()
    at.selectbox(key="choose_month").set_value(first).run()
    assert not at.exception
    assert metric(at, "MH incidents (E&W)") == f"{national(first)['mh_incidents']:,}"
    assert at.query_params["month"] == first
    at = run_page(month="1999-01")  # an unknown month falls back to the latest
    assert at.selectbox(key="choose_month").value == DEMAND_LATEST


def test_choosing_a_force_changes_the_series(serving_snapshot: BuiltSnapshot):
    at = run_page(force=MET)
    assert not at.exception
    series = frame_with(at, "Month", "Per hour", "RCRP")
    met = force_rows(MET)
    assert list(series["MH incidents"]) == [f"{r['mh_incidents']:,}" for r in met]
    assert list(series["Per 1,000 incidents"]) == [r["mh_per_1000_incidents"] for r in met]
    assert series[series["Month"] == "Nov 2023"].iloc[0]["RCRP"] == "Went live 01 Nov 2023"
    assert "went live in Metropolitan Police on **01 November 2023**" in all_text(at)
    spec = json.loads(force_chart_spec(at))
    assert "Metropolitan Police" in json.dumps(spec["layer"][0]["encoding"]["color"])
    assert len(spec["layer"]) == 4, "line, points and the RCRP go-live rule with its label"

    at.selectbox(key="choose_force").set_value(CUMBRIA).run()
    assert not at.exception
    assert at.query_params["force"] == CUMBRIA
    series = frame_with(at, "Month", "Per hour", "RCRP")
    assert list(series["MH incidents"]) == [f"{r['mh_incidents']:,}" for r in force_rows(CUMBRIA)]
    assert series.iloc[-1]["All incidents"] == "–"  # no all-incident total: no rate
    assert math.isnan(series.iloc[-1]["Per 1,000 incidents"])
    assert "No Right Care, Right Person go-live date is recorded for Cumbria" in all_text(at)
    assert len(json.loads(force_chart_spec(at))["layer"]) == 2, "no go-live marker"

    at.radio(key="demand_force_measure").set_value("incidents_per_hour").run()
    assert not at.exception
    spec = force_chart_spec(at)
    assert "MH incidents an hour" in spec and "England and Wales" not in spec  # no national per-hour comparator


def test_suppressed_values_are_not_shown_as_numbers(serving_snapshot: BuiltSnapshot):
    at = run_page(force=DURHAM)
    table = frame_with(at, "Force", "Population basis")
    durham = table[table["Force"] == "Durham"].iloc[0]  # 5 MH incidents in the latest month
    assert durham["MH incidents"] == "*"
    assert math.isnan(durham["Per 1,000 incidents"]) and math.isnan(durham["Per 100k population"])
    assert math.isnan(durham["Repeat share %"]) and durham["Contacts with a person"] == "*"
    assert "rates and shares withheld" in durham["Notes"]
    series = frame_with(at, "Month", "Per hour", "RCRP")
    suppressed = [r for r in force_rows(DURHAM) if r["mh_incidents_sdc_flag"] == "suppressed_1_7"]
    assert suppressed
    for r in suppressed:
        row = series[series["Month"] == r["month_start"].strftime("%b %Y")].iloc[0]
        assert row["MH incidents"] == "*" and math.isnan(row["Per hour"])
    assert f"{len(suppressed)} month(s) not drawn" in all_text(at)


def test_force_table_labels_standin_denominators(serving_snapshot: BuiltSnapshot):
    at = run_page()
    table = frame_with(at, "Force", "Population basis")
    assert len(table) == 14
    assert table[table["Force"] == "Metropolitan Police"].iloc[0]["Population basis"] == "Stand-in (not ONS)"
    btp = table[table["Force"] == "British Transport Police"].iloc[0]
    assert btp["Population basis"] == "–" and "No resident population" in btp["Notes"]
    assert math.isnan(btp["Per 100k population"])
    assert any("stand-in populations — not ONS figures" in w.value for w in at.warning)
    assert len(at.get("download_button")) >= 3


def test_ons_denominators_show_no_standin_label(isolated_home: Path):
    build_snapshot(isolated_home / "serving", standin=False, stamp="20250102T000000000000Z")
    at = run_page()
    assert not at.exception
    assert not any("stand-in" in w.value for w in at.warning)
    table = frame_with(at, "Force", "Population basis")
    assert table[table["Force"] == "Metropolitan Police"].iloc[0]["Population basis"] == "ONS mid-year estimate"


def test_financial_year_grid_shows_months_as_published(serving_snapshot: BuiltSnapshot):
    at = run_page()
    at.radio(key="demand_compare_kind").set_value("Financial year").run()
    assert not at.exception
    assert at.selectbox(key="choose_cmp_fy").value == "2024-25"
    at.selectbox(key="choose_cmp_fy").set_value("2023-24").run()
    grid = frame_with(at, "Force", "Months blank")
    assert list(grid.columns)[1] == "Apr 2023" and list(grid.columns)[-2] == "Mar 2024"
    durham = grid[grid["Force"] == "Durham"].iloc[0]
    assert durham["Months blank"] == 4  # 1-7 MH incidents in every third month
    assert math.isnan(durham["Jun 2023"])
    met = next(r for r in force_rows(MET) if r["month_start"].strftime("%b %Y") == "Apr 2023")
    assert grid[grid["Force"] == "Metropolitan Police"].iloc[0]["Apr 2023"] == met["mh_per_1000_incidents"]


def test_snapshot_without_the_demand_marts_shows_information(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("drop table mart_demand_national_month")
        con.execute("drop table mart_demand_force_month")
    at = run_page()
    assert not at.exception
    assert not at.error and not at.metric and not at.dataframe
    assert len(at.info) == 1
    assert "`mart_demand_national_month` is not in this snapshot" in at.info[0].value


def test_snapshot_without_the_force_mart_keeps_the_national_figures(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("drop table mart_demand_force_month")
    at = run_page()
    assert not at.exception
    assert metric(at, "MH incidents (E&W)") == f"{national(DEMAND_LATEST)['mh_incidents']:,}"
    assert any("`mart_demand_force_month` is not in this snapshot" in i.value for i in at.info)


def test_repeat_measures_are_marked_understated_before_a_full_lookback(serving_snapshot: BuiltSnapshot):
    at = run_page()
    assert not any("understated" in w.value for w in at.warning), "June 2024 has 12 months of history"
    early = DEMAND_MONTHS[0]
    at = run_page(month=early, cmp_month=early)
    assert not at.exception
    assert any("Repeat and high-intensity shares for April 2023 are understated" in w.value for w in at.warning)
    table = frame_with(at, "Force", "Population basis")
    assert table[table["Force"] == "Kent"].iloc[0]["Notes"].startswith("Repeat and high-intensity shares understated")
    at.selectbox(key="demand_national_measure").set_value("repeat_share").run()
    assert not at.exception
    assert "Understated in 12 month(s) up to March 2024" in all_text(at)


def test_a_snapshot_without_the_lookback_column_still_renders(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        for table in ("mart_demand_national_month", "mart_demand_force_month"):
            con.execute(f"alter table {table} drop column repeat_lookback_complete")
    at = run_page(month=DEMAND_MONTHS[0])
    assert not at.exception and not at.error
    assert metric(at, "MH incidents (E&W)") == f"{national(DEMAND_MONTHS[0])['mh_incidents']:,}"


def test_an_assumed_go_live_date_is_labelled_as_such(serving_snapshot: BuiltSnapshot):
    at = run_page(force="E23000033")  # Sussex: the seed's date is assumed for the demo, not published
    assert not at.exception
    series = frame_with(at, "Month", "Per hour", "RCRP")
    assert series[series["Month"] == "Oct 2023"].iloc[0]["RCRP"] == "Went live 02 Oct 2023 (date assumed for the demo)"
    assert "assumed for the synthetic demo, not a published date" in all_text(at)
    met = run_page(force=MET)
    assert "assumed" not in " ".join(frame_with(met, "Month", "Per hour", "RCRP")["RCRP"])


def test_a_month_loaded_before_it_ended_and_a_source_without_data_are_marked(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("alter table mart_demand_force_month add column is_partial_month boolean default false")
        con.execute(
            "update mart_demand_force_month set is_partial_month = true, s136_detentions = null, "
            "s136_detentions_sdc_flag = null where force_code = ? and strftime(month_start, '%Y-%m') = ?",
            [CUMBRIA, DEMAND_LATEST],
        )
    at = run_page()
    assert not at.exception
    cumbria = frame_with(at, "Force", "Population basis").set_index("Force").loc["Cumbria"]
    assert "Month not complete" in cumbria["Notes"]
    assert cumbria["s136 detentions"] == "–", "no s136 data for the month: shown as missing, not 0"
