"""The Overview's trend, comparison symbols and every measure: its pure helpers (apps/benchmarks.py) and the page
on the snapshot the real pipeline published (a force's trend keeps withheld periods as gaps, the footnote describes
what the Compared column shows, a measure the force has no figure for keeps its row and says why)."""

from __future__ import annotations

import json

import polars as pl
from page_helpers import all_text, frame_with, no_exception, open_page

from apps import benchmarks, links
from tests.pipeline_snapshot import PLAIN_FORCES, SMALL_FORCE

TREND_POINTS = 12  # apps/views/overview.py


# --- helpers ----------------------------------------------------------------------------------------------------


def test_a_trend_keeps_a_withheld_or_missing_period_as_a_gap():
    history = pl.DataFrame({"measure_id": ["m"] * 4, "period": ["2019-20", "2020-21", "2021-22", "2022-23"],
                            "value": [0.0, 0.0, None, 0.0]})  # fmt: skip
    national = pl.DataFrame({"measure_id": ["m"] * 6, "period": [f"{y}-{y - 1999:02d}" for y in range(2019, 2025)]})
    periods = benchmarks.trend_periods(history, national, {"m": "2024-25"}, TREND_POINTS)
    assert periods == {"m": ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]}
    trend = benchmarks.trend_values(history, periods)["m"]
    assert trend == [0.0, 0.0, None, 0.0, None, None]  # withheld (a row, no value) and not reported (no row)
    assert benchmarks.sparkline(trend) == "▄▄·▄··"
    assert benchmarks.trend_text(trend, periods["m"]) == "2019-20 to 2024-25: 0.00; 0.00; –; 0.00; –; –"
    assert benchmarks.sparkline([1.0, None, 3.0, 2.0]) == "▁·█▅"  # the row's own range, nothing between the blocks
    short = benchmarks.trend_periods(history, national, {"m": "2021-22"}, 2)
    assert short == {"m": ["2020-21", "2021-22"]}  # the latest periods up to the row's own, at most ``points``


def test_every_measure_of_england_and_wales_has_a_row_for_the_force():
    national = pl.DataFrame({"measure_id": ["a", "b", "c"], "measure_name": ["A", "B", "C"], "period": ["p"] * 3,
                             "period_type": ["fy"] * 3, "polarity": [None] * 3, "value": [1.0, 2.0, 3.0],
                             "geography_level": ["national"] * 3})  # fmt: skip
    force = national.filter(pl.col("measure_id") != "b").with_columns(
        pl.lit("force").alias("geography_level"), pl.lit(None, pl.String).alias("comparison_note")
    )
    rows = benchmarks.with_every_measure(force, national, "F1")
    assert rows["measure_id"].to_list() == ["a", "b", "c"]  # the catalogue's order
    missing = rows.row(1, named=True)
    assert (missing["value"], missing["national_value"], missing["geography_code"]) == (None, 2.0, "F1")
    assert benchmarks.note_text(missing) == benchmarks.NO_AREA_DATA
    assert benchmarks.comparison(missing, "peers") == "not_compared"
    assert benchmarks.compared_label(missing, "peers") == "□ Not compared"
    assert benchmarks.with_every_measure(national, national, benchmarks.NATIONAL).equals(national)


def test_a_comparison_is_written_with_the_symbol_of_its_direction():
    row = {"significance_vs_peers": "lower", "polarity": "lower_is_better", "significance_vs_national": "higher"}
    assert benchmarks.compared_label(row, "peers") == "▼ Better (lower)"
    assert benchmarks.compared_label(row, "national") == "▲ Worse (higher)"
    assert benchmarks.compared_label({"significance_vs_region": "higher"}, "region") == "▲ Higher"
    assert benchmarks.compared_label({"significance_vs_region": "similar"}, "region") == "● Similar"
    labels = {v[0] for v in benchmarks.compared_symbols().values()}
    assert {"▲ Higher", "▼ Lower", "● Similar", "□ Not compared"} <= labels


# --- the page ---------------------------------------------------------------------------------------------------


def _expected_trends(published, force: str) -> dict[str, str]:
    """measure_name -> the trend's values as the page should write them, from the marts: England and Wales' periods
    up to its latest, the force's value at each or '–' (withheld, or no row)."""
    rows = published.frame(
        "select e.measure_id, e.measure_name, e.period, f.value from mart_benchmark e left join mart_benchmark f "
        "on f.measure_id = e.measure_id and f.period = e.period and f.geography_code = ? "
        "where e.geography_code = 'E&W' order by e.measure_id, e.period",
        [force],
    )
    out = {}
    for (name,), group in rows.group_by(["measure_name"]):
        tail = group.sort("period").tail(TREND_POINTS)
        out[name] = benchmarks.trend_text(tail["value"].to_list(), tail["period"].to_list())
    return out


