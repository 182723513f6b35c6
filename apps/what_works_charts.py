"""What works: the words and charts of the What works page (apps/views/what_works.py), importable for tests.

Words: the start with its basis and precision, the effect and trend with their intervals, the caveats, the finding.
Charts (Altair): the forest plot across forces and one scheme's series with its counterfactual and band.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import polars as pl

from apps import format as fmt

OWN, PEERS = "Against its own trend", "Against comparison forces"
OWN_COLOUR, PEER_COLOUR, OBSERVED_COLOUR = "#1D70B8", "#F47738", "#0B0C0C"
BASIS_WORDS = {
    "published": "published",
    "force_record": "from the force's own records",
    "assumed": "ASSUMED: not published or recorded by the force",
}
PRECISION_WORDS = {
    "day": "",
    "month": "month known, not the day",
    "season": "season known only",
    "year": "year known only",
    "year_range": "known only as a span of years",
    "before": "known only to be before this date",
    "not_stated": "not stated",
}


# --- words ------------------------------------------------------------------------------------------------


def _day(value: Any) -> str:
    return value.strftime("%-d %B %Y") if isinstance(value, date) else "–"


def start_label(row: dict[str, Any]) -> str:
    """The start as used, with its precision and basis: e.g. '1 April 2024 (ASSUMED ...)'."""
    start = row.get("start_to") if row.get("start_precision") in ("day", "before") else row.get("start_from")
    when = _day(start) if row.get("start_precision") == "day" else f"'{row.get('start_as_printed')}'"
    precision = PRECISION_WORDS.get(row.get("start_precision") or "", "")
    basis = BASIS_WORDS.get(row.get("start_basis") or "", row.get("start_basis") or "")
    return f"{when} ({', '.join(p for p in (basis, precision) if p)})"


def _percent_change(ratio: float) -> str:
    change = (ratio - 1) * 100
    if abs(change) < 0.5:
        return "no different"
    return f"{abs(change):.0f}% {'lower' if change < 0 else 'higher'}"


def _interval(lcl: float, ucl: float) -> str:
    return f"95% interval {_percent_change(lcl)} to {_percent_change(ucl)}"


def effect_sentence(row: dict[str, Any]) -> str:
    """The level change in words, against the force's own trend and against the comparison forces."""
    if row.get("status") != "evaluated":
        return f"Not evaluated: {row.get('reason')}."
    what = row["outcome_label"]
    text = (
        f"{what}: {_percent_change(row['level_ratio'])} than the force's own trend predicted after the start "
        f"({_interval(row['level_lcl'], row['level_ucl'])})"
    )
    if fmt.missing(row.get("did_level_ratio")):
        return text + "; no comparison with other forces was possible."
    return (
        text + f"; against {row['n_comparison_forces']} comparison forces without such a scheme over the same "
        f"months, {_percent_change(row['did_level_ratio'])} "
        f"({_interval(row['did_level_lcl'], row['did_level_ucl'])})."
    )


def trend_sentence(row: dict[str, Any]) -> str:
    if row.get("status") != "evaluated":
        return ""
    return (
        f"After the start the trend changed by {_percent_change(row['trend_ratio_per_year'])} a year "
        f"({_interval(row['trend_lcl'], row['trend_ucl'])}); series shorter than two years after the start give "
        "wide trend intervals."
    )


def caveat_list(row: dict[str, Any]) -> list[str]:
    caveats = [c.strip() for c in (row.get("caveats") or "").splitlines() if c.strip()]  # one a line
    return [c[0].upper() + c[1:] for c in caveats]


def finding(row: dict[str, Any]) -> str:
    """What the interval says, preferring the comparison with other forces when there is one."""
    if row.get("status") != "evaluated":
        return "not evaluated"
    peers = row.get("did_level_finding")
    return peers if isinstance(peers, str) else row.get("level_finding") or "not evaluated"


# --- charts -----------------------------------------------------------------------------------------------


def forest_rows(evaluations: pl.DataFrame) -> pl.DataFrame:
    """One row per force and comparison (own trend, comparison forces) with ratio and interval, for the forest plot."""
    evaluated = evaluations.filter(pl.col("status") == "evaluated")
    parts = [
        evaluated.filter(pl.col(f"{prefix}level_ratio").is_not_null()).select(
            "force_name",
            "scheme_key",
            pl.lit(label).alias("comparison"),
            pl.col(f"{prefix}level_ratio").alias("ratio"),
            pl.col(f"{prefix}level_lcl").alias("lcl"),
            pl.col(f"{prefix}level_ucl").alias("ucl"),
        )
        for prefix, label in (("", OWN), ("did_", PEERS))
    ]
    return pl.concat(parts).sort("force_name", "comparison")


