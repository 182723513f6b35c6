"""Outcomes & justice: what happens to people after police contact, by force with intervals.

Themes: place of safety, conveyance, detention durations (s136, by financial year), custody mental-health
identification, Liaison and Diversion, out-of-court disposals and street triage outcomes (force extracts, by month).
Each measure of a theme: every force's value with its 95% interval against England and Wales (mart_benchmark), and
the financial-year context from mart_s136_force_year and mart_outcomes_force_year (medians, counts, outcome mix).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import benchmarks, data, state, ui
from apps import format as fmt

THEME_PARAM = "theme"
THEMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "place_of_safety": ("Place of safety", ("s136_police_station_pos_pct", "s136_ed_pos_pct")),
    "conveyance": ("Conveyance", ("s136_ambulance_pct", "s136_police_vehicle_pct")),
    "durations": ("Detention durations", ("s136_over_24h_pct",)),
    "custody": ("Custody: mental health identified", ("custody_mh_identified_pct",)),
    "liaison_diversion": ("Liaison and Diversion", ("lnd_assessed_in_custody_pct",)),
    "oocd": ("Out-of-court disposals", ("oocd_mh_pct",)),
    "triage": ("Street triage outcomes", ("triage_diverted_pct",)),
}


def published_count(count: str, alias: str) -> pl.Expr:
    """A published count column as the page shows it ('*' for 1-7), from the count and its *_sdc_flag."""
    return (
        pl.struct(count, f"{count}_sdc_flag")
        .map_elements(lambda r: fmt.count(r[count], r[f"{count}_sdc_flag"]), return_dtype=pl.String)
        .alias(alias)
    )


def s136_context(rows: pl.DataFrame) -> pl.DataFrame:
    """Durations and places of safety as mart_s136_force_year publishes them."""
    return rows.select(
        pl.col("force_name").alias("Force"),
        published_count("s136_detentions", "s136 detentions"),
        *fmt.rounded_cols({"median_hours": "Median hours (first place of safety to end)",
                           "pct_over_24h": "% over 24 hours", "pct_police_station_pos": "% police station",
                           "pct_ae_pos": "% A&E", "pct_ambulance": "% ambulance",
                           "pct_police_vehicle": "% police vehicle"}, 1),
    )  # fmt: skip


def custody_context(rows: pl.DataFrame) -> pl.DataFrame:
    """Custody, Liaison and Diversion and triage as mart_outcomes_force_year publishes them for the year."""
    return rows.select(
        pl.col("force_name").alias("Force"),
        pl.col("is_partial_year").alias("Part year"),
        published_count("custody_detentions", "Custody detentions"),
        *fmt.rounded_cols({"pct_mh_identified": "% MH identified", "pct_lnd_referred": "% L&D referred",
                           "pct_lnd_assessed": "% L&D assessed",
                           "median_hours_referral_to_assess": "Median hours referral to assessment",
                           "pct_oocd_mh": "% OOCD (MH need)"}, 1),
        published_count("triage_contacts", "Triage contacts"),
        *fmt.rounded_cols({"triage_s136_per_100": "s136 per 100 triage contacts",
                           "pct_triage_informal_admission": "% informal admission",
                           "pct_triage_cmht_crisis_referral": "% CMHT / crisis referral",
                           "pct_triage_signpost_nfa": "% signposted / NFA"}, 1),
    )  # fmt: skip


def _measure(snapshot: data.Snapshot, measure: dict, period: str, period_words: str, focus: str | None,
             name: str) -> None:  # fmt: skip
    rows = data.benchmark(snapshot.conn, snapshot.key, measure["measure_id"], period)
    st.markdown(f"#### {measure['measure_name']}")
    national = rows.filter(pl.col("geography_level") == "national")
    if national.height:
        r = national.row(0, named=True)
        unit = measure["unit"]  # '% of ...': the figures carry their % sign; a rate says what it is per
        pct = "%" if unit.startswith("%") else ""
        shown = benchmarks.value_text(r, 1) + ("" if r.get("withheld_reason") else pct)
        interval = fmt.interval(r["lcl95"], r["ucl95"], 1) + (pct if r["lcl95"] is not None else "")
        st.markdown(
            f"England and Wales, {period_words}: **{shown}** {unit.removeprefix('% ')} (95% interval {interval}). "
            + (benchmarks.CHANGE.get(r["change_significance"] or "", "") or "")
        )
    if focus and (why := benchmarks.focus_not_drawn(rows, focus)):
        st.caption(f"{name} is not drawn: {why}.")
    if not ui.ranked(rows, measure, period_words, f"outcomes_{measure['measure_id']}_{period}.csv", focus=focus):
        return
    st.caption(benchmarks.method_note(measure, rows))


def main() -> None:
    st.title("Outcomes & justice")
    st.caption(
        "Where people detained under s136 are taken and how, how long detentions last, and what happens in custody, "
        "Liaison and Diversion and street triage: every force with its 95% interval against England and Wales."
    )
    try:
        snapshot = data.open_snapshot()
        measures = data.not_empty(data.measures(snapshot.conn, snapshot.key), "benchmark measures")
        cols = st.columns([3, 2])
        theme = state.choose("Theme", list(THEMES), THEME_PARAM, fmt=lambda t: THEMES[t][0], column=cols[0])
        theme_measures = measures.filter(pl.col("measure_id").is_in(list(THEMES[theme][1]))).sort("sort_order")
        if theme_measures.is_empty():
            raise data.EmptyTable(f"{THEMES[theme][0].lower()} measures")
        first = theme_measures.row(0, named=True)
        period_type = "month" if first["frequency"] == "month" else "financial_year"
        periods = data.benchmark_periods(snapshot.conn, snapshot.key, first["measure_id"])
        if not periods:
            raise data.EmptyTable(f"{THEMES[theme][0].lower()} figures")
        period = state.choose("Period", periods, state.PERIOD, fmt=lambda p: fmt.period_long(p, period_type),
                              column=cols[1])  # fmt: skip
        # the force drawn large in every chart is chosen here and kept in the address, so a copied link highlights
        # the same force (it was read from the session only, and a link opened elsewhere lost it)
        forces = data.forces(snapshot.conn, snapshot.key)
        focus = state.choose_force(forces, national=benchmarks.NATIONAL,
                                   label="Highlight a force", column=st.columns([3, 2])[0],
                                   default=benchmarks.NATIONAL)  # fmt: skip
        fy = period if period_type == "financial_year" else fmt.fy_of_month(period)
        context = (
            s136_context(data.s136_force_year(snapshot.conn, snapshot.key, fy))
            if period_type == "financial_year"
            else custody_context(data.outcomes_force_year(snapshot.conn, snapshot.key, fy))
        )
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    period_words = fmt.period_long(period, period_type)
    name = benchmarks.force_names(forces).get(focus, "")
    for measure in theme_measures.iter_rows(named=True):
        _measure(snapshot, measure, period, period_words, None if focus == benchmarks.NATIONAL else focus, name)
    st.subheader(f"The financial year {fmt.fy_long(fy)} by force")
    file_name = f"outcomes_context_{theme}_{fy}.csv"
    # drawn when opened, so that a first view draws its charts only (docs/app.md, "Speed")
    if box := ui.on_request(f"Every force's figures for {fmt.fy_long(fy)} (table and CSV)", file_name):
        with box:
            ui.table(context, file_name, "Download the year's figures (CSV)", height=ui.rows_height(context.height))
    ui.footnotes(
        [
            "**Percentages** are of known values (not known left out of the denominator): places of safety of "
            "detentions with a known first place, conveyance of detentions with a known conveyance, excluding people "
            "already at a place of safety (as the Home Office), durations of those with both times recorded."
            if period_type == "financial_year"
            else "**Percentages** are of the force's records of the month that the measure's denominator names "
            "(custody detentions, those referred to Liaison and Diversion, out-of-court disposals, street triage "
            "contacts), each measure's definition above.",
            "**Intervals**: Wilson score 95% intervals; a force is higher or lower than England and Wales when its "
            "interval excludes the national value.",
            "**Disclosure control.** A percentage is withheld (shown as –, blank in the CSV) when its numerator or "
            "denominator is 1 to 7; counts below national level are rounded to 5, and a count of 1 to 7 is shown as "
            "*.",
        ],
        pub,
    )


main()
