"""The What works page's words and chart builders (apps/what_works_charts.py), on rows shaped like the marts, and the
page on a snapshot without the evaluation marts. The page on the snapshot the real pipeline built is tested in
tests/evaluation/test_scheme_evaluation_pipeline.py."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from page_helpers import all_text, no_exception, open_page

from apps import links, what_works_charts

ROW = {
    "scheme_key": "E23000014:E23000014-RCRP", "force_name": "West Midlands", "outcome": "deployments",
    "outcome_label": "Deployments to mental health incidents", "outcome_unit": "per day", "status": "evaluated",
    "reason": None, "start_from": date(2024, 4, 1), "start_to": date(2024, 4, 1), "start_precision": "day",
    "start_basis": "assumed", "start_as_printed": "2024-04-01", "level_ratio": 0.76, "level_lcl": 0.73,
    "level_ucl": 0.80, "level_finding": "fell", "trend_ratio_per_year": 0.97, "trend_lcl": 0.91, "trend_ucl": 1.03,
    "did_level_ratio": 0.78, "did_level_lcl": 0.74, "did_level_ucl": 0.82, "did_level_finding": "fell",
    "n_comparison_forces": 7, "caveats": "the start date is assumed, not published or recorded by the force\n"
    "other records: Phase 1 (concern for welfare; AWOL), May 2024 (published)\n"
    "short series (24 periods before, 11 after): wide intervals",
}  # fmt: skip


@pytest.fixture(scope="module")
def page():
    return what_works_charts


def test_the_effect_is_said_in_words_with_its_interval_and_the_comparison(page):
    text = page.effect_sentence(ROW)
    assert text.startswith("Deployments to mental health incidents: 24% lower than the force's own trend")
    assert "(95% interval 27% lower to 20% lower)" in text
    assert "against 7 comparison forces without such a scheme over the same months, 22% lower" in text
    alone = page.effect_sentence({**ROW, "did_level_ratio": None})
    assert alone.endswith("no comparison with other forces was possible.")
    not_evaluated = {**ROW, "status": "not_evaluable", "reason": "too short"}
    assert page.effect_sentence(not_evaluated) == "Not evaluated: too short."


def test_the_start_says_its_basis_and_precision(page):
    assert page.start_label(ROW) == "1 April 2024 (ASSUMED: not published or recorded by the force)"
    month = {**ROW, "start_precision": "month", "start_basis": "published", "start_as_printed": "November 2023"}
    assert page.start_label(month) == "'November 2023' (published, month known, not the day)"


def test_caveats_and_findings(page):
    assert page.caveat_list(ROW) == [
        "The start date is assumed, not published or recorded by the force",
        "Other records: Phase 1 (concern for welfare; AWOL), May 2024 (published)",  # one caveat, '; ' and all
        "Short series (24 periods before, 11 after): wide intervals",
    ]
    assert page.finding(ROW) == "fell"
    assert page.finding({**ROW, "did_level_finding": None, "level_finding": "rose"}) == "rose"


def test_the_forest_plot_has_a_point_and_interval_per_force_and_comparison(page):
    rows = pl.DataFrame([ROW, {**ROW, "scheme_key": "x", "force_name": "Norfolk", "did_level_ratio": None}])
    forest = page.forest_rows(rows)
    assert forest.select("force_name", "comparison").rows() == [
        ("Norfolk", page.OWN), ("West Midlands", page.PEERS), ("West Midlands", page.OWN)
    ] or set(forest.select("force_name", "comparison").rows()) == {
        ("Norfolk", page.OWN), ("West Midlands", page.PEERS), ("West Midlands", page.OWN)
    }  # fmt: skip
    spec = page.forest_chart(forest, "t").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    point = spec["layer"][1]["encoding"]  # each comparison has its own shape as well as its own colour
    assert point["shape"]["field"] == point["color"]["field"] == "comparison"
    assert point["shape"]["scale"]["domain"] == [page.OWN, page.PEERS]
    assert len(set(point["shape"]["scale"]["range"])) == 2


def test_the_series_chart_marks_the_start_and_the_counterfactual_band(page):
    months = [date(2024, m, 1) for m in range(1, 7)]
    series = pl.DataFrame(
        {
            "period_start": months, "phase": ["before"] * 3 + ["after"] * 3, "fit_usable": [True] * 6,
            "observed_rate": [10.0, 11, 10, 8, 8, 7], "fitted_rate": [10.0] * 3 + [8.0] * 3,
            "counterfactual_rate": [10.0] * 6, "counterfactual_lcl": [9.0] * 6, "counterfactual_ucl": [11.0] * 6,
            "comparison_counterfactual_rate": [10.0] * 6,
        }
    )  # fmt: skip
    spec = page.series_chart(series, {**ROW, "start_to": date(2024, 4, 1)}).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["area", "line", "line", "line", "point", "rule"]
    shape = spec["layer"][4]["encoding"]["shape"]
    assert shape["field"] == "Point" and shape["scale"]["domain"] == ["Used in the fit", "Left out of the fit"]
    assert spec["layer"][0]["encoding"]["y"]["title"] == [ROW["outcome_label"], f"({ROW['outcome_unit']})"]


def test_the_page_says_so_when_the_snapshot_has_no_evaluation_yet(own_copy):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_scheme_evaluation")
    at = no_exception(open_page(links.WHAT_WORKS))
    assert "`mart_scheme_evaluation` is not in this snapshot" in all_text(at)
