"""National sources: the published figures the benchmarks lean on, as their publishers released them.

Home Office use of force statistics (mental-health share of tactics by force, mart_use_of_force_mh), the resident
populations behind every rate per 100,000: the ONS estimates (mart_population_force_year) or, when no ONS file was
loaded, the approximate stand-ins the rates divide by instead (mart_s136_force_year), and the published national s136
totals beside the warehouse's own (mart_s136_national_published). Deaths, coroners' reports and
inspections are on the Learning page. Published aggregates only; no person-level rows are read.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import charts, data, links, state, ui
from apps import format as fmt

CAUTIONS = {
    "ok": "",
    "condition_not_reported_over_half": "Condition not reported for over half the tactics",
    "no_reported_condition": "No tactic with a reported condition",
    "condition_breakdown_not_published": "Condition breakdown not published",
}
# recording quality of a force's use-of-force returns: a hollow point when most tactics have no condition recorded
RECORDING = {
    "ok": ("Most tactics have a reported condition", charts.FOCUS, "#FFFFFF", "circle"),
    "caution": ("Over half not reported", "#FFFFFF", charts.INK, "circle"),
}
POPULATION_SOURCES = {
    "ons_mye": "ONS mid-year estimate",
    "ons_mye_carried_forward": "ONS estimate carried forward",
    "standin": "Stand-in: approximate, not an ONS figure",
}
GEO_LEVELS = {"england_and_wales": "England and Wales", "force": "Police force area"}
NO_RESIDENTS = "No resident population: no rate per 100,000"
STANDIN_WARNING = (
    "No ONS population file is loaded, so every rate per 100,000 divides by a stand-in population: an approximate "
    "figure by force, not an ONS estimate. Treat those rates as illustrative."
)


def use_of_force_rows(forces: pl.DataFrame) -> pl.DataFrame:
    """The chart's frame: each force's mental-health share of tactics with its 95% interval and recording quality."""
    return forces.select(
        pl.col("area_name").alias("Area"),
        pl.col("pct_mental_health").alias("Value"),
        pl.col("pct_mental_health_lcl95").alias("Lower 95%"),
        pl.col("pct_mental_health_ucl95").alias("Upper 95%"),
        pl.when(pl.col("share_caution") == "ok").then(pl.lit(RECORDING["ok"][0])).otherwise(
            pl.lit(RECORDING["caution"][0])).alias("Compared"),
        pl.lit("Other").alias("Highlight"),
        fmt.rounded_col(pl.col("pct_condition_not_reported"), 1).alias("% condition not reported"),
    )  # fmt: skip


def use_of_force_section(snapshot: data.Snapshot) -> None:
    frame = data.use_of_force(snapshot.conn, snapshot.key)
    frame = data.not_empty(frame, "use of force figures", data.PUBLIC_DATA_HINT)
    fy = frame["fy_label"][0]
    frame = frame.filter(pl.col("fy_label") == fy)
    st.subheader(f"Use of force with a mental-health condition, {fy}")
    national = frame.filter(pl.col("is_national"))
    ew = national.row(0, named=True) if national.height else {}
    if ew:
        st.markdown(
            f"In England and Wales, **{fmt.pct(ew.get('pct_mental_health'))}** of use-of-force tactics with a "
            "reported condition involved a perceived mental-health condition (95% CI "
            f"{fmt.interval(ew.get('pct_mental_health_lcl95'), ew.get('pct_mental_health_ucl95'))}%)."
        )
    forces = frame.filter(~pl.col("is_national") & pl.col("pct_mental_health").is_not_null())
    if forces.height:
        rows = use_of_force_rows(forces)
        ui.chart(
            charts.interval_chart(rows, "% of tactics with a reported condition: mental health",
                                  ew.get("pct_mental_health"), palette=RECORDING),
            rows,
            "Dot plot of the mental-health share of use-of-force tactics by force with 95% intervals; the dashed "
            "line is England and Wales. The figures are in the table below the chart.",
            f"use_of_force_mh_share_{fy}.csv",
        )  # fmt: skip
    st.caption(
        "**Denominator:** tactics where the officer recorded whether the subject had a perceived physical or mental "
        "condition (mental + physical + physical and mental + none). Tactics with the condition 'not reported' are "
        "left out; hollow points mark forces where more than half were not reported, so their share describes a "
        "small and probably unrepresentative subset. Wilson 95% intervals treat each tactic as independent; tactics "
        "cluster within incidents, so the true uncertainty is wider."
    )
    with st.expander("Every area, with the counts (table and CSV)"):
        table = frame.sort("pct_mental_health", descending=True, nulls_last=True).select(
            pl.col("area_name").alias("Area"),
            pl.col("n_mental_health").alias("Tactics: mental health"),
            pl.col("n_condition_reported").alias("Tactics with a condition recorded"),
            fmt.rounded_col(pl.col("pct_mental_health"), 1).alias("MH share %"),
            pl.struct("pct_mental_health_lcl95", "pct_mental_health_ucl95")
            .map_elements(lambda r: fmt.interval(*r.values()), return_dtype=pl.String).alias("95% CI"),
            fmt.rounded_col(pl.col("pct_condition_not_reported"), 1).alias("% condition not reported"),
            pl.col("share_caution").replace_strict(CAUTIONS, default=pl.col("share_caution")).alias("Caution"),
        )  # fmt: skip
        ui.table(table, f"use_of_force_by_area_{fy}.csv", "Download the use of force table (CSV)")


def ons_loaded(snapshot: data.Snapshot) -> bool:
    """Whether the snapshot holds ONS population estimates (else the rates divide by stand-ins)."""
    try:
        return not data.population_years(snapshot.conn, snapshot.key).is_empty()
    except data.SnapshotUnavailable:
        return False


def rate_population_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The populations the rates divide by, as shown: area, population and where it comes from, in words."""
    return frame.select(
        pl.when(pl.col("geo_level") == "england_and_wales").then(pl.lit("England and Wales (forces reporting)"))
        .otherwise(pl.col("geo_name")).alias("Area"),
        pl.col("fy_label").alias("Financial year"),
        pl.col("population").alias("Population"),
        pl.when(pl.col("population").is_null()).then(pl.lit(NO_RESIDENTS))
        .otherwise(pl.col("population_source").replace_strict(POPULATION_SOURCES, default=pl.col("population_source")))
        .alias("Source"),
    )  # fmt: skip


