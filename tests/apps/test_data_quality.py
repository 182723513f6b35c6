"""AppTest of the data quality page on the fixture snapshot (tests/apps/serving_fixture.py)."""

from __future__ import annotations

from functools import partial

import duckdb
import page_helpers
from page_helpers import frame_with, metric
from serving_fixture import BuiltSnapshot

run_page = partial(page_helpers.run_page, "data_quality")

AGGREGATE_COLUMNS = {
    "Force",
    "Period",
    "Status",
    "Files delivered",
    "Files rejected",
    "Files superseded",
    "Rows read",
    "Rows loaded",
    "Rows rejected",
    "% rows rejected",
    "Fields most often rejected",
    "Why files were refused",
    "Last delivery",
}


def test_incidents_completeness_and_counts(serving_snapshot: BuiltSnapshot):
    at = run_page()
    assert not at.exception
    assert at.title[0].value == "Data quality of force extracts"
    assert at.selectbox(key="choose_source").value == "incidents"
    assert metric(at, "Force-periods expected") == "9"
    assert metric(at, "Received") == "7"  # Met June came after a rejected file
    assert metric(at, "Missing") == "1"  # Cumbria June: nothing delivered
    assert metric(at, "Rejected, nothing in force") == "1"  # Cumbria May
    grid = frame_with(at, "2024-05")
    by_force = grid.set_index("Force")
    assert by_force.loc["Cumbria", "2024-04"] == "Received"
    assert by_force.loc["Cumbria", "2024-05"] == "Rejected file, nothing in force"
    assert by_force.loc["Cumbria", "2024-06"] == "Missing: nothing delivered"
    assert by_force.loc["Metropolitan Police", "2024-06"] == "Received after a rejected file"
    assert at.get("vega_lite_chart"), "the completeness grid chart"
    assert at.query_params["source"] == "incidents"


def test_rejected_files_and_high_reject_rates_are_listed_with_reasons(serving_snapshot: BuiltSnapshot):
    at = run_page()
    problems = frame_with(at, "Why files were refused")
    listed = {(r["Force"], r["Period"]) for _, r in problems.iterrows()}
    assert listed == {("Cumbria", "2024-04"), ("Cumbria", "2024-05"), ("Metropolitan Police", "2024-06")}
    rows = problems.set_index(["Force", "Period"])
    assert rows.loc[("Cumbria", "2024-05"), "Why files were refused"].startswith("a row has 14 fields")
    assert rows.loc[("Cumbria", "2024-05"), "Rows rejected"] == "640"
    assert rows.loc[("Cumbria", "2024-04"), "Fields most often rejected"] == "created_at, grade, deployed"
    assert rows.loc[("Cumbria", "2024-04"), "% rows rejected"] == 11.95
    assert rows.loc[("Metropolitan Police", "2024-06"), "Why files were refused"] == "the file is empty"
    for frame in at.dataframe:  # aggregates only: no column of any record
        assert set(frame.value.columns) <= AGGREGATE_COLUMNS | set(frame_with(at, "2024-05").columns)
    assert at.get("download_button")


def test_threshold_lists_more_and_suppressed_rows_show_as_a_star(serving_snapshot: BuiltSnapshot):
    at = run_page()
    at.number_input(key="dq_threshold").set_value(2.0).run()
    assert not at.exception
    problems = frame_with(at, "Why files were refused")
    durham = problems[problems["Force"] == "Durham"].iloc[0]  # 3 of 120 rows rejected
    assert durham["Rows rejected"] == "*"
    assert durham["Rows read"] == "120" and durham["Rows loaded"] == "115"
    assert durham["% rows rejected"] == 2.5


def test_source_choice_changes_the_grid(serving_snapshot: BuiltSnapshot):
    at = run_page(source="s136")
    assert not at.exception
    assert at.selectbox(key="choose_source").value == "s136"
    assert metric(at, "Force-periods expected") == "6"
    assert metric(at, "Missing") == "0"
    assert any("No s136 detentions force-period" in s.value for s in at.success)
    assert list(frame_with(at, "Force").columns) == ["Force", "2022-23", "2023-24"]


def test_snapshot_without_the_mart_shows_information(serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("drop table mart_data_quality")
    at = run_page()
    assert not at.exception
    assert not at.error and not at.metric and not at.dataframe
    assert len(at.info) == 1 and "`mart_data_quality` is not in this snapshot" in at.info[0].value


def test_a_period_whose_every_row_was_rejected_is_not_counted_as_usable(serving_snapshot: BuiltSnapshot):
    at = run_page(source="incident_totals")
    assert not at.exception
    by_force = frame_with(at, "2024-05").set_index("Force")
    assert by_force.loc["Durham", "2024-05"] == "Received, every row rejected"
    assert by_force.loc["Durham", "2024-04"] == "Received"
