"""Deaths, use of force and inspections: national public sources beside the s136 figures.

Four sections, each independent (a missing table only blanks its own section):
- IOPC deaths during or following police contact (`mart_iopc_deaths_national`, `mart_iopc_deaths`; latest edition);
- Home Office use of force 2019-20: mental-health share of all tactics by force (`mart_use_of_force_mh`);
- inspection recommendations (`mart_inspection_force_summary`, `mart_inspection_recommendations`);
- coroners' prevention of future deaths reports (`mart_coroner_pfd_learning`).
All are published aggregates or public documents; no person-level rows are read.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import polars as pl
import streamlit as st

from apps import common, data

IOPC_CATEGORIES = {
    "custody": "Deaths in or following police custody",
    "road_traffic": "Road traffic fatalities",
    "fatal_shooting": "Fatal shootings",
    "suicide_post_custody": "Apparent suicides following police custody",
    "other_contact_independent": "Other deaths following police contact (independently investigated)",
}
STATUS_WORDS = {"open": "Open", "in_progress": "In progress", "complete": "Complete", "superseded": "Superseded"}
CAUTIONS = {
    "ok": "",
    "condition_not_reported_over_half": "Condition not reported for over half the tactics",
    "no_reported_condition": "No tactic with a reported condition",
    "condition_breakdown_not_published": "Condition breakdown not published",
}


def _section(render: Callable[[data.Snapshot], None], snapshot: data.Snapshot) -> None:
    """Run one section; a missing or empty table shows a message in that section only."""
    try:
        render(snapshot)
    except data.SnapshotUnavailable as exc:
        common.show_unavailable(exc)


# --- IOPC deaths ------------------------------------------------------------------------------------------


def iopc_section(snapshot: data.Snapshot) -> None:
    national = common.query(
        snapshot.conn,
        snapshot.key,
        "select edition, fy_label, iopc_category, deaths, incidents, deaths_by_force_reconciles, "
        "reconciliation_note from mart_iopc_deaths_national where is_latest_edition order by fy_label",
    )
    if national.is_empty():
        raise common.EmptyTable("IOPC deaths figures")
    edition = national["edition"][0]
    st.subheader(f"Deaths during or following police contact (IOPC, {edition} edition)")
    custody = national.filter(pl.col("iopc_category") == "custody").select(
        pl.col("fy_label").alias("Year"), pl.col("deaths").cast(pl.Float64).alias("Deaths in custody")
    )
    if custody.height:
        chart = (
            alt.Chart(custody)
            .mark_bar(color="#1D70B8")
            .encode(
                x=alt.X("Year:N", title="Financial year", axis=alt.Axis(labelAngle=-45)),
                y=alt.Y("Deaths in custody:Q", title="Deaths in or following police custody"),
                tooltip=["Year:N", alt.Tooltip("Deaths in custody:Q", format=",.0f")],
            )
            .properties(height=280)
        )
        labels = chart.mark_text(dy=-6, fontSize=11, color="#0B0C0C").encode(
            text=alt.Text("Deaths in custody:Q", format=".0f")
        )
        st.altair_chart(chart + labels, width="stretch", alt="Deaths in custody by financial year (England and Wales).")
    years = sorted(national["fy_label"].unique().to_list(), reverse=True)
    fy = common.choose("Year for the force table", years, "iopc_fy", column=st.columns([1, 2])[0])
    by_year = national.filter(pl.col("fy_label") == fy)
    totals = {r["iopc_category"]: r["deaths"] for r in by_year.iter_rows(named=True)}
    st.markdown(
        f"In {fy}: "
        + "; ".join(
            f"{IOPC_CATEGORIES.get(c, c).lower()} **{int(totals[c]):,}**" for c in IOPC_CATEGORIES if c in totals
        )
        + "."
    )
    forces = common.query(
        snapshot.conn,
        snapshot.key,
        "select entity_name, region_name, entity_type, iopc_category, deaths from mart_iopc_deaths "
        "where is_latest_edition and fy_label = ?",
        (fy,),
    )
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
    st.dataframe(wide, hide_index=True, width="stretch", placeholder="–")
    common.download(wide, "Download the IOPC force table (CSV)", f"iopc_deaths_by_force_{fy}.csv")
    note = by_year.filter(pl.col("iopc_category") == "custody")
    if note.height and note["reconciliation_note"][0]:
        st.caption(f"Check: {note['reconciliation_note'][0]}.")


# --- use of force -----------------------------------------------------------------------------------------


def use_of_force_section(snapshot: data.Snapshot) -> None:
    frame = common.query(
        snapshot.conn,
        snapshot.key,
        "select edition, fy_label, area_name, is_national, n_mental_health, n_condition_reported, "
        "n_tactic_reported, pct_mental_health, pct_mental_health_lcl95, pct_mental_health_ucl95, "
        "pct_condition_not_reported, share_caution from mart_use_of_force_mh "
        "where tactic_level = 'all_tactics' order by fy_label desc, area_name",
    )
    if frame.is_empty():
        raise common.EmptyTable("use of force figures")
    fy = frame["fy_label"][0]
    frame = frame.filter(pl.col("fy_label") == fy)
    st.subheader(f"Use of force with a mental-health condition, {fy}")
    national = frame.filter(pl.col("is_national"))
    ew = national.row(0, named=True) if national.height else {}
    forces = frame.filter(~pl.col("is_national") & pl.col("pct_mental_health").is_not_null())
    if ew:
        st.markdown(
            f"In England and Wales, **{common.fmt_num(ew.get('pct_mental_health'))}%** of use-of-force tactics "
            f"with a reported condition involved a perceived mental-health condition (95% CI "
            f"{common.fmt_num(ew.get('pct_mental_health_lcl95'))}% to "
            f"{common.fmt_num(ew.get('pct_mental_health_ucl95'))}%)."
        )
    if forces.height:
        points = forces.select(
            pl.col("area_name").alias("Force"),
            pl.col("pct_mental_health").cast(pl.Float64).alias("MH share %"),
            pl.col("pct_mental_health_lcl95").cast(pl.Float64).alias("Lower 95%"),
            pl.col("pct_mental_health_ucl95").cast(pl.Float64).alias("Upper 95%"),
            pl.col("share_caution")
            .replace_strict({"ok": "Most tactics have a reported condition"}, default="Over half not reported")
            .alias("Recording"),
        )
        order = points.sort("MH share %", descending=True)["Force"].to_list()
        y = alt.Y(
            "Force:N", sort=order, title=None, axis=alt.Axis(labelFontSize=11, labelOverlap=False, labelLimit=200)
        )
        errors = alt.Chart(points).mark_rule(color="#505A5F").encode(y=y, x="Lower 95%:Q", x2="Upper 95%:Q")
        dots = (
            alt.Chart(points)
            .mark_point(size=60, filled=True, stroke="#0B0C0C", strokeWidth=0.6)
            .encode(
                y=y,
                x=alt.X("MH share %:Q", title="% of tactics with a reported condition: mental health"),
                color=alt.Color(
                    "Recording:N",
                    scale=alt.Scale(
                        domain=["Most tactics have a reported condition", "Over half not reported"],
                        range=["#1D70B8", "#FFFFFF"],
                    ),
                    legend=alt.Legend(orient="bottom", title=None, labelLimit=0),
                ),
                tooltip=[
                    "Force:N",
                    alt.Tooltip("MH share %:Q", format=".1f"),
                    alt.Tooltip("Lower 95%:Q", format=".1f"),
                    alt.Tooltip("Upper 95%:Q", format=".1f"),
                    "Recording:N",
                ],
            )
        )
        layers = [errors, dots]
        if ew and not common.missing(ew.get("pct_mental_health")):
            rule_data = pl.DataFrame({"x": [float(ew["pct_mental_health"])], "label": ["E&W"]})
            layers.append(
                alt.Chart(rule_data).mark_rule(color="#0B0C0C", strokeDash=[4, 3], strokeWidth=1.5).encode(x="x:Q")
            )
            layers.append(
                alt.Chart(rule_data)
                .mark_text(align="left", dx=4, dy=-4, baseline="bottom", fontSize=12)
                .encode(x="x:Q", y=alt.value(0), text=alt.value(f"E&W {ew['pct_mental_health']:.1f}%"))
            )
        st.altair_chart(
            alt.layer(*layers).properties(height=19 * forces.height + 60),
            width="stretch",
            alt="Dot plot of the mental-health share of tactics by force; the figures are in the table below.",
        )
    st.caption(
        "**Denominator:** tactics where the officer recorded whether the subject had a perceived physical or "
        "mental condition (mental + physical + physical and mental + none). Tactics with the condition 'not "
        "reported' are left out; hollow points mark forces where more than half were not reported, so their share "
        "describes a small and probably unrepresentative subset. Wilson 95% intervals treat each tactic as "
        "independent; tactics cluster within incidents, so the true uncertainty is wider."
    )
    table = frame.sort("pct_mental_health", descending=True, nulls_last=True).select(
        pl.col("area_name").alias("Force"),
        pl.col("n_mental_health").alias("Tactics: mental health"),
        pl.col("n_condition_reported").alias("Tactics with a condition recorded"),
        pl.col("pct_mental_health").round(1).alias("MH share %"),
        pl.format(
            "{} to {}",
            pl.col("pct_mental_health_lcl95").round(1),
            pl.col("pct_mental_health_ucl95").round(1),
        )
        .fill_null("–")
        .alias("95% CI"),
        pl.col("pct_condition_not_reported").round(1).alias("% condition not reported"),
        pl.col("share_caution").replace_strict(CAUTIONS, default=pl.col("share_caution")).alias("Caution"),
    )
    with st.expander("Use of force table"):
        st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
        common.download(table, "Download the use of force table (CSV)", f"use_of_force_mh_share_{fy}.csv")


# --- inspections ------------------------------------------------------------------------------------------


def inspections_section(snapshot: data.Snapshot) -> None:
    summary = common.query(
        snapshot.conn,
        snapshot.key,
        "select * from mart_inspection_force_summary order by is_national, force_name",
    )
    if summary.is_empty():
        raise common.EmptyTable("inspection recommendations")
    period = summary["latest_snapshot_period"].drop_nulls()
    st.subheader("Inspection recommendations and areas for improvement")
    cols = st.columns(4)
    cols[0].metric("Open", f"{int(summary['n_open'].sum()):,}")
    cols[1].metric("In progress", f"{int(summary['n_in_progress'].sum()):,}")
    cols[2].metric("Complete", f"{int(summary['n_complete'].sum()):,}")
    oldest = summary["oldest_open_age_days"].max()
    cols[3].metric("Oldest open item (days)", "–" if oldest is None else f"{int(oldest):,}")
    if period.len():
        st.caption(f"Status as at the {period[0]} tracker snapshot.")
    table = summary.sort("n_open", "oldest_open_age_days", descending=True, nulls_last=True).select(
        pl.col("force_name").alias("Force"),
        pl.col("recommendations").alias("Recommendations"),
        pl.col("afis").alias("AFIs"),
        pl.col("n_open").alias("Open"),
        pl.col("n_in_progress").alias("In progress"),
        pl.col("n_complete").alias("Complete"),
        pl.col("oldest_open_age_days").alias("Oldest open (days)"),
        pl.col("causes_of_concern_outstanding").alias("Causes of concern outstanding"),
        pl.col("latest_peel_grade").str.replace_all("_", " ").alias("Latest PEEL grade"),
    )
    st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
    common.download(table, "Download the inspection summary (CSV)", "inspection_force_summary.csv")

    items = common.query(
        snapshot.conn,
        snapshot.key,
        "select force_name, report_title, finding_type, finding_text, npcc_objective, npcc_objective_label, "
        "status, first_published, age_days from mart_inspection_recommendations "
        "where status = 'open' order by age_days desc nulls last, force_name",
    )
    st.markdown("**Open recommendations**")
    if items.is_empty():
        st.info("No recommendation or area for improvement is open.")
        return
    objectives = (
        items.select("npcc_objective", "npcc_objective_label").unique().sort("npcc_objective").iter_rows(named=True)
    )
    labels = ["All objectives"] + [f"{o['npcc_objective']}. {o['npcc_objective_label']}" for o in objectives]
    chosen = st.columns([1, 2])[0].selectbox("NPCC objective", labels, key="npcc_objective")
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
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            "Finding": st.column_config.TextColumn(width="large"),
            "Published": st.column_config.DateColumn(format="D MMM YYYY"),
        },
    )
    st.caption(f"{shown.height:,} open items shown.")
    common.download(shown, "Download the open recommendations (CSV)", "inspection_open_recommendations.csv")


# --- coroners ---------------------------------------------------------------------------------------------


def coroners_section(snapshot: data.Snapshot) -> None:
    frame = common.query(
        snapshot.conn,
        snapshot.key,
        "select * from mart_coroner_pfd_learning order by period_label desc, reports desc, coroner_area",
    )
    if frame.is_empty():
        raise common.EmptyTable("coroners' prevention of future deaths reports")
    st.subheader("Coroners' prevention of future deaths reports")
    cols = st.columns([1, 1, 1])
    kinds = {"financial_year": "Financial year", "calendar_year": "Calendar year"}
    available = [k for k in kinds if k in set(frame["period_type"].to_list())]
    kind = cols[0].selectbox("Period", available, format_func=kinds.get, key="pfd_period_type")
    frame = frame.filter(pl.col("period_type") == kind)
    periods = ["All years"] + sorted(frame["period_label"].unique().to_list(), reverse=True)
    period = cols[1].selectbox("Year", periods, key="pfd_period")
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
        pl.col("mental_health_category").alias("Mental health category"),
        pl.col("report_refs").alias("References"),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            "Latest report": st.column_config.LinkColumn(
                display_text="Open on judiciary.uk", help="The most recent report in the row."
            ),
            "References": st.column_config.TextColumn(help="Judiciary references, oldest first."),
        },
    )
    st.caption(f"{int(table['Reports'].sum()):,} reports in {table.height:,} rows.")
    download = frame.select(
        "coroner_area",
        "period_type",
        "period_label",
        "reports",
        "sent_to_police",
        "text_mentions_police",
        "mentions_s136_or_place_of_safety",
        "mental_health_category",
        "first_report_date",
        "last_report_date",
        "report_refs",
        "report_urls",
    )
    common.download(download, "Download the coroners' table (CSV)", f"coroner_pfd_learning_{kind}.csv")


def main() -> None:
    st.title("Deaths, use of force and inspections")
    st.caption(
        "National public sources beside the s136 figures: IOPC deaths during or following police contact, Home "
        "Office use of force statistics, inspection recommendations and coroners' reports."
    )
    try:
        snapshot = data.open_snapshot()
    except data.SnapshotUnavailable as exc:
        common.show_unavailable(exc)
        return
    tabs = st.tabs(["IOPC deaths", "Use of force", "Inspections", "Coroners' reports"])
    for tab, render in zip(
        tabs, (iopc_section, use_of_force_section, inspections_section, coroners_section), strict=True
    ):
        with tab:
            _section(render, snapshot)
    common.footnotes(
        [
            "**IOPC.** Deaths during or following police contact, England and Wales, latest annual edition; "
            "counts as published (category definitions per the IOPC). Force rows include bodies other than "
            "territorial forces and deaths involving more than one force.",
            "**Use of force.** Home Office police use of force statistics; the share is of tactics (one incident "
            "can record several), not of people.",
            "**Inspections.** HMICFRS recommendations and areas for improvement with their latest tracked status "
            "and age; mapped to the NPCC mental-health strategy objectives.",
            "**Coroners.** Prevention of future deaths reports from judiciary.uk, counted by coroner area and "
            "year; 'mention police' and 's136' come from a text search of the reports.",
        ],
        common.publication(snapshot),
    )


main()
