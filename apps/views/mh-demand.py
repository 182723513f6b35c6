"""Mental-health demand: MH-flagged police incidents in England and Wales, nationally and by force, month by month.

Reads `mart_demand_national_month` (exact national figures: no disclosure control at national level),
`mart_demand_force_month` (force x month, disclosure controlled in the mart: counts about people 1–7 suppressed,
else rounded to 5; rates withheld when the MH count is 1–7) and `publication`. Values are shown as published and
never recomputed from rounded counts (methods.md §4). Every repeat or high-intensity share is shown with its
denominator, the contacts with a resolvable person (§6). The MH incident definition and measures are §7.1.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from apps import benchmarks, charts, data, state, ui
from apps import format as fmt

NATIONAL_TABLE, FORCE_TABLE = "mart_demand_national_month", "mart_demand_force_month"
MONTH_PARAM, CMP_MONTH_PARAM, CMP_FY_PARAM, HEAT_FY_PARAM = "month", "cmp_month", "cmp_fy", "heat_fy"
NATIONAL_MEASURE_PARAM, SPC_PARAM = "trend", "spc"
SECTIONS = ("England and Wales over time", "One force over time", "When the calls come", "Forces compared")  # tabs
SUPPRESSED = fmt.SUPPRESSED
EW = "England and Wales"
# column -> (label, axis title, number format)
MEASURES: dict[str, tuple[str, str, str]] = {
    "incidents_per_hour": ("MH incidents an hour", "MH incidents an hour", ".1f"),
    "mh_per_1000_incidents": ("MH incidents per 1,000 incidents", "MH incidents per 1,000 incidents", ".1f"),
    "mh_per_100k_population": ("MH incidents per 100,000 residents", "per 100,000 residents", ".1f"),
    "pct_deployed": ("% deployed", "% of MH incidents with a deployment", ".1f"),
    "repeat_share": ("Repeat share of demand (%)", "% of contacts with a person", ".1f"),
    "high_intensity_share": ("High-intensity share (%)", "% of contacts with a person", ".1f"),
}
# the demand measures with an SPC chart per force (mart_spc; dim_measure), in this order
SPC_MEASURES = ("mh_incidents_per_1000", "mh_incidents_per_100k", "officer_hours_per_mh_incident", "repeat_share")
GRID_MEASURES = ("mh_per_1000_incidents", "incidents_per_hour", "mh_per_100k_population", "repeat_share")
POPULATION_BASIS = {
    "ons_mye": "ONS mid-year estimate",
    "ons_mye_carried_forward": "ONS estimate carried forward",
    "standin": "Stand-in (not ONS)",
}
LOOKBACK_NOTE = "Repeat and high-intensity shares understated: under 12 months of history"
REPEAT_MEASURES = ("repeat_share", "high_intensity_share")


# --- formatting -------------------------------------------------------------------------------------------


def month_iso(value: date) -> str:
    return value.strftime("%Y-%m")


def rcrp_text(row: dict[str, Any]) -> str:
    go_live = row.get("rcrp_go_live_date")
    if go_live is None:
        return ""
    assumed = " (date assumed for the demo)" if row.get("rcrp_go_live_basis") == "assumed_demo" else ""
    if row.get("is_rcrp_go_live_month"):
        return f"Went live {go_live:%d %b %Y}{assumed}"
    text = f"Live since {go_live:%b %Y}" if row.get("rcrp_live") else f"Goes live {go_live:%b %Y}"
    return text + assumed


# --- pure frame builders ----------------------------------------------------------------------------------


def series_frame(rows: pl.DataFrame, measure: str, series: str) -> pl.DataFrame:
    """Long frame for the line chart: Month (ISO date string, drawn as UTC), Series, Value; withheld months dropped."""
    return rows.filter(pl.col(measure).is_not_null()).select(
        pl.col("month_start").dt.strftime("%Y-%m-%d").alias("Month"),
        pl.col("month_start").dt.strftime("%B %Y").alias("Month name"),
        pl.lit(series).alias("Series"),
        pl.col(measure).cast(pl.Float64).alias("Value"),
    )


def force_series_table(rows: pl.DataFrame) -> pl.DataFrame:
    """The chosen force's months as published (the accessible version of the force chart)."""
    out = [
        {
            "Month": r["month_start"].strftime("%b %Y"),
            "MH incidents": fmt.count(r["mh_incidents"], r["mh_incidents_sdc_flag"]),
            "All incidents": fmt.count(r["all_incidents"]),
            "Per 1,000 incidents": r["mh_per_1000_incidents"],
            "Per hour": r["incidents_per_hour"],
            "Repeat share %": r["repeat_share"],
            "RCRP": rcrp_text(r),
        }
        for r in rows.sort("month_start").iter_rows(named=True)
    ]
    schema = {"Month": pl.String, "MH incidents": pl.String, "All incidents": pl.String}
    schema |= {"Per 1,000 incidents": pl.Float64, "Per hour": pl.Float64, "Repeat share %": pl.Float64}
    return pl.DataFrame(out, schema=schema | {"RCRP": pl.String})


