"""AppTest of the disproportionality, ADR-125 reconciliation and national sources pages on the fixture snapshot."""

from __future__ import annotations

import json

import duckdb
import pytest
from page_helpers import TIMEOUT, all_text, frame_with, metric, run_page
from serving_fixture import LATEST, YEARS, BuiltSnapshot
from streamlit.testing.v1 import AppTest


def selectbox(at: AppTest, label: str):
    return next(s for s in at.selectbox if s.label == label)


def drop_table(snapshot: BuiltSnapshot, table: str) -> None:
    with duckdb.connect(str(snapshot.path)) as con:
        con.execute(f"drop table {table}")


# --- disproportionality ------------------------------------------------------------------------------------


def test_disproportionality_national_figures(serving_snapshot: BuiltSnapshot):
    at = run_page("disproportionality")
    assert not at.exception
    assert at.title[0].value == "s136 disproportionality"
    assert selectbox(at, "Financial year").value == LATEST
    assert metric(at, "Black:White rate ratio") == "2.51"
    assert metric(at, "Ethnicity not stated") == "7.9%"
    assert any("Census 2011 usual residents" in w.value for w in at.warning)
    table = frame_with(at, "Ethnic group")
    black = table[table["Ethnic group"] == "Black"].iloc[0]
    assert black["Detentions"] == "2,203"  # national counts are exact
    assert black["Compared with White"] == "Higher than White"
    assert black["Ratio 95% CI"] == "2.40 to 2.62"
    assert at.query_params["fy"] == LATEST and at.query_params["area"] == "E&W"
    assert at.get("vega_lite_chart"), "rate chart and map"
    assert "Snapshot `20250101T000000000000Z`" in all_text(at)


def test_disproportionality_force_and_year_change(serving_snapshot: BuiltSnapshot):
    at = run_page("disproportionality")
    selectbox(at, "Area").set_value("E23000008").run()  # Durham: small counts
    assert not at.exception
    table = frame_with(at, "Ethnic group")
    black = table[table["Ethnic group"] == "Black"].iloc[0]
    assert black["Detentions"] == "*"  # 3 detentions: suppressed
    assert black["Reliability"] == "Count of 1–7 suppressed"
    assert metric(at, "Black:White rate ratio") == "–"
    selectbox(at, "Financial year").set_value(YEARS[0]).run()
    assert not at.exception
    assert at.query_params["fy"] == YEARS[0]
    selectbox(at, "Area").set_value("E23000001").run()
    assert metric(at, "Black:White rate ratio") == "1.50"  # Met, 2022-23


def test_disproportionality_map_greys_forces_without_a_ratio(serving_snapshot: BuiltSnapshot):
    at = run_page("disproportionality", fy=LATEST, area="E23000002")
    assert not at.exception
    assert selectbox(at, "Area").value == "E23000002"
    assert "Grey = no published ratio (1 forces: Durham)" in all_text(at)
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    values = [f for layer in spec["layer"] for f in layer["data"].get("values", [])] if "layer" in spec else []
    if not values:  # altair may hoist the data into datasets
        values = [f for data in spec.get("datasets", {}).values() for f in data]
    names = {f["properties"]["force"]: f["properties"]["ratio"] for f in values if "properties" in f}
    assert names["Durham"] is None and names["Metropolitan Police"] == 1.54
    ring = next(f for f in values if f.get("properties", {}).get("force") == "Cumbria")["geometry"]["coordinates"][0]
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))
    assert area < 0, "exterior ring rewound clockwise for d3-geo"


