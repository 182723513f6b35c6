"""Chart builders (apps/charts.py), formatting (apps/format.py) and the CSV of a table (apps/ui.csv_text), without
Streamlit: each chart is drawn from its own frame, with colours and shapes from the palettes (never colour alone)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from apps import charts, ui
from apps import format as fmt


def _layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def _mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


def test_published_counts_are_written_as_published():
    assert fmt.count(None, "suppressed_1_7") == "*"
    assert fmt.count(1235.0, "rounded5") == "1,235"
    assert fmt.count(0, "none") == "0"
    assert fmt.count(None) == "–"
    assert fmt.interval(4.7954, 18.3904) == "4.8 to 18.4"
    assert fmt.interval(None, 3.0) == "–"
    assert fmt.pct(12.34) == "12.3%" and fmt.pct(None) == "–"
    assert fmt.fy_long("2023-24") == "2023-24 (year ending March 2024)"
    assert fmt.period_long("2024-06", "month") == "June 2024"
    assert fmt.period_long("2011-12", "financial_year") == "2011-12 (year ending March 2012)"
    assert (
        fmt.period_short("2024-06", "month") == "Jun 2024"
        and fmt.period_short("2011-12", "financial_year") == "2011-12"
    )
    assert [fmt.fy_of_month(m) for m in ("2024-03", "2024-04", "2025-12")] == ["2023-24", "2024-25", "2025-26"]


def test_a_long_definition_becomes_a_label_without_an_open_bracket():
    long = "Resident population (ONS mid-year estimate for the year; the latest earlier year carried forward)"
    assert fmt.gist(long) == "Resident population"
    assert fmt.gist("s136 detentions less those with transport not known or already at a place of safety", 40) == (
        "s136 detentions less those with…"
    )
    assert fmt.gist("All incidents") == "All incidents"


def test_a_coloured_table_keeps_whole_numbers_whole_where_one_is_missing():
    """A rank column with a force not ranked went through numpy as floats and showed as 1.000000 in the explorer."""
    frame = pl.DataFrame({"Rank": [1, 2, None], "Compared": ["Worse", "Similar", "Not compared"]},
                         schema={"Rank": pl.Int64, "Compared": pl.String})  # fmt: skip
    styler = ui.coloured(frame, {"Compared": charts.COMPARISON})
    assert str(styler.data["Rank"].dtype) == "Int64"
    html = styler.to_html()
    assert ">1</td>" in html and "1.000000" not in html
    assert f"background-color: {charts.COMPARISON['worse'][1]}" in html


def test_a_trend_line_in_a_table_is_written_out_in_the_csv():
    frame = pl.DataFrame({"Measure": ["a"], "Trend": [[1.0, 2.5, 3.25]]})
    assert ui.csv_text(frame).splitlines() == ["Measure,Trend", "a,1.0; 2.5; 3.25"]


def test_a_tables_csv_holds_its_numbers_as_the_table_shows_them():
    """Streamlit shows a float with 4 decimals, or as its column's format says: the CSV holds those numbers."""
    import streamlit as st

    frame = pl.DataFrame({"Value": [53.24271844660194], "Share": [55.692204000000004], "Count": [64]})
    config = {"Share": st.column_config.NumberColumn("Share", format="%.1f")}
    assert ui.csv_text(ui.as_shown(frame, config)).splitlines() == ["Value,Share,Count", "53.2427,55.7,64"]


def test_a_tables_csv_rounds_as_the_browser_shows():
    """A table is shown and downloaded rounded by the app's one rule: 55.85 (Merseyside's s136 rate per 100,000 in
    2024-25, the real-data build) is 55.9 and 0.25 is 0.3 (polars' round gave the CSV 55.8 and 0.2), and 15.95 is
    16.0 (the browser's toFixed of the unrounded value showed 15.9, the E&W use-of-force share beside a 16.0)."""
    import streamlit as st

    frame = pl.DataFrame({"Rate": [55.85, 0.25, -0.25, 2.675, 15.95, None, float("nan")]})
    config = {"Rate": st.column_config.NumberColumn("Rate", format="%.1f")}
    assert ui.as_shown(frame, config)["Rate"].to_list()[:6] == [55.9, 0.3, -0.3, 2.7, 16.0, None]
    assert ui.as_shown(frame)["Rate"].to_list()[:5] == [55.85, 0.25, -0.25, 2.675, 15.95]  # 4 decimals: as it is
    signed = {"Rate": st.column_config.NumberColumn("Rate", format="%+.1f")}
    assert ui.as_shown(frame, signed)["Rate"].to_list()[:5] == [55.9, 0.3, -0.3, 2.7, 16.0]


