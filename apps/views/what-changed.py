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
# figures changed because the data behind them was corrected, arrived late or was withdrawn: what a reader of the
# earlier publication needs to know, apart from the routine changes that new data and recalculation bring
CORRECTIONS = frozenset({"corrected_delivery", "late_delivery", "withdrawn_delivery"})
ALL_CAUSES = "all"


def causes_of(cause: str) -> set[str]:
    """The causes a revision names (`mart_revisions.cause` joins several with ', ')."""
    return set(cause.split(", "))


def cause_label(cause: str) -> str:
    return "All causes" if cause == ALL_CAUSES else cause.replace("_", " ")


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
corrections = sum(
    n for cause, n in zip(summary["cause"], summary["changes"], strict=True) if causes_of(cause) & CORRECTIONS
)
cols = st.columns(5)
cols[0].metric("Values revised", f"{counts['revised']:,}")
cols[1].metric("Rows added", f"{counts['added']:,}")
cols[2].metric("Rows removed", f"{counts['removed']:,}")
cols[3].metric("Tables changed", f"{summary['table_name'].n_unique():,}")
cols[4].metric(
    "Corrections",
    f"{corrections:,}",
    help="Changes whose cause is a corrected delivery, a late delivery or a withdrawn file: figures of the earlier "
    "publication that the data behind them changed, apart from what new months and recalculation bring. "
    "Choose a table and the cause below to list them.",
)

st.subheader("By table and cause")
ui.table(
    summary.with_columns(pl.col("change_type").replace(CHANGE_LABELS)).rename(
        {"table_name": "Table", "change_type": "Change", "cause": "Cause", "changes": "Changes"}
    ),
    f"revisions_summary_{pub.get('snapshot_id')}.csv",
    "Download the summary (CSV)",
)

tables = summary["table_name"].unique(maintain_order=True).to_list()
left, right = st.columns(2)
table = state.choose("Table", tables, "table", column=left)
present = set().union(*map(causes_of, summary.filter(summary["table_name"] == table)["cause"]))
causes = [c for c in CAUSES if c in present] + sorted(present - CAUSES.keys())  # in the order they are explained
cause = state.choose("Cause", [ALL_CAUSES, *causes], "cause", fmt=cause_label, column=right)
detail = data.revisions_of(snapshot.conn, snapshot.key, table, None if cause == ALL_CAUSES else cause)
st.subheader(f"Changes to {table}" + ("" if cause == ALL_CAUSES else f": {cause_label(cause)}"))
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
    f"revisions_{table}{'' if cause == ALL_CAUSES else '_' + cause}_{pub.get('snapshot_id')}.csv",
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
