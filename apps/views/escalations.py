"""Escalations: the signals to act on, new, continuing and resolved, by level, region and measure.

Each item is a signal the marts found in the latest period (a special cause in an SPC chart, or a force beyond a
funnel limit) turned into an item by the escalation rule (seeds/ref_escalation_rule.csv; docs/methods.md): its level
(local, regional, national), the signal in words, since when, and a link to the force profile (or to the measure for
a region or England and Wales). Reads mart_escalations and publication.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import benchmarks, data, state, ui

LEVEL_PARAM, STATUS_PARAM, REGION_PARAM = "level", "status", "region"
ESCALATED_TO = (
    "Who the escalation rule raises the item to: local (the force), regional (the region's lead) or national. "
    "Not the area's own level: a force's item can be escalated regionally."
)
ALL = "all"


def main() -> None:
    st.title("Escalations")
    st.caption(
        "Signals in the latest period that the escalation rule raises: new since the last refresh, continuing, or "
        "resolved. Choose an item's link to see the force and the measure behind it."
    )
    try:
        snapshot = data.open_snapshot()
        items = data.escalations(snapshot.conn, snapshot.key)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    if items.is_empty():
        st.success("No escalation: no signal in the latest period meets the escalation rule.")
        return

    cols = st.columns(4)
    for col, status in zip(cols, ("new", "continuing", "resolved"), strict=False):
        col.metric(benchmarks.STATUS[status], f"{items.filter(pl.col('status') == status).height}")
    cols[3].metric("Escalated nationally", f"{items.filter(pl.col('escalation_level') == 'national').height}")

    f = st.columns(4)
    level = state.choose("Escalated to", [ALL, *benchmarks.LEVELS], LEVEL_PARAM, column=f[0], help=ESCALATED_TO,
                         fmt=lambda v: "Every level" if v == ALL else benchmarks.LEVELS[v])  # fmt: skip
    status = state.choose("Status", [ALL, *benchmarks.STATUS], STATUS_PARAM, column=f[1],
                          fmt=lambda v: "Every status" if v == ALL else benchmarks.STATUS[v])  # fmt: skip
    regions = sorted(r for r in items["region_name"].unique().to_list() if r)
    region = state.choose("Region", [ALL, *regions], REGION_PARAM, column=f[2],
                          fmt=lambda v: "Every region" if v == ALL else v)  # fmt: skip
    names = dict(items.select("measure_id", "measure_name").unique().sort("measure_name").iter_rows())
    measure = state.choose("Measure", [ALL, *names], state.MEASURE, column=f[3],
                           fmt=lambda v: "Every measure" if v == ALL else names[v])  # fmt: skip

    shown = items
    for column, value in (("escalation_level", level), ("status", status), ("region_name", region),
                          ("measure_id", measure)):  # fmt: skip
        if value != ALL:
            shown = shown.filter(pl.col(column) == value)
    st.subheader(f"{shown.height} item(s)")
    if shown.is_empty():
        st.info("No item matches these choices.")
    else:
        frame = benchmarks.escalation_frame(shown)
        ui.table(
            frame,
            "escalations.csv",
            "Download these items (CSV)",
            height=ui.rows_height(frame.height),
            column_config={
                "Escalated to": st.column_config.TextColumn(help=ESCALATED_TO),
                "Signal": st.column_config.TextColumn(width="large"),
                "Open": st.column_config.LinkColumn(display_text="Open ›", help="The force profile, or the measure"),
            },
        )
    by_level = items.group_by("escalation_level", "status").len().sort("escalation_level", "status")
    with st.expander("Items by level and status"):
        ui.table(
            by_level.select(
                pl.col("escalation_level").replace_strict(benchmarks.LEVELS).alias("Escalated to"),
                pl.col("status").replace_strict(benchmarks.STATUS).alias("Status"),
                pl.col("len").alias("Items"),
            ),
            "escalations_by_level.csv",
        )
    ui.footnotes(
        [
            "**The rule** (a table of the warehouse, seeds/ref_escalation_rule.csv): a special cause in the direction "
            "of concern in a force's latest SPC point is local, held for six points it is regional; a force beyond "
            "the 99.8% funnel limit on the side of concern is regional, three periods running national; beyond the 95% "
            "limit two periods running, local; a special cause in a region's series is regional, in England and "
            "Wales' national. A measure with no agreed good "
            "direction escalates by the same rules for a special cause or a funnel signal on either side, marked as "
            "such.",
            "**Status** is carried from refresh to refresh: new (first seen, or back after being resolved), "
            "continuing (still there in a later period), resolved (gone at the latest period).",
        ],
        pub,
    )


main()