def forest_chart(rows: pl.DataFrame, title: str) -> alt.Chart:
    """Level change at the start by force (log scale, 1 = no change), own trend and against comparison forces."""
    base = alt.Chart(rows.to_pandas())
    y = alt.Y("force_name:N", title=None, sort="ascending")
    colour = alt.Color(
        "comparison:N", scale=alt.Scale(domain=[OWN, PEERS], range=[OWN_COLOUR, PEER_COLOUR]), title=None
    )
    # a shape as well as a colour for each comparison, for readers who cannot tell the colours apart
    shape = alt.Shape("comparison:N", scale=alt.Scale(domain=[OWN, PEERS], range=["circle", "diamond"]), title=None)
    offset = alt.YOffset("comparison:N", scale=alt.Scale(domain=[OWN, PEERS]))
    low = min([*rows["lcl"].to_list(), 1.0]) * 0.95
    high = max([*rows["ucl"].to_list(), 1.0]) * 1.05
    scale = alt.Scale(type="log", domain=[low, high], nice=False)
    x = alt.X("ratio:Q", scale=scale, title="Level change at the start (ratio, 1 = no change)")
    rule = base.mark_rule().encode(x=alt.X("lcl:Q", scale=scale), x2=alt.X2("ucl:Q"), y=y, yOffset=offset, color=colour)
    point = base.mark_point(filled=True, size=60).encode(
        x=x,
        y=y,
        yOffset=offset,
        color=colour,
        shape=shape,
        tooltip=[
            alt.Tooltip("force_name:N", title="Force"),
            alt.Tooltip("comparison:N", title="Comparison"),
            alt.Tooltip("ratio:Q", format=".2f"),
            alt.Tooltip("lcl:Q", format=".2f", title="lower 95%"),
            alt.Tooltip("ucl:Q", format=".2f", title="upper 95%"),
        ],
    )
    one = (
        alt.Chart(pl.DataFrame({"x": [1.0]}).to_pandas())
        .mark_rule(strokeDash=[4, 4], color="#505A5F")
        .encode(x=alt.X("x:Q"))
    )
    return (rule + point + one).properties(title=title, height=alt.Step(14))


FIT_POINTS = ("Used in the fit", "Left out of the fit")  # the observed points' legend (fit_usable)


def series_chart(series: pl.DataFrame, row: dict[str, Any]) -> alt.LayerChart:
    """Observed rate, fitted line, counterfactual (own trend) with its band, and the comparison-forces counterfactual;
    the start marked, with the periods the start may fall in shaded."""
    fitted_or_not = pl.when(pl.col("fit_usable")).then(pl.lit(FIT_POINTS[0])).otherwise(pl.lit(FIT_POINTS[1]))
    frame = series.with_columns(pl.col("period_start").cast(pl.Date), fitted_or_not.alias("Point")).to_pandas()
    base = alt.Chart(frame)
    x = alt.X("period_start:T", title=None)
    unit = row.get("outcome_unit") or ""
    band = base.mark_area(opacity=0.2, color=OWN_COLOUR).encode(
        x=x,
        y=alt.Y("counterfactual_lcl:Q", title=[str(row.get("outcome_label")), f"({unit})"]),  # two lines: not cut
        y2=alt.Y2("counterfactual_ucl:Q"),
    )
    counterfactual = base.mark_line(strokeDash=[6, 4], color=OWN_COLOUR).encode(x=x, y=alt.Y("counterfactual_rate:Q"))
    fitted = base.mark_line(color=OWN_COLOUR).encode(x=x, y=alt.Y("fitted_rate:Q"))
    peers = base.mark_line(strokeDash=[2, 3], color=PEER_COLOUR).encode(
        x=x, y=alt.Y("comparison_counterfactual_rate:Q")
    )
    observed = base.mark_point(filled=True, color=OBSERVED_COLOUR, size=25).encode(
        x=x,
        y=alt.Y("observed_rate:Q"),
        shape=alt.Shape("Point:N", title=None, scale=alt.Scale(domain=list(FIT_POINTS), range=["circle", "cross"])),
        tooltip=[
            alt.Tooltip("period_start:T", title="Period", format="%b %Y"),
            alt.Tooltip("observed_rate:Q", format=".2f", title="Observed"),
            alt.Tooltip("counterfactual_rate:Q", format=".2f", title="Counterfactual (own trend)"),
            alt.Tooltip("comparison_counterfactual_rate:Q", format=".2f", title="Counterfactual (comparison)"),
            alt.Tooltip("phase:N"),
        ],
    )
    transition = series.filter(pl.col("phase") == "transition")
    layers = [band, counterfactual, fitted, peers, observed]
    if transition.height:
        shade = pl.DataFrame(
            {"from": [transition["period_start"].min()], "to": [transition["period_start"].max()]}
        ).to_pandas()
        layers.insert(
            0, alt.Chart(shade).mark_rect(color="#B1B4B6", opacity=0.3).encode(x=alt.X("from:T"), x2=alt.X2("to:T"))
        )
    start = row.get("start_to") or row.get("start_from")
    if isinstance(start, date):
        mark = pl.DataFrame({"start": [start]}).to_pandas()
        layers.append(alt.Chart(mark).mark_rule(color="#D4351C").encode(x=alt.X("start:T")))
    return alt.layer(*layers).properties(height=320)
