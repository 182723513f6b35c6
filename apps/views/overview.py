"""Overview (the landing page): every measure for England and Wales, or for one force, as one table.

Each row: the latest value with its 95% interval, the comparator (England and Wales, the region or the peer group)
and the comparison in Fingertips colours with a symbol and words, the change on the period before, the trend of the
latest periods (a period withheld or not reported is a gap, never dropped), the Making Data Count variation and
assurance icons, and a link to the measure in the Benchmark explorer. A force has a row for every measure England and
Wales has; one it has no figure for says so in the Note. Reads mart_benchmark, mart_spc, mart_escalations,
dim_measure, dim_force (docs/methods.md for every statistic).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import benchmarks, data, links, state, ui

TREND_POINTS = 12


def _summary(
    area: str, name: str, comparator: str, latest: pl.DataFrame, spread: pl.DataFrame, items: pl.DataFrame
) -> None:
    cols = st.columns(4)
    if area == benchmarks.NATIONAL:
        compared = benchmarks.forces_compared(spread)
        cols[0].metric("Measures", f"{latest.height}")
        different = sum(v for k, v in compared.items() if k in ("better", "worse", "higher", "lower"))
        cols[1].metric("Force results different from E&W", f"{different:,}")
        cols[1].caption("Forces whose 95% interval excludes the E&W value, summed over the measures")
    else:
        words = latest.select(
            pl.struct(latest.columns).map_elements(
                lambda r: benchmarks.comparison(r, comparator),
                return_dtype=pl.String,
            )
        ).to_series()
        cols[0].metric("Better", f"{(words == 'better').sum()}")
        cols[1].metric("Worse", f"{(words == 'worse').sum()}")
        cols[2].metric("Higher / lower (no good direction)", f"{words.is_in(['higher', 'lower']).sum()}")
    open_items = items.filter(pl.col("status") != "resolved")
    cols[3].metric("Open escalations", f"{open_items.height}")
    cols[3].caption(f"Signals on the measures of {name}")


def main() -> None:
    st.title("Overview")
    st.caption(
        "Every benchmark measure for England and Wales or one force: the latest value and its interval, how it "
        "compares, what has changed, and the signals to escalate. Choose a row's link to open the measure."
    )
    try:
        snapshot = data.open_snapshot()
        data.not_empty(data.measures(snapshot.conn, snapshot.key), "benchmark measures")
        forces = data.forces(snapshot.conn, snapshot.key)
        cols = st.columns([2, 3])
        area = state.choose_force(forces, national=benchmarks.NATIONAL, label="Area", column=cols[0],
                                  default=benchmarks.NATIONAL)  # fmt: skip
        national = area == benchmarks.NATIONAL
        comparator = state.choose_comparator(column=cols[1], disabled=national)
        national_latest = data.benchmark_latest(snapshot.conn, snapshot.key, benchmarks.NATIONAL)
        latest = data.not_empty(
            benchmarks.with_every_measure(data.benchmark_latest(snapshot.conn, snapshot.key, area), national_latest,
                                          area),
            "benchmark figures",
        )  # fmt: skip
        icons = data.spc_latest(snapshot.conn, snapshot.key, area)
        history = data.benchmark_area(snapshot.conn, snapshot.key, area)
        national_history = data.benchmark_area(snapshot.conn, snapshot.key, benchmarks.NATIONAL)
        spread = data.benchmark_forces_latest(snapshot.conn, snapshot.key)
        items = data.escalations(snapshot.conn, snapshot.key)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    name = "England and Wales" if national else benchmarks.force_names(forces)[area]
    area_items = items.filter(pl.col("geography_code") == area)
    _summary(area, name, comparator, latest, spread, area_items)

    # the trend keeps its gaps: a period withheld or not reported is None, never dropped (Streamlit's chart columns
    # refuse a missing value and smooth their line, so the trend is drawn as text, one block a period)
    periods = benchmarks.trend_periods(history, national_history, dict(latest.select("measure_id", "period")
                                                                        .iter_rows()), TREND_POINTS)  # fmt: skip
    trends = benchmarks.trend_values(history, periods)
    force_param = None if national else area
    link = {
        r["measure_id"]: links.address(links.EXPLORER, measure=r["measure_id"], period=r["period"],
                                       force=force_param, cmp=comparator)
        for r in latest.iter_rows(named=True)
    }  # fmt: skip
    texts = {m: (benchmarks.sparkline(v), benchmarks.trend_text(v, periods[m])) for m, v in trends.items()}
    frame = benchmarks.overview_frame(latest, icons, texts, comparator, link, spread)
    words = "England and Wales" if national else f"{name} compared with {benchmarks.COMPARATOR_WORDS[comparator]}"
    st.subheader(words)
    ui.table(
        frame,
        f"overview_{area}_{comparator}.csv",
        "Download the overview (CSV)",
        column_config={
            "Value": st.column_config.TextColumn(
                width=120, help="The latest published value; 'withheld' says why not (the Note too)."
            ),
            "95% interval": st.column_config.TextColumn(width=140),
            "Comparator": st.column_config.TextColumn(
                help="The comparator's value for the same period (peer group: the peers' counts pooled)."
            ),
            # the measure stays in view while the row scrolls sideways on a laptop screen
            "Measure": st.column_config.TextColumn(width=280, pinned=True),
            "Period": st.column_config.TextColumn(help="A financial year (April to March) or a month."),
            "Compared": st.column_config.TextColumn(
                help="The force's 95% interval against the comparator: better / worse where the measure has an "
                "agreed good direction, higher / lower where it has none; ▲ the force's value is higher, ▼ lower, "
                "● similar, □ not compared. For England and Wales: how many forces differ from it."
            ),
            "Change on previous": st.column_config.TextColumn(
                help="The change on the period before, tested (rate ratio or difference with its 95% interval)."
            ),
            "Trend": st.column_config.TextColumn(
                f"Trend (up to {TREND_POINTS} latest periods; {benchmarks.TREND_GAP} no value)",
                width="small",
                help=f"The latest periods of the measure (up to {TREND_POINTS} months or years, as it is published), "
                "oldest first, one block a period on the row's own scale: the lowest block its lowest value, the full "
                "block its highest (the middle block throughout when all are equal), so small changes look large. "
                f"{benchmarks.TREND_GAP} marks a period withheld or not reported, kept as a gap. Drawn as text, so "
                "nothing is smoothed or joined across a gap; the values are under 'Trend values'.",
            ),
            "Trend values": st.column_config.TextColumn(
                width="small",
                help="The trend's first and last period and its values, oldest first; '–' where a period is "
                "withheld or not reported.",
            ),
            "Variation": st.column_config.TextColumn(help="Making Data Count: the latest SPC point (monthly)."),
            "Assurance": st.column_config.TextColumn(help="Making Data Count: against the target, where set."),
            "Open": st.column_config.LinkColumn("Open", display_text="Explore ›", help="The measure in the explorer"),
            "Note": st.column_config.TextColumn(
                help="Why a force's value is not compared (withheld, a mean, no denominator, incomplete), or what "
                "England and Wales' figure is missing."
            ),
        },
        height=ui.rows_height(frame.height),
        alt_text=f"Every benchmark measure for {name}",
        palettes={"Compared": benchmarks.compared_symbols()},
    )
    if not national:
        st.page_link(
            links.page_file(links.FORCE_PROFILE),
            label=f"Open the force profile of {name}",
            icon=":material/local_police:",
            query_params=state.link_params(force=area),
        )
    if area_items.height:
        open_now = area_items.filter(pl.col("status") != "resolved").height
        with st.expander(f"Escalations on {name}: {open_now} open, {area_items.height - open_now} resolved"):
            ui.table(benchmarks.escalation_frame(area_items), f"escalations_{area}.csv",
                     column_config={"Open": st.column_config.LinkColumn(display_text="Open ›")})  # fmt: skip
    # every filter at 'all': Escalations shares the measure, so without them it opened on the last measure explored
    st.page_link(links.page_file(links.ESCALATIONS), label="Every escalation", icon=":material/priority_high:",
                 query_params=dict.fromkeys(("level", "status", "region", state.MEASURE), "all"))  # fmt: skip
    ui.footnotes(
        [
            "**Comparisons** use the force's 95% confidence interval against the comparator's value (Fingertips). "
            "Each is written in words with a symbol and filled in its colour: green / red (better / worse) where "
            "the measure has an agreed good direction, blues (higher / lower) where it has none, yellow similar; "
            "▲ the force's value is higher than the comparator's, ▼ lower, ● similar, □ not compared (withheld, "
            "no data from the force, incomplete, no interval, or no value for the comparator: the Note says why). "
            "For England and Wales the column counts the forces in each comparison.",
            f"**Trend**: up to the {TREND_POINTS} latest periods of each measure (months or years), oldest first, "
            f"one block a period; {benchmarks.TREND_GAP} is a period withheld or not reported, kept as a gap. "
            "'Trend values' lists them.",
            "**Variation and assurance** icons are the Making Data Count ones from each monthly measure's SPC chart: "
            "the latest point's special cause (or common cause) and, where a target is set, whether the process "
            "limits put it consistently met, consistently missed, or hit and miss.",
            "**Disclosure control.** Values resting on 1 to 7 people are withheld with their interval; counts "
            "below national level are rounded to 5. Only published values are shown.",
        ],
        pub,
    )


main()
