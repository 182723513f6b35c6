"""Force profile: one force, every measure against its peer group and England and Wales.

A spine chart in the Fingertips manner (the force against the spread of forces, E&W at the centre, its peer group
marked), the table of comparisons with E&W, the region and the peer group, SPC charts in the Making Data Count style
for its monthly measures (point colours and shapes by point type, process limits, the RCRP go-live marked), and its
open escalations. Reads mart_benchmark, mart_spc, mart_escalations, dim_measure, dim_force, dim_force_peer_group.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import benchmarks, charts, data, state, ui
from apps import format as fmt

SPC_PARAM = "spc"
SECTIONS = ("Every measure", benchmarks.SPC_SECTION, "Open escalations")  # tabs (ui.open_tab)


def spread_of_forces(forces_latest: pl.DataFrame) -> pl.DataFrame:
    """Each measure's lowest, quartiles and highest published value among forces with complete submissions."""
    shown = forces_latest.filter(pl.col("value").is_not_null() & pl.col("is_complete"))
    return (
        shown.group_by("measure_name")
        .agg(
            pl.col("value").min().alias("Lowest"),
            pl.col("value").quantile(0.25, interpolation="linear").alias("Q1"),
            pl.col("value").quantile(0.75, interpolation="linear").alias("Q3"),
            pl.col("value").max().alias("Highest"),
        )
        .rename({"measure_name": "Measure"})
    )


def comparison_table(latest: pl.DataFrame) -> pl.DataFrame:
    out = []
    for r in latest.iter_rows(named=True):
        out.append(
            {
                "Measure": r["measure_name"],
                "Period": fmt.period_long(r["period"], r["period_type"]),
                "Value": benchmarks.value_text(r, 2),
                "95% interval": fmt.interval(r["lcl95"], r["ucl95"], 2),
                "E&W": fmt.num(r["national_value"], 2),
                "vs E&W": benchmarks.compared_label(r, "national"),
                "Region": fmt.num(r["region_value"], 2),
                "vs region": benchmarks.compared_label(r, "region"),
                "Peer group": fmt.num(r["peer_value"], 2),
                "vs peers": benchmarks.compared_label(r, "peers"),
                "Rank (highest first)": "–" if r["value_rank"] is None else f"{r['value_rank']} of {r['ranked_of']}",
                "Change": benchmarks.CHANGE.get(r["change_significance"] or "", ""),
                "Note": benchmarks.note_text(r),
            }
        )
    return pl.DataFrame(out, schema=dict.fromkeys(out[0] if out else ["Measure"], pl.String))


def _peers(peers: pl.DataFrame, name: str) -> None:
    if peers.is_empty():
        st.caption(f"{name} has no peer group (no meaningful resident population to match on).")
        return
    names = ", ".join(peers.sort("peer_rank")["peer_force_name"].to_list())
    st.markdown(f"**Peer group:** {names}.")
    st.caption(peers["peer_group_caveat"][0])


def _spc_section(snapshot: data.Snapshot, monthly: pl.DataFrame, force: str, name: str) -> None:
    st.subheader("Monthly measures: statistical process control")
    icons = data.spc_latest(snapshot.conn, snapshot.key, force)
    if icons.is_empty():
        st.info(f"No monthly series for {name} in this snapshot.")
        return
    summary = icons.join(monthly.select("measure_id", "sort_order"), on="measure_id").sort("sort_order").select(
        pl.col("measure_name").alias("Measure"),
        pl.col("period").map_elements(fmt.month_long, return_dtype=pl.String).alias("Latest month"),
        fmt.rounded_col(pl.col("value"), 2).alias("Latest value"),
        pl.col("variation_type").replace_strict(benchmarks.VARIATION, default="").alias("Variation"),
        pl.col("assurance_type").replace_strict(benchmarks.ASSURANCE, default="").alias("Assurance"),
    )  # fmt: skip
    ui.table(summary, f"spc_summary_{force}.csv", "Download the SPC summary (CSV)")
    with_series = monthly.filter(pl.col("measure_id").is_in(icons["measure_id"].to_list()))
    names = dict(with_series.select("measure_id", "measure_name").iter_rows())
    measure_id = state.choose("Monthly measure", list(names), SPC_PARAM, fmt=names.get,
                              default=state.current(state.MEASURE))  # fmt: skip
    series = data.spc(snapshot.conn, snapshot.key, measure_id, force)
    unit = monthly.filter(pl.col("measure_id") == measure_id)["unit"][0]
    ui.spc(series, unit, names[measure_id], name, f"spc_{measure_id}_{force}.csv")