def test_a_number_reads_the_same_in_a_sentence_and_in_a_table():
    """One rounding rule (fmt.rounded) for the text and the tables: the E&W use-of-force mental-health share,
    published 15.95, read '15.9%' in the headline (Python's format of the binary 15.9499...) and 16.0 in the table
    (polars' round)."""
    assert fmt.pct(15.95) == "16.0%" and fmt.num(15.95) == "16.0" and fmt.interval(15.95, 55.85) == "16.0 to 55.9"
    assert fmt.pct(2.675, 2) == "2.68%" and fmt.pct(-0.25) == "-0.3%" and fmt.pct(12.34) == "12.3%"
    frame = pl.DataFrame({"Share": [15.95, 55.85, None]})
    shown = frame.select(fmt.rounded_col(pl.col("Share"), 1))["Share"].to_list()
    assert shown == [16.0, 55.9, None]
    assert [fmt.pct(v) for v in frame["Share"]] == ["16.0%", "55.9%", "–"]


def test_funnel_chart_draws_limits_target_and_forces_by_position_and_shape():
    points = pl.DataFrame(
        {
            "Force": ["A", "B", "C"], "Denominator": [1e5, 5e5, 2e6], "Value": [80.0, 50.0, 20.0],
            "Position": ["Above the 99.8% limit", "Within the limits", "Below the 95% limit"],
            "Highlight": ["Chosen force", "Peer", "Other"], "Target": [40.0] * 3,
        }
    )  # fmt: skip
    curve = pl.DataFrame(
        {"Denominator": [1e5, 2e6], "lcl95": [30.0, 37.0], "ucl95": [50.0, 43.0], "lcl998": [25.0, 35.0],
         "ucl998": [58.0, 45.0]}
    )  # fmt: skip
    layers = _layers(charts.funnel_chart(points, curve, 40.0, "Population", "per 100,000"))
    assert [_mark(layer) for layer in layers] == ["line", "rule", "point", "text"]
    dots = layers[2]["encoding"]
    assert dots["color"]["scale"]["domain"] == ["Above the 99.8% limit", "Within the limits", "Below the 95% limit"]
    # beyond the 99.8% limit two triangles, beyond the 95% one: told apart by shape, not only by shade
    assert dots["shape"]["scale"]["range"] == [charts.DOUBLE_UP, "circle", "triangle-down"]
    assert len({shape for *_, shape in charts.FUNNEL.values()}) == len(charts.FUNNEL)
    assert dots["color"]["scale"]["range"] == [charts.FUNNEL[k][1] for k in ("above_998", "within", "below_95")]
    assert layers[0]["encoding"]["x"]["scale"]["type"] == "log"
    assert dots["size"]["scale"]["domain"] == ["Chosen force", "Peer", "Other"]
    unchosen = _layers(charts.funnel_chart(points.with_columns(pl.lit("Other").alias("Highlight")), curve, 40.0,
                                           "Population", "per 100,000"))[2]["encoding"]  # fmt: skip
    assert unchosen["size"]["scale"]["domain"] == ["Other"] and unchosen["size"]["legend"] is None, (
        "no 'Chosen force' in the legend when none is chosen"
    )


def test_a_tiny_force_off_the_scale_is_drawn_at_the_edge_and_labelled():
    points = pl.DataFrame(
        {"Force": ["City", "B"], "Denominator": [8_600.0, 5e5], "Value": [900.0, 50.0],
         "Position": ["Above the 99.8% limit", "Within the limits"], "Highlight": ["Other", "Other"],
         "Target": [40.0, 40.0]}
    )  # fmt: skip
    curve = pl.DataFrame({"Denominator": [8_000.0, 6e5], "lcl95": [1.0, 35.0], "ucl95": [200.0, 45.0],
                          "lcl998": [0.5, 33.0], "ucl998": [260.0, 47.0]})  # fmt: skip
    spec = charts.funnel_chart(points, curve, 40.0, "x", "y", y_max=100.0).to_dict()
    text = spec["layer"][3]
    assert text["transform"][-1]["filter"] == "datum.Highlight != 'Other' || datum.Value > 100.0"
    assert spec["layer"][2]["encoding"]["y"]["scale"]["domain"] == [0, 100.0]