def test_disproportionality_without_boundaries_shows_a_note(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("delete from dim_force_boundary")
    at = run_page("disproportionality")
    assert not at.exception
    assert any("No force boundaries" in i.value for i in at.info)
    assert metric(at, "Black:White rate ratio") == "2.51"


def test_disproportionality_missing_table(serving_snapshot: BuiltSnapshot):
    drop_table(serving_snapshot, "mart_disproportionality")
    at = run_page("disproportionality")
    assert not at.exception
    assert len(at.error) == 1 and "make refresh" in at.error[0].value
    assert not at.dataframe


# --- ADR-125 -----------------------------------------------------------------------------------------------


def test_adr125_summary_and_force_items(serving_snapshot: BuiltSnapshot):
    at = run_page("adr125_reconciliation")
    assert not at.exception
    assert metric(at, "Force items: differs") == "2"
    assert metric(at, "Force items: records only") == "2"
    national = frame_with(at, "Records (E&W)")
    assert national["Difference"].tolist() == [46, 46]  # Met 40 + Durham 6 with no published figure
    items = frame_with(at, "Records")
    met = items[items["Force"] == "Metropolitan Police"].iloc[0]
    assert (met["Records"], met["Published"], met["Difference"]) == ("3,900", "3,862", "40")
    durham = items[items["Force"] == "Durham"].iloc[0]
    assert durham["Records"] == "*" and durham["Published"] == "–"
    assert len(at.get("download_button")) == 2


def test_adr125_year_change_and_status_filter(serving_snapshot: BuiltSnapshot):
    at = run_page("adr125_reconciliation")
    selectbox(at, "Status").set_value("Differs").run()
    assert set(frame_with(at, "Records")["Status"]) == {"Differs"}
    selectbox(at, "Financial year").set_value(YEARS[0]).run()
    assert not at.exception
    assert metric(at, "Force items: match") == "28"
    assert any("Every force item matches" in s.value for s in at.success)
    assert at.query_params["fy"] == YEARS[0]


def test_adr125_missing_table(serving_snapshot: BuiltSnapshot):
    drop_table(serving_snapshot, "mart_adr125_return")
    at = run_page("adr125_reconciliation")
    assert not at.exception
    assert len(at.error) == 1 and "make refresh" in at.error[0].value


# --- national sources --------------------------------------------------------------------------------------


def test_national_sources_sections(serving_snapshot: BuiltSnapshot):
    at = run_page("national_sources")
    assert not at.exception
    assert not at.error and not at.info
    assert "deaths in or following police custody **18**" in all_text(at)  # 2019-20, the latest year
    iopc = frame_with(at, "Force or body")
    assert iopc.iloc[0]["Force or body"] == "Metropolitan Police"
    uof = frame_with(at, "MH share %")
    assert uof[uof["Force"] == "Cumbria"].iloc[0]["MH share %"] == pytest.approx(38.4)
    assert "Denominator:" in all_text(at)
    assert metric(at, "Open") == "2"
    pfd = frame_with(at, "Latest report")
    assert pfd.iloc[0]["Latest report"].endswith("fixture-2023-0003/")
    assert len(at.get("download_button")) == 5


def test_national_sources_filters(serving_snapshot: BuiltSnapshot):
    at = run_page("national_sources")
    selectbox(at, "NPCC objective").set_value("2. Data and information").run()
    assert not at.exception
    assert frame_with(at, "NPCC objective")["NPCC objective"].tolist() == ["Data and information"]
    selectbox(at, "Year for the force table").set_value("2017-18").run()
    assert "deaths in or following police custody **23**" in all_text(at)
    selectbox(at, "Period").set_value("calendar_year").run()
    assert frame_with(at, "Latest report")["Year"].tolist() == ["2023"]


def test_national_sources_missing_table_blanks_one_section(serving_snapshot: BuiltSnapshot):
    drop_table(serving_snapshot, "mart_use_of_force_mh")
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("delete from mart_coroner_pfd_learning")
    at = run_page("national_sources")
    assert not at.exception
    assert len(at.error) == 1 and "mart_use_of_force_mh" in at.error[0].value
    assert any("prevention of future deaths" in i.value for i in at.info)
    assert metric(at, "Open") == "2", "the other sections still render"


def test_pages_are_registered_in_the_navigation(app_path: str, serving_snapshot: BuiltSnapshot):
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT).run()
    at.switch_page("views/adr125_reconciliation.py").run()
    assert not at.exception
    assert at.title[0].value == "ADR-125 return reconciliation"