def force_month_table(rows: pl.DataFrame) -> pl.DataFrame:
    """Every force for one month, values as published: suppressed counts '*', withheld rates blank with a note."""
    out = []
    for r in rows.sort("force_name").iter_rows(named=True):
        notes = []
        if r["mh_incidents_sdc_flag"] == SUPPRESSED:
            notes.append("1 to 7 MH incidents: rates and shares withheld")
        else:
            if r["all_incidents"] is None:
                notes.append("No all-incident total")
            if r["repeat_contacts_sdc_flag"] == SUPPRESSED:
                notes.append("1 to 7 repeat contacts: share withheld")
            if r.get("repeat_lookback_complete") is False:
                notes.append(LOOKBACK_NOTE)
        if r["population"] is None:
            notes.append("No resident population")
        if r.get("is_partial_month"):
            notes.append("Month not complete: data loaded before it ended")
        out.append(
            {
                "Force": r["force_name"],
                "Region": r["region_name"] or "–",
                "MH incidents": fmt.count(r["mh_incidents"], r["mh_incidents_sdc_flag"]),
                "Per 1,000 incidents": r["mh_per_1000_incidents"],
                "Per 100k population": r["mh_per_100k_population"],
                "Population basis": POPULATION_BASIS.get(r["population_source"] or "", "–")
                if not r["is_standin_denominator"]
                else POPULATION_BASIS["standin"],
                "Contacts with a person": fmt.count(r["contacts_with_person"], r["contacts_with_person_sdc_flag"]),
                "Repeat share %": r["repeat_share"],
                "High-intensity share %": r["high_intensity_share"],
                "Triage contacts": fmt.count(r["triage_contacts"], r["triage_contacts_sdc_flag"]),
                "s136 detentions": fmt.count(r["s136_detentions"], r["s136_detentions_sdc_flag"]),
                "RCRP": rcrp_text(r),
                "Notes": "; ".join(notes),
            }
        )
    text = ("Force", "Region", "MH incidents")
    numbers = ("Per 1,000 incidents", "Per 100k population")
    more_text = ("Population basis", "Contacts with a person")
    shares = ("Repeat share %", "High-intensity share %")
    tail = ("Triage contacts", "s136 detentions", "RCRP", "Notes")
    schema = {c: pl.String for c in text} | {c: pl.Float64 for c in numbers} | {c: pl.String for c in more_text}
    schema |= {c: pl.Float64 for c in shares} | {c: pl.String for c in tail}
    return pl.DataFrame(out, schema=schema)