def test_interval_chart_ranks_and_shapes_by_comparison():
    rows = pl.DataFrame(
        {"Area": ["A", "B"], "Value": [1.0, 3.0], "Lower 95%": [0.5, 2.5], "Upper 95%": [1.5, 3.5],
         "Compared": ["Lower", "Higher"], "Highlight": ["Other", "Chosen force"]}
    )  # fmt: skip
    layers = _layers(charts.interval_chart(rows, "rate", reference=2.0))
    assert [_mark(layer) for layer in layers] == ["rule", "point", "rule"]
    assert layers[1]["encoding"]["y"]["sort"] == ["B", "A"]
    assert layers[1]["encoding"]["shape"]["scale"]["range"] == ["triangle-up", "triangle-down"]
    assert 'indexof(["B"], datum.value)' in str(layers[1]["encoding"]["y"]["axis"]["labelFontWeight"]), (
        "the chosen force's name in bold"
    )
    # a band of 22 px a force, however tall the legends below: with a fixed height they squeezed the rows until
    # Vega dropped force names (the chosen force's among them)
    assert charts.interval_chart(rows, "rate").to_dict()["height"] == {"step": 22}
    # points with intervals, not bars: the value axis spans the data, not from zero (forces at 85-100% were pressed
    # into the last sixth of a 0-100 axis)
    assert layers[0]["encoding"]["x"]["scale"]["zero"] is False and layers[1]["encoding"]["x"]["scale"]["zero"] is False


def test_spine_positions_put_england_and_wales_at_the_centre_and_better_to_the_right():
    force = pl.DataFrame(
        {"Measure": ["rate", "bad"], "Value": [60.0, 30.0], "E&W": [50.0, 20.0], "Peers": [55.0, None],
         "Compared": ["Higher", "Worse"], "polarity": ["no_judgement", "lower_is_better"]}
    )  # fmt: skip
    spread = pl.DataFrame({"Measure": ["rate", "bad"], "Lowest": [30.0, 10.0], "Q1": [40.0, 15.0],
                           "Q3": [55.0, 25.0], "Highest": [70.0, 40.0]})  # fmt: skip
    spine = charts.spine_frame(force, spread).sort("Measure")
    bad, rate = spine.row(0, named=True), spine.row(1, named=True)
    assert rate["pos_value"] == pytest.approx(0.5)  # (60 - 50) / max(20, 20)
    assert rate["pos_peers"] == pytest.approx(0.25)
    assert (rate["pos_q1"], rate["pos_q3"]) == pytest.approx((-0.5, 0.25))
    assert bad["pos_value"] == pytest.approx(-0.5)  # lower is better: a higher value sits on the worse (left) side
    layers = _layers(charts.spine_chart(spine))
    assert [_mark(layer) for layer in layers] == ["rule", "rule", "rule", "tick", "point"]


def test_spine_scales_each_half_to_its_own_furthest_force():
    """E&W at 50, the forces from 45 to 90: the lowest force is at the left end and the highest at the right end
    (scaled by one reach, the lowest would sit an eighth of the way in from the left)."""
    force = pl.DataFrame({"Measure": ["m"], "Value": [45.0], "E&W": [50.0], "Peers": [70.0],
                          "Compared": ["Lower"], "polarity": ["no_judgement"]})  # fmt: skip
    spread = pl.DataFrame({"Measure": ["m"], "Lowest": [45.0], "Q1": [47.5], "Q3": [60.0], "Highest": [90.0]})
    (row,) = charts.spine_frame(force, spread).iter_rows(named=True)
    assert (row["pos_value"], row["pos_q1"], row["pos_q3"], row["pos_peers"]) == pytest.approx((-1.0, -0.5, 0.25, 0.5))


