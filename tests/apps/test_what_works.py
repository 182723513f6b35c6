"""The What works page's words and chart builders (apps/what_works_charts.py), on rows shaped like the marts; the
page's chart tables and their CSVs on the snapshot the real pipeline built, and the page on a snapshot without the
evaluation marts. What the page says of one force is tested in tests/evaluation/test_scheme_evaluation_pipeline.py."""

from __future__ import annotations

import io
import re
from datetime import date

import duckdb
import pandas as pd
import polars as pl
import pytest
import streamlit
from page_helpers import all_text, no_exception, open_page, show_tables

from apps import links, what_works_charts

ROW = {
    "scheme_key": "E23000014:E23000014-RCRP", "scheme_name": "Right Care, Right Person", "force_name": "West Midlands",
    "outcome": "deployments",
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
    rows = pl.DataFrame([ROW, {**ROW, "scheme_key": "x", "scheme_name": None, "force_name": "Norfolk",
                               "did_level_ratio": None, "level_ratio": 0.7234003363253698}])  # fmt: skip
    forest = page.forest_rows(rows)
    assert forest.columns == ["Force", "Scheme", "Compared with", "Level change (ratio)", "Lower 95%", "Upper 95%"]
    assert forest.select("Force", "Scheme", "Compared with").rows() == [
        ("Norfolk", "x", page.OWN), ("West Midlands", ROW["scheme_name"], page.OWN),
        ("West Midlands", ROW["scheme_name"], page.PEERS),
    ]  # fmt: skip
    assert forest["Level change (ratio)"].to_list() == [0.72, 0.76, 0.78], "rounded once, as shown"
    spec = page.forest_chart(forest, "t").to_dict()
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    point = spec["layer"][1]["encoding"]  # each comparison has its own shape as well as its own colour
    assert point["shape"]["field"] == point["color"]["field"] == "Compared with"
    assert point["shape"]["scale"]["domain"] == [page.OWN, page.PEERS]
    assert len(set(point["shape"]["scale"]["range"])) == 2


def _mart_series() -> pl.DataFrame:
    """Six months shaped like mart_scheme_evaluation_series: one under COVID-19 restrictions, one withheld."""
    months = [date(2024, m, 1) for m in range(1, 7)]
    return pl.DataFrame(
        {
            "scheme_key": ["s"] * 6, "outcome": ["deployments"] * 6, "force_code": ["E23000014"] * 6,
            "period_start": months, "phase": ["before"] * 3 + ["after"] * 3,
            "fit_usable": [False, True, True, True, True, True],
            "is_covid_restrictions": [True, False, False, False, False, False],
            "records": [100, 100, None, 80, 80, 70], "denominator_records": [None] * 6,
            "observed_sdc_flag": ["none", "none", "suppressed_1_7", "none", "none", "none"],
            "observed_rate": [10.0, 11.123456, None, 8, 8, 7], "fitted_rate": [None, 10.0, None, 8.0, 8.0, 8.0],
            "counterfactual_rate": [None, 10.0, None, 10.0, 10.0, 10.0],
            "counterfactual_lcl": [None, 9.0, None, 9.0, 9.0, 9.0],
            "counterfactual_ucl": [None, 11.0, None, 11.0, 11.0, 11.0],
            "comparison_counterfactual_rate": [None, 10.0, None, 10.0, 10.0, 10.0],
        }
    )  # fmt: skip


def test_the_series_table_is_for_people_and_is_what_the_chart_draws(page):
    rows = page.series_rows(_mart_series())
    assert rows.columns == [
        "Period start", "Phase", "Used in the fit", "Observed", "Model", "Own trend continued", "Own trend lower 95%",
        "Own trend upper 95%", "Following comparison forces", "Note",
    ]  # fmt: skip
    assert rows.schema["Period start"] == pl.Date
    assert rows["Used in the fit"].to_list() == ["No", "Yes", "Yes", "Yes", "Yes", "Yes"]
    assert rows["Phase"].to_list() == ["Before the start"] * 3 + ["After the start"] * 3
    assert rows["Observed"][1] == 11.12, "rounded once, as shown"
    assert rows["Note"].to_list() == ["not fitted: COVID-19 restrictions", None, "withheld: 1 to 7 records",
                                      None, None, None]  # fmt: skip
    csv = rows.write_csv()
    assert "2024-01-01," in csv and "00:00:00" not in csv and not re.search(r"\b(true|false)\b", csv)
    spec = page.series_chart(rows, {**ROW, "start_to": date(2024, 4, 1)}).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["area", "line", "line", "line", "point", "rule"]
    drawn = {e[c]["field"] for layer in spec["layer"][:5] for c in ("x", "y", "y2") if c in (e := layer["encoding"])}
    assert drawn <= set(rows.columns), "every value drawn is a column of the table"
    shape = spec["layer"][4]["encoding"]["shape"]
    assert shape["field"] == "Used in the fit" and shape["scale"]["domain"] == ["Yes", "No"]
    assert spec["layer"][0]["encoding"]["y"]["title"] == [ROW["outcome_label"], f"({ROW['outcome_unit']})"]


@pytest.fixture
def downloads(monkeypatch) -> dict[str, str]:
    """The CSV text of every download button drawn, by file name."""
    seen: dict[str, str] = {}
    button = streamlit.download_button

    def record(label, data, file_name=None, **kwargs):
        seen[file_name] = data
        return button(label, data, file_name=file_name, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", record)
    return seen


def _chart_table_and_csv(at, downloads: dict[str, str], prefix: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The table of the chart whose CSV's file name starts with ``prefix``, that CSV read back, and its text."""
    at = show_tables(at)
    name = next(n for n in downloads if n.startswith(prefix))
    text = downloads[name]
    csv = pd.read_csv(io.StringIO(text))
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == list(csv.columns))
    return shown, csv, text


def _read_for_people(shown: pd.DataFrame, csv: pd.DataFrame, text: str) -> None:
    assert not [c for c in csv.columns if re.fullmatch(r"[a-z0-9_]+", c)], "no raw mart name"
    assert len(shown) == len(csv) > 0
    assert "00:00:00" not in text and not re.search(r"\b(true|false|True|False)\b", text), "dates as dates, words"
    assert not re.search(r"\d\.\d{3,}", text), "numbers rounded once, to the precision shown"


def test_the_forest_plot_table_and_csv_are_the_same_frame_for_people(published, downloads):
    at = no_exception(open_page(links.WHAT_WORKS))
    shown, csv, text = _chart_table_and_csv(at, downloads, "what_works_forest_")
    assert list(csv.columns) == ["Force", "Scheme", "Compared with", "Level change (ratio)", "Lower 95%", "Upper 95%"]
    _read_for_people(shown, csv, text)
    assert shown["Level change (ratio)"].tolist() == csv["Level change (ratio)"].tolist()


def test_the_series_table_and_csv_are_the_same_frame_for_people(published, downloads):
    at = no_exception(open_page(links.WHAT_WORKS, section="One scheme in one force"))
    shown, csv, text = _chart_table_and_csv(at, downloads, "what_works_series_")
    assert "Period start" in csv.columns and "fit_usable" not in csv.columns
    _read_for_people(shown, csv, text)
    assert set(csv["Used in the fit"]) <= {"Yes", "No"}
    assert [str(d)[:10] for d in shown["Period start"]] == csv["Period start"].tolist()


def test_the_page_says_so_when_the_snapshot_has_no_evaluation_yet(own_copy):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_scheme_evaluation")
    at = no_exception(open_page(links.WHAT_WORKS))
    assert "`mart_scheme_evaluation` is not in this snapshot" in all_text(at)
