"""AppTest of the What changed page on snapshots published by mhw.serving (first publication, then a correction)."""

from __future__ import annotations

import duckdb
from page_helpers import all_text, frame_with, metric, open_page

from apps import links
from mhw.serving import publish_snapshot
from tests.revisions_fixture import MODELS, build_warehouse, deliver, fixture_manifest


def run_page(**params: str):
    return open_page(links.WHAT_CHANGED, **params)


def test_first_publication_then_a_correction_with_its_cause(isolated_home):
    warehouse = build_warehouse(isolated_home / "warehouse.duckdb")
    serving = isolated_home / "serving"
    manifest = fixture_manifest(isolated_home / "manifest.json")
    publish_snapshot(warehouse, serving, models=MODELS, manifest=manifest)
    at = run_page()
    assert not at.exception
    assert "first publication" in all_text(at)

    publish_snapshot(warehouse, serving, models=MODELS, manifest=manifest)
    at = run_page()
    assert not at.exception and "No published value changed" in all_text(at)

    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "s136", "W15000002", "2023-24", "v2.csv", supersedes="s136/W15000002/2023-24/gwent_2023-24.csv")
        con.execute("update marts.mart_x_force_year set n = 35 where force_code = 'W15000002' and fy_label = '2023-24'")
        con.execute("insert into marts.mart_x_force_year values ('E23000001', '2024-25', 90, 1.0)")
        con.execute("update marts.dim_force set force_name = 'Met Police' where force_code = 'E23000001'")  # text
    publish_snapshot(warehouse, serving, models=MODELS, manifest=manifest)
    at = run_page(table="mart_x_force_year")
    assert not at.exception
    # a changed number is a figure; a changed name (text) a label, counted apart
    assert metric(at, "Figures revised") == "1" and metric(at, "Notes and labels revised") == "1"
    assert metric(at, "Rows added") == "1"
    assert metric(at, "Corrections") == "1"  # the corrected value; the added row has no known cause
    summary = frame_with(at, "Table", "Change", "Cause", "Changes")
    assert {tuple(r) for r in summary.itertuples(index=False)} == {
        ("dim_force", "Note or label revised", "not known", 1),
        ("mart_x_force_year", "Figure revised", "corrected delivery", 1),
        ("mart_x_force_year", "Row added", "not known", 1),
    }
    detail = frame_with(at, "Previously published", "Now published")
    revised = detail[detail["Change"] == "Figure revised"].iloc[0]
    # the area by name (a code was all it said: E12000007, E&W)
    assert (revised["Area"], revised["Period"], revised["Column"]) == ("Gwent", "2023-24", "n")
    assert (revised["Previously published"], revised["Now published"]) == ("40", "35")
    assert revised["Cause"] == "corrected delivery" and revised["Cause in detail"].startswith("corrected delivery: ")
    assert "v2.csv" in revised["Cause in detail"]
    assert len(detail) == 2 and at.selectbox(key="choose_cause").value == "all"

    at = run_page(table="mart_x_force_year", cause="corrected_delivery")  # a shared link to the corrections alone
    assert not at.exception
    assert at.selectbox(key="choose_cause").options == ["All causes", "corrected delivery", "not known"]
    detail = frame_with(at, "Previously published", "Now published")
    shown = detail[["Change", "Area", "Cause"]].values.tolist()
    assert shown == [["Figure revised", "Gwent", "corrected delivery"]]
    at.selectbox(key="choose_cause").set_value("not known").run()
    assert at.query_params["cause"] == "not known"
    detail = frame_with(at, "Previously published", "Now published")
    assert detail[["Change", "Area"]].values.tolist() == [["Row added", "Met Police"]]


def test_a_snapshot_without_the_report_is_a_message_not_a_stack_trace(own_copy):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_revisions")
    at = run_page()
    assert not at.exception
    assert "does not hold what this page needs" in all_text(at)


def test_revised_notes_are_told_apart_from_figures_with_their_measure_and_cause_in_words(own_copy):
    """A method change that rewrote only text (the ten-year demo's 997 comparison notes and denominator sources) is
    no revised figure: the changed column is named as such, the measure read from the row's key, the cause in words."""
    with duckdb.connect(str(own_copy)) as con:
        measure_id, name = con.execute(
            "select measure_id, measure_name from dim_measure where measure_id in (select measure_id from "
            "mart_benchmark) order by sort_order limit 1"
        ).fetchone()
        # previous_snapshot is VARCHAR in every snapshot (NULL in the first one): a text id is written as it is
        con.execute("update publication set previous_snapshot = 'earlier'")
        con.execute("delete from mart_revisions")
        region, region_name = con.execute("select region_code, region_name from dim_force where force_code = "
                                          "'E23000001'").fetchone()  # fmt: skip
        for column, old, new, area in (("comparison_note", "no value", "no denominator for the period", "BTP"),
                                       ("denominator_source", None, "standin", region)):  # fmt: skip
            con.execute(
                "insert into mart_revisions (table_name, change_type, measure, force_code, period, row_key, "
                "old_value, new_value, cause, cause_detail) values ('mart_benchmark', 'revised', ?, ?, "
                "'2024-05', ?, ?, ?, 'method_change', 'method_change: model mart_benchmark')",
                [column, area, f"measure_id={measure_id}; geography_code={area}; period=2024-05", old, new],
            )
    at = run_page(table="mart_benchmark")
    assert not at.exception
    assert metric(at, "Figures revised") == "0" and metric(at, "Notes and labels revised") == "2"
    summary = frame_with(at, "Table", "Change", "Cause", "Changes")
    assert summary[["Change", "Cause", "Changes"]].values.tolist() == [["Note or label revised", "method change", 2]]
    assert at.selectbox(key="choose_cause").options == ["All causes", "method change"]
    detail = frame_with(at, "Previously published", "Now published")
    assert detail["Column"].tolist() == ["comparison_note", "denominator_source"]
    assert detail["Area"].tolist() == ["British Transport Police", region_name]  # names, not BTP and E12000007
    assert set(detail["Measure"]) == {name}
    assert set(detail["Cause"]) == {"method change"}
    assert set(detail["Cause in detail"]) == {"method change: model mart_benchmark"}
    assert "method_change" not in all_text(at)
