"""What works: the words and charts of the What works page (apps/views/what-works.py), importable for tests.

Words: the start with its basis and precision, the effect and trend with their intervals, the caveats, the finding.
Charts (Altair): the forest plot across forces and one scheme's series with its counterfactual and band.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import polars as pl

from apps import format as fmt

OWN, PEERS = "Its own trend", "Comparison forces"  # the forest plot's "Compared with"
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


RATIO_DIGITS, RATE_DIGITS = 2, 2  # the precision shown: each chart's table and CSV hold its values rounded once


def forest_rows(evaluations: pl.DataFrame) -> pl.DataFrame:
    """One row per force and comparison (its own trend, the comparison forces) with the level change as a ratio and
    its 95% interval: the forest plot's frame, which is also its table and CSV (columns named for people)."""
    evaluated = evaluations.filter(pl.col("status") == "evaluated")
    scheme = pl.col("scheme_name") if "scheme_name" in evaluated.columns else pl.lit(None, pl.String)
    parts = [
        evaluated.filter(pl.col(f"{prefix}level_ratio").is_not_null()).select(
            pl.col("force_name").alias("Force"),
            pl.coalesce(scheme, pl.col("scheme_key")).alias("Scheme"),
            pl.lit(label).alias("Compared with"),
            *fmt.rounded_cols(
                {
                    f"{prefix}level_ratio": "Level change (ratio)",
                    f"{prefix}level_lcl": "Lower 95%",
                    f"{prefix}level_ucl": "Upper 95%",
                },
                RATIO_DIGITS,
            ),
        )
        for prefix, label in (("", OWN), ("did_", PEERS))
    ]
    return pl.concat(parts).sort("Force", "Scheme", maintain_order=True)  # its own trend first in each force


def forest_chart(rows: pl.DataFrame, title: str) -> alt.Chart:
    """Level change at the start by force (log scale, 1 = no change), own trend and against comparison forces, drawn
    from forest_rows."""
    base = alt.Chart(rows.to_pandas())
    y = alt.Y("Force:N", title=None, sort="ascending")
    colour = alt.Color(
        "Compared with:N", scale=alt.Scale(domain=[OWN, PEERS], range=[OWN_COLOUR, PEER_COLOUR]), title="Compared with"
    )
    # a shape as well as a colour for each comparison, for readers who cannot tell the colours apart
    shape = alt.Shape(
        "Compared with:N", scale=alt.Scale(domain=[OWN, PEERS], range=["circle", "diamond"]), title="Compared with"
    )
    offset = alt.YOffset("Compared with:N", scale=alt.Scale(domain=[OWN, PEERS]))
    low = min([*rows["Lower 95%"].to_list(), 1.0]) * 0.95
    high = max([*rows["Upper 95%"].to_list(), 1.0]) * 1.05
    scale = alt.Scale(type="log", domain=[low, high], nice=False)
    x = alt.X("Level change (ratio):Q", scale=scale, title="Level change at the start (ratio, 1 = no change)")
    rule = base.mark_rule().encode(
        x=alt.X("Lower 95%:Q", scale=scale), x2=alt.X2("Upper 95%:Q"), y=y, yOffset=offset, color=colour
    )
    point = base.mark_point(filled=True, size=60).encode(
        x=x,
        y=y,
        yOffset=offset,
        color=colour,
        shape=shape,
        tooltip=[
            alt.Tooltip("Force:N"),
            alt.Tooltip("Scheme:N"),
            alt.Tooltip("Compared with:N"),
            alt.Tooltip("Level change (ratio):Q", format=f".{RATIO_DIGITS}f"),
            alt.Tooltip("Lower 95%:Q", format=f".{RATIO_DIGITS}f"),
            alt.Tooltip("Upper 95%:Q", format=f".{RATIO_DIGITS}f"),
        ],
    )
    one = (
        alt.Chart(pl.DataFrame({"x": [1.0]}).to_pandas())
        .mark_rule(strokeDash=[4, 4], color="#505A5F")
        .encode(x=alt.X("x:Q"))
    )
    return (rule + point + one).properties(title=title, height=alt.Step(14))


PHASES = {"before": "Before the start", "transition": "Around the start", "after": "After the start"}
YES_NO = ("Yes", "No")  # the observed points' legend: used in the fit or not
SERIES_VALUES = {
    "observed_rate": "Observed",
    "fitted_rate": "Model",
    "counterfactual_rate": "Own trend continued",
    "counterfactual_lcl": "Own trend lower 95%",
    "counterfactual_ucl": "Own trend upper 95%",
    "comparison_counterfactual_rate": "Following comparison forces",
}