def fy_grid(rows: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Force x month grid of one published rate for a financial year; blank = withheld or not available."""
    months = rows.select("month_start").unique().sort("month_start")["month_start"].to_list()
    labels = [m.strftime("%b %Y") for m in months]
    wide = (
        rows.select(
            pl.col("force_name").alias("Force"),
            pl.col("month_start").dt.strftime("%b %Y").alias("Month"),
            pl.col(measure).cast(pl.Float64),
        )
        .pivot(on="Month", index="Force", values=measure)
        .sort("Force")
    )
    present = [label for label in labels if label in wide.columns]
    return wide.select("Force", *present).with_columns(
        pl.sum_horizontal(pl.col(present).is_null().cast(pl.Int32)).alias("Months blank")
    )


# --- page sections ----------------------------------------------------------------------------------------


def _headline(national: pl.DataFrame, month: str, territorial_forces: int) -> None:
    """The month's national figures; the published all-force figure (54 an hour) is set beside this month's only
    when every territorial force reports, since fewer forces' incidents are not the same quantity."""
    row = national.filter(pl.col("month_start").dt.strftime("%Y-%m") == month).row(0, named=True)
    reporting = int(row["forces_reporting"])
    published = row.get("published_incidents_per_hour")
    comparable = published is not None and reporting >= territorial_forces
    basis = row.get("published_incidents_per_hour_basis") or f"{published} an hour"
    per_hour = row.get("incidents_per_hour")
    if row.get("is_standin_denominator"):
        st.warning(
            "Rates per 100,000 residents use stand-in populations — not ONS figures. Treat them as illustrative."
        )
    most = int(national["forces_reporting"].max())
    if int(row["forces_reporting"]) < most:
        st.warning(
            f"Only {row['forces_reporting']} forces have reported for {fmt.month_long(month)} (up to {most} in other "
            "months), so national counts for this month are incomplete."
        )

    if row.get("repeat_lookback_complete") is False:
        st.warning(
            f"Repeat and high-intensity shares for {fmt.month_long(month)} are understated: not every force has 12 "
            "months of history before this month, so the look-back windows are cut short."
        )

    scope = "E&W" if reporting >= territorial_forces else "reporting forces"  # the label never claims more forces
    top = st.columns(4)
    top[0].metric(
        f"MH incidents an hour ({scope})",
        fmt.num(per_hour),
        delta=None if fmt.missing(per_hour) or not comparable else f"{per_hour - published:+.1f} on {published}",
        delta_color="off",
        help="Exact national MH incidents divided by the hours in the month.",
    )
    if comparable:
        ratio = row.get("ratio_to_published_per_hour")
        top[0].caption(f"Published figure: {basis}. This month is {fmt.num(ratio, 2)} times it.")
    elif published is not None:
        top[0].caption(
            f"Published figure: {basis}, for every force. Only {reporting} of the {territorial_forces} territorial "
            "forces report here, so this month's figure is not compared with it."
        )
    top[1].metric(f"MH incidents ({scope})", f"{int(row['mh_incidents']):,}", help="Exact national count.")
    top[1].caption(f"{row['forces_reporting']} forces reporting")
    top[2].metric("MH incidents per 1,000 incidents", fmt.num(row.get("mh_per_1000_incidents")))
    top[2].caption(
        f"Forces with an all-incident total: {row['forces_with_all_incidents']} of {row['forces_reporting']}"
    )
    top[3].metric(f"MH incidents per 100,000 residents in {fmt.month_long(month)}",
                  fmt.num(row.get("mh_per_100k_population")))  # fmt: skip
    top[3].caption(
        "Territorial forces with a resident population (not British Transport Police)"
        + ("; stand-in populations, not ONS figures" if row.get("is_standin_denominator") else "")
    )

    with_person = row.get("contacts_with_person")
    denominator = (
        "No contacts with a resolvable person"
        if fmt.missing(with_person)
        else f"Of **{int(with_person):,}** contacts with a resolvable person "
        f"({fmt.pct(row.get('pct_contacts_with_person'))} of {int(row['mh_incidents']):,} MH incidents)"
    )
    bottom = st.columns(4)
    officer_hours = row.get("officer_hours")
    bottom[0].metric("Officer hours", fmt.num(officer_hours, 0))
    bottom[0].caption("Officer time on scene at MH incidents")
    bottom[1].metric("Deployed", fmt.pct(row.get("pct_deployed")))
    bottom[1].caption("Of MH incidents with a known deployment")
    bottom[2].metric("Repeat share of demand", fmt.pct(row.get("repeat_share")))
    bottom[2].caption(f"{denominator}; repeat = 5+ MH contacts in 12 months")
    bottom[3].metric("High-intensity share", fmt.pct(row.get("high_intensity_share")))
    bottom[3].caption(f"{denominator}; 5+ contacts in 30 days or 12+ in 91 days")

    if not fmt.missing(per_hour):
        compared = f", against the published national figure of {published:g} an hour" if comparable else ""
        who = "police in England and Wales" if reporting >= territorial_forces else f"the {reporting} reporting forces"
        st.markdown(
            f"In {fmt.month_long(month)} {who} recorded **{int(row['mh_incidents']):,}** "
            f"mental-health incidents: **{per_hour:.1f} an hour**{compared}."
        )


def national_table(national: pl.DataFrame) -> pl.DataFrame:
    """The national series by month as published (exact national figures)."""
    return national.sort("month_start", descending=True).select(
        pl.col("month_start").dt.strftime("%b %Y").alias("Month"),
        pl.col("forces_reporting").alias("Forces reporting"),
        pl.col("mh_incidents").alias("MH incidents"),
        pl.col("incidents_per_hour").alias("Per hour"),
        pl.col("mh_per_1000_incidents").alias("Per 1,000 incidents"),
        pl.col("mh_per_100k_population").alias("Per 100k population"),
        pl.col("pct_deployed").alias("% deployed"),
        pl.col("officer_hours").alias("Officer hours"),
        pl.col("contacts_with_person").alias("Contacts with a person"),
        pl.col("repeat_share").alias("Repeat share %"),
        pl.col("high_intensity_share").alias("High-intensity share %"),
        pl.col("s136_detentions").alias("s136 detentions"),
        pl.col("triage_contacts").alias("Triage contacts"),
        pl.col("forces_rcrp_live").alias("Forces with RCRP live"),
    )


def heatmap_frame(rows: pl.DataFrame, fy: str) -> pl.DataFrame:
    """The heatmap's frame: MH incidents by weekday and hour for one year as published (blank when withheld)."""
    year = rows.filter(pl.col("fy_label") == fy)
    return year.sort("weekday", "hour").select(
        pl.col("weekday").replace_strict(dict(enumerate(charts.WEEKDAYS, start=1))).alias("Day"),
        pl.col("hour").alias("Hour"),
        pl.col("mh_incidents").alias("Value"),
        pl.col("mh_incidents_sdc_flag").replace_strict(fmt.DISCLOSURE, default="exact").alias("Disclosure"),
        pl.col("pct_of_year").alias("% of the year's MH incidents"),
    )


def _national_trend(national: pl.DataFrame) -> None:
    st.subheader("England and Wales, month by month")
    measure = state.choose("Measure", list(MEASURES), NATIONAL_MEASURE_PARAM, fmt=lambda m: MEASURES[m][0],
                           column=st.columns([1, 2])[0])  # fmt: skip
    label, axis_title, number_format = MEASURES[measure]
    frame = series_frame(national, measure, EW)
    if frame.is_empty():
        st.info(f"No national {label.lower()} in this snapshot.")
        return
    reference = None
    published = national["published_incidents_per_hour"].drop_nulls()
    if measure == "incidents_per_hour" and published.len():
        reference = (float(published[-1]), f"Published: {published[-1]:g} an hour (NPCC 2019)")
    ui.chart(
        charts.series_chart(frame, axis_title, number_format, reference=reference),
        frame,
        f"Line chart of the national {label.lower()} by month; the figures are in the table below the chart.",
        f"mh_demand_national_{measure}.csv",
    )
    if measure in REPEAT_MEASURES and "repeat_lookback_complete" in national.columns:
        short = national.filter(~pl.col("repeat_lookback_complete").fill_null(True))
        if short.height:
            st.caption(
                f"Understated in {short.height} month(s) up to {short['month_start'].max():%B %Y}: fewer than 12 "
                "months of history for the look-back window. Do not read a trend across that point."
            )
    if box := ui.on_request("Every national figure by month (table and CSV)", "mh_demand_national_by_month.csv"):
        with box:
            ui.table(national_table(national), "mh_demand_national_by_month.csv", "Download the national series (CSV)")


def _force_spc(snapshot: data.Snapshot, forces: pl.DataFrame, measures: pl.DataFrame, code: str) -> None:
    st.subheader("One force: statistical process control")
    options = [m for m in SPC_MEASURES if m in set(measures["measure_id"].to_list())]
    labels = dict(measures.select("measure_id", "measure_name").iter_rows())
    measure = state.choose("Measure", options, SPC_PARAM, fmt=labels.get, column=st.columns([1, 1])[0])
    rows = forces.filter(pl.col("force_code") == code).sort("month_start")
    name = rows["force_name"][0]
    go_live = rows["rcrp_go_live_date"].drop_nulls()
    if go_live.len():
        st.markdown(f"**Right Care, Right Person** went live in {name} on **{go_live[0]:%d %B %Y}**: the SPC limits "
                    "are recalculated from that month (marked on the chart).")  # fmt: skip
        if "assumed_demo" in rows["rcrp_go_live_basis"].to_list():
            st.caption("This go-live date is assumed for the synthetic demo, not a published date.")
    else:
        # the change points are seeds/ref_rcrp_go_live.csv, not the scheme registers What works reads (docs/methods.md)
        st.caption(f"No Right Care, Right Person go-live is set as a change point for {name}, so its SPC limits run "
                   "unbroken; a scheme it has published may still be listed under What works.")  # fmt: skip
    series = data.spc(snapshot.conn, snapshot.key, measure, code)
    unit = measures.filter(pl.col("measure_id") == measure)["unit"][0]
    ui.spc(series, unit, labels[measure], name, f"mh_demand_spc_{measure}_{code}.csv")
    if box := ui.on_request(f"{name}: every figure by month (table and CSV)", "mh_demand_force_by_month.csv"):
        with box:
            ui.table(force_series_table(rows), f"mh_demand_{code}_by_month.csv", "Download the force series (CSV)")


def _heatmap(snapshot: data.Snapshot, forces: pl.DataFrame) -> None:
    st.subheader("When the calls come: hour of day by day of week")
    area = state.current(state.FORCE) or benchmarks.NATIONAL
    name = EW if area == benchmarks.NATIONAL else benchmarks.force_names(forces).get(area, area)
    options = [benchmarks.NATIONAL, area] if area != benchmarks.NATIONAL else [area]
    scope = state.choose("Area", options, "heat_area", fmt=lambda c: EW if c == benchmarks.NATIONAL else name,
                         kind="radio", horizontal=True)  # fmt: skip
    rows = data.demand_hour_weekday(snapshot.conn, snapshot.key, scope)
    if rows.is_empty():
        st.info("No incidents by hour and weekday for this area.")
        return
    years = sorted(rows["fy_label"].unique().to_list(), reverse=True)
    fy = state.choose("Financial year", years, HEAT_FY_PARAM, fmt=fmt.fy_long, column=st.columns([1, 2])[0])
    grid = heatmap_frame(rows, fy)
    where = EW if scope == benchmarks.NATIONAL else name
    ui.chart(
        charts.heatmap(grid, "MH incidents"),
        grid,
        f"Heatmap of MH incidents in {where}, {fy}, by hour of the day and day of the week; the counts are in the "
        "table below the chart.",
        f"mh_demand_hour_weekday_{scope}_{fy}.csv",
    )
    partial = rows.filter(pl.col("fy_label") == fy)["is_partial_year"].any()
    st.caption(
        "Counts of MH incidents by the hour they were created (local time). "
        + ("Force counts are rounded to 5 and 1 to 7 are left blank. " if scope != benchmarks.NATIONAL else "")
        + ("The year is not complete. " if partial else "")
    )


def _comparison(forces: pl.DataFrame) -> None:
    st.subheader("Forces compared")
    cols = st.columns([1, 1, 2])
    kind = state.choose("Compare for", ["month", "year"], "cmp_kind", column=cols[0], kind="radio", horizontal=True,
                        fmt=lambda k: "Month" if k == "month" else "Financial year")  # fmt: skip
    if kind == "month":
        months = sorted({month_iso(m) for m in forces["month_start"].to_list()}, reverse=True)
        month = state.choose("Month to compare", months, CMP_MONTH_PARAM, fmt=fmt.month_long, column=cols[1])
        rows = forces.filter(pl.col("month_start").dt.strftime("%Y-%m") == month)
        table = force_month_table(rows).insert_column(0, pl.lit(month).alias("Month"))
        ui.table(
            table,
            f"mh_demand_by_force_{month}.csv",
            "Download the force table (CSV)",
            height=ui.rows_height(table.height),
            alt_text=f"MH demand by police force, {fmt.month_long(month)}",
            column_config={
                "MH incidents": st.column_config.TextColumn(
                    help="Published count: rounded to the nearest 5; * = 1 to 7 (suppressed)."
                ),
                "Per 1,000 incidents": st.column_config.NumberColumn(format="%.1f"),
                "Per 100k population": st.column_config.NumberColumn(format="%.1f"),
                "Contacts with a person": st.column_config.TextColumn(
                    help="MH incidents with a resolvable person: the denominator of the repeat and high-intensity "
                    "shares. Rounded to 5; * = 1 to 7."
                ),
                "Repeat share %": st.column_config.NumberColumn(format="%.1f"),
                "High-intensity share %": st.column_config.NumberColumn(format="%.1f"),
                "Triage contacts": st.column_config.TextColumn(help="Street triage contacts; * = 1 to 7."),
                "s136 detentions": st.column_config.TextColumn(help="* = 1 to 7."),
                "Notes": st.column_config.TextColumn(width="medium"),
            },
        )
        if (rows["is_standin_denominator"].fill_null(False)).any():
            st.caption("Rates per 100,000 marked 'Stand-in (not ONS)' use approximate stand-in populations.")
        return
    years = sorted(forces["fy_label"].unique().to_list(), reverse=True)
    fy = state.choose("Financial year", years, CMP_FY_PARAM, column=cols[1])
    measure = state.choose("Measure", list(GRID_MEASURES), "grid", fmt=lambda m: MEASURES[m][0], column=cols[2])
    grid = fy_grid(forces.filter(pl.col("fy_label") == fy), measure)
    ui.table(
        grid.insert_column(0, pl.lit(fy).alias("Financial year")).insert_column(
            1, pl.lit(MEASURES[measure][0]).alias("Measure")
        ),
        f"mh_demand_{measure}_by_force_{fy}.csv",
        "Download the force grid (CSV)",
        height=ui.rows_height(grid.height),
        alt_text=f"{MEASURES[measure][0]} by force and month, {fy}",
        column_config={c: st.column_config.NumberColumn(format="%.1f") for c in grid.columns[1:-1]},
    )
    st.caption(
        f"{MEASURES[measure][0]} for each month of {fy} as published. Blank: withheld (1 to 7 MH incidents or, "
        "for the repeat share, 1 to 7 repeat contacts), or no denominator that month. No annual figure is derived "
        "from the monthly ones: summing rounded counts would not give the published annual figure."
    )


def _force_section(snapshot: data.Snapshot, section: str) -> None:
    try:
        forces = data.demand_forces(snapshot.conn, snapshot.key)
        measures = data.measures(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    if forces.is_empty():
        st.info(f"The serving snapshot holds no force demand figures yet. {data.REFRESH_HINT}")
        return
    if section == SECTIONS[3]:
        _comparison(forces)
        return
    code = state.choose_force(forces.select("force_code", "force_name").unique(), column=st.columns([1, 1])[0])
    if section == SECTIONS[1]:
        _force_spc(snapshot, forces, measures, code)
    else:
        ui.section(lambda s: _heatmap(s, forces), snapshot)


def main() -> None:
    st.title("Mental-health demand")
    st.caption(
        "Police incidents flagged as relating to someone's mental health in England and Wales: national demand "
        "against the published 54 an hour, each force's monthly SPC chart with its Right Care, Right Person "
        "go-live, when in the week the calls come, and forces compared."
    )
    try:
        snapshot = data.open_snapshot()
        national = data.not_empty(data.demand_national(snapshot.conn, snapshot.key), "national MH demand figures")
        territorial = data.forces(snapshot.conn, snapshot.key).filter(pl.col("is_territorial")).height
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    months = sorted({month_iso(m) for m in national["month_start"].to_list()}, reverse=True)
    month = state.choose("Month", months, MONTH_PARAM, fmt=fmt.month_long, column=st.columns([1, 2])[0])
    _headline(national, month, territorial)
    section, tab = ui.open_tab(SECTIONS)
    with tab:
        if section == SECTIONS[0]:
            _national_trend(national)
        else:
            _force_section(snapshot, section)
    ui.footnotes(
        [
            "**MH incident.** Any police incident thought to relate to someone's mental health where their "
            "vulnerability is at the centre of the incident or where the police had to do something additionally or "
            "differently because of it (NPCC and College of Policing, 2019). The published 54 an hour comes from "
            "the NPCC 2019 national census; it is a point estimate, not a target.",
            "**Repeat and high-intensity contact.** Shares are of MH incidents with a resolvable person (the "
            "denominator is shown beside each share). Repeat: the person had 5 or more MH contacts (incidents or "
            "s136 detentions) in the previous 12 months; high-intensity: 5 or more in 30 days or 12 or more in "
            "91 days. Incidents with no resolvable person cannot be repeat contacts, so a low share of contacts "
            "with a person understates repeat demand.",
            "**Disclosure control.** National figures are exact. Force counts are rounded to the nearest 5 and "
            "counts of 1 to 7 are shown as `*`; rates and shares are calculated from unrounded counts and withheld "
            "where the count they rest on is 1 to 7. Rounded counts need not add up to the national total.",
            "**Denominators.** Per 1,000 incidents: all incidents the force recorded that month (forces with no "
            "all-incident total are left out of the national rate). Per 100,000: resident population (British "
            "Transport Police have none). Per hour: the hours in the month.",
            "**Right Care, Right Person (RCRP).** Go-live dates are those recorded in the warehouse reference "
            "table; some are assumed for the demo rather than published.",
            "**SPC.** Making Data Count XmR charts from mart_spc: limits from the first 12 months of each segment, a "
            "new segment at the force's RCRP go-live; grey common cause, blue improvement, orange concern, purple a "
            "special cause where the measure has no agreed good direction.",
            "**Source.** Force incident extracts, incident totals, s136 and street triage records, compiled by the "
            "mh-policing-warehouse.",
        ],
        pub,
    )


main()
