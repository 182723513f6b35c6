"""Learning: deaths during or following police contact, coroners' reports and inspection recommendations.

Three sections, each independent (a missing table blanks only its own section): IOPC deaths during or following
police contact (mart_iopc_deaths_national, mart_iopc_deaths; latest edition), coroners' prevention of future deaths
reports (mart_coroner_pfd_learning: public documents, linked, no names repeated) and inspection recommendations and
areas for improvement with their tracked status (mart_inspection_force_summary, mart_inspection_recommendations). All
are published figures or public documents; no person-level rows are read.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import charts, data, state, ui

IOPC_CATEGORIES = {
    "custody": "Deaths in or following police custody",
    "road_traffic": "Road traffic fatalities",
    "fatal_shooting": "Fatal shootings",
    "suicide_post_custody": "Apparent suicides following police custody",
    "other_contact_independent": "Other deaths following police contact (independently investigated)",
}


# --- IOPC deaths ------------------------------------------------------------------------------------------


def iopc_section(snapshot: data.Snapshot) -> None:
    national = data.iopc_national(snapshot.conn, snapshot.key)
    if national.is_empty():
        raise data.EmptyTable("IOPC deaths figures", data.PUBLIC_DATA_HINT)
    edition = national["edition"][0]
    st.subheader(f"Deaths during or following police contact (IOPC, {edition} edition)")
    custody = national.filter(pl.col("iopc_category") == "custody").select(
        pl.col("fy_label").alias("Year"), pl.col("deaths").cast(pl.Float64).alias("Deaths in custody")
    )
    if custody.height:
        ui.chart(
            charts.bar_chart(custody, "Year", "Deaths in custody", "Deaths in or following police custody"),
            custody,
            "Deaths in or following police custody by financial year (England and Wales); the figures are in the "
            "table below the chart.",
            f"iopc_deaths_in_custody_{edition}.csv",
        )
    years = sorted(national["fy_label"].unique().to_list(), reverse=True)
    fy = state.choose("Year for the force table", years, "iopc_fy", column=st.columns([1, 2])[0])
    by_year = national.filter(pl.col("fy_label") == fy)
    totals = {r["iopc_category"]: r["deaths"] for r in by_year.iter_rows(named=True)}
    st.markdown(
        f"In {fy}: "
        + "; ".join(
            f"{IOPC_CATEGORIES.get(c, c).lower()} **{int(totals[c]):,}**" for c in IOPC_CATEGORIES if c in totals
        )
        + "."
    )
    forces = data.iopc_forces(snapshot.conn, snapshot.key, fy)
    if forces.is_empty():
        st.info(f"No force-level IOPC figures for {fy}.")
        return
    present = [c for c in IOPC_CATEGORIES if c in set(forces["iopc_category"].to_list())]
    wide = (
        forces.with_columns(pl.col("deaths").cast(pl.Int64))
        .pivot(on="iopc_category", index=["entity_name", "region_name", "entity_type"], values="deaths")
        .with_columns(pl.sum_horizontal(present).alias("All deaths"))
        .sort(["All deaths", "entity_name"], descending=[True, False])
        .select(
            pl.col("entity_name").alias("Force or body"),
            pl.col("region_name").fill_null("–").alias("Region"),
            pl.col("entity_type")
            .replace_strict(
                {"force": "Force", "multi_force": "More than one force", "non_territorial_body": "Other body"},
                default=pl.col("entity_type"),
            )
            .alias("Type"),
            "All deaths",
            *[pl.col(c).alias(IOPC_CATEGORIES[c]) for c in present],
        )
    )
    ui.table(wide, f"iopc_deaths_by_force_{fy}.csv", "Download the IOPC force table (CSV)")
    # each category's own check: one that does not add up (a death attributed to two forces) is named, never hidden
    # behind another category's 'add up'
    checked = by_year.filter(pl.col("reconciliation_note").is_not_null() & pl.col("iopc_category").is_in(present))
    differ = checked.filter(~pl.col("deaths_by_force_reconciles").fill_null(False))
    named = [
        f"{IOPC_CATEGORIES[c]}: {note}" for c, note in differ.select("iopc_category", "reconciliation_note").rows()
    ]
    if differ.is_empty() and checked.height:
        st.caption("Check: by-force rows add up to the national count in every category.")
    elif named:
        others = (
            " The other categories' by-force rows add up to the national count." if checked.height > len(named) else ""
        )
        st.caption(f"Check: {'; '.join(named)}.{others}")


# --- coroners ---------------------------------------------------------------------------------------------


def coroners_section(snapshot: data.Snapshot) -> None:
    frame = data.coroner_reports(snapshot.conn, snapshot.key)
    if frame.is_empty():
        raise data.EmptyTable("coroners' prevention of future deaths reports", data.PUBLIC_DATA_HINT)
    st.subheader("Coroners' prevention of future deaths reports")
    cols = st.columns([1, 1, 1])
    kinds = {"financial_year": "Financial year", "calendar_year": "Calendar year"}
    available = [k for k in kinds if k in set(frame["period_type"].to_list())]
    kind = state.choose("Period", available, "pfd_period", fmt=kinds.get, column=cols[0])
    frame = frame.filter(pl.col("period_type") == kind)
    periods = ["All years"] + sorted(frame["period_label"].unique().to_list(), reverse=True)
    period = state.choose("Year", periods, "pfd_year", column=cols[1])
    if period != "All years":
        frame = frame.filter(pl.col("period_label") == period)
    table = frame.sort(["period_label", "reports"], descending=[True, True]).select(
        pl.col("coroner_area").alias("Coroner area"),
        pl.col("period_label").alias("Year"),
        pl.col("reports").alias("Reports"),
        pl.col("report_urls").str.split(" | ").list.last().alias("Latest report"),
        pl.col("sent_to_police").alias("Sent to police"),
        pl.col("text_mentions_police").alias("Mention police"),
        pl.col("mentions_s136_or_place_of_safety").alias("Mention s136 / place of safety"),
        pl.col("mental_health_category").alias("Reports in the mental health category"),
        pl.col("report_refs").alias("References"),
    )
    ui.table(
        table,
        f"coroner_pfd_learning_{kind}_{period}.csv",
        "Download the coroners' table (CSV)",
        column_config={
            "Latest report": st.column_config.LinkColumn(
                display_text="Open on judiciary.uk", help="The most recent report in the row."
            ),
            "References": st.column_config.TextColumn(help="Judiciary references, oldest first."),
        },
    )
    st.caption(f"{int(table['Reports'].sum()):,} reports in {table.height:,} rows.")


# --- inspections ------------------------------------------------------------------------------------------

# the latest statuses of mart_inspection_force_summary, which add up to its items (recommendations and AFIs)
STATUS_COUNTS = {
    "Open": "n_open",
    "In progress": "n_in_progress",
    "Complete": "n_complete",
    "Superseded": "n_superseded",
}


def inspections_section(snapshot: data.Snapshot) -> None:
    summary = data.inspection_summary(snapshot.conn, snapshot.key)
    if summary.is_empty():
        raise data.EmptyTable("inspection recommendations")
    period = summary["latest_snapshot_period"].drop_nulls()
    st.subheader("Inspection recommendations and areas for improvement")
    cols = st.columns(5)
    for col, (label, column) in zip(cols[:4], STATUS_COUNTS.items(), strict=True):
        col.metric(label, f"{int(summary[column].sum()):,}")
    oldest = summary["oldest_outstanding_age_days"].max()
    cols[4].metric(
        "Oldest outstanding item (days)",
        "–" if oldest is None else f"{int(oldest):,}",
        help="Open or in progress: days from the report's publication to its latest status assessment.",
    )
    if period.len():
        st.caption(f"Status as at the {period[0]} tracker snapshot.")
    table = summary.sort("n_open", "oldest_outstanding_age_days", descending=True, nulls_last=True).select(
        pl.col("force_name").alias("Force"),
        pl.col("recommendations").alias("Recommendations"),
        pl.col("afis").alias("AFIs"),
        *[pl.col(column).alias(label) for label, column in STATUS_COUNTS.items()],
        pl.col("oldest_outstanding_age_days").alias("Oldest outstanding (days)"),
        pl.col("causes_of_concern_outstanding").alias("Causes of concern outstanding"),
        pl.col("latest_peel_grade").str.replace_all("_", " ").alias("Latest PEEL grade"),
    )
    ui.table(table, "inspection_force_summary.csv", "Download the inspection summary (CSV)")
    st.caption(
        "Each recommendation and AFI is counted once, by its latest status in the tracker: open, in progress, complete "
        "and superseded add up to the recommendations and AFIs of the row. Oldest outstanding: the oldest item open "
        "or in progress, in days from the report's publication to its latest status assessment."
    )

    items = data.inspection_open_items(snapshot.conn, snapshot.key)
    st.markdown("**Open recommendations**")
    if items.is_empty():
        st.info("No recommendation or area for improvement is open.")
        return
    objectives = (
        items.select("npcc_objective", "npcc_objective_label").unique().sort("npcc_objective").iter_rows(named=True)
    )
    labels = ["All objectives"] + [f"{o['npcc_objective']}. {o['npcc_objective_label']}" for o in objectives]
    chosen = state.choose("NPCC objective", labels, "objective", column=st.columns([1, 2])[0])
    if chosen != "All objectives":
        items = items.filter(pl.col("npcc_objective") == int(chosen.split(".")[0]))
    shown = items.select(
        pl.col("force_name").alias("Force"),
        pl.col("npcc_objective_label").alias("NPCC objective"),
        pl.col("age_days").alias("Open for (days)"),
        pl.col("finding_type").alias("Type"),
        pl.col("finding_text").alias("Finding"),
        pl.col("first_published").alias("Published"),
        pl.col("report_title").alias("Report"),
    )
    ui.table(
        shown,
        "inspection_open_recommendations.csv",
        "Download the open recommendations (CSV)",
        column_config={
            "Finding": st.column_config.TextColumn(width="large"),
            "Published": st.column_config.DateColumn(format="D MMM YYYY"),
        },
    )
    st.caption(f"{shown.height:,} open items shown.")


SECTIONS = {
    "Deaths (IOPC)": iopc_section,
    "Coroners' reports": coroners_section,
    "Inspections": inspections_section,
}  # tabs (ui.open_tab)


def main() -> None:
    st.title("Learning: deaths, coroners and inspections")
    st.caption(
        "What independent bodies have found: deaths during or following police contact (IOPC), coroners' reports to "
        "prevent future deaths, and inspection recommendations with how far forces have acted on them."
    )
    try:
        snapshot = data.open_snapshot()
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    section, tab = ui.open_tab(list(SECTIONS))
    with tab:
        ui.section(SECTIONS[section], snapshot)
    ui.footnotes(
        [
            "**IOPC.** Deaths during or following police contact, England and Wales, latest annual edition; counts as "
            "published (category definitions per the IOPC). Force rows include bodies other than territorial forces "
            "and deaths involving more than one force. Each category is its own IOPC table, and each table lists its "
            "own forces and bodies: a dash in the force table means that category's table does not list the force or "
            "body, a 0 that it lists it with no deaths.",
            "**Coroners.** Prevention of future deaths reports from judiciary.uk, counted by coroner area and year; "
            "'mention police' and 's136' come from a text search of the reports. The reports are linked; the names "
            "of the deceased are not repeated here. Which reports are here is a keyword selection (police and mental "
            "health) of the reports as collected, so a year counts what the search found, not every relevant report: "
            "the last year runs only to the collection date, and the text of older reports is less complete, so "
            "the counts by year are not a trend.",
            "**Inspections.** HMICFRS recommendations and areas for improvement with their latest tracked status and "
            "age; mapped to the NPCC mental-health strategy objectives.",
        ],
        data.publication(snapshot.conn, snapshot.key),
    )


main()
