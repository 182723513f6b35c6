"""s136 disproportionality: detention rates per 100,000 by broad ethnic group and rate ratios against White.

Reads mart_disproportionality (broad 5+1 scheme), dim_force_boundary (force area GeoJSON, for the map) and
publication (docs/methods.md: crude rates with Byar's / exact Poisson limits; rate ratio against White with the log
method, or the exact conditional method when a count is small; counts of 1-7 suppressed, force counts rounded to 5).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import streamlit as st

from apps import charts, data, state, ui
from apps import format as fmt

SCHEME = "broad_5p1"
NATIONAL = "E&W"
YEAR_PARAM, AREA_PARAM = "fy", "area"
FOCUS_GROUP = "Black"
SIGNIFICANCE = {"higher": "Higher than White", "similar": "Similar to White", "lower": "Lower than White"}
# how each significance word is drawn (apps.charts.COMPARISON keys: no judgement, so higher / lower blues)
SIGNIFICANCE_KEY = {"higher": "higher", "similar": "similar", "lower": "lower"}
RR_STATUS = {
    "reference": "Reference group",
    "suppressed_1_7": "No ratio: a count of 1–7 is suppressed",
    "population_lt1000": "No ratio: group population under 1,000",
    "no_reference_count": "No ratio: no White detentions",
    "no_population": "No ratio: no population",
}
PUBLISHED_RR = ("published", "published_small_counts")  # small counts: exact conditional interval
# every code the mart's reliability_flag can hold (its accepted values: tests/apps/test_national_pages.py checks)
RELIABILITY = {
    "ok": "",
    "unreliable_lt20": "Unreliable: fewer than 20 detentions",
    "suppressed_1_7": "Count of 1–7 suppressed",
    "small_population": "Small population",
    "no_population": "No rate: no Census population is loaded",
}


def reliability(code: str | None) -> str:
    """A reliability flag in words (a code the page does not know yet reads as words too, never as the code)."""
    return RELIABILITY.get(code or "ok", (code or "").replace("_", " ").capitalize())


def census_loaded(rows: pl.DataFrame) -> bool:
    """Whether the rows have a Census population behind their rates (the mart's population_vintage)."""
    return rows["population_vintage"].is_not_null().any()


def notes(census: bool, boundaries: bool) -> list[str]:
    """The page's notes, naming only what this snapshot holds: the counts are the forces' own s136 records; the Census
    populations and the force area boundaries only when they were loaded."""
    if census:
        denominators = (
            "**Denominators.** Rates use Census 2011 usual residents by broad ethnic group (the latest population by "
            "ethnicity for police force areas in this warehouse). Populations have changed since 2011, so rates are "
            "approximate; do not compare them with rates on Census 2021 denominators."
        )
    else:
        denominators = (
            "**Denominators.** No Census ethnic-group population is loaded in this snapshot, so there is no rate and "
            "no rate ratio: the table gives the detentions by group only. Rates would use Census 2011 usual "
            "residents by broad ethnic group, read from the national public files in the folder "
            "`MHW_PUBLIC_DATA_DIR` names (README, 'National sources')."
        )
    lines = [
        denominators,
        "**Ethnicity not stated.** Detentions with no recorded ethnicity are left out of every group, so every "
        "rate is an undercount; a high share not stated makes comparisons between forces unsafe."
        if census
        else "**Ethnicity not stated.** Detentions with no recorded ethnicity are left out of every group; a high "
        "share not stated makes comparisons between forces unsafe.",
    ]
    if census:
        lines.append(
            "**Method.** Crude rates with exact Poisson (fewer than 10) or Byar's 95% limits; the rate ratio against "
            "White with a log-method 95% CI, or the exact conditional interval when either count is under 10 "
            "(marked 'exact_conditional'); withheld where a count is suppressed or a group's population is under "
            "1,000 (docs/methods.md). Higher / lower means the CI of the ratio excludes 1."
        )
    lines.append(
        "**Disclosure control.** Force counts are rounded to the nearest 5, counts of 1 to 7 are shown as `*` "
        "with no rate; national counts are exact."
    )
    sources = ["Detentions: the forces' own s136 records (their returns to this warehouse), by self-defined "
               "ethnicity"]  # fmt: skip
    if census:
        sources.append("populations: ONS Census 2011, usual residents by ethnic group")
    if boundaries:
        sources.append("map: ONS police force area boundaries")
    lines.append(f"**Source.** {'; '.join(sources)}.")
    return lines


def significance(row: dict[str, Any]) -> str:
    """The mart's word against White, or why there is no ratio."""
    word = row.get("rr_significance")
    if word in SIGNIFICANCE and row.get("rr_status") in PUBLISHED_RR:
        return SIGNIFICANCE[word]
    return RR_STATUS.get(row.get("rr_status") or "", "Not compared")


def group_table(rows: pl.DataFrame, area: str, fy: str) -> pl.DataFrame:
    """The groups of one area and year as published: suppressed counts '*', no rate where the count is suppressed."""
    out = []
    for r in rows.sort("group_order").iter_rows(named=True):
        suppressed = r["sdc_flag"] == fmt.SUPPRESSED
        published = r["rr_status"] in PUBLISHED_RR
        out.append(
            {
                "Area": area,
                "Financial year": fy,
                "Ethnic group": r["ethnic_group_label"],
                "Detentions": fmt.count(r["numerator"], r["sdc_flag"]),
                "Population (Census 2011)": None if r["population"] is None else int(r["population"]),
                "Rate per 100k": None if suppressed else r["rate_per_100k"],
                "Lower 95%": None if suppressed else r["rate_lcl"],
                "Upper 95%": None if suppressed else r["rate_ucl"],
                "Rate ratio vs White": r["rate_ratio_vs_white"] if published else None,
                "Ratio 95% CI": fmt.interval(r["rr_lcl"], r["rr_ucl"], 2) if published else "–",
                "Ratio method": (r.get("rr_method") or "") if published else "",
                "Compared with White": significance(r),
                "Reliability": reliability(r["reliability_flag"]),
            }
        )
    schema = dict.fromkeys(["Area", "Financial year", "Ethnic group", "Detentions"], pl.String)
    schema |= {"Population (Census 2011)": pl.Int64} | dict.fromkeys(["Rate per 100k", "Lower 95%", "Upper 95%",
                                                                     "Rate ratio vs White"], pl.Float64)  # fmt: skip
    schema |= dict.fromkeys(["Ratio 95% CI", "Ratio method", "Compared with White", "Reliability"], pl.String)
    return pl.DataFrame(out, schema=schema)


def rate_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The rate chart's frame: each group with a shown rate, its interval and its comparison with White."""
    shown = rows.filter(pl.col("rate_per_100k").is_not_null() & (pl.col("sdc_flag") != fmt.SUPPRESSED))
    return shown.sort("group_order").select(
        pl.col("ethnic_group_label").alias("Area"),
        pl.col("rate_per_100k").alias("Value"),
        pl.col("rate_lcl").alias("Lower 95%"),
        pl.col("rate_ucl").alias("Upper 95%"),
        pl.struct(shown.columns).map_elements(
            lambda r: charts.COMPARISON[SIGNIFICANCE_KEY.get(r["rr_significance"], "not_compared")
                                        if r["rr_status"] in PUBLISHED_RR else "not_compared"][0],
            return_dtype=pl.String,
        ).alias("Compared"),
        pl.lit("Other").alias("Highlight"),
    )  # fmt: skip


def force_ratios(ratios: pl.DataFrame) -> pl.DataFrame:
    """Every force's Black:White rate ratio as published (the map's figures)."""
    out = []
    for r in ratios.iter_rows(named=True):
        published = r["rr_status"] in PUBLISHED_RR and not fmt.missing(r["rate_ratio_vs_white"])
        out.append(
            {
                "Force": r["geography_name"],
                "Black:White rate ratio": round(float(r["rate_ratio_vs_white"]), 2) if published else None,
                "95% CI": fmt.interval(r["rr_lcl"], r["rr_ucl"], 2) if published else "–",
                "Compared with White": significance(r),
            }
        )
    schema = {"Force": pl.String, "Black:White rate ratio": pl.Float64, "95% CI": pl.String}
    return pl.DataFrame(out, schema=schema | {"Compared with White": pl.String})


def map_features(boundaries: pl.DataFrame, ratios: pl.DataFrame, codes: dict[str, str]) -> list[dict]:
    """One GeoJSON feature per force area with its published ratio (``codes``: force name -> code)."""
    by_code = {codes.get(r["Force"]): r for r in ratios.iter_rows(named=True)}
    features = []
    for b in boundaries.iter_rows(named=True):
        try:
            geometry = charts.d3_winding(json.loads(b["geometry_geojson"]))
        except (TypeError, ValueError):
            continue
        r = by_code.get(b["force_code"], {})
        properties = {"force": b["force_name"], "value": r.get("Black:White rate ratio"), "ci": r.get("95% CI", "–"),
                      "status": r.get("Compared with White", "No figures for this force")}  # fmt: skip
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def grey_areas_caption(ratios: pl.DataFrame, areas: int, fy: str) -> str:
    """The map's key: what the shades mean and why each grey area is grey (a withheld ratio, or no figures)."""
    withheld = sorted(ratios.filter(pl.col("Black:White rate ratio").is_null())["Force"].to_list())
    without = areas - ratios.height
    reasons = []
    if withheld:
        reasons.append(
            f"{len(withheld)} with figures but no published ratio ({', '.join(withheld)}: a count is suppressed, "
            "1 to 7, there were no White detentions, or the group population is under 1,000)"
        )
    if without > 0:
        reasons.append(f"{without} with no s136 figures for {fy} in this snapshot")
    grey = f"Grey = no ratio: {'; '.join(reasons)}." if reasons else "Every force area has a published ratio."
    return f"Darker blue = a higher ratio (log scale; 1 = the same rate as White residents). {grey}"


def _headline(rows: pl.DataFrame) -> None:
    first = rows.row(0, named=True)
    if first.get("population_caveat"):
        st.warning(first["population_caveat"])
    focus = rows.filter(pl.col("ethnic_group") == FOCUS_GROUP)
    focus_row = focus.row(0, named=True) if focus.height else {}
    m = st.columns(4)
    ratio = focus_row.get("rate_ratio_vs_white") if focus_row.get("rr_status") in PUBLISHED_RR else None
    m[0].metric("Black:White rate ratio", fmt.num(ratio, 2))
    m[0].caption(
        f"95% CI {fmt.interval(focus_row.get('rr_lcl'), focus_row.get('rr_ucl'), 2)} · {significance(focus_row)}"
        if ratio is not None
        else RR_STATUS.get(focus_row.get("rr_status") or "", "No ratio")
    )
    m[1].metric("Ethnicity not stated", fmt.pct(first.get("pct_ethnicity_not_stated")))
    m[1].caption(
        f"{fmt.count(first.get('ethnicity_not_stated'), first.get('ethnicity_not_stated_sdc_flag'))} detentions "
        "with no recorded ethnicity: in no group below"
    )
    white = rows.filter(pl.col("ethnic_group") == "White")
    if white.height:
        w = white.row(0, named=True)
        m[2].metric("White rate per 100k", "*" if w["sdc_flag"] == fmt.SUPPRESSED else fmt.num(w["rate_per_100k"]))
        m[2].caption("The reference group for every ratio")
    if first.get("forces_reporting") is not None:
        m[3].metric("Forces reporting", f"{int(first['forces_reporting'])}")
        # so E&W here is fewer detentions than the s136 page's headline, which counts BTP's too
        m[3].caption("Territorial forces only: British Transport Police has no resident population to rate against")


def _map_section(snapshot: data.Snapshot, fy: str) -> None:
    st.subheader("Black:White rate ratio by force")
    ratios = force_ratios(data.disproportionality_forces(snapshot.conn, snapshot.key, SCHEME, fy, FOCUS_GROUP))
    boundaries = data.force_boundaries(snapshot.conn, snapshot.key)
    if boundaries.is_empty():
        st.info(
            "No force boundaries are in this snapshot (the public boundary file was not loaded), so the map is not "
            "drawn. The ratios are in the table below."
        )
        ui.table(ratios, f"s136_black_white_ratio_by_force_{fy}.csv", "Download the force ratios (CSV)")
        return
    codes = dict(zip(boundaries["force_name"].to_list(), boundaries["force_code"].to_list(), strict=True))
    codes |= {n: c for c, n in data.forces(snapshot.conn, snapshot.key).select("force_code", "force_name").iter_rows()}
    chart, areas = charts.choropleth(map_features(boundaries, ratios, codes), "Black:White rate ratio",
                                     {"force": "Force", "value": "Black:White rate ratio", "ci": "95% CI",
                                      "status": "Compared with White"})  # fmt: skip
    ui.chart(
        chart,
        ratios,
        "Map of force areas shaded by the Black:White rate ratio; the same figures are in the table below.",
        f"s136_black_white_ratio_by_force_{fy}.csv",
        datasets=areas,
    )
    st.caption(grey_areas_caption(ratios, boundaries["force_code"].n_unique(), fy))
    attribution = boundaries["attribution"].drop_nulls()
    if attribution.len():
        st.caption(f"Boundaries: {attribution[0]}")


def main() -> None:
    st.title("s136 disproportionality")
    st.caption(
        "Section 136 detentions per 100,000 residents by broad ethnic group, and the rate ratio against White "
        "residents, for England and Wales and each police force."
    )
    try:
        snapshot = data.open_snapshot()
        years = data.disproportionality_years(snapshot.conn, snapshot.key, SCHEME)
        if not years:
            raise data.EmptyTable("ethnicity figures for s136 detentions")
        cols = st.columns([1, 2, 1])
        fy = state.choose("Financial year", years, YEAR_PARAM, fmt=fmt.fy_long, column=cols[0])
        areas = data.disproportionality_areas(snapshot.conn, snapshot.key, SCHEME, fy)
        names = dict(zip(areas["geography_code"], areas["geography_name"], strict=True))
        area = state.choose("Area", areas["geography_code"].to_list(), AREA_PARAM, fmt=lambda c: names.get(c, c),
                            column=cols[1], default=state.current(state.FORCE))  # fmt: skip
        rows = data.disproportionality(snapshot.conn, snapshot.key, SCHEME, fy, area)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    name = rows["geography_name"][0]
    _headline(rows)
    table = group_table(rows, name, fy)
    has_rates = table["Population (Census 2011)"].is_not_null().any()
    if not has_rates:  # no Census population: counts by group only, without the columns of rates left empty
        table = table.drop("Population (Census 2011)", "Rate per 100k", "Lower 95%", "Upper 95%",
                           "Rate ratio vs White", "Ratio 95% CI", "Ratio method")  # fmt: skip
    st.subheader(f"{'Rates' if has_rates else 'Detentions'} by ethnic group: {name}, {fy}")
    ui.table(
        table,
        f"s136_disproportionality_{area}_{fy}.csv",
        "Download the group table (CSV)",
        column_config={
            "Detentions": st.column_config.TextColumn(
                help="Force counts rounded to the nearest 5; * = 1 to 7 (suppressed). National counts exact."
            ),
            "Population (Census 2011)": st.column_config.NumberColumn(format="localized"),
            "Rate per 100k": st.column_config.NumberColumn(format="%.1f"),
            "Lower 95%": st.column_config.NumberColumn(format="%.1f"),
            "Upper 95%": st.column_config.NumberColumn(format="%.1f"),
            "Rate ratio vs White": st.column_config.NumberColumn(format="%.2f"),
            "Compared with White": st.column_config.TextColumn(
                help="Higher / lower when the 95% CI of the ratio excludes 1; otherwise similar. No judgement of "
                "cause is implied."
            ),
        },
    )
    flagged = rows.filter(pl.col("reliability_flag").is_not_null() & (pl.col("reliability_flag") != "ok"))
    if flagged.height == rows.height and flagged["reliability_flag"].n_unique() == 1:  # every group: said once
        st.caption(f"Reliability, every group: {reliability(flagged['reliability_flag'][0])}.")
    elif flagged.height:
        st.caption(
            "Reliability: "
            + "; ".join(
                f"{r['ethnic_group_label']}: {reliability(r['reliability_flag'])}"
                for r in flagged.iter_rows(named=True)
            )
            + "."
        )
    rates = rate_rows(rows)
    if rates.is_empty():
        st.info("No group has a rate that can be shown for this area and year.")
    else:
        ui.chart(
            charts.interval_chart(rates, "s136 detentions per 100,000 residents (Census 2011)", sort=False),
            rates,
            "Rates per 100,000 by ethnic group with 95% intervals; the figures are in the table.",
            f"s136_rates_by_group_{area}_{fy}.csv",
        )
    _map_section(snapshot, fy)
    boundaries = not data.force_boundaries(snapshot.conn, snapshot.key).is_empty()
    ui.footnotes(
        notes(census_loaded(rows), boundaries),
        pub,
    )


main()
