"""ADR-125 return reconciliation: the annual s136 return built from our records against the Home Office figures.

Reads `mart_adr125_return_national` (E&W per item), `mart_adr125_return` (force × item) and `publication`.
Force counts from our records are disclosure-controlled in the mart (0 stays 0, 1–7 suppressed, else rounded
to 5; the difference too); the published counts are the Home Office's public figures.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import data, state, ui
from apps import format as fmt

YEAR_PARAM = "fy"
STATUS_WORDS = {
    "match": "Match",
    "differs": "Differs",
    "record_only": "Records only",
    "published_only": "Published only",
}


def item_label(frame: pl.DataFrame) -> pl.Expr:
    return pl.format("{}: {}", pl.col("measure_label"), pl.col("category_label"))


def national_table(national: pl.DataFrame) -> pl.DataFrame:
    return national.sort("item_order").select(
        item_label(national).alias("Item"),
        pl.col("record_count").cast(pl.Int64).alias("Records (E&W)"),
        pl.col("published_count").cast(pl.Int64).alias("Published (E&W)"),
        pl.col("difference").cast(pl.Int64).alias("Difference"),
        pl.col("status").replace_strict(STATUS_WORDS, default=pl.col("status")).alias("Status"),
        pl.col("forces_match").cast(pl.Int64).alias("Forces matching"),
        pl.col("forces_differ").cast(pl.Int64).alias("Forces differing"),
        pl.col("forces_record_only").cast(pl.Int64).alias("Records only"),
        pl.col("forces_published_only").cast(pl.Int64).alias("Published only"),
        pl.col("published_release").alias("Release"),
    )


def force_table(forces: pl.DataFrame) -> pl.DataFrame:
    """Force items that do not match, with suppressed counts as '*'."""
    rows = []
    for r in forces.filter(pl.col("status") != "match").sort("force_name", "item_order").iter_rows(named=True):
        rows.append(
            {
                "Force": r["force_name"],
                "Item": f"{r['measure_label']}: {r['category_label']}",
                "Status": STATUS_WORDS.get(r["status"], r["status"]),
                "Records": fmt.count(r["record_count"], r["record_count_sdc_flag"]),
                "Published": "–" if fmt.missing(r["published_count"]) else f"{int(r['published_count']):,}",
                "Difference": fmt.count(r["difference"], r["difference_sdc_flag"]),
                "Release": r["published_release"] or "–",
                "Revised since first release": "Yes" if r["is_revised_since_first"] else "",
            }
        )
    columns = [
        "Force",
        "Item",
        "Status",
        "Records",
        "Published",
        "Difference",
        "Release",
        "Revised since first release",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def main() -> None:
    st.title("ADR-125 return reconciliation")
    st.caption(
        "The Home Office annual s136 return (Annual Data Requirement 125) built from the warehouse records, item by "
        "item, against the figures the Home Office published."
    )
    try:
        snapshot = data.open_snapshot()
        years = data.adr125_years(snapshot.conn, snapshot.key)
        if not years:
            raise data.EmptyTable("ADR-125 reconciliation figures")
        fy = state.choose("Financial year", years, YEAR_PARAM, fmt=fmt.fy_long, column=st.columns([1, 2])[0])
        national = data.adr125_national(snapshot.conn, snapshot.key, fy)
        forces = data.adr125_forces(snapshot.conn, snapshot.key, fy)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    counts = {row["status"]: row["len"] for row in forces.group_by("status").len().iter_rows(named=True)}
    cols = st.columns(4)
    for col, status in zip(cols, STATUS_WORDS, strict=True):
        col.metric(f"Force items: {STATUS_WORDS[status].lower()}", f"{counts.get(status, 0):,}")
    total = sum(counts.values())
    st.markdown(
        f"In {fmt.fy_long(fy)}, **{counts.get('match', 0):,}** of {total:,} force items match the published figures "
        f"exactly; **{total - counts.get('match', 0):,}** do not."
    )

    st.subheader("England and Wales, by item")
    ui.table(
        national_table(national),
        f"adr125_national_{fy}.csv",
        "Download the national table (CSV)",
        column_config={
            "Difference": st.column_config.NumberColumn(help="Records minus published."),
            "Records (E&W)": st.column_config.NumberColumn(format="localized"),
            "Published (E&W)": st.column_config.NumberColumn(format="localized"),
        },
    )

    st.subheader("Force items that do not match")
    table = force_table(forces)
    if table.is_empty():
        st.success(f"Every force item matches the published figures in {fy}.")
    else:
        statuses = ["All"] + [STATUS_WORDS[s] for s in STATUS_WORDS if s != "match" and counts.get(s)]
        chosen = state.choose("Status", statuses, "status", column=st.columns([1, 2])[0])
        shown = table if chosen == "All" else table.filter(pl.col("Status") == chosen)
        ui.table(
            shown,
            f"adr125_force_items_not_matching_{fy}.csv",
            "Download the force items shown (CSV)",
            height=ui.rows_height(shown.height, 900),
            column_config={
                "Records": st.column_config.TextColumn(
                    help="From the warehouse records: rounded to the nearest 5; * = 1 to 7 (suppressed)."
                ),
                "Difference": st.column_config.TextColumn(
                    help="Records minus published, disclosure-controlled like the records; * = 1 to 7."
                ),
            },
        )
        st.caption(f"{shown.height:,} force items shown.")

    ui.footnotes(
        [
            "**Status** is decided on the exact counts: *match*; *differs* (both exist and are not equal); "
            "*records only* (our records give a figure, the Home Office published none); *published only* (the "
            "Home Office published a figure, we hold no records for that force-year).",
            "**Disclosure control.** Force counts from our records and their differences are rounded to the nearest "
            "5 and counts of 1 to 7 are shown as `*`, so a small difference can show as `*` or 0. Published counts "
            "are the Home Office's public figures; national figures are exact.",
            "**Source.** Warehouse s136 records against the Home Office police powers and procedures tables "
            "(release named in the table).",
        ],
        pub,
    )


main()