def _force_overview(force: str):
    at = no_exception(open_page(links.OVERVIEW, force=force, cmp="peers"))
    return at, frame_with(at, "Measure", "Trend", "Note")


def test_every_measure_has_a_row_for_a_force_and_one_without_a_figure_says_why(published):
    force = SMALL_FORCE  # the City of London: no street triage in the test snapshot
    at, table = _force_overview(force)
    national = published.frame(
        "select b.measure_name from mart_benchmark b join dim_measure m using (measure_id) where b.geography_code = "
        "'E&W' and b.period = (select max(period) from mart_benchmark l where l.measure_id = b.measure_id and "
        "l.geography_code = 'E&W') order by m.sort_order"
    )["measure_name"].to_list()
    assert table["Measure"].tolist() == national  # every measure England and Wales has, in the catalogue's order
    absent = published.frame(
        "select e.measure_name from mart_benchmark e where e.geography_code = 'E&W' and e.period = (select max(period) "
        "from mart_benchmark l where l.measure_id = e.measure_id and l.geography_code = 'E&W') and not exists "
        "(select 1 from mart_benchmark f where f.geography_code = ? and f.measure_id = e.measure_id and "
        "f.period = e.period)",
        [force],
    )["measure_name"].to_list()
    assert absent, "the test force lacks a measure (street triage is delivered by one force only)"
    rows = {r.Measure: r for r in table.itertuples(index=False)}
    for name in absent:
        assert (rows[name].Note, rows[name].Value, rows[name].Compared) == (
            benchmarks.NO_AREA_DATA,
            "–",
            "□ Not compared",
        )


def test_a_force_trend_keeps_withheld_and_missing_periods_as_gaps(published):
    force = SMALL_FORCE  # withheld periods inside its series
    at, table = _force_overview(force)
    expected = _expected_trends(published, force)
    sparks = dict(zip(table["Measure"], table["Trend"], strict=True))
    # one block a period of England and Wales' latest, gaps included (dropping them shortened the trend)
    assert {m: len(s) for m, s in sparks.items()} == {m: expected[m].count(";") + 1 for m in sparks}
    inner = [m for m, s in sparks.items() if benchmarks.TREND_GAP in s.strip(benchmarks.TREND_GAP)]
    assert inner, "a gap between published values is kept, not closed up"
    shown = dict(zip(table["Measure"], table["Trend values"], strict=True))
    assert shown == {m: expected[m] for m in table["Measure"]}
    columns = json.loads(next(d for d in at.dataframe if "Trend" in d.value.columns).proto.columns)
    assert columns["Trend"]["label"] == f"Trend (up to {TREND_POINTS} latest periods; {benchmarks.TREND_GAP} no value)"
    assert columns["Trend"]["type_config"]["type"] == "text"  # not Streamlit's smoothed line, which refuses a gap
    withheld = published.frame(
        "select measure_name from mart_benchmark where geography_code = ? and withheld_reason is not null "
        "group by 1 order by 1",
        [PLAIN_FORCES[0]],
    )["measure_name"].to_list()
    _, plain = _force_overview(PLAIN_FORCES[0])
    plain_shown = dict(zip(plain["Measure"], plain["Trend values"], strict=True))
    assert withheld and all("–" in plain_shown[m] for m in withheld)


def test_the_footnote_describes_the_compared_column_as_it_is_shown(published):
    at, table = _force_overview(PLAIN_FORCES[0])
    text = all_text(at)
    assert "triangles point" not in text and "hollow square" not in text  # no shapes are drawn in the table
    assert "▲ the force's value is higher than the comparator's, ▼ lower, ● similar, □ not compared" in text
    labels = {v[0] for v in benchmarks.compared_symbols().values()}
    assert set(table["Compared"]) <= labels and all(c[0] in "▲▼●□" for c in table["Compared"])


def test_the_escalations_of_a_force_are_counted_open_and_resolved_as_the_summary_counts_them(published):
    force, name, open_now, resolved = published.query(
        "select e.geography_code, f.force_name, count(*) filter (where e.status <> 'resolved'), "
        "count(*) filter (where e.status = 'resolved') from mart_escalations e join dim_force f "
        "on f.force_code = e.geography_code group by 1, 2 order by 4 desc, 1 limit 1"
    )[0]
    at = no_exception(open_page(links.OVERVIEW, force=force))
    assert f"Escalations on {name}: {open_now} open, {resolved} resolved" in [e.label for e in at.expander]
