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

import altair as alt
import polars as pl
import streamlit as st

from apps import availability, common, data

NATIONAL_TABLE, FORCE_TABLE = "mart_demand_national_month", "mart_demand_force_month"
MONTH_PARAM, FORCE_PARAM, CMP_MONTH_PARAM, CMP_FY_PARAM = "month", "force", "cmp_month", "cmp_fy"
SUPPRESSED = availability.SUPPRESSED
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
FORCE_MEASURES = ("mh_per_1000_incidents", "incidents_per_hour")
GRID_MEASURES = ("mh_per_1000_incidents", "incidents_per_hour", "mh_per_100k_population", "repeat_share")
POPULATION_BASIS = {
    "ons_mye": "ONS mid-year estimate",
    "ons_mye_carried_forward": "ONS estimate carried forward",
    "standin": "Stand-in (not ONS)",
}
FORCE_COLOUR, EW_COLOUR = "#1D70B8", "#505A5F"
LOOKBACK_NOTE = "Repeat and high-intensity shares understated: under 12 months of history"
REPEAT_MEASURES = ("repeat_share", "high_intensity_share")


# --- formatting -------------------------------------------------------------------------------------------


def month_iso(value: date) -> str:
    return value.strftime("%Y-%m")


def month_long(iso: str) -> str:
    """'2024-06' -> 'June 2024'."""
    try:
        return date(int(iso[:4]), int(iso[5:7]), 1).strftime("%B %Y")
    except ValueError:
        return iso


def fmt_pct(value: Any) -> str:
    return "–" if common.missing(value) else f"{value:.1f}%"


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
            "MH incidents": availability.sdc_text(r["mh_incidents"], r["mh_incidents_sdc_flag"]),
            "All incidents": availability.sdc_text(r["all_incidents"]),
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
                "MH incidents": availability.sdc_text(r["mh_incidents"], r["mh_incidents_sdc_flag"]),
                "Per 1,000 incidents": r["mh_per_1000_incidents"],
                "Per 100k population": r["mh_per_100k_population"],
                "Population basis": POPULATION_BASIS.get(r["population_source"] or "", "–")
                if not r["is_standin_denominator"]
                else POPULATION_BASIS["standin"],
                "Contacts with a person": availability.sdc_text(
                    r["contacts_with_person"], r["contacts_with_person_sdc_flag"]
                ),
                "Repeat share %": r["repeat_share"],
                "High-intensity share %": r["high_intensity_share"],
                "Triage contacts": availability.sdc_text(r["triage_contacts"], r["triage_contacts_sdc_flag"]),
                "s136 detentions": availability.sdc_text(r["s136_detentions"], r["s136_detentions_sdc_flag"]),
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


# --- chart ------------------------------------------------------------------------------------------------


def series_chart(
    frame: pl.DataFrame,
    axis_title: str,
    number_format: str,
    reference: tuple[float, str] | None = None,
    event: tuple[date, str] | None = None,
) -> alt.LayerChart:
    """Monthly line chart (one or two series), with an optional horizontal reference line and a dated event."""
    series = frame["Series"].unique(maintain_order=True).to_list()
    x = alt.X(
        "Month:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%b %Y", labelAngle=-40, grid=False)
    )
    base = alt.Chart(frame).encode(
        x=x,
        y=alt.Y("Value:Q", title=axis_title, scale=alt.Scale(zero=True)),
        color=alt.Color(
            "Series:N",
            scale=alt.Scale(domain=series, range=[FORCE_COLOUR, EW_COLOUR][: len(series)]),
            legend=alt.Legend(orient="bottom", title=None, labelLimit=0) if len(series) > 1 else None,
        ),
        strokeDash=alt.StrokeDash(
            "Series:N", scale=alt.Scale(domain=series, range=[[1, 0], [6, 3]][: len(series)]), legend=None
        ),
        tooltip=["Series:N", "Month name:N", alt.Tooltip("Value:Q", format=number_format, title=axis_title)],
    )
    layers: list[alt.Chart] = [base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=45)]
    if reference is not None:
        value, label = reference
        ref = pl.DataFrame({"Value": [float(value)], "label": [label]})
        layers.append(alt.Chart(ref).mark_rule(color="#0B0C0C", strokeDash=[4, 3]).encode(y="Value:Q"))
        layers.append(
            alt.Chart(ref)
            .mark_text(align="left", baseline="bottom", dx=4, dy=-3, fontSize=12, color="#0B0C0C")
            .encode(y="Value:Q", x=alt.value(0), text="label:N")
        )
    if event is not None:
        when, label = event
        ev = pl.DataFrame({"Month": [when.strftime("%Y-%m-%d")], "label": [label]})
        layers.append(alt.Chart(ev).mark_rule(color="#6F72AF", strokeWidth=2).encode(x=x))
        layers.append(
            alt.Chart(ev)
            .mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=12, color="#4C2C92")
            .encode(x=x, y=alt.value(0), text="label:N")
        )
    return alt.layer(*layers).properties(height=320)


