"""What changed since the last publication: the revisions report of the current serving snapshot.

Reads `mart_revisions` (one row per published value the snapshot changed against the one before it, or per row,
column or table added or removed, with the cause where it is known) and `publication`. Every value shown was
already published, disclosure controlled, in one of the two snapshots (docs/operations.md, Revisions).
"""

from __future__ import annotations

import re

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
# a revised value is a figure (a numeric column) or a note or label (text, a yes/no flag, a date): data.revision_counts
REVISED_LABELS = {"figure": "Figure revised", "note": "Note or label revised"}
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
    return "All causes" if cause == ALL_CAUSES else cause_words(cause)


def cause_words(cause: str | None) -> str:
    """A cause in words (several joined with ', ' stay joined): 'method_change' reads 'method change'."""
    return ", ".join(c.replace("_", " ") for c in (cause or "not known").split(", "))


def detail_words(detail: str | None) -> str | None:
    """`cause_detail` with each cause it names in words ('method_change: model …' reads 'method change: model …')."""
    if detail is None:
        return None

    def words(m: re.Match) -> str:
        return f"{m[1]}{m[2].replace('_', ' ')}: " if m[2] in CAUSES else m[0]

    return re.sub(r"(^|; )([a-z_]+): ", words, detail)


def change_label(change_type: str, value_kind: str | None) -> str:
    if change_type == "revised":
        return REVISED_LABELS.get(value_kind or "", CHANGE_LABELS["revised"])
    return CHANGE_LABELS.get(change_type, change_type.replace("_", " "))


def with_change_words(frame: pl.DataFrame) -> pl.DataFrame:
    """`change_type` and `value_kind` as one label in words, `cause` (and `cause_detail`) in words."""
    words = frame.with_columns(
        pl.struct("change_type", "value_kind")
        .map_elements(lambda r: change_label(r["change_type"], r["value_kind"]), return_dtype=pl.String)
        .alias("change_type"),
        pl.col("cause").map_elements(cause_words, return_dtype=pl.String, skip_nulls=False),
    ).drop("value_kind")
    if "cause_detail" in words.columns:
        words = words.with_columns(pl.col("cause_detail").map_elements(detail_words, return_dtype=pl.String))
    return words


st.title("What changed since the last publication")
try:
    snapshot = data.open_snapshot()
    summary = data.revision_counts(snapshot.conn, snapshot.key)
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
revised = {kind: int(summary.filter(summary["value_kind"] == kind)["changes"].sum()) for kind in REVISED_LABELS}
corrections = sum(
    n for cause, n in zip(summary["cause"], summary["changes"], strict=True) if causes_of(cause) & CORRECTIONS
)
cols = st.columns(6)
cols[0].metric(
    "Figures revised",
    f"{revised['figure']:,}",
    help="Published numbers that changed: counts, rates, limits, ranks (a column of numbers).",
)
cols[1].metric(
    "Notes and labels revised",
    f"{revised['note']:,}",
    help="Published text that changed, not a number: notes, sources, labels, yes/no flags and dates.",
)
cols[2].metric("Rows added", f"{counts['added']:,}")
cols[3].metric("Rows removed", f"{counts['removed']:,}")
cols[4].metric("Tables changed", f"{summary['table_name'].n_unique():,}")
cols[5].metric(
    "Corrections",
    f"{corrections:,}",
    help="Changes whose cause is a corrected delivery, a late delivery or a withdrawn file: figures of the earlier "
    "publication that the data behind them changed, apart from what new months and recalculation bring. "
    "Choose a table and the cause below to list them.",
)

st.subheader("By table and cause")
ui.table(
    with_change_words(summary).rename(
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
detail = data.revision_rows(snapshot.conn, snapshot.key, table, None if cause == ALL_CAUSES else cause)
measure_names = (
    dict(data.measures(snapshot.conn, snapshot.key).select("measure_id", "measure_name").iter_rows())
    if "dim_measure" in data.tables(snapshot.conn, snapshot.key)
    else {}
)
areas = data.area_names(snapshot.conn, snapshot.key)
detail = with_change_words(detail).with_columns(
    pl.col("measure_id").replace_strict(measure_names, default=pl.col("measure_id"), return_dtype=pl.String),
    pl.col("force_code").replace_strict(areas, default=pl.col("force_code"), return_dtype=pl.String),
)
st.subheader(f"Changes to {table}" + ("" if cause == ALL_CAUSES else f": {cause_label(cause)}"))
ui.table(
    detail.rename(
        {
            "change_type": "Change",
            "column_name": "Column",
            "measure_id": "Measure",
            "force_code": "Area",
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
     "counted as revised. A figure is a value in a column of numbers; a note or label is text, a yes/no flag or a "
     "date (a comparison note, a denominator's source). Column names the table's column that changed; Measure, the "
     "measure of the row where the table has one; Area, its force, region or England and Wales by name."],
    pub,
)  # fmt: skip