def rate_population_section(snapshot: data.Snapshot) -> None:
    """Without the ONS file: the stand-in populations the rates use, said to be stand-ins, by force."""
    frame = data.rate_populations(snapshot.conn, snapshot.key)
    frame = data.not_empty(frame, "population figures", data.PUBLIC_DATA_HINT)
    fy = frame["fy_label"][0]
    st.subheader("Resident population: the denominator of every rate per 100,000")
    if (frame["population_source"] == "standin").any():
        st.warning(STANDIN_WARNING)
    rows = rate_population_rows(frame)
    ui.table(rows, f"rate_populations_by_force_{fy}.csv", "Download the populations (CSV)",
             column_config={"Population": st.column_config.NumberColumn(format="localized")},
             height=ui.rows_height(rows.height, 900))  # fmt: skip
    st.caption(
        f"The populations the rates of {fy} divide by (the s136 and mental-health incident rates per 100,000), for "
        "each force with s136 figures that year; England and Wales is the population of the territorial forces "
        "reporting, the denominator of its rate. A stand-in is the same in every year. British Transport Police has "
        "no resident population, so no rate per 100,000. ONS estimates are read from the national public "
        "files in the folder `MHW_PUBLIC_DATA_DIR` names (README, 'National sources'): set it and run `make refresh`."
    )