# --- page sections ----------------------------------------------------------------------------------------


def _headline(national: pl.DataFrame, month: str) -> None:
    row = national.filter(pl.col("month_start").dt.strftime("%Y-%m") == month).row(0, named=True)
    published = row.get("published_incidents_per_hour")
    basis = row.get("published_incidents_per_hour_basis") or f"{published} an hour"
    per_hour = row.get("incidents_per_hour")
    if row.get("is_standin_denominator"):
        st.warning(
            "Rates per 100,000 residents use stand-in populations — not ONS figures. Treat them as illustrative."
        )
    most = int(national["forces_reporting"].max())
    if int(row["forces_reporting"]) < most:
        st.warning(
            f"Only {row['forces_reporting']} forces have reported for {month_long(month)} (up to {most} in other "
            "months), so national counts for this month are incomplete."
        )

    if row.get("repeat_lookback_complete") is False:
        st.warning(
            f"Repeat and high-intensity shares for {month_long(month)} are understated: not every force has 12 "
            "months of history before this month, so the look-back windows are cut short."
        )

    top = st.columns(4)
    top[0].metric(
        "MH incidents an hour (E&W)",
        common.fmt_num(per_hour),
        delta=None if common.missing(per_hour) or published is None else f"{per_hour - published:+.1f} on {published}",
        delta_color="off",
        help="Exact national MH incidents divided by the hours in the month.",
    )
    if published is not None:
        ratio = row.get("ratio_to_published_per_hour")
        top[0].caption(f"Published figure: {basis}. This month is {common.fmt_num(ratio, 2)} times it.")
    top[1].metric("MH incidents (E&W)", f"{int(row['mh_incidents']):,}", help="Exact national count.")
    top[1].caption(f"{row['forces_reporting']} forces reporting")
    top[2].metric("MH incidents per 1,000 incidents", common.fmt_num(row.get("mh_per_1000_incidents")))
    top[2].caption(
        f"Forces with an all-incident total: {row['forces_with_all_incidents']} of {row['forces_reporting']}"
    )
    top[3].metric("MH incidents per 100,000 residents", common.fmt_num(row.get("mh_per_100k_population")))
    top[3].caption(
        "Stand-in populations — not ONS figures"
        if row.get("is_standin_denominator")
        else "Territorial forces with a resident population"
    )

    with_person = row.get("contacts_with_person")
    denominator = (
        "No contacts with a resolvable person"
        if common.missing(with_person)
        else f"Of **{int(with_person):,}** contacts with a resolvable person "
        f"({fmt_pct(row.get('pct_contacts_with_person'))} of {int(row['mh_incidents']):,} MH incidents)"
    )
    bottom = st.columns(4)
    officer_hours = row.get("officer_hours")
    bottom[0].metric("Officer hours", common.fmt_num(officer_hours, 0))
    bottom[0].caption("Officer time on scene at MH incidents")
    bottom[1].metric("Deployed", fmt_pct(row.get("pct_deployed")))
    bottom[1].caption("Of MH incidents with a known deployment")
    bottom[2].metric("Repeat share of demand", fmt_pct(row.get("repeat_share")))
    bottom[2].caption(f"{denominator}; repeat = 5+ MH contacts in 12 months")
    bottom[3].metric("High-intensity share", fmt_pct(row.get("high_intensity_share")))
    bottom[3].caption(f"{denominator}; 5+ contacts in 30 days or 12+ in 91 days")

    if not common.missing(per_hour):
        compared = "" if published is None else f", against the published national figure of {published:g} an hour"
        st.markdown(
            f"In {month_long(month)} police in England and Wales recorded **{int(row['mh_incidents']):,}** "
            f"mental-health incidents: **{per_hour:.1f} an hour**{compared}."
        )


