"""The benchmark pages' words and frames, from the published marts (mart_benchmark, mart_spc, mart_escalations,
dim_measure, dim_force_peer_group): pure functions, no Streamlit, tested in tests/apps/test_benchmarks.py.

Nothing here computes a statistic: values, intervals, comparisons, funnel positions, changes, SPC point types and
icons are the marts' (docs/methods.md). This module only chooses which of them a view shows and says them in words;
the funnel's limit curves between forces are drawn by mhw.stats with the mart's target and tau2.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
import polars as pl

from apps import format as fmt
from apps import links
from apps.charts import COMPARISON, FUNNEL, SPC_POINT
from mhw import stats

NATIONAL = "E&W"
CHOSEN, PEER, OTHER = "Chosen force", "Peer", "Other"
COMPARATOR_VALUE = {"national": "national_value", "region": "region_value", "peers": "peer_value"}
COMPARATOR_SIGNIFICANCE = {
    "national": "significance_vs_national",
    "region": "significance_vs_region",
    "peers": "significance_vs_peers",
}
GOOD_DIRECTIONS = ("higher_is_better", "lower_is_better")  # dim_measure.polarity of a measure judged better / worse
COMPARATOR_WORDS = {"national": "England and Wales", "region": "its region", "peers": "its peer group"}
# Making Data Count variation and assurance icons (mart_spc.variation_type / assurance_type): words with a symbol,
# so the meaning does not rest on colour
VARIATION = {
    "common_cause": "● Common cause: no significant change",
    "improvement_high": "▲ Improvement (higher)",
    "improvement_low": "▼ Improvement (lower)",
    "concern_high": "▲ Concern (higher)",
    "concern_low": "▼ Concern (lower)",
    "neutral_high": "▲ Special cause (higher)",
    "neutral_low": "▼ Special cause (lower)",
}
ASSURANCE = {
    "consistent_pass": "✓ Consistently meets the target",
    "consistent_fail": "✗ Consistently misses the target",
    "inconsistent": "? Hits and misses the target",
}
CHANGE = {
    "increase": "↑ Significant increase",
    "decrease": "↓ Significant decrease",
    "no_significant_change": "→ No significant change",
    "not_tested": "",
}
LEVELS = {"national": "National", "regional": "Regional", "local": "Local"}
SPC_SECTION = "Monthly measures (SPC)"  # the force profile's tab of SPC charts, as its address names it
EXPLORER_SPC_SECTION = "Over time (SPC)"  # the explorer's tab of one area's SPC chart
SPC_AREA_PARAM = "spc_area"  # the explorer's choice of that area: E&W, a region or the chosen force
STATUS = {"new": "New", "continuing": "Continuing", "resolved": "Resolved"}
WITHHELD = {
    "count_1_7": "withheld: count of 1 to 7",
    "numerator_or_denominator_1_7": "withheld: numerator or denominator of 1 to 7",
    "cases_1_7": "withheld: 1 to 7 cases",
    "population_lt_1000": "withheld: population under 1,000",
}
CI_METHODS = {
    "exact_poisson": "exact Poisson",
    "byars": "Byar's method",
    "wilson": "Wilson score",
    "log": "log method",
    "exact_conditional": "exact conditional",
}
DENOMINATOR_SOURCES = {
    "ons_mye": "ONS mid-year population estimates",
    "ons_mye_carried_forward": "ONS mid-year estimates, the latest year carried forward",
    "standin": "stand-in populations (not ONS figures)",
    "census2011_qs201ew": "Census 2011 (QS201EW)",
    "home_office_officers_fte_same_year": "Home Office police workforce (FTE officers, same year)",
    "mixed": "a mix of sources across forces",
    # the forces' own extracts: the denominator is of the same force and period as the numerator
    "force_incidents": "the forces' incident extracts, same period",
    "force_incident_totals": "the forces' all-incident totals, same period",
    "force_s136": "the forces' s136 returns, same period",
    "force_custody": "the forces' custody extracts, same period",
    "force_street_triage": "the forces' street triage extracts, same period",
}


# --- words ------------------------------------------------------------------------------------------------


def assessment(significance: str | None, polarity: str | None) -> str:
    """A COMPARISON key from a significance direction and the measure's polarity (better / worse, else higher /
    lower): the rule of mart_benchmark's assessment columns, for the region comparison the mart leaves unjudged."""
    if significance in (None, "not_compared"):
        return "not_compared"
    if significance == "similar":
        return "similar"
    if polarity == "higher_is_better":
        return "better" if significance == "higher" else "worse"
    if polarity == "lower_is_better":
        return "better" if significance == "lower" else "worse"
    return significance