def series_rows(series: pl.DataFrame) -> pl.DataFrame:
    """One scheme's periods (mart_scheme_evaluation_series) for people: the period's first day as a date, the phase
    and whether the period entered the fit in words, the rates rounded as shown, and why a period was left out or its
    values withheld. The series chart's frame, which is also its table and CSV."""
    notes = [
        pl.when(pl.col("observed_sdc_flag") == "suppressed_1_7").then(pl.lit("withheld: 1 to 7 records")),
        pl.when(pl.col("is_covid_restrictions")).then(pl.lit("not fitted: COVID-19 restrictions")),
        pl.when(pl.col("phase") == "transition").then(pl.lit("not fitted: the start may fall in it")),
    ]
    note = pl.concat_str(notes, separator="; ", ignore_nulls=True)
    return series.select(
        pl.col("period_start").cast(pl.Date).alias("Period start"),
        pl.col("phase").replace_strict(PHASES, default=pl.col("phase")).alias("Phase"),
        pl.when(pl.col("fit_usable")).then(pl.lit(YES_NO[0])).otherwise(pl.lit(YES_NO[1])).alias("Used in the fit"),
        *[fmt.rounded_col(pl.col(column), RATE_DIGITS).alias(name) for column, name in SERIES_VALUES.items()],
        pl.when(note != "").then(note).alias("Note"),
    )


def series_chart(rows: pl.DataFrame, row: dict[str, Any]) -> alt.LayerChart:
    """Observed rate, fitted line, counterfactual (own trend) with its band, and the comparison-forces counterfactual,
    drawn from series_rows; the start marked, with the periods the start may fall in shaded."""
    observed, fitted, own, lower, upper, following = SERIES_VALUES.values()
    base = alt.Chart(rows.to_pandas())
    x = alt.X("Period start:T", title=None)
    unit = row.get("outcome_unit") or ""
    band = base.mark_area(opacity=0.2, color=OWN_COLOUR).encode(
        x=x,
        y=alt.Y(f"{lower}:Q", title=[str(row.get("outcome_label")), f"({unit})"]),  # two lines: not cut
        y2=alt.Y2(f"{upper}:Q"),
    )
    counterfactual = base.mark_line(strokeDash=[6, 4], color=OWN_COLOUR).encode(x=x, y=alt.Y(f"{own}:Q"))
    model = base.mark_line(color=OWN_COLOUR).encode(x=x, y=alt.Y(f"{fitted}:Q"))
    peers = base.mark_line(strokeDash=[2, 3], color=PEER_COLOUR).encode(x=x, y=alt.Y(f"{following}:Q"))
    points = base.mark_point(filled=True, color=OBSERVED_COLOUR, size=25).encode(
        x=x,
        y=alt.Y(f"{observed}:Q"),
        shape=alt.Shape("Used in the fit:N", scale=alt.Scale(domain=list(YES_NO), range=["circle", "cross"])),
        tooltip=[
            alt.Tooltip("Period start:T", title="Period", format="%b %Y"),
            alt.Tooltip(f"{observed}:Q", format=f".{RATE_DIGITS}f"),
            alt.Tooltip(f"{own}:Q", format=f".{RATE_DIGITS}f"),
            alt.Tooltip(f"{following}:Q", format=f".{RATE_DIGITS}f"),
            alt.Tooltip("Phase:N"),
        ],
    )
    transition = rows.filter(pl.col("Phase") == PHASES["transition"])
    layers = [band, counterfactual, model, peers, points]
    if transition.height:
        shade = pl.DataFrame(
            {"from": [transition["Period start"].min()], "to": [transition["Period start"].max()]}
        ).to_pandas()
        layers.insert(
            0, alt.Chart(shade).mark_rect(color="#B1B4B6", opacity=0.3).encode(x=alt.X("from:T"), x2=alt.X2("to:T"))
        )
    start = row.get("start_to") or row.get("start_from")
    if isinstance(start, date):
        mark = pl.DataFrame({"start": [start]}).to_pandas()
        layers.append(alt.Chart(mark).mark_rule(color="#D4351C").encode(x=alt.X("start:T")))
    return alt.layer(*layers).properties(height=320)