def test_spine_puts_a_measure_whose_forces_all_equal_england_and_wales_at_the_centre():
    """One force reporting: its value is E&W's, the lowest and the highest, so there is no spread to scale by."""
    force = pl.DataFrame({"Measure": ["triage"], "Value": [94.25], "E&W": [94.25], "Peers": [None],
                          "Compared": ["Not compared"], "polarity": ["no_judgement"]})  # fmt: skip
    spread = pl.DataFrame({"Measure": ["triage"], "Lowest": [94.25], "Q1": [94.25], "Q3": [94.25],
                           "Highest": [94.25]})  # fmt: skip
    (row,) = charts.spine_frame(force, spread).iter_rows(named=True)
    assert (row["pos_value"], row["pos_q1"], row["pos_q3"], row["pos_peers"]) == (0.0, 0.0, 0.0, None)


def test_spc_chart_colours_points_by_type_and_marks_the_go_live():
    points = pl.DataFrame(
        {"Month": ["2024-01-01", "2024-02-01"], "Value": [5.0, 9.0], "Centre": [6.0, 6.0],
         "Lower limit": [2.0, 2.0], "Upper limit": [8.0, 8.0],
         "Point type": ["Common cause", "Special cause: concern"], "Segment": [0, 0]}
    )  # fmt: skip
    events = pl.DataFrame({"Month": ["2024-02-01"], "Event": ["RCRP go-live"]})
    layers = _layers(charts.spc_chart(points, "rate", events))
    assert [_mark(layer) for layer in layers] == ["line", "line", "point", "rule", "text"]
    assert layers[1]["transform"][0]["fold"] == ["Centre", "Upper limit", "Lower limit"]  # one layer, three lines
    dots = layers[2]["encoding"]
    assert dots["color"]["scale"]["range"] == ["#A6A6A6", "#E46C0A"]
    assert dots["shape"]["scale"]["range"] == ["circle", "triangle-up"]
    assert layers[0]["encoding"]["y"]["scale"]["zero"] is False, "the axis spans the data, not from zero"


def test_series_heatmap_bar_and_status_grid_builders():
    frame = pl.DataFrame({"Month": ["2024-01-01", "2024-02-01"], "Series": ["A", "A"], "Value": [1.0, 2.0]})
    series = charts.series_chart(frame, "n", reference=(1.5, "published"), event=(date(2024, 2, 1), "go-live"))
    assert [_mark(layer) for layer in _layers(series)] == ["line", "point", "rule", "text", "rule", "text"]
    grid = pl.DataFrame({"Day": ["Monday"], "Hour": [0], "Value": [10]})
    assert charts.heatmap(grid, "n").to_dict()["encoding"]["y"]["sort"] == list(charts.WEEKDAYS)
    bars = charts.bar_chart(pl.DataFrame({"Year": ["a", "b"], "n": [1, 2]}), "Year", "n", "count")
    assert [_mark(layer) for layer in _layers(bars)] == ["bar", "text"]
    statuses = {"ok": ("Received", "#00703C", "#FFFFFF", "✓")}
    cells = pl.DataFrame({"Force": ["A"], "Period": ["2024-01"], "Status": ["Received"], "Mark": ["✓"]})
    spec = charts.status_grid_chart(cells, statuses).to_dict()
    assert spec["resolve"]["scale"]["color"] == "independent"


def test_choropleth_greys_areas_without_a_value():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert charts.d3_winding(square)["coordinates"][0] == square["coordinates"][0][::-1]  # made clockwise
    features = [
        {"type": "Feature", "geometry": square, "properties": {"value": 2.0, "force": "A"}},
        {"type": "Feature", "geometry": square, "properties": {"value": None, "force": "B"}},
    ]
    chart, areas = charts.choropleth(features, "ratio", {"force": "Force"})
    spec = ui.spec(chart, areas)
    layers = spec["layer"]
    assert layers[0]["mark"]["fill"] == charts.NO_VALUE and len(spec["datasets"][layers[0]["data"]["name"]]) == 1
    assert spec["datasets"][layers[1]["data"]["name"]][0]["properties"]["force"] == "A"
    assert layers[1]["encoding"]["color"]["scale"]["type"] == "log"