def population_section(snapshot: data.Snapshot) -> None:
    frame = data.population_years(snapshot.conn, snapshot.key)
    if frame.is_empty():
        rate_population_section(snapshot)
        return
    years = sorted(frame["mid_year"].unique().to_list(), reverse=True)
    st.subheader("Resident population: the denominator of every rate per 100,000")
    year = state.choose("Mid-year", [str(y) for y in years], "mid_year", column=st.columns([1, 3])[0])
    rows = frame.filter(pl.col("mid_year") == int(year)).select(
        pl.col("geo_name").alias("Area"),
        pl.col("geo_level").replace_strict(GEO_LEVELS, default=pl.col("geo_level")).alias("Level"),
        pl.col("population").alias("Population"),
        pl.col("population_vintage").alias("Vintage"),
        pl.col("population_source").replace_strict(POPULATION_SOURCES, default=pl.col("population_source"))
        .alias("Source"),
    )  # fmt: skip
    ui.table(rows, f"population_by_force_{year}.csv", "Download the populations (CSV)",
             column_config={"Population": st.column_config.NumberColumn(format="localized")},
             height=ui.rows_height(rows.height, 900))  # fmt: skip
    carried = (
        data.s136_national(snapshot.conn, snapshot.key)
        .filter(pl.col("population_source") == "ons_mye_carried_forward")["fy_label"]
        .to_list()
    )
    carried_words = (
        f" The rates of {carried[0]}{' to ' + carried[-1] if len(carried) > 1 else ''} divide by the mid-{years[0]} "
        "estimate carried forward, the latest in the file; ONS has since revised its estimates on the 2021 Census."
        if carried
        else ""
    )
    st.caption(
        "ONS mid-year population estimates by police force area, as published. Years after the latest ONS year use "
        "the latest year carried forward (labelled so in every rate). Without the ONS file, rates use an approximate "
        f"stand-in population, labelled 'stand-in' wherever it is used.{carried_words}"
    )


PARTIAL = "warehouse: some force's records cover part of the year only"


def s136_published_rows(frame: pl.DataFrame, forces: int) -> pl.DataFrame:
    """The published national s136 totals, each beside the warehouse's total of its year, as the table shows them
    (`forces`: how many forces the warehouse knows, so a year some of them have not reported says so)."""
    fewer = pl.col("warehouse_forces_reporting") < forces
    missing = pl.when(fewer).then(pl.format("warehouse: {} of {} forces reporting", "warehouse_forces_reporting",
                                            pl.lit(forces)))  # fmt: skip
    return frame.select(
        pl.col("fy_label").alias("Financial year"),
        pl.col("published_s136_detentions").alias("s136, published"),
        pl.col("published_s136_police_cell").alias("Police cell"),
        pl.col("published_s136_health_based").alias("Health-based"),
        pl.col("published_s135_detentions").alias("s135, published"),
        pl.col("warehouse_s136_detentions").alias("s136, warehouse"),
        pl.col("warehouse_s136_like_for_like").alias("s136, warehouse like for like"),
        pl.col("s136_difference").alias("Difference"),
        pl.col("s136_difference_pct").alias("Difference %"),
        pl.concat_str([pl.col("coverage_note"), missing, pl.when(pl.col("warehouse_is_partial_year"))
                       .then(pl.lit(PARTIAL))], separator="; ", ignore_nulls=True).alias("Not like for like"),
        pl.col("publication").alias("Publication"),
    )  # fmt: skip


def s136_published_sentence(frame: pl.DataFrame, forces: int, names: dict[str, str], demo: bool) -> str:
    """The years the warehouse holds, in words: its total, without the forces the published figure leaves out
    (`names`: force code -> name), against the published one (and how many of its `forces` report that year, when
    not all), or that it holds none."""
    held = frame.filter(pl.col("warehouse_s136_detentions").is_not_null()).sort("fy_label")
    if held.is_empty():
        return (
            "The warehouse holds none of the years these texts publish, so nothing is compared: the table shows the "
            "published figures alone."
        )
    parts = []
    for r in held.iter_rows(named=True):
        reporting = r["warehouse_forces_reporting"]
        some = f"; {reporting} of {forces} forces reporting" if reporting < forces else ""
        left_out = [names.get(code, code) for code in (r["s136_excluded_forces"] or "").split(",") if code]
        without = (
            f", **{r['warehouse_s136_like_for_like']:,}** without {' and '.join(left_out)}, which the published "
            "figure leaves out,"
            if left_out
            else ""
        )
        parts.append(
            f"in {fmt.fy_long(r['fy_label'])} the warehouse holds {r['warehouse_s136_detentions']:,} s136 "
            f"detentions for England and Wales{without} against **{r['published_s136_detentions']:,}** published "
            f"({r['s136_difference']:+,}, {r['s136_difference_pct']:+.1f}%{some})"
        )
    text = "; ".join(parts)
    demo_words = (
        " The warehouse's figures come from the synthetic demo data, so the difference says nothing about any force's "
        "recording: the comparison shows what a refresh of the forces' real returns is checked against."
        if demo
        else ""
    )
    return f"{text[0].upper()}{text[1:]}.{demo_words}"


