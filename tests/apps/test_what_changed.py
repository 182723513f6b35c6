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
    publish_snapshot(warehouse, serving, models=MODELS, manifest=manifest)
    at = run_page(table="mart_x_force_year")
    assert not at.exception
    assert metric(at, "Values revised") == "1" and metric(at, "Rows added") == "1"
    assert metric(at, "Corrections") == "1"  # the corrected value; the added row has no known cause
    summary = frame_with(at, "Table", "Change", "Cause", "Changes")
    assert {tuple(r) for r in summary.itertuples(index=False)} == {
        ("mart_x_force_year", "Value revised", "corrected_delivery", 1),
        ("mart_x_force_year", "Row added", "not known", 1),
    }
    detail = frame_with(at, "Previously published", "Now published")
    revised = detail[detail["Change"] == "revised"].iloc[0]
    assert (revised["Force"], revised["Period"], revised["Measure"]) == ("W15000002", "2023-24", "n")
    assert (revised["Previously published"], revised["Now published"]) == ("40", "35")
    assert "v2.csv" in revised["Cause in detail"]
    assert len(detail) == 2 and at.selectbox(key="choose_cause").value == "all"

    at = run_page(table="mart_x_force_year", cause="corrected_delivery")  # a shared link to the corrections alone
    assert not at.exception
    assert at.selectbox(key="choose_cause").options == ["All causes", "corrected delivery", "not known"]
    detail = frame_with(at, "Previously published", "Now published")
    assert detail[["Change", "Force", "Cause"]].values.tolist() == [["revised", "W15000002", "corrected_delivery"]]
    at.selectbox(key="choose_cause").set_value("not known").run()
    assert at.query_params["cause"] == "not known"
    detail = frame_with(at, "Previously published", "Now published")
    assert detail[["Change", "Force"]].values.tolist() == [["added", "E23000001"]]


def test_a_snapshot_without_the_report_is_a_message_not_a_stack_trace(own_copy):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_revisions")
    at = run_page()
    assert not at.exception
    assert "does not hold what this page needs" in all_text(at)