def _compared(latest: pl.DataFrame, spread: pl.DataFrame, force: str, name: str, comparator: str) -> None:
    st.subheader("Against England and Wales and the spread of forces")
    spine = charts.spine_frame(benchmarks.spine_rows(latest, comparator), spread)
    compared_with = benchmarks.COMPARATOR_WORDS[comparator]
    shown = spine.select("Measure", "Value", "E&W", "Peers", "Compared", "Lowest", "Q1", "Q3", "Highest")
    if spine.is_empty():
        st.info(f"No published value for {name} to place against England and Wales.")
    else:
        ui.chart(
            charts.spine_chart(spine, compared_with),
            shown.rename({"Compared": f"Compared with {compared_with}"}),
            f"Spine chart of {name}'s measures against England and Wales: the centre line is E&W, the grey band "
            f"the middle half of forces, the marker the force, coloured and shaped by its comparison with "
            f"{compared_with}, and the tick its peer group; the values are in the table.",
            f"spine_{force}.csv",
        )
        st.caption(
            "Each row is scaled so that England and Wales sits at the centre; the ends are the furthest forces, with "
            "the better end on the right where the measure has an agreed good direction (else the higher end). The "
            "dark band holds the middle half of forces; the black tick is the peer group's pooled value. The "
            f"marker's colour and shape compare the force with {compared_with} ('Compare with' above)."
        )
    st.subheader("Every measure compared")
    table = comparison_table(latest)
    ui.table(
        table,
        f"force_profile_{force}.csv",
        "Download the comparisons (CSV)",
        height=ui.rows_height(table.height),
        palettes=dict.fromkeys(("vs E&W", "vs region", "vs peers"), benchmarks.compared_symbols()),
    )


def _open_escalations(open_items: pl.DataFrame, force: str, name: str) -> None:
    st.subheader("Open escalations")
    if open_items.is_empty():
        st.success(f"No open escalation for {name}.")
    else:
        ui.table(benchmarks.escalation_frame(open_items), f"escalations_{force}.csv",
                 column_config={"Open": st.column_config.LinkColumn(display_text="Open ›")})  # fmt: skip


def main() -> None:
    st.title("Force profile")
    try:
        snapshot = data.open_snapshot()
        forces = data.forces(snapshot.conn, snapshot.key)
        measures = data.not_empty(data.measures(snapshot.conn, snapshot.key), "benchmark measures")
        cols = st.columns([2, 3])
        with_figures = data.forces_with_figures(snapshot.conn, snapshot.key)
        default = min(with_figures, key=benchmarks.force_names(forces).get, default=None)
        force = state.choose_force(forces, column=cols[0], default=default)
        comparator = state.choose_comparator(column=cols[1])
        latest = data.not_empty(data.benchmark_latest(snapshot.conn, snapshot.key, force), "benchmark figures")
        # every measure England and Wales has keeps its row, as on the Overview: one the force has no figure for
        # says so in its Note instead of leaving the table
        latest = benchmarks.with_every_measure(
            latest, data.benchmark_latest(snapshot.conn, snapshot.key, benchmarks.NATIONAL), force
        )
        spread = spread_of_forces(data.benchmark_forces_latest(snapshot.conn, snapshot.key))
        peers = data.peer_group(snapshot.conn, snapshot.key, force)
        open_items = data.escalations(snapshot.conn, snapshot.key).filter(
            (pl.col("geography_code") == force) & (pl.col("status") != "resolved")
        )
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    row = forces.filter(pl.col("force_code") == force).row(0, named=True)
    name = row["force_name"]
    n_open = open_items.height
    escalated = f"{n_open} open escalation{'' if n_open == 1 else 's'}" if n_open else "no open escalation"
    st.caption(f"{name} — {row['region_name'] or 'no region'}: every measure for its latest period; {escalated}.")
    _peers(peers, name)

    section, tab = ui.open_tab(SECTIONS)
    with tab:
        if section == SECTIONS[0]:
            _compared(latest, spread, force, name, comparator)
        elif section == SECTIONS[1]:
            _spc_section(snapshot, measures.filter(pl.col("frequency") == "month"), force, name)
        else:
            _open_escalations(open_items, force, name)
    ui.footnotes(
        [
            "**Spine chart.** As the Fingertips area profiles: each measure on its own scale, England and Wales at "
            "the centre; forces with incomplete submissions are left out of the spread.",
            "**SPC.** XmR charts as Making Data Count: process limits from the first 12 points of each segment (trial "
            "limits below that); a new segment starts at the force's Right Care, Right Person go-live. Special "
            "causes: a point beyond a limit, 7 points one side of the centre, 7 rising or falling, 2 of 3 near a "
            "limit. Grey common cause, blue improvement, orange concern, purple special cause where the measure has "
            "no good direction.",
            "**Disclosure control.** Points resting on 1 to 7 people are not shown, and a segment whose baseline "
            "has such a point shows no centre or limits.",
        ],
        pub,
    )


main()