def s136_published_section(snapshot: data.Snapshot) -> None:
    frame = data.s136_published(snapshot.conn, snapshot.key)
    frame = data.not_empty(frame, "published national s136 figures", data.PUBLIC_DATA_HINT)
    st.subheader("s136 detentions: the national statistics beside the warehouse")
    demo = bool(data.publication(snapshot.conn, snapshot.key).get("is_demo_data"))
    force_table = data.forces(snapshot.conn, snapshot.key)
    forces, names = force_table.height, dict(force_table.select("force_code", "force_name").iter_rows())
    st.markdown(s136_published_sentence(frame, forces, names, demo))
    rows = s136_published_rows(frame, forces)
    counts = ["s136, published", "Police cell", "Health-based", "s135, published", "s136, warehouse"]
    counts += ["s136, warehouse like for like", "Difference"]
    ui.table(
        rows,
        "s136_national_published.csv",
        "Download the published and warehouse totals (CSV)",
        column_config={c: st.column_config.NumberColumn(format="localized") for c in counts}
        | {"Difference %": st.column_config.NumberColumn(format="%+.1f", help="Of the published figure.")}
        | {
            "Not like for like": st.column_config.TextColumn(width="large"),
            "Publication": st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(
        "England and Wales s136 detentions as two public texts print them: the House of Commons Home Affairs "
        "Committee's *Policing and mental health* (2015; detentions taken to a place of safety, before the Home "
        "Office's annual data requirement, 2011-12 rounded to thousands) and the Home Office's answer to "
        "parliamentary question 190083 (June 2023; s136 without Dyfed-Powys, s135 without six forces, later "
        "revised). The warehouse's figure is its exact national total of the same year (territorial forces and "
        "BTP); like for like, it leaves out the forces the published figure leaves out, and the difference is that "
        "total minus the published one. Neither text says whether British Transport Police's detentions are in "
        "its figure; a partial warehouse year or fewer forces reporting is said in the table."
    )


SECTIONS = {  # tabs (ui.open_tab)
    "Use of force": use_of_force_section,
    "Population": population_section,
    "s136 statistics": s136_published_section,
}


def main() -> None:
    st.title("National sources")
    st.caption(
        "Published national statistics beside the force figures: Home Office use of force, the populations behind "
        "every rate per 100,000 (ONS estimates, or approximate stand-ins where no ONS file is loaded) and the "
        "published national s136 totals beside the warehouse's. Deaths, coroners' reports and inspections are on "
        "the Learning page."
    )
    try:
        snapshot = data.open_snapshot()
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    section, tab = ui.open_tab(list(SECTIONS))
    with tab:
        ui.section(SECTIONS[section], snapshot)
    st.page_link(
        links.page_file(links.LEARNING), label="Learning: deaths, coroners and inspections", icon=":material/menu_book:"
    )
    ui.footnotes(
        [
            "**Use of force.** Home Office police use of force statistics; the share is of tactics (one incident can "
            "record several), not of people. Figures as the Home Office published them.",
            "**Population.** ONS mid-year estimates by police force area (Open Government Licence)."
            if ons_loaded(snapshot)
            else "**Population.** No ONS population file is loaded: rates per 100,000 divide by the warehouse's "
            "approximate stand-in populations by force, not ONS figures.",
            "**s136 statistics.** Published figures as printed (Parliamentary copyright; Open Parliament Licence); "
            "the warehouse's national totals are exact, as every national count is.",
        ],
        data.publication(snapshot.conn, snapshot.key),
    )


main()
