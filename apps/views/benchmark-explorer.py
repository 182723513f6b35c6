"""Benchmark explorer: any measure and period, every force.

A funnel plot with 95% and 99.8% limits (overdispersion noted), forces ranked with their intervals, the chosen force
and its peer group highlighted, the comparison with the chosen comparator, and the change on the period before; for
a monthly measure, the SPC chart of England and Wales, a region or the chosen force (where regional and national
escalations are seen). Reads mart_benchmark (values, limits, funnel statistics, comparisons, change), mart_spc,
dim_measure, dim_force, dim_force_peer_group; draws the funnel's curves with mhw.stats from the mart's target and
tau2.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import benchmarks, charts, data, links, state, ui
from apps import format as fmt
from apps.charts import FUNNEL

CHARTS = ("Funnel plot", "Forces ranked with intervals", benchmarks.EXPLORER_SPC_SECTION)  # tabs (ui.open_tab)


def _headline(rows: pl.DataFrame, measure: dict, period_words: str) -> None:
    national = rows.filter(pl.col("geography_level") == "national")
    cols = st.columns(4)
    if national.height:
        r = national.row(0, named=True)
        cols[0].metric("England and Wales", benchmarks.value_text(r, 2), help=measure["unit"])
        cols[0].caption(f"95% interval {fmt.interval(r['lcl95'], r['ucl95'], 2)}; {measure['unit']}")
        cols[1].metric("Previous period", fmt.num(r["previous_value"], 2))
        cols[1].caption(benchmarks.CHANGE.get(r["change_significance"] or "", "") or "Change not tested")
    compared = benchmarks.forces_compared(rows)
    # a measure with an agreed good direction is judged better / worse, one without higher / lower (never both): a
    # force worse on a higher-is-better measure is lower than E&W, so "higher or worse" would call it higher
    above, below = ("worse", "better") if measure.get("polarity") in benchmarks.GOOD_DIRECTIONS else ("higher", "lower")
    # no force compared (a mean has no interval): "0 higher, 0 lower" would read as every force similar
    none = not set(compared) - {"not_compared"}
    cols[2].metric(f"Forces {above} than E&W", "–" if none else f"{compared.get(above, 0)}")
    cols[3].metric(f"Forces {below} than E&W", "–" if none else f"{compared.get(below, 0)}")
    if none:
        notes = benchmarks.force_rows(rows)["comparison_note"].drop_nulls().mode().sort()
        cols[2].caption("No force is compared with E&W" + (f": {notes[0]}" if notes.len() else ""))
    forces = benchmarks.force_rows(rows)
    valued = forces.filter(pl.col("value").is_not_null()).height
    # the forces the measure expects (British Transport Police has no resident population), else every force listed
    expected = national["forces_expected"][0] if national.height and national["forces_expected"][0] else forces.height
    cols[3].caption(f"Of {expected} forces, {valued} with a published value for {period_words}")
    if not valued and national.height and national["completeness_note"][0]:
        st.info(f"No force has a published value for {period_words}: {national['completeness_note'][0]}.")


def _funnel(rows: pl.DataFrame, measure: dict, period_words: str, focus: str | None, peers: list[str],
            file_name: str, focus_name: str = "") -> bool:  # fmt: skip
    """The funnel plot and its note, and why the chosen force is not in it though it has a value; False (and the
    reason) when the measure or period has no funnel."""
    curve = benchmarks.funnel_curve(rows, measure["method"], measure["multiplier"])
    points = benchmarks.funnel_points(rows, focus, peers)
    if curve is None or points.height < 2:
        st.info(benchmarks.funnel_note(rows))
        return False
    ui.chart(
        charts.funnel_chart(points, curve, points["Target"][0],
                            "Denominator: " + fmt.gist(measure["denominator_definition"]), measure["unit"]),
        points,
        f"Funnel plot of {measure['measure_name']} by force, {period_words}, against the denominator; the figures "
        "are in the table below the chart.",
        file_name,
    )  # fmt: skip
    st.caption(
        "Each point is a force: its value against its denominator. The solid line is the pooled value of the forces "
        "in the funnel; dashed curves are 95% limits and solid curves 99.8% limits. "
        + benchmarks.funnel_note(rows)
        + " 'Outlier' is said only beyond 99.8%; 95% is an alert. Every force's figures, ranked, are in the "
        f"next tab, '{CHARTS[1]}'."
    )
    if focus and (why := benchmarks.focus_off_funnel(rows, focus)):
        st.info(f"{focus_name} is not in the funnel: {why}. Its value and interval are in '{CHARTS[1]}'.")
    return True


def _spc(snapshot: data.Snapshot, measure: dict, forces: pl.DataFrame, focus_code: str | None) -> None:
    """The SPC chart of the measure for England and Wales, a region or the chosen force (its own address choice)."""
    if measure["frequency"] != "month":
        st.info(f"{measure['measure_name']} is published by financial year: SPC charts are drawn for monthly measures.")
        return
    regions = forces.filter(pl.col("region_code").is_not_null()).select("region_code", "region_name").unique()
    areas = {benchmarks.NATIONAL: "England and Wales", **dict(regions.sort("region_name").iter_rows())}
    if focus_code:
        areas[focus_code] = benchmarks.force_names(forces)[focus_code]
    area = state.choose("Series", list(areas), benchmarks.SPC_AREA_PARAM, fmt=areas.get,
                        default=focus_code or benchmarks.NATIONAL)  # fmt: skip
    series = data.spc(snapshot.conn, snapshot.key, measure["measure_id"], area)
    ui.spc(series, measure["unit"], measure["measure_name"], areas[area], f"spc_{measure['measure_id']}_{area}.csv")


def _ranked_table(rows: pl.DataFrame, measure: dict, measure_id: str, period: str, period_words: str,
                  comparator: str, focus: str | None, peers: list[str]) -> None:  # fmt: skip
    """Every force ranked: value, interval, numerator and denominator, comparison, funnel position and change."""
    st.subheader("Every force, ranked")
    table = benchmarks.ranked_table(rows, comparator, focus, peers)
    compared_column = f"Compared with {benchmarks.COMPARATOR_WORDS[comparator]}"
    ui.table(
        table,
        f"benchmark_{measure_id}_{period}_{comparator}.csv",
        "Download the force table (CSV)",
        height=ui.rows_height(table.height),
        alt_text=f"{measure['measure_name']} by force, {period_words}",
        palettes={compared_column: benchmarks.compared_symbols(), "Funnel": FUNNEL},
        column_config={
            "Numerator": st.column_config.TextColumn(help="As published: rounded to 5 below national level; * = 1-7."),
            "Change": st.column_config.TextColumn(help="On the previous period, with its own 95% test."),
        },
    )


def main() -> None:
    st.title("Benchmark explorer")
    st.caption("Any measure and period: every force with its interval, in a funnel plot and ranked.")
    try:
        snapshot = data.open_snapshot()
        measures = data.not_empty(data.measures(snapshot.conn, snapshot.key), "benchmark measures")
        forces = data.forces(snapshot.conn, snapshot.key)
        names = dict(measures.select("measure_id", "measure_name").iter_rows())
        top = st.columns([3, 2])
        measure_id = state.choose("Measure", list(names), state.MEASURE, fmt=names.get, column=top[0])
        measure = measures.filter(pl.col("measure_id") == measure_id).row(0, named=True)
        periods = data.benchmark_periods(snapshot.conn, snapshot.key, measure_id)
        if not periods:
            raise data.EmptyTable(f"figures for {measure['measure_name']}")
        period_type = "month" if measure["frequency"] == "month" else "financial_year"
        period = state.choose("Period", periods, state.PERIOD, fmt=lambda p: fmt.period_long(p, period_type),
                              column=top[1])  # fmt: skip
        row2 = st.columns([3, 2])
        focus = state.choose_force(forces, national=benchmarks.NATIONAL, label="Highlight a force", column=row2[0],
                                   default=benchmarks.NATIONAL)  # fmt: skip
        comparator = state.choose_comparator(column=row2[1])
        rows = data.not_empty(data.benchmark(snapshot.conn, snapshot.key, measure_id, period), "figures")
        peers = data.peer_group(snapshot.conn, snapshot.key, focus)["peer_force_code"].to_list()
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    focus_code = None if focus == benchmarks.NATIONAL else focus
    period_words = fmt.period_long(period, period_type)
    _headline(rows, measure, period_words)
    name = benchmarks.force_names(forces).get(focus_code, "")
    if focus_code and (why := benchmarks.focus_not_drawn(rows, focus_code)):
        st.info(f"{name} is not drawn for {period_words}: {why}.")
    st.caption(benchmarks.method_note(measure, rows))

    chart, tab = ui.open_tab(CHARTS)
    with tab:
        if chart == CHARTS[2]:
            drawn = True
            _spc(snapshot, measure, forces, focus_code)
        elif chart == CHARTS[0]:
            drawn = _funnel(rows, measure, period_words, focus_code, peers, f"funnel_{measure_id}_{period}.csv", name)
        else:
            drawn = ui.ranked(rows, measure, period_words, f"ranked_{measure_id}_{period}.csv", comparator,
                              focus_code, peers)  # fmt: skip
        if chart == CHARTS[1] or not drawn:  # one chart per first view (docs/app.md, "Speed")
            _ranked_table(rows, measure, measure_id, period, period_words, comparator, focus_code, peers)
    if focus_code:
        st.page_link(
            links.page_file(links.FORCE_PROFILE),
            label="Open the force profile",
            icon=":material/local_police:",
            query_params=state.link_params(),
        )
    ui.footnotes(
        [
            "**Funnel plot.** Limits around the pooled value of the forces whose submissions are complete: exact "
            "Poisson or Byar's for rates, the arcsine method for proportions; widened by the between-force variance "
            "τ² when the forces are overdispersed (φ > 1), as FunnelPlotR does. Means and ratios have no funnel.",
            "**Intervals and comparisons.** 95% and 99.8% confidence intervals of each value; a force is higher or "
            "lower than a comparator when its 95% interval excludes the comparator's value. The peer group value "
            "pools the peers' counts; regions pool their forces.",
            "**Disclosure control.** Values resting on 1 to 7 people are withheld with their interval, funnel "
            "position, rank and change; counts below national level are rounded to 5. Only published values show."
            if measure.get("disclosure_rule") == "person_level"
            else "**Disclosure control.** None: the figures are another body's, as it published them.",
        ],
        pub,
    )


main()