def comparison(row: dict[str, Any], comparator: str) -> str:
    """The COMPARISON key of a row against a comparator (national, region or peers)."""
    return assessment(row.get(COMPARATOR_SIGNIFICANCE[comparator]), row.get("polarity"))


def value_text(row: dict[str, Any], digits: int = 1) -> str:
    """A published value, or why there is none."""
    if row.get("withheld_reason"):
        return WITHHELD.get(row["withheld_reason"], "withheld")
    return fmt.num(row.get("value"), digits)


def note_text(row: dict[str, Any], comparator: str | None = None) -> str:
    """Why a row is not compared, or what it is missing, as the mart says (comparison_note, completeness_note); with
    a ``comparator``, a value with no comparator value beside it (British Transport Police has no region or peer
    group) says so, as the mart has no note for it."""
    note = row.get("comparison_note") or row.get("completeness_note") or ""
    if (
        note
        or comparator is None
        or fmt.missing(row.get("value"))
        or not fmt.missing(row.get(COMPARATOR_VALUE[comparator]))
    ):
        return note
    return f"no value for {COMPARATOR_WORDS[comparator]} to compare with"


def ci_method_text(rows: pl.DataFrame, method: str | None = None) -> str:
    """The interval methods of the rows shown, or why there are none (`method`: the measure's)."""
    methods = sorted({m for m in rows["ci_method"].drop_nulls().to_list()}) if "ci_method" in rows.columns else []
    none = "none (a mean has no interval here)" if method == "mean" else "none for this period"
    return ", ".join(CI_METHODS.get(m, m) for m in methods) or none


def method_note(measure: dict[str, Any], rows: pl.DataFrame) -> str:
    """What a number rests on, written beside it: interval, denominator and its vintage, disclosure rule."""
    sources = sorted({s for s in rows["denominator_source"].drop_nulls().to_list()})
    # the marts name a source only beside a denominator it gave
    source_text = "; ".join(DENOMINATOR_SOURCES.get(s, s) for s in sources) or "none for this period"
    disclosure = (
        "counts about people below national level are rounded to 5 and 1 to 7 suppressed; a value resting on 1 "
        "to 7 is withheld with its interval"
        if measure.get("disclosure_rule") == "person_level"
        else "figures as the source body published them"
    )
    return (
        f"**{measure['measure_name']}** — numerator: {measure['numerator_definition']}; denominator: "
        f"{measure['denominator_definition']} (source: {source_text}). Intervals: 95% (comparisons and ranked "
        f"charts) and 99.8% (funnel limits), {ci_method_text(rows, measure.get('method'))}. Disclosure: {disclosure}."
        + (f" {measure['caveats']}" if measure.get("caveats") else "")
    )


def funnel_note(rows: pl.DataFrame) -> str:
    """The funnel's overdispersion in words (phi, tau2, which limits are drawn)."""
    forces = rows.filter(pl.col("funnel_phi").is_not_null())
    if forces.is_empty():
        return "No funnel for this measure and period (a mean or a ratio, or fewer than two forces to compare)."
    r = forces.row(0, named=True)
    drawn = forces.filter(pl.col("value").is_not_null()).height  # a withheld value is pooled, not drawn
    others = " (the others: a value withheld, or not comparable)"
    units = f"{r['funnel_units']} forces in the funnel" + (
        f", {drawn} of them drawn{others}." if drawn < r["funnel_units"] else "."
    )
    if r["funnel_od_adjusted"]:
        return (
            f"The forces vary more than chance alone would explain (overdispersion φ = {r['funnel_phi']:.2f}, "
            f"τ² = {r['funnel_tau2']:.4g}), so the limits are widened by a random-effects term (Spiegelhalter 2005, "
            f"as FunnelPlotR). {units}"
        )
    return f"No overdispersion (φ = {r['funnel_phi']:.2f}): the limits are the unadjusted ones. {units}"


# --- frames for charts and tables -------------------------------------------------------------------------


def highlight(code: pl.Expr, focus: str | None, peers: Iterable[str]) -> pl.Expr:
    """Chosen force / Peer / Other, for the size of a force's point."""
    chosen = code == focus if focus else pl.lit(False)
    return pl.when(chosen).then(pl.lit(CHOSEN)).when(code.is_in(list(peers))).then(pl.lit(PEER)).otherwise(
        pl.lit(OTHER)
    )  # fmt: skip


