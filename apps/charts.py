"""Chart builders of the app (Altair), importable and tested without Streamlit (tests/apps/test_charts.py).

Each builder draws one tidy frame whose columns are named for people; the page shows that same frame as the
chart's table and CSV (apps/ui.chart), so the download holds exactly what the chart shows.

Conventions (docs/app.md): colour is never the only cue. Comparisons use the Fingertips palettes with shapes as well
as colours (better / worse / similar where a measure has an agreed good direction, lower / higher blues where it has
none; triangles point the way the value differs; a hollow square is "not compared"). SPC points use the Making Data
Count colours (grey common cause, blue improvement, orange concern, purple a special cause with no good direction)
with shapes for the direction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import altair as alt
import polars as pl

INK, GREY, FOCUS, PEER = "#0B0C0C", "#505A5F", "#1D70B8", "#85994B"
FOCUS_SHAPE, PEER_SHAPE, OTHER_SHAPE = "diamond", "square", "circle"

# comparison word (mart_benchmark assessment_* / funnel position) -> label, fill, text ink, shape
COMPARISON: dict[str, tuple[str, str, str, str]] = {
    "better": ("Better", "#00703C", "#FFFFFF", "circle"),
    "similar": ("Similar", "#FFDD00", INK, "circle"),
    "worse": ("Worse", "#D4351C", "#FFFFFF", "circle"),
    "higher": ("Higher", "#003078", "#FFFFFF", "triangle-up"),
    "lower": ("Lower", "#5694CA", INK, "triangle-down"),
    "not_compared": ("Not compared", "#FFFFFF", INK, "square"),
}
# significance direction (mart_benchmark significance_*) -> shape: the direction of the difference
DIRECTION_SHAPE = {"higher": "triangle-up", "lower": "triangle-down", "similar": "circle", "not_compared": "square"}
# two stacked triangles (Vega-Lite draws an SVG path as a shape): beyond the 99.8% limit, one step further out than
# the single triangle of the 95% limit, so the two are told apart without their shades of blue
DOUBLE_UP = "M0,-1L1,-0.1L-1,-0.1Z M0,0.1L1,1L-1,1Z"
DOUBLE_DOWN = "M0,1L1,0.1L-1,0.1Z M0,-0.1L1,-1L-1,-1Z"
FUNNEL: dict[str, tuple[str, str, str, str]] = {
    "above_998": ("Above the 99.8% limit", "#003078", "#FFFFFF", DOUBLE_UP),
    "above_95": ("Above the 95% limit", "#1D70B8", "#FFFFFF", "triangle-up"),
    "within": ("Within the limits", "#FFDD00", INK, "circle"),
    "below_95": ("Below the 95% limit", "#A9CCEB", INK, "triangle-down"),
    "below_998": ("Below the 99.8% limit", "#5694CA", INK, DOUBLE_DOWN),
    "not_compared": ("Not compared", "#FFFFFF", INK, "square"),
}
# Making Data Count point types (mart_spc.point_type) -> label, colour, shape
SPC_POINT: dict[str, tuple[str, str, str]] = {
    "common_cause": ("Common cause", "#A6A6A6", "circle"),
    "special_cause_improvement": ("Special cause: improvement", "#00B0F0", "diamond"),
    "special_cause_concern": ("Special cause: concern", "#E46C0A", "triangle-up"),
    "special_cause_neutral_high": ("Special cause: high (no good direction)", "#490092", "triangle-up"),
    "special_cause_neutral_low": ("Special cause: low (no good direction)", "#490092", "triangle-down"),
}


def _scale(mapping: dict[str, tuple], keys: Sequence[str], index: int) -> alt.Scale:
    return alt.Scale(domain=[mapping[k][0] for k in keys], range=[mapping[k][index] for k in keys])


HIGHLIGHTS = ("Chosen force", "Peer", "Other")


def _category(
    field: str, palette: dict[str, tuple], keys: Sequence[str], sizes: tuple[int, int, int], shown: Sequence[str]
) -> dict:
    """Colour and shape by a palette's labels in ``field``, size by Highlight (chosen force, peer, other); the size
    legend names only the highlights ``shown`` (no "Chosen force" when none is chosen)."""
    present = [(h, size) for h, size in zip(HIGHLIGHTS, sizes, strict=True) if h in set(shown)]
    return {
        "color": alt.Color(f"{field}:N", scale=_scale(palette, keys, 1), legend=alt.Legend(orient="bottom",
                           title=None, labelLimit=0, columns=3)),  # wraps: five funnel positions overflowed a laptop
        "shape": alt.Shape(f"{field}:N", scale=_scale(palette, keys, 3), legend=None),
        "size": alt.Size("Highlight:N", scale=alt.Scale(domain=[h for h, _ in present],
                         range=[size for _, size in present]),
                         legend=alt.Legend(orient="bottom", title=None) if len(present) > 1 else None),
    }  # fmt: skip


def _tips(*fields: str | tuple[str, str] | alt.Tooltip) -> list[alt.Tooltip]:
    """Tooltips from 'Field:T' or ('Field:T', number format); channel objects, as Altair builds string shorthands
    through a slow schema lookup."""

    def one(field: str | tuple[str, str] | alt.Tooltip) -> alt.Tooltip:
        if isinstance(field, alt.Tooltip):
            return field
        return alt.Tooltip(field) if isinstance(field, str) else alt.Tooltip(field[0], format=field[1])

    return [one(f) for f in fields]


def labels(mapping: dict[str, tuple], column: str, alias: str) -> pl.Expr:
    """The label of each key of a palette (unknown keys as they are)."""
    return pl.col(column).replace_strict({k: v[0] for k, v in mapping.items()}, default=pl.col(column)).alias(alias)


# --- funnel plot ------------------------------------------------------------------------------------------


def funnel_chart(
    points: pl.DataFrame,
    curve: pl.DataFrame,
    target: float,
    x_title: str,
    y_title: str,
    y_max: float | None = None,
) -> alt.LayerChart:
    """A funnel plot: each force's value against its denominator (log scale), the target and 95% / 99.8% limits.

    points: Force, Denominator, Value, Position (a FUNNEL label), Highlight ('Chosen force' / 'Peer' / 'Other').
    curve: Denominator, lcl95, ucl95, lcl998, ucl998 (the limits over a grid of denominators).
    y_max: top of the value axis; a force above it (a tiny force with an extreme rate) is drawn at the top edge and
    labelled with its value, so it does not flatten every other force.
    """
    x = alt.X("Denominator:Q", scale=alt.Scale(type="log", nice=False), title=x_title,
              axis=alt.Axis(format="~s", grid=False))  # fmt: skip
    y_scale = alt.Scale(domain=[0, y_max], nice=False) if y_max else alt.Scale(zero=True)
    long = curve.unpivot(index="Denominator", variable_name="limit", value_name="Limit").with_columns(
        pl.when(pl.col("limit").str.ends_with("998")).then(pl.lit("99.8% limits")).otherwise(pl.lit("95% limits"))
        .alias("Limits")
    )  # fmt: skip
    lines = (
        alt.Chart(long)
        .mark_line(color=GREY, strokeWidth=1.2, clip=True)
        .encode(
            x=x,
            y=alt.Y("Limit:Q", title=y_title, scale=y_scale),
            detail=alt.Detail("limit:N"),
            strokeDash=alt.StrokeDash(
                "Limits:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[5, 4], [1, 0]]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
        )
    )
    centre = (
        alt.Chart(pl.DataFrame({"Target": [float(target)]}))
        .mark_rule(color=INK)
        .encode(y=alt.Y("Target:Q", scale=y_scale))
    )
    off_scale = f"datum.Value > {y_max}" if y_max else "false"
    drawn = alt.Chart(points).transform_calculate(
        Drawn=f"{off_scale} ? {y_max * 0.98 if y_max else 0} : datum.Value",
        Label=f"datum.Force + ({off_scale} ? ': ' + format(datum.Value, ',.1f') + ' (off scale)' : '')",
    )
    keys = [k for k in FUNNEL if FUNNEL[k][0] in set(points["Position"].to_list())]
    dots = drawn.mark_point(filled=True, stroke=INK, strokeWidth=0.8, opacity=1).encode(
        x=x,
        y=alt.Y("Drawn:Q", title=y_title, scale=y_scale),
        **_category("Position", FUNNEL, keys, (320, 160, 90), points["Highlight"].to_list()),
        tooltip=_tips("Force:N", ("Value:Q", ",.2f"), ("Denominator:Q", ","), "Position:N", "Highlight:N"),
    )  # fmt: skip
    named = drawn.transform_filter(
        f"datum.Highlight != 'Other' || {off_scale}"
    ).mark_text(align="left", dx=10, fontSize=12, color=INK).encode(x=x, y=alt.Y("Drawn:Q", scale=y_scale),
                                                                   text=alt.Text("Label:N"))  # fmt: skip
    return alt.layer(lines, centre, dots, named).properties(height=420)


# --- values with intervals (ranked "ski slope", outcomes, disproportionality) -----------------------------


def interval_chart(
    rows: pl.DataFrame,
    value_title: str,
    reference: float | None = None,
    sort: bool = True,
    palette: dict[str, tuple[str, str, str, str]] = COMPARISON,
):
    """Each row's value with its 95% interval, sorted (a ranked chart), with an optional reference line.

    rows: Area, Value, Lower 95%, Upper 95%, Compared (a label of ``palette``, by default a COMPARISON), Highlight.
    """
    order = rows.sort("Value", descending=True, nulls_last=True)["Area"].to_list() if sort else rows["Area"].to_list()
    chosen = json.dumps(rows.filter(pl.col("Highlight") == "Chosen force")["Area"].to_list())
    bold = alt.expr(f"indexof({chosen}, datum.value) >= 0 ? 'bold' : 'normal'")  # the chosen force's name in bold
    y = alt.Y("Area:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=12,
                                                              labelFontWeight=bold))  # fmt: skip
    keys = [k for k in palette if palette[k][0] in set(rows["Compared"].to_list())]
    # points and intervals, not bars: the axis spans the intervals (and the reference), not from zero, so forces
    # at 85-100% are not pressed into the last sixth of a 0-100 axis
    span = alt.Scale(zero=False, nice=True)
    bars = (
        alt.Chart(rows)
        .mark_rule(color=GREY, strokeWidth=1.5)
        .encode(y=y, x=alt.X("Lower 95%:Q", scale=span), x2=alt.X2("Upper 95%:Q"))
    )
    dots = (
        alt.Chart(rows)
        .mark_point(filled=True, stroke=INK, strokeWidth=0.8, opacity=1)
        .encode(
            y=y,
            x=alt.X("Value:Q", title=value_title, scale=span),
            **_category("Compared", palette, keys, (360, 130, 70), rows["Highlight"].to_list()),
            tooltip=_tips(
                "Area:N", ("Value:Q", ",.2f"), ("Lower 95%:Q", ",.2f"), ("Upper 95%:Q", ",.2f"), "Compared:N"
            ),
        )
    )  # fmt: skip
    layers = [bars, dots]
    if reference is not None:
        ref = pl.DataFrame({"Reference": [float(reference)]})
        layers.append(alt.Chart(ref).mark_rule(color=INK, strokeDash=[4, 3]).encode(x=alt.X("Reference:Q")))
    return alt.layer(*layers).properties(height=alt.Step(22))  # a band a row, never squeezed by the legends


# --- spine chart ------------------------------------------------------------------------------------------


def spine_frame(force_rows: pl.DataFrame, spread: pl.DataFrame) -> pl.DataFrame:
    """Positions on a spine: each measure's England and Wales value at the centre, the worst (or lowest) force at -1
    and the best (or highest) at +1, with the middle half of forces as a band (Fingertips area profiles). Each half
    is scaled to its own furthest force, so the ends of the pale bar are the lowest and highest forces.

    force_rows: Measure, Value, E&W, Peers, Compared, polarity. spread: Measure, Lowest, Q1, Q3, Highest.
    Returns the plotted positions alongside the values.
    """
    joined = force_rows.join(spread, on="Measure", how="left")
    flip = pl.when(pl.col("polarity") == "lower_is_better").then(-1.0).otherwise(1.0)

    def position(column: str) -> pl.Expr:  # a value at E&W's (or a half with no spread): at the centre
        offset = pl.col(column) - pl.col("E&W")
        reach = pl.when(offset < 0).then(pl.col("E&W") - pl.col("Lowest")).otherwise(pl.col("Highest") - pl.col("E&W"))
        spread_out = (flip * offset / reach).clip(-1.0, 1.0)
        return pl.when(reach > 0).then(spread_out).when(pl.col(column).is_not_null()).then(0.0)

    return joined.with_columns(
        position("Value").alias("pos_value"),
        position("Peers").alias("pos_peers"),
        pl.min_horizontal(position("Q1"), position("Q3")).alias("pos_q1"),
        pl.max_horizontal(position("Q1"), position("Q3")).alias("pos_q3"),
    )


def spine_chart(spine: pl.DataFrame, compared_with: str = "E&W") -> alt.LayerChart:
    """Spine chart: a row per measure; the grey band holds the middle half of forces, the centre line is England
    and Wales, the marker the force (coloured and shaped by its comparison with ``compared_with``, the legend's
    words), the black tick its peer group."""
    order = spine["Measure"].to_list()
    y = alt.Y("Measure:N", sort=order, title=None, axis=alt.Axis(labelLimit=330, labelFontSize=12))
    x_axis = alt.Axis(values=[-1, 0, 1], labelExpr="datum.value == 0 ? 'E&W' : datum.value < 0 ? 'Worst / lowest' "
                      ": 'Best / highest'", grid=False)  # fmt: skip
    x = alt.X("pos_value:Q", scale=alt.Scale(domain=[-1.05, 1.05]), title=None, axis=x_axis)
    whole = alt.Chart(spine).mark_rule(color="#DEE0E2", strokeWidth=14).encode(
        y=y, x=alt.X("lo:Q", scale=alt.Scale(domain=[-1.05, 1.05])), x2=alt.X2("hi:Q")
    ).transform_calculate(lo="-1", hi="1")  # fmt: skip
    band = (
        alt.Chart(spine)
        .mark_rule(color="#A9ACAE", strokeWidth=14)
        .encode(y=y, x=alt.X("pos_q1:Q"), x2=alt.X2("pos_q3:Q"))
    )
    centre = alt.Chart(pl.DataFrame({"c": [0.0]})).mark_rule(color=INK, strokeWidth=1.5).encode(x=alt.X("c:Q"))
    peers = alt.Chart(spine.filter(pl.col("pos_peers").is_not_null())).mark_tick(
        color=INK, thickness=3, size=20
    ).encode(y=y, x=alt.X("pos_peers:Q"), tooltip=_tips("Measure:N", ("Peers:Q", ",.2f")))  # fmt: skip
    keys = [k for k in COMPARISON if COMPARISON[k][0] in set(spine["Compared"].to_list())]
    marker = (
        alt.Chart(spine.filter(pl.col("pos_value").is_not_null()))
        .mark_point(filled=True, size=200, stroke=INK, strokeWidth=0.8, opacity=1)
        .encode(
            y=y,
            x=x,
            color=alt.Color("Compared:N", scale=_scale(COMPARISON, keys, 1), legend=alt.Legend(orient="bottom",
                            title=f"Compared with {compared_with}")),
            shape=alt.Shape("Compared:N", scale=_scale(COMPARISON, keys, 3), legend=None),
            tooltip=_tips("Measure:N", ("Value:Q", ",.2f"), ("E&W:Q", ",.2f"), ("Peers:Q", ",.2f"), "Compared:N"),
        )
    )  # fmt: skip
    return alt.layer(whole, band, centre, peers, marker).properties(height=alt.Step(34))


# --- SPC (Making Data Count) ------------------------------------------------------------------------------


def spc_chart(points: pl.DataFrame, value_title: str, events: pl.DataFrame | None = None) -> alt.LayerChart:
    """XmR chart in the Making Data Count style: the series, the centre line and process limits of each segment,
    points coloured and shaped by their point type; events (Month, Event) drawn as labelled vertical lines.

    points: Month (ISO date), Value, Centre, Upper limit, Lower limit, Point type (an SPC_POINT label), Segment.
    """
    x = alt.X("Month:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%b %Y", labelAngle=-40))
    base = alt.Chart(points).encode(x=x)
    # the axis spans the points and limits, not from zero (as NHSRplotthedots draws them): a series at 45-52 drawn
    # on 0-52 showed no variation to see
    line = base.mark_line(color=GREY, strokeWidth=1.2).encode(
        y=alt.Y("Value:Q", title=value_title, scale=alt.Scale(zero=False))
    )
    lines = ["Centre", "Upper limit", "Lower limit"]  # one layer: the centre solid, the limits dashed
    limits = (
        base.transform_fold(lines, as_=["Line", "Limit"])
        .mark_line(color=INK, strokeWidth=1.1)
        .encode(
            y=alt.Y("Limit:Q"),
            detail=alt.Detail("Segment:N"),
            strokeDash=alt.StrokeDash(
                "Line:N", scale=alt.Scale(domain=lines, range=[[1, 0], [5, 4], [5, 4]]), legend=None
            ),
        )
    )
    keys = [k for k in SPC_POINT if SPC_POINT[k][0] in set(points["Point type"].to_list())]
    dots = base.mark_point(filled=True, size=70, opacity=1, stroke=INK, strokeWidth=0.4).encode(
        y=alt.Y("Value:Q"),
        color=alt.Color("Point type:N", scale=_scale(SPC_POINT, keys, 1),
                        legend=alt.Legend(orient="bottom", labelLimit=0)),
        shape=alt.Shape("Point type:N", scale=_scale(SPC_POINT, keys, 2), legend=None),
        tooltip=_tips(("Month:T", "%B %Y"), ("Value:Q", ",.2f"), "Point type:N", ("Centre:Q", ",.2f"),
                      ("Lower limit:Q", ",.2f"), ("Upper limit:Q", ",.2f")),
    )  # fmt: skip
    layers = [line, limits, dots]
    if events is not None and events.height:
        rule = alt.Chart(events).mark_rule(color="#6F72AF", strokeWidth=2).encode(x=x)
        text = alt.Chart(events).mark_text(align="left", baseline="top", dx=4, dy=4, color="#4C2C92").encode(
            x=x, y=alt.value(0), text=alt.Text("Event:N")
        )  # fmt: skip
        layers += [rule, text]
    return alt.layer(*layers).properties(height=320)


# --- time series and grids --------------------------------------------------------------------------------


def series_chart(
    frame: pl.DataFrame,
    axis_title: str,
    number_format: str = ",.1f",
    reference: tuple[float, str] | None = None,
    event: tuple[date, str] | None = None,
) -> alt.LayerChart:
    """Monthly line chart of one or two series (Month as an ISO date, Series, Value); a dashed second series."""
    series = frame["Series"].unique(maintain_order=True).to_list()
    x = alt.X("Month:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%b %Y", labelAngle=-40))
    base = alt.Chart(frame).encode(
        x=x,
        y=alt.Y("Value:Q", title=axis_title, scale=alt.Scale(zero=True)),
        color=alt.Color(
            "Series:N",
            scale=alt.Scale(domain=series, range=[FOCUS, GREY][: len(series)]),
            legend=alt.Legend(orient="bottom", title=None, labelLimit=0) if len(series) > 1 else None,
        ),
        strokeDash=alt.StrokeDash(
            "Series:N", scale=alt.Scale(domain=series, range=[[1, 0], [6, 3]][: len(series)]), legend=None
        ),
        tooltip=_tips("Series:N", ("Month:T", "%B %Y"), alt.Tooltip("Value:Q", format=number_format)),
    )
    layers: list[alt.Chart] = [base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=45)]
    if reference is not None:
        ref = pl.DataFrame({"Reference": [float(reference[0])], "label": [reference[1]]})
        layers.append(alt.Chart(ref).mark_rule(color=INK, strokeDash=[4, 3]).encode(y=alt.Y("Reference:Q")))
        layers.append(
            alt.Chart(ref).mark_text(align="left", baseline="bottom", dx=4, dy=-3, color=INK)
            .encode(y=alt.Y("Reference:Q"), x=alt.value(0), text=alt.Text("label:N"))
        )  # fmt: skip
    if event is not None:
        ev = pl.DataFrame({"Month": [event[0].isoformat()], "label": [event[1]]})
        layers.append(alt.Chart(ev).mark_rule(color="#6F72AF", strokeWidth=2).encode(x=x))
        layers.append(
            alt.Chart(ev).mark_text(align="left", baseline="top", dx=4, dy=4, color="#4C2C92")
            .encode(x=x, y=alt.value(0), text=alt.Text("label:N"))
        )  # fmt: skip
    return alt.layer(*layers).properties(height=320)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def heatmap(grid: pl.DataFrame, value_title: str) -> alt.LayerChart:
    """Hour of day x day of week: Day (a WEEKDAYS name), Hour (0-23), Value; blank cells are withheld."""
    base = alt.Chart(grid).encode(
        x=alt.X("Hour:O", title="Hour of the day (local time)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Day:N", sort=list(WEEKDAYS), title=None),
    )
    cells = base.mark_rect(stroke="#FFFFFF", strokeWidth=1).encode(
        color=alt.Color("Value:Q", title=value_title, scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(orient="bottom", gradientLength=260)),
        tooltip=_tips("Day:N", "Hour:O", alt.Tooltip("Value:Q", format=",.0f", title=value_title)),
    )  # fmt: skip
    # Streamlit fits the whole chart, axes and the legend below included, into the height: 400 leaves the seven
    # days about 30 px each (260 left them 13 px, every other day's name dropped)
    return cells.properties(height=400)


def bar_chart(frame: pl.DataFrame, x: str, y: str, y_title: str, labels: bool = True) -> alt.LayerChart:
    """Bars of ``y`` by the categories of ``x`` (in frame order), with the values written on them."""
    chart = (
        alt.Chart(frame)
        .mark_bar(color=FOCUS)
        .encode(
            x=alt.X(f"{x}:N", sort=frame[x].to_list(), title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y(f"{y}:Q", title=y_title),
            tooltip=_tips(f"{x}:N", alt.Tooltip(f"{y}:Q", format=",.0f")),
        )
    )
    if not labels:
        return alt.layer(chart).properties(height=280)
    text = chart.mark_text(dy=-6, color=INK).encode(text=alt.Text(f"{y}:Q", format=",.0f"))
    return alt.layer(chart, text).properties(height=280)


def status_grid_chart(cells: pl.DataFrame, statuses: dict[str, tuple[str, str, str, str]]) -> alt.LayerChart:
    """Force x period grid of delivery statuses: Force, Period, Status (a label of ``statuses``), Mark.

    ``statuses``: key -> (label, fill, ink, mark); the mark repeats the status so colour is not the only cue.
    """
    keys = [k for k in statuses if statuses[k][0] in set(cells["Status"].to_list())]
    periods = sorted(cells["Period"].unique().to_list())
    forces = sorted(cells["Force"].unique().to_list())
    base = alt.Chart(cells).encode(
        x=alt.X("Period:O", sort=periods, title=None, axis=alt.Axis(labelAngle=-45, orient="top")),
        y=alt.Y("Force:N", sort=forces, title=None, axis=alt.Axis(labelLimit=240)),
    )
    rects = base.mark_rect(stroke="#FFFFFF", strokeWidth=1.5).encode(
        color=alt.Color("Status:N", scale=_scale(statuses, keys, 1),
                        legend=alt.Legend(orient="bottom", title=None, labelLimit=0)),
        tooltip=_tips("Force:N", "Period:N", "Status:N"),
    )  # fmt: skip
    ink = {statuses[k][0]: statuses[k][2] for k in keys}
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(
        text=alt.Text("Mark:N"),
        color=alt.Color("Status:N", scale=alt.Scale(domain=list(ink), range=list(ink.values())), legend=None),
    )
    return alt.layer(rects, text).resolve_scale(color="independent").properties(height=alt.Step(28))


# --- map --------------------------------------------------------------------------------------------------

NO_VALUE = "#BFC1C3"  # GOV.UK mid-grey: areas without a published value
AREAS_WITH_VALUE, AREAS_WITHOUT_VALUE = "areas_with_value", "areas_without_value"  # choropleth's datasets


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2


def d3_winding(geometry: dict) -> dict:
    """d3-geo (Vega) wants exterior rings clockwise; RFC 7946 files wind them anticlockwise and fill the globe."""

    def polygon(rings: list) -> list:
        return [ring if (_signed_area(ring) < 0) == (i == 0) else ring[::-1] for i, ring in enumerate(rings)]

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    return geometry


def choropleth(
    features: list[dict], value_title: str, tooltip_fields: dict[str, str]
) -> tuple[alt.LayerChart, dict[str, list[dict]]]:
    """Areas shaded by ``properties.value`` (log scale); areas without a value in grey.

    features: GeoJSON features whose properties hold ``value`` and the fields named in tooltip_fields (field ->
    title). Returns the chart, drawn from named datasets, and those datasets (name -> features), which go into the
    spec's top-level ``datasets`` after Altair has written it (``ui.chart(..., datasets=)``): Altair copies and walks
    every coordinate of inline values, over a second a draw for the 43 force areas of the ten-year snapshot.
    """
    areas = {
        AREAS_WITHOUT_VALUE: [f for f in features if f["properties"]["value"] is None],
        AREAS_WITH_VALUE: [f for f in features if f["properties"]["value"] is not None],
    }
    tooltip = [alt.Tooltip(f"properties.{k}:N", title=t) for k, t in tooltip_fields.items()]
    grey = (
        alt.Chart(alt.NamedData(name=AREAS_WITHOUT_VALUE))
        .mark_geoshape(fill=NO_VALUE, stroke="#FFFFFF", strokeWidth=0.6)
        .encode(tooltip=tooltip)
        .project(type="mercator")
    )
    coloured = (
        alt.Chart(alt.NamedData(name=AREAS_WITH_VALUE))
        .mark_geoshape(stroke="#FFFFFF", strokeWidth=0.6)
        .encode(
            color=alt.Color("properties.value:Q", title=value_title, scale=alt.Scale(type="log", scheme="blues"),
                            legend=alt.Legend(orient="left", format=".1f", gradientLength=220)),
            tooltip=tooltip,
        )
        .project(type="mercator")
    )  # fmt: skip
    return alt.layer(grey, coloured).properties(height=560), areas
