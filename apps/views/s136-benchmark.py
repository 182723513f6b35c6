"""s136 detentions: national benchmark for one financial year.

National headline figures (mart_s136_national_year), the funnel plot of force rates per 100,000 against population
read from mart_benchmark (measure s136_per_100k: each force's value, limits, position and the funnel's phi and tau2;
the curves between forces drawn by mhw.stats with the mart's target and tau2), and the force table
(mart_s136_force_year with the funnel position), one or the other as the open tab. Nothing here computes a statistic.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from apps import benchmarks, charts, data, links, state, ui
from apps import format as fmt
from apps.charts import FUNNEL

MEASURE = "s136_per_100k"
SECTIONS = ("Funnel plot", "Force table")  # tabs, the open one drawn (ui.open_tab; docs/app.md, "Speed")
YEAR_PARAM = "fy"
POPULATION_SOURCES = {
    "ons_mye": "ONS mid-year population estimates",
    "ons_mye_carried_forward": "ONS mid-year population estimates (latest year carried forward)",
    "standin": "stand-in populations (not ONS figures)",
}
RELIABILITY_NOTES = {
    "unreliable_lt20": "Rate unreliable: fewer than 20 detentions",
    "small_population": "Very small resident population (City of London): rate not comparable",
    "suppressed_1_7": "Count of 1–7 suppressed",
    "no_resident_population": "No resident population: no rate",
}


def force_table(forces: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """The force table: published counts, rates with their intervals, the funnel position, places of safety."""
    by_force = {r["force_code"]: r["funnel_position"] for r in positions.iter_rows(named=True)}
    out = []
    for r in forces.sort("force_name").iter_rows(named=True):
        suppressed = r["s136_detentions_sdc_flag"] == fmt.SUPPRESSED
        out.append(
            {
                "Force": r["force_name"],
                "Region": r["region_name"] or "–",
                "Detentions": fmt.count(r["s136_detentions"], r["s136_detentions_sdc_flag"]),
                "Rate per 100k": None if suppressed else r["rate_per_100k"],
                "95% CI": "–" if suppressed else fmt.interval(r["rate_lcl95"], r["rate_ucl95"]),
                "Funnel": FUNNEL[by_force.get(r["force_code"]) or "not_compared"][0],
                "Notes": RELIABILITY_NOTES.get(r["rate_reliability"] or "", ""),
                "% police station": r["pct_police_station_pos"],
                "% A&E": r["pct_ae_pos"],
                "% health-based PoS": r["pct_health_based_pos"],
                "Median hours": r["median_hours"],
            }
        )
    schema = dict.fromkeys(["Force", "Region", "Detentions"], pl.String) | {"Rate per 100k": pl.Float64}
    schema |= dict.fromkeys(["95% CI", "Funnel", "Notes"], pl.String)
    schema |= dict.fromkeys(["% police station", "% A&E", "% health-based PoS", "Median hours"], pl.Float64)
    return pl.DataFrame(out, schema=schema)


def _headline(national: pl.DataFrame, fy: str) -> None:
    rows = national.sort("fy_label")
    current = rows.filter(pl.col("fy_label") == fy).row(0, named=True)
    earlier = rows.filter(pl.col("fy_label") < fy)
    previous = earlier.row(-1, named=True) if earlier.height else None

    def delta(field: str, digits: int = 1, unit: str = "") -> str | None:
        if previous is None or fmt.missing(current.get(field)) or fmt.missing(previous.get(field)):
            return None
        return f"{fmt.signed(current[field] - previous[field], digits, unit)} on {previous['fy_label']}"

    detentions = int(current["s136_detentions"])
    cols = st.columns(5)
    cols[0].metric(
        "s136 detentions (E&W)", f"{detentions:,}", delta=delta("s136_detentions", 0), delta_color="off",
        help="Exact national total of section 136 detentions (no rounding at national level); s135 apart.",
    )  # fmt: skip
    s135 = current.get("s135_detentions")
    cols[0].caption(
        f"{current.get('forces_reporting', '–')} forces reporting"
        + ("" if fmt.missing(s135) else f"; s135 detentions (counted apart): {int(s135):,}")
    )
    cols[1].metric("Rate per 100,000", fmt.num(current.get("rate_per_100k")), delta=delta("rate_per_100k"),
                   delta_color="off")  # fmt: skip
    cols[1].caption(
        f"95% CI {fmt.interval(current.get('rate_lcl95'), current.get('rate_ucl95'))}; detentions by forces with a "
        "resident population (British Transport Police's are in the count, not the rate)"
    )
    for col, field, label, note in (
        (cols[2], "pct_ae_pos", "A&E first place of safety", "of known first places of safety"),
        (cols[3], "pct_police_station_pos", "Police station first place of safety", "of known first places"),
        (cols[4], "pct_police_vehicle", "Taken in a police vehicle", "of known transport"),
    ):
        col.metric(label, fmt.pct(current.get(field)), delta=delta(field, 1, " pts"), delta_color="off")
        col.caption(note)
    if current.get("is_partial_year"):
        st.warning(
            f"{fmt.fy_long(fy)} is not complete: {current.get('forces_partial_year', 'some')} of the forces that "
            "send s136 returns have data for only part of the year or none of it, so these are not annual totals."
        )
    if previous is not None and previous.get("s136_detentions"):
        change = detentions - int(previous["s136_detentions"])
        share = 100 * change / int(previous["s136_detentions"])
        direction = "rose" if change > 0 else "fell" if change < 0 else "did not change"
        amount = f" by {abs(change):,} ({abs(share):.1f}%)" if change else ""
        st.markdown(
            f"In {fmt.fy_long(fy)} police in England and Wales used section 136 **{detentions:,}** times. "
            f"Detentions {direction}{amount} compared with {previous['fy_label']}."
        )


def _denominator_notes(forces: pl.DataFrame, national_row: dict[str, Any]) -> None:
    if bool(national_row.get("is_standin_denominator")) or bool(
        forces["is_standin_denominator"].fill_null(False).any()
    ):
        st.warning("Rates use stand-in populations — not ONS figures. Treat every rate as illustrative.")
    with_pop = forces.filter(pl.col("population").is_not_null())

    def listed(column: str) -> str:
        return ", ".join(sorted({str(v) for v in with_pop[column].drop_nulls().to_list()})) or "not recorded"

    sources = sorted({str(v) for v in with_pop["population_source"].drop_nulls().to_list()})
    st.caption(
        f"Population denominators: {'; '.join(POPULATION_SOURCES.get(s, s) for s in sources) or 'not recorded'}. "
        f"Vintage: {listed('population_vintage')}; population year: {listed('population_year')}. Do not compare "
        "rates across vintages without saying so."
    )


def _funnel_section(rows: pl.DataFrame, forces: pl.DataFrame, focus: str | None, peers: list[str]) -> None:
    st.subheader("Force rates against population")
    curve = benchmarks.funnel_curve(rows, "rate", 100_000)
    points = benchmarks.funnel_points(rows, focus, peers)
    if curve is None or points.height < 2:
        st.info("Fewer than two forces have a rate for this year, so no funnel plot can be drawn.")
        return
    target = float(points["Target"][0])
    ui.chart(
        charts.funnel_chart(points, curve, target, "Resident population (log scale)",
                            "Detentions per 100,000 population", benchmarks.funnel_y_cap(points, curve)),
        points,
        "Funnel plot of force rates per 100,000 against population; the same figures are in the table below.",
        f"s136_funnel_{rows['period'][0]}.csv",
    )  # fmt: skip
    counts = points.group_by("Position").len()
    summary = ", ".join(f"{n} {label.lower()}" for label, n in counts.sort("Position").iter_rows())
    # the pooled rate is of every complete force, its count withheld or not (mart_benchmark's funnel_units)
    units = int(benchmarks.force_rows(rows)["funnel_units"].max() or points.height)
    pooled = f"{units} forces in the funnel" + (f", {points.height} of them drawn" if units > points.height else "")
    st.markdown(
        f"Each point is a force: its rate per 100,000 against its resident population. The solid horizontal line is "
        f"the pooled rate of the {pooled} (**{target:.1f}** per 100,000). British Transport Police has no resident "
        "population: its detentions are in the headline count above, not in the rate or the funnel. Dashed lines "
        f"are 95% limits and solid curves 99.8% limits. This year: {summary}."
    )
    st.caption(benchmarks.funnel_note(rows))
    shown = set(points["Force"].to_list())
    left_out = []
    for r in forces.iter_rows(named=True):
        if r["force_name"] in shown:
            continue
        if r["population"] is None:
            left_out.append(f"{r['force_name']} (no resident population, so no rate per 100,000)")
        elif r["s136_detentions_sdc_flag"] == fmt.SUPPRESSED:
            left_out.append(f"{r['force_name']} (count of 1 to 7: suppressed)")
        else:
            left_out.append(f"{r['force_name']} (no complete rate)")
    if left_out:
        st.caption(
            f"Not shown in the plot: {'; '.join(left_out)}. They are listed in the force table with their counts."
        )


def _force_table(forces: pl.DataFrame, rows: pl.DataFrame, fy: str) -> None:
    st.subheader("Forces")
    table = force_table(forces, benchmarks.force_rows(rows))
    ui.table(
        table,
        f"s136_force_benchmark_{fy}.csv",
        "Download the force table (CSV)",
        height=ui.rows_height(table.height),
        alt_text=f"s136 detentions by police force, {fmt.fy_long(fy)}",
        palettes={"Funnel": FUNNEL},
        column_config={
            "Detentions": st.column_config.TextColumn(help="Published count: rounded to the nearest 5; * = 1 to 7."),
            "Rate per 100k": st.column_config.NumberColumn(format="%.1f"),
            "Funnel": st.column_config.TextColumn(
                help="Against the funnel limits around the pooled rate of the forces (mart_benchmark): above or below "
                "the 99.8% limit (an outlier), above or below the 95% limit (an alert), or within the limits. No "
                "judgement of better or worse is implied."
            ),
            "Notes": st.column_config.TextColumn(width="medium"),
            **{c: st.column_config.NumberColumn(format="%.1f", help="Of known first places of safety.")
               for c in ("% police station", "% A&E", "% health-based PoS")},
            "Median hours": st.column_config.NumberColumn(
                format="%.1f", help="Arrival at the first place of safety to the end of the detention."
            ),
        },
    )  # fmt: skip


def main() -> None:
    st.title("s136 detentions: national benchmark")
    st.caption(
        "Police use of section 136 of the Mental Health Act 1983 in England and Wales: 43 territorial forces and "
        "British Transport Police, by financial year."
    )
    try:
        snapshot = data.open_snapshot()
        national = data.not_empty(data.s136_national(snapshot.conn, snapshot.key), "s136 figures")
        years = sorted(national["fy_label"].to_list(), reverse=True)
        fy = state.choose("Financial year", years, YEAR_PARAM, fmt=fmt.fy_long, column=st.columns([1, 2])[0])
        forces = data.s136_force_year(snapshot.conn, snapshot.key, fy)
        rows = data.benchmark(snapshot.conn, snapshot.key, MEASURE, fy)
        focus = state.current(state.FORCE)
        peers = data.peer_group(snapshot.conn, snapshot.key, focus)["peer_force_code"].to_list() if focus else []
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    _denominator_notes(forces, national.filter(pl.col("fy_label") == fy).row(0, named=True))
    _headline(national, fy)
    section, tab = ui.open_tab(SECTIONS)
    with tab:
        if section == SECTIONS[0]:
            _funnel_section(rows, forces, focus, peers)
        else:
            _force_table(forces, rows, fy)
    st.page_link(
        links.page_file(links.EXPLORER),
        label="Explore this measure with peers and change over time",
        icon=":material/scatter_plot:",
        query_params=state.link_params(measure=MEASURE, period=fy),
    )
    ui.footnotes(
        [
            "**Disclosure control.** Force counts are rounded to the nearest 5 and counts of 1 to 7 are shown as `*`; "
            "0 is shown as 0. National figures are exact. Rates, confidence intervals and funnel limits are "
            "calculated from unrounded counts, so rounded counts need not add up to the national total.",
            "**Section 136 only.** Every figure on this page counts section 136 detentions, as the Home Office "
            "headline does; section 135 detentions are counted apart.",
            "**Percentages** are of known values: 'not known' is left out of the denominator. Transport shares also "
            "leave out people already at a place of safety. A percentage is not shown where its count or its base "
            "is 1 to 7.",
            "**Confidence intervals** for rates are exact Poisson (fewer than 10 detentions) or Byar's method. A rate "
            "based on fewer than 20 detentions is marked unreliable. **Funnel limits** are mart_benchmark's "
            "(docs/methods.md): exact Poisson below 10 expected, Byar's from 10, widened by τ² when overdispersed.",
            "**Source.** Police force returns of section 136 detentions (Home Office Annual Data Requirement), "
            "compiled by the mh-policing-warehouse; populations as stated above.",
        ],
        pub,
    )


main()