def force_names(forces: pl.DataFrame) -> dict[str, str]:
    """Force code -> name, of a ``dim_force`` frame (data.forces)."""
    return dict(forces.select("force_code", "force_name").iter_rows())


def force_rows(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("geography_level") == "force")


def funnel_points(rows: pl.DataFrame, focus: str | None, peers: Iterable[str]) -> pl.DataFrame:
    """The funnel's points: forces with a published value and a funnel position, with their limits."""
    forces = force_rows(rows).filter(pl.col("value").is_not_null() & pl.col("funnel_lcl95").is_not_null())
    return forces.sort("geography_name").select(
        pl.col("geography_name").alias("Force"),
        pl.col("denominator").alias("Denominator"),
        pl.col("value").alias("Value"),
        pl.col("funnel_lcl998").alias("99.8% lower limit"),
        pl.col("funnel_lcl95").alias("95% lower limit"),
        pl.col("funnel_ucl95").alias("95% upper limit"),
        pl.col("funnel_ucl998").alias("99.8% upper limit"),
        pl.col("funnel_target").alias("Target"),
        pl.col("funnel_position").replace_strict({k: v[0] for k, v in FUNNEL.items()}).alias("Position"),
        highlight(pl.col("force_code"), focus, peers).alias("Highlight"),
    )


def funnel_limits_at(rows: pl.DataFrame, method: str, multiplier: float, denominators) -> dict[str, np.ndarray]:
    """The funnel's 95% and 99.8% limits at the given denominators, by the mart's method with its target and tau2
    (tau2 only when the mart found the forces overdispersed)."""
    r = rows.filter(pl.col("funnel_target").is_not_null()).row(0, named=True)
    tau2 = r["funnel_tau2"] if r["funnel_od_adjusted"] else 0.0
    draw = stats.funnel_limits if method == "rate" else stats.proportion_funnel_limits
    return draw(np.asarray(denominators, dtype=float), r["funnel_target"], tau2, per=multiplier)


def funnel_curve(rows: pl.DataFrame, method: str, multiplier: float) -> pl.DataFrame | None:
    """Limit curves over a grid of denominators (mhw.stats, as the mart computes them at each force).

    None when the measure has no funnel (a mean or a ratio) or fewer than two forces are in it.
    """
    forces = force_rows(rows).filter(pl.col("funnel_target").is_not_null() & (pl.col("denominator") > 0))
    if forces.height < 2 or method not in ("rate", "proportion"):
        return None
    grid = stats.population_grid(forces["denominator"].min(), forces["denominator"].max())
    return pl.DataFrame({"Denominator": grid, **funnel_limits_at(forces, method, multiplier, grid)})


def funnel_y_cap(points: pl.DataFrame, curve: pl.DataFrame) -> float | None:
    """Top of a funnel's value axis, or None when every force fits.

    It fits every force whose denominator is at least a tenth of the median and the 99.8% limit at that size: a
    tiny force with an extreme rate (the City of London, about 8,600 residents and a large daytime population)
    would otherwise flatten every other force, so it is drawn at the top edge with its value written beside it.
    """
    smallest = float(points["Denominator"].median()) / 10
    fits = points.filter(pl.col("Denominator") >= smallest)
    at_size = curve.filter(pl.col("Denominator") >= smallest).sort("Denominator")
    limit = float(at_size["ucl998"][0]) if at_size.height else float(curve["ucl998"].min())
    cap = 1.1 * max(float(fits["Value"].max() or 0.0), limit, float(points["Target"][0]))
    return cap if float(points["Value"].max()) > cap else None


def interval_rows(rows: pl.DataFrame, comparator: str, focus: str | None, peers: Iterable[str]) -> pl.DataFrame:
    """Forces ranked by value with their 95% intervals and their comparison: the ranked chart's frame."""
    forces = force_rows(rows).filter(pl.col("value").is_not_null())
    return forces.select(
        pl.col("geography_name").alias("Area"),
        pl.col("value").alias("Value"),
        pl.col("lcl95").alias("Lower 95%"),
        pl.col("ucl95").alias("Upper 95%"),
        pl.struct(forces.columns)
        .map_elements(lambda r: COMPARISON[comparison(r, comparator)][0], return_dtype=pl.String)
        .alias("Compared"),
        highlight(pl.col("force_code"), focus, peers).alias("Highlight"),
        pl.col("value_rank").alias("Rank"),
    ).sort("Value", descending=True)