def _national_trend(national: pl.DataFrame) -> None:
    st.subheader("England and Wales, month by month")
    measure = st.columns([1, 2])[0].selectbox(
        "Measure",
        list(MEASURES),
        format_func=lambda m: MEASURES[m][0],
        key="demand_national_measure",
    )
    label, axis_title, number_format = MEASURES[measure]
    frame = series_frame(national, measure, EW)
    if frame.is_empty():
        st.info(f"No national {label.lower()} in this snapshot.")
        return
    reference = None
    published = national["published_incidents_per_hour"].drop_nulls()
    if measure == "incidents_per_hour" and published.len():
        reference = (float(published[-1]), f"Published: {published[-1]:g} an hour (NPCC 2019)")
    st.altair_chart(
        series_chart(frame, axis_title, number_format, reference=reference),
        width="stretch",
        alt=f"Line chart of the national {label.lower()} by month; the figures are in the table below.",
    )
    if measure in REPEAT_MEASURES and "repeat_lookback_complete" in national.columns:
        short = national.filter(~pl.col("repeat_lookback_complete").fill_null(True))
        if short.height:
            st.caption(
                f"Understated in {short.height} month(s) up to {short['month_start'].max():%B %Y}: fewer than 12 "
                "months of history for the look-back window. Do not read a trend across that point."
            )
    with st.expander("National figures by month (table)"):
        table = national.sort("month_start", descending=True).select(
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
        st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
        common.download(table, "Download the national series (CSV)", "mh_demand_national_by_month.csv")


def _force_series(forces: pl.DataFrame, national: pl.DataFrame) -> None:
    st.subheader("One force, month by month")
    names = dict(forces.select("force_code", "force_name").unique().iter_rows())
    codes = sorted(names, key=lambda c: names[c])
    cols = st.columns([2, 2])
    code = common.choose("Force", codes, FORCE_PARAM, fmt=lambda c: names.get(c, c), column=cols[0])
    measure = cols[1].radio(
        "Measure",
        FORCE_MEASURES,
        format_func=lambda m: MEASURES[m][0],
        horizontal=True,
        key="demand_force_measure",
    )
    label, axis_title, number_format = MEASURES[measure]
    rows = forces.filter(pl.col("force_code") == code).sort("month_start")
    name = names[code]
    go_live = rows["rcrp_go_live_date"].drop_nulls()
    event = None
    if go_live.len():
        when = go_live[0]
        event = (when, f"RCRP go-live {when:%d %b %Y}")
        st.markdown(f"**Right Care, Right Person** went live in {name} on **{when:%d %B %Y}** (marked on the chart).")
        if "rcrp_go_live_basis" in rows.columns and "assumed_demo" in rows["rcrp_go_live_basis"].to_list():
            st.caption("This go-live date is assumed for the synthetic demo, not a published date.")
    else:
        st.caption(f"No Right Care, Right Person go-live date is recorded for {name}.")
    frame = series_frame(rows, measure, name)
    if measure == "mh_per_1000_incidents":  # the national rate is a fair comparator; a national per-hour is not
        same_months = national.join(rows.select("month_start"), on="month_start", how="semi")
        frame = pl.concat([frame, series_frame(same_months, measure, EW)])
    if frame.filter(pl.col("Series") == name).is_empty():
        st.info(f"No {label.lower()} can be shown for {name}: every month is withheld or missing.")
    else:
        st.altair_chart(
            series_chart(frame, axis_title, number_format, event=event),
            width="stretch",
            alt=f"Line chart of {label.lower()} in {name} by month; the figures are in the table below.",
        )
    blank = rows.filter(pl.col(measure).is_null()).height
    if blank:
        st.caption(
            f"{blank} month(s) not drawn: the rate is withheld (1 to 7 MH incidents) or has no denominator "
            "(see the table)."
        )
    with st.expander(f"{name}: figures by month (table)"):
        table = force_series_table(rows)
        st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
        common.download(table, "Download the force series (CSV)", f"mh_demand_{code}_by_month.csv")


def _comparison(forces: pl.DataFrame) -> None:
    st.subheader("Forces compared")
    cols = st.columns([1, 1, 2])
    kind = cols[0].radio("Compare for", ["Month", "Financial year"], horizontal=True, key="demand_compare_kind")
    if kind == "Month":
        months = sorted({month_iso(m) for m in forces["month_start"].to_list()}, reverse=True)
        month = common.choose("Month to compare", months, CMP_MONTH_PARAM, fmt=month_long, column=cols[1])
        rows = forces.filter(pl.col("month_start").dt.strftime("%Y-%m") == month)
        table = force_month_table(rows)
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=min(35 * (table.height + 1) + 3, 1_700),
            placeholder="–",
            alt=f"MH demand by police force, {month_long(month)}",
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
        common.download(
            table.insert_column(0, pl.lit(month).alias("Month")),
            "Download the force table (CSV)",
            f"mh_demand_by_force_{month}.csv",
        )
        return
    years = sorted(forces["fy_label"].unique().to_list(), reverse=True)
    fy = common.choose("Financial year", years, CMP_FY_PARAM, column=cols[1])
    measure = cols[2].selectbox(
        "Measure", GRID_MEASURES, format_func=lambda m: MEASURES[m][0], key="demand_grid_measure"
    )
    grid = fy_grid(forces.filter(pl.col("fy_label") == fy), measure)
    st.dataframe(
        grid,
        hide_index=True,
        width="stretch",
        height=min(35 * (grid.height + 1) + 3, 1_700),
        placeholder="–",
        alt=f"{MEASURES[measure][0]} by force and month, {fy}",
        column_config={c: st.column_config.NumberColumn(format="%.1f") for c in grid.columns[1:-1]},
    )
    st.caption(
        f"{MEASURES[measure][0]} for each month of {fy} as published. Blank: withheld (1 to 7 MH incidents or, "
        "for the repeat share, 1 to 7 repeat contacts), or no denominator that month. No annual figure is derived "
        "from the monthly ones: summing rounded counts would not give the published annual figure."
    )
    common.download(
        grid.insert_column(0, pl.lit(fy).alias("Financial year")).insert_column(
            1, pl.lit(MEASURES[measure][0]).alias("Measure")
        ),
        "Download the force grid (CSV)",
        f"mh_demand_{measure}_by_force_{fy}.csv",
    )


def _force_sections(snapshot: data.Snapshot, national: pl.DataFrame) -> None:
    try:
        forces = availability.load_table(
            snapshot, FORCE_TABLE, "force MH demand", f"select * from {FORCE_TABLE} order by force_name"
        )
    except data.SnapshotUnavailable as exc:
        common.show_unavailable(exc)
        return
    _force_series(forces, national)
    _comparison(forces)


def main() -> None:
    st.title("Mental-health demand")
    st.caption(
        "Police incidents flagged as relating to someone's mental health in England and Wales: national demand "
        "against the published 54 an hour, each force's monthly series with its Right Care, Right Person "
        "go-live, and forces compared."
    )
    try:
        snapshot = data.open_snapshot()
        national = availability.load_table(
            snapshot, NATIONAL_TABLE, "national MH demand", f"select * from {NATIONAL_TABLE} order by month_start"
        )
        pub = common.publication(snapshot)
    except data.SnapshotUnavailable as exc:
        common.show_unavailable(exc)
        return

    months = sorted({month_iso(m) for m in national["month_start"].to_list()}, reverse=True)
    month = common.choose("Month", months, MONTH_PARAM, fmt=month_long, column=st.columns([1, 2])[0])
    _headline(national, month)
    _national_trend(national)
    _force_sections(snapshot, national)
    common.footnotes(
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
            "**Source.** Force incident extracts, incident totals, s136 and street triage records, compiled by the "
            "mh-policing-warehouse.",
        ],
        pub,
    )


main()
