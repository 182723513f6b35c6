"""What changed since the last publication: the revisions report of the current serving snapshot.

Reads `mart_revisions` (one row per published value the snapshot changed against the one before it, or per row,
column or table added or removed, with the cause where it is known) and `publication`. Every value shown was
already published, disclosure controlled, in one of the two snapshots (docs/operations.md, Revisions).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import data, state, ui

CHANGE_LABELS = {
    "revised": "Value revised",
    "added": "Row added",
    "removed": "Row removed",
    "column_added": "Column added",
    "column_removed": "Column removed",
    "table_added": "Table added",
    "table_removed": "Table removed",
}
CAUSES = {
    "corrected_delivery": "a corrected file for that force and period (or edition) replaced the earlier one",
    "late_delivery": "a further file arrived for that force and period after it was first published",
    "new_delivery": "the first delivery for that force and period added the row, or added its month to the year",
    "series_recalculated": "a month delivered for that force changed a statistic drawn from its whole series (SPC "
    "limits while they are trial limits, points in a run, the latest point)",
    "comparators_recalculated": "a delivery of another force for that period moved what the force is compared with "
    "(England and Wales, region and peer values, funnel limits, rank)",
    "new_edition": "a new edition of a national publication the table is built from was loaded",
    "withdrawn_delivery": "a file for that force and period (or edition) was withdrawn, its rows taken out",
    "method_change": "the code that builds the table changed (models, reference data or statistical methods)",
    "not known": "none of the above was found: for example a change upstream of several sources",
}

st.title("What changed since the last publication")
try:
    snapshot = data.open_snapshot()
    summary = data.revisions_summary(snapshot.conn, snapshot.key)
except data.SnapshotUnavailable as exc:
    ui.show_unavailable(exc)
    st.stop()

pub = data.publication(snapshot.conn, snapshot.key)
previous = pub.get("previous_snapshot")
if not previous:
    st.info("This is the first publication: there is no earlier snapshot to compare it with.")
    st.stop()
st.markdown(f"Snapshot `{pub.get('snapshot_id')}` compared with the previous publication, `{previous}`.")
if summary.is_empty():
    st.success("No published value changed since the last publication.")
    st.stop()

counts = {kind: int(summary.filter(summary["change_type"] == kind)["changes"].sum()) for kind in CHANGE_LABELS}
cols = st.columns(4)
cols[0].metric("Values revised", f"{counts['revised']:,}")
cols[1].metric("Rows added", f"{counts['added']:,}")
cols[2].metric("Rows removed", f"{counts['removed']:,}")
cols[3].metric("Tables changed", f"{summary['table_name'].n_unique():,}")

st.subheader("By table and cause")
ui.table(
    summary.with_columns(pl.col("change_type").replace(CHANGE_LABELS)).rename(
        {"table_name": "Table", "change_type": "Change", "cause": "Cause", "changes": "Changes"}
    ),
    f"revisions_summary_{pub.get('snapshot_id')}.csv",
    "Download the summary (CSV)",
)

tables = summary["table_name"].unique(maintain_order=True).to_list()
table = state.choose("Table", tables, "table")
detail = data.revisions_of(snapshot.conn, snapshot.key, table)
st.subheader(f"Changes to {table}")
ui.table(
    detail.rename(
        {
            "change_type": "Change",
            "measure": "Measure",
            "force_code": "Force",
            "period": "Period",
            "row_key": "Row",
            "old_value": "Previously published",
            "new_value": "Now published",
            "cause": "Cause",
            "cause_detail": "Cause in detail",
        }
    ),
    f"revisions_{table}_{pub.get('snapshot_id')}.csv",
    "Download these changes (CSV)",
)
with st.expander("What the causes mean"):
    for cause, meaning in CAUSES.items():
        st.markdown(f"- **{cause.replace('_', ' ')}**: {meaning}")
ui.footnotes(
    ["Values are compared on each table's grain; a number differing only in its last digits of rounding is not "
     "counted as revised."],
    pub,
)  # fmt: skip