def not_drawn_text(rows: pl.DataFrame) -> str:
    """The forces a ranked chart leaves out (no published value) by the mart's reason: 'Not drawn: 28 of 44
    forces. value withheld (disclosure control): Essex, Kent, …' ('' when every force is drawn)."""
    forces = force_rows(rows)
    missing = forces.filter(pl.col("value").is_null())
    if missing.is_empty():
        return ""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for r in missing.sort("geography_name").iter_rows(named=True):
        by_reason[note_text(r) or "no published value"].append(r["geography_name"])
    reasons = "; ".join(f"{reason}: {', '.join(names)}" for reason, names in by_reason.items())
    return f"Not drawn: {missing.height} of {forces.height} forces. {reasons}."


def _focus_row(rows: pl.DataFrame, focus: str) -> dict[str, Any] | None:
    own = force_rows(rows).filter(pl.col("force_code") == focus)
    return None if own.is_empty() else own.row(0, named=True)


def focus_not_drawn(rows: pl.DataFrame, focus: str) -> str:
    """Why the chosen force has no point in a chart of these rows (no row for the period, or no published value),
    '' when it has one: else it is missing from the funnel and the ranked chart without a word."""
    row = _focus_row(rows, focus)
    if row is None:
        return NO_AREA_DATA
    return "" if row["value"] is not None else note_text(row) or "no published value"


def focus_off_funnel(rows: pl.DataFrame, focus: str) -> str:
    """Why the chosen force, which has a value, has no point in the funnel (a small resident population: no funnel
    position), '' when it has one or has no value (focus_not_drawn says why)."""
    row = _focus_row(rows, focus)
    if row is None or row["value"] is None or row["funnel_lcl95"] is not None:
        return ""
    return note_text(row) or "it has no funnel position"


def ranked_table(rows: pl.DataFrame, comparator: str, focus: str | None, peers: Iterable[str]) -> pl.DataFrame:
    """Every force of a measure and period: value, interval, comparison, funnel position, change on the last period."""
    forces = force_rows(rows)
    peers = list(peers)
    out = []
    ordered = forces.sort(["value", "geography_name"], descending=[True, False], nulls_last=True)  # ties by name
    for r in ordered.iter_rows(named=True):
        out.append(
            {
                "Rank": r["value_rank"],
                "Force": r["geography_name"],
                "": CHOSEN if r["force_code"] == focus else PEER if r["force_code"] in peers else "",
                "Value": value_text(r, 2),
                "95% interval": fmt.interval(r["lcl95"], r["ucl95"], 2),
                "Numerator": fmt.count(r["numerator"], r["numerator_sdc_flag"]),
                "Denominator": fmt.count(r["denominator"], r["denominator_sdc_flag"]),
                f"Compared with {COMPARATOR_WORDS[comparator]}": compared_label(r, comparator),
                "Funnel": FUNNEL.get(r["funnel_position"] or "", ("",))[0],
                "Previous period": fmt.num(r["previous_value"], 2),
                "Change": CHANGE.get(r["change_significance"] or "", ""),
                "Notes": note_text(r, comparator),
            }
        )
    return pl.DataFrame(out, schema=_text_schema(out, ("Rank",)))


def _text_schema(rows: list[dict[str, Any]], integers: tuple[str, ...] = ()) -> dict[str, pl.DataType]:
    names = list(rows[0]) if rows else []
    return {n: (pl.Int64 if n in integers else pl.String) for n in names}


def forces_compared_text(forces: pl.DataFrame) -> str:
    """'2 higher, 1 worse, 3 similar': the forces' comparisons with England and Wales for one measure and period."""
    counts = forces.group_by("assessment_vs_national").len()
    by_word = dict(counts.iter_rows())
    order = ("better", "worse", "higher", "lower", "similar")
    return ", ".join(f"{by_word[w]} {w}" for w in order if by_word.get(w)) or "none compared"


def overview_frame(
    latest: pl.DataFrame,
    icons: pl.DataFrame,
    trends: dict[str, tuple[str, str]],
    comparator: str,
    link: dict[str, str],
    forces_latest: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per measure for one area: latest value and interval, the comparator and the comparison, the change
    on the period before, the trend of the latest periods (as text, gaps kept, and its values), the MDC variation
    and assurance icons, a link, and a note of why a value is not compared or is incomplete.

    latest: the area's mart_benchmark row per measure (latest period); icons: its mart_spc latest points;
    trends: measure_id -> (sparkline, trend_text); link: measure_id -> the explorer's address for that row. For
    England and Wales (no comparator) the comparison column counts how the forces compare with it (forces_latest:
    every force's row of each measure's latest period).
    """
    by_measure = {r["measure_id"]: r for r in icons.iter_rows(named=True)}
    national = latest.filter(pl.col("geography_level") == "national").height > 0
    out = []
    for r in latest.iter_rows(named=True):
        spc = by_measure.get(r["measure_id"], {})
        if national:
            forces = (
                forces_latest.filter(pl.col("measure_id") == r["measure_id"]) if forces_latest is not None else None
            )
            comparator_text, compared = "–", "–" if forces is None else forces_compared_text(forces)
        else:
            comparator_text = fmt.num(r[COMPARATOR_VALUE[comparator]], 2)
            compared = compared_label(r, comparator)
        trend, trend_values = trends.get(r["measure_id"], ("", ""))
        out.append(
            {
                "Measure": r["measure_name"],
                "Period": fmt.period_short(r["period"], r["period_type"]),  # narrow: the measure's name needs room
                "Value": value_text(r, 2),
                "95% interval": fmt.interval(r["lcl95"], r["ucl95"], 2),
                "Comparator": comparator_text,
                "Compared": compared,
                "Change on previous": CHANGE.get(r["change_significance"] or "", ""),
                "Trend": trend,
                "Trend values": trend_values,
                "Variation": VARIATION.get(spc.get("variation_type") or "", ""),
                "Assurance": ASSURANCE.get(spc.get("assurance_type") or "", ""),
                "Open": link.get(r["measure_id"], ""),
                # a force's row: why it is not compared; E&W's: what its figure is missing (no force has a
                # denominator, the forces it covers)
                "Note": (r["completeness_note"] or "") if national else note_text(r, comparator),
            }
        )
    schema = {k: pl.String for k in ("Measure", "Period", "Value", "95% interval", "Comparator", "Compared",
                                     "Change on previous")}  # fmt: skip
    schema |= {k: pl.String for k in ("Trend", "Trend values", "Variation", "Assurance", "Open", "Note")}
    return pl.DataFrame(out, schema=schema)


def forces_compared(rows: pl.DataFrame) -> dict[str, int]:
    """How many forces are better / worse / higher / lower / similar than E&W (a national overview's summary)."""
    counts = force_rows(rows).group_by("assessment_vs_national").len()
    return {r["assessment_vs_national"]: r["len"] for r in counts.iter_rows(named=True)}


def spine_rows(latest: pl.DataFrame, comparator: str) -> pl.DataFrame:
    """The force's rows as apps.charts.spine_frame takes them, each compared with ``comparator`` (national, region
    or peers); the spine itself is always centred on England and Wales."""
    rows = latest.filter(pl.col("value").is_not_null() & pl.col("national_value").is_not_null())
    return rows.select(
        pl.col("measure_name").alias("Measure"),
        pl.col("value").alias("Value"),
        pl.col("national_value").alias("E&W"),
        pl.col("peer_value").alias("Peers"),
        pl.struct(rows.columns)
        .map_elements(lambda r: COMPARISON[comparison(r, comparator)][0], return_dtype=pl.String)
        .alias("Compared"),
        "polarity",
    )


def spc_points(series: pl.DataFrame) -> pl.DataFrame:
    """The published points of an SPC chart, with their limits and point types (mart_spc)."""
    shown = series.filter(pl.col("value").is_not_null())
    return shown.select(
        pl.col("month_start").cast(pl.String).alias("Month"),
        pl.col("value").alias("Value"),
        pl.col("centre").alias("Centre"),
        pl.col("lpl").alias("Lower limit"),
        pl.col("upl").alias("Upper limit"),
        pl.col("point_type").replace_strict({k: v[0] for k, v in SPC_POINT.items()}).alias("Point type"),
        pl.col("rules_triggered").fill_null("").alias("Rules"),
        pl.col("segment").alias("Segment"),
    )


def spc_events(series: pl.DataFrame, label: str = "RCRP go-live") -> pl.DataFrame:
    """The declared change points of a series (its RCRP go-live), as Month and Event for the chart."""
    starts = series.filter(pl.col("is_segment_start"))
    return starts.select(
        pl.col("month_start").cast(pl.String).alias("Month"),
        pl.format(
            "{}{}", pl.lit(label), pl.when(pl.col("change_point_basis") == "assumed_demo").then(pl.lit(" (assumed)"))
            .otherwise(pl.lit(""))
        ).alias("Event"),
    )  # fmt: skip


def spc_sentence(series: pl.DataFrame, name: str) -> str:
    """The latest point of an SPC series in words."""
    latest = series.filter(pl.col("is_latest_point"))
    if latest.is_empty():
        return f"No SPC chart for {name}."
    r = latest.row(0, named=True)
    variation = VARIATION.get(r.get("variation_type") or "", "")
    trial = " The limits are trial limits (fewer than the baseline points)." if r.get("is_trial_limits") else ""
    return (
        f"Latest month {fmt.month_long(r['period'])}: {fmt.num(r['value'], 2)}, "
        f"{variation[2:].lower() if variation else 'no variation icon'}.{trial}"
    )


def signal_address(item: dict[str, Any]) -> str:
    """Where an escalation item's signal is seen: a force's SPC signal on its profile's SPC chart of the measure, a
    region's or England and Wales' on the explorer's SPC chart of that area, a force's funnel signal on the
    explorer's funnel of that period with the force chosen, else the explorer."""
    measure, force = item["measure_id"], item["geography_code"]
    if item["geography_level"] != "force":
        if item["signal_source"] == "spc":
            return links.address(links.EXPLORER, measure=measure, section=EXPLORER_SPC_SECTION,
                                 **{SPC_AREA_PARAM: force})  # fmt: skip
        return links.address(links.EXPLORER, measure=measure)
    if item["signal_source"] == "spc":
        return links.address(links.FORCE_PROFILE, force=force, measure=measure, spc=measure, section=SPC_SECTION)
    return links.address(links.EXPLORER, measure=measure, force=force, period=item["latest_period"])


def escalation_frame(items: pl.DataFrame) -> pl.DataFrame:
    """Escalation items in words, with the address of the view that shows the signal (signal_address)."""
    out = []
    for r in items.iter_rows(named=True):
        link = signal_address(r)
        out.append(
            {
                "Escalated to": LEVELS.get(r["escalation_level"], r["escalation_level"]),
                "Status": STATUS.get(r["status"], r["status"]),
                "Area": r["geography_name"],
                "Region": r["region_name"] or "–",
                "Measure": r["measure_name"],
                "Signal": (
                    f"Resolved: not signalled at {r['resolved_period']}. Last signal: {r['signal_text']}"
                    if r["status"] == "resolved" and r.get("resolved_period")
                    else r["signal_text"]
                ),
                "Since": r["since_period"],
                "Periods running": r["periods_running"],
                "Latest period": r["latest_period"],
                "Open": link,
            }
        )
    schema = {k: pl.String for k in ("Escalated to", "Status", "Area", "Region", "Measure", "Signal", "Since")}
    schema |= {"Periods running": pl.Int64, "Latest period": pl.String, "Open": pl.String}
    return pl.DataFrame(out, schema=schema)


# --- the Overview's trend, comparison symbols and every measure (added after the functions above) ---------------

NO_AREA_DATA = "no data from this force for the period"
TREND_GAP = "·"  # a period of the trend with no published value (withheld, or not reported by the area)
_BLOCKS = "▁▂▃▄▅▆▇█"
# the direction of a difference (mart_benchmark significance_*) as a symbol, as VARIATION writes its icons
DIRECTION_SYMBOL = {"higher": "▲", "lower": "▼", "similar": "●", "not_compared": "□"}


def trend_periods(history: pl.DataFrame, periods: pl.DataFrame, latest: dict[str, str], points: int) -> dict:
    """measure_id -> the measure's latest ``points`` periods up to the row's period (``latest``: measure_id -> it),
    oldest first: the periods England and Wales has (``periods``: measure_id, period, data.benchmark_area('E&W'))
    and any the area has (``history``: measure_id, period, value, data.benchmark_area)."""
    out = {}
    for measure, last in latest.items():
        own = set(history.filter(pl.col("measure_id") == measure)["period"].to_list())
        known = set(periods.filter(pl.col("measure_id") == measure)["period"].to_list()) | own
        out[measure] = sorted(p for p in known if p <= last)[-points:]
    return out


def trend_values(history: pl.DataFrame, shown: dict[str, list[str]]) -> dict[str, list[float | None]]:
    """measure_id -> the area's value at each of its trend periods (``shown``: trend_periods), None where the period
    has no published value (withheld, or no row for the area): gaps are kept, so values either side of a gap are
    never joined as if consecutive."""
    out = {}
    for measure, periods in shown.items():
        own = history.filter(pl.col("measure_id") == measure)
        values = dict(zip(own["period"].to_list(), own["value"].to_list(), strict=True))
        out[measure] = [None if fmt.missing(values.get(p)) else float(values[p]) for p in periods]
    return out


def sparkline(values: list) -> str:
    """A trend as text, one block a period on the row's own scale (the lowest block its lowest value, the full block
    its highest; the middle block throughout when every value is the same), TREND_GAP where a period has no value.
    Nothing is smoothed, interpolated or joined across a gap."""
    shown = [v for v in values if v is not None]
    lo, hi = (min(shown), max(shown)) if shown else (0.0, 0.0)
    top = len(_BLOCKS) - 1

    def block(v: float) -> str:
        return _BLOCKS[round((v - lo) / (hi - lo) * top)] if hi > lo else _BLOCKS[top // 2]

    return "".join(TREND_GAP if v is None else block(v) for v in values)


def trend_text(values: list, periods: list[str], digits: int = 2) -> str:
    """'2019-20 to 2024-25: 0.00; 0.00; –; 0.00; –; –': the trend's periods and values, '–' where a period has no
    published value."""
    if not periods:
        return ""
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    return f"{span}: " + "; ".join(fmt.num(v, digits) for v in values)


def with_every_measure(
    latest: pl.DataFrame, national: pl.DataFrame, area: str, note: str = NO_AREA_DATA
) -> pl.DataFrame:
    """The area's rows of the measures' latest periods (data.benchmark_latest) with a row for every measure England
    and Wales has in its latest period, in the catalogue's order: a measure the area has no row for gets one with no
    value, not compared, its note saying why (``note``) and England and Wales' published value as the national
    comparator. national: data.benchmark_latest('E&W')."""
    if area == NATIONAL or national.is_empty():
        return latest
    have = set(latest["measure_id"].to_list()) if latest.height else set()
    absent = national.filter(~pl.col("measure_id").is_in(list(have)))
    if absent.is_empty():
        return latest
    measure_level = ["measure_id", "measure_name", "period", "period_type", "polarity"]
    placeholder = absent.select(
        *[c for c in measure_level if c in absent.columns],
        pl.col("value").alias("national_value"),
        pl.lit(area).alias("geography_code"),
        pl.lit("force").alias("geography_level"),
        pl.lit(area).alias("force_code"),
        pl.lit(note).alias("comparison_note"),
    )
    order = national.select("measure_id").with_row_index("_order")
    combined = pl.concat([latest, placeholder], how="diagonal_relaxed") if latest.height else placeholder
    return combined.join(order, on="measure_id", how="left").sort("_order", nulls_last=True).drop("_order")


@cache  # built once: compared_label reads it for every row
def compared_symbols() -> dict[str, tuple[str, str, str, str]]:
    """The COMPARISON palette for a table, each label led by the symbol of the difference's direction (▲ higher,
    ▼ lower, ● similar, □ not compared) and, for better / worse, the direction in words: 'Better (lower)'. Keys are
    '<assessment>/<direction>' (compared_key)."""
    out = {}
    for key, (label, fill, ink, shape) in COMPARISON.items():
        for direction, symbol in DIRECTION_SYMBOL.items():
            words = f"{label} ({direction})" if key in ("better", "worse") else label
            out[f"{key}/{direction}"] = (f"{symbol} {words}", fill, ink, shape)
    return out


def compared_key(row: dict[str, Any], comparator: str) -> str:
    """A row's key in compared_symbols: its comparison and the direction of the difference."""
    direction = row.get(COMPARATOR_SIGNIFICANCE[comparator]) or "not_compared"
    return f"{comparison(row, comparator)}/{direction if direction in DIRECTION_SYMBOL else 'not_compared'}"


def compared_label(row: dict[str, Any], comparator: str) -> str:
    """A row's comparison in words with its symbol: '▲ Higher', '▼ Better (lower)', '● Similar', '□ Not compared'."""
    return compared_symbols()[compared_key(row, comparator)][0]
