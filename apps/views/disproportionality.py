"""s136 disproportionality: detention rates per 100,000 by broad ethnic group and rate ratios against White.

Reads `mart_disproportionality` (broad 5+1 scheme), `dim_force_boundary` (force area GeoJSON, for the map) and
`publication` from the serving snapshot (methods.md §2: crude rates with Byar's / exact Poisson limits, rate ratio
against White with a log-method 95% CI; §4: counts of 1–7 suppressed, force counts rounded to 5).
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from apps import common, data

SCHEME = "broad_5p1"
NATIONAL = "E&W"
YEAR_PARAM, AREA_PARAM = "fy", "area"
FOCUS_GROUP = "Black"
SIGNIFICANCE = {
    "higher": "Higher than White",
    "similar": "Similar to White",
    "lower": "Lower than White",
}
RR_STATUS = {
    "reference": "Reference group",
    "suppressed_1_7": "No ratio: a count of 1–7 is suppressed",
    "population_lt1000": "No ratio: group population under 1,000",
    "no_reference_count": "No ratio: no White detentions",
}
# ratios the mart publishes (small counts with the exact conditional interval, docs/methods.md §2.4)
PUBLISHED_RR = ("published", "published_small_counts")
RELIABILITY = {
    "ok": "",
    "unreliable_lt20": "Unreliable: fewer than 20 detentions",
    "suppressed_1_7": "Count of 1–7 suppressed",
    "small_population": "Small population",
}
NO_RATIO = "#BFC1C3"  # GOV.UK mid-grey: forces with no published ratio


def fy_long(fy_label: str) -> str:
    try:
        return f"{fy_label} (year ending March {int(fy_label[:4]) + 1})"
    except ValueError:
        return fy_label


def count_text(value: Any, flag: str | None) -> str:
    if flag == "suppressed_1_7":
        return "*"
    return "–" if common.missing(value) else f"{int(value):,}"


def significance(row: dict[str, Any]) -> str:
    """The mart's word, or the same rule from the CI (higher / lower when it excludes 1)."""
    word = row.get("rr_significance")
    if word in SIGNIFICANCE:
        return SIGNIFICANCE[word]
    lcl, ucl = row.get("rr_lcl"), row.get("rr_ucl")
    if common.missing(lcl) or common.missing(ucl):
        return RR_STATUS.get(row.get("rr_status") or "", "Not compared")
    return SIGNIFICANCE["higher" if lcl > 1 else "lower" if ucl < 1 else "similar"]


def ci_text(lo: Any, hi: Any, digits: int) -> str:
    if common.missing(lo) or common.missing(hi):
        return "–"
    return f"{lo:,.{digits}f} to {hi:,.{digits}f}"


def group_table(rows: pl.DataFrame) -> pl.DataFrame:
    """The on-screen table of broad groups (suppressed counts as '*', no rate where the count is suppressed)."""
    out = []
    for r in rows.sort("group_order").iter_rows(named=True):
        suppressed = r["sdc_flag"] == "suppressed_1_7"
        out.append(
            {
                "Ethnic group": r["ethnic_group_label"],
                "Detentions": count_text(r["numerator"], r["sdc_flag"]),
                "Population (Census 2011)": None if r["population"] is None else int(r["population"]),
                "Rate per 100k": None if suppressed else r["rate_per_100k"],
                "95% CI": "–" if suppressed else ci_text(r["rate_lcl"], r["rate_ucl"], 1),
                "Rate ratio vs White": r["rate_ratio_vs_white"] if r["rr_status"] in PUBLISHED_RR else None,
                "Ratio 95% CI": ci_text(r["rr_lcl"], r["rr_ucl"], 2) if r["rr_status"] in PUBLISHED_RR else "–",
                "Compared with White": significance(r),
                "Reliability": RELIABILITY.get(r["reliability_flag"] or "", r["reliability_flag"] or ""),
            }
        )
    return pl.DataFrame(out)


def download_frame(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.sort("group_order").select(
        pl.lit("s136 detentions per 100,000 by broad ethnic group").alias("indicator"),
        "fy_label",
        "geography_code",
        "geography_name",
        pl.col("ethnic_group_label").alias("ethnic_group"),
        pl.when(pl.col("sdc_flag") == "suppressed_1_7")
        .then(pl.lit("*"))
        .otherwise(pl.col("numerator").cast(pl.String))
        .alias("detentions_published"),
        "sdc_flag",
        "population",
        "population_vintage",
        pl.when(pl.col("sdc_flag") == "suppressed_1_7").then(None).otherwise(pl.col("rate_per_100k")).alias("rate"),
        pl.when(pl.col("sdc_flag") == "suppressed_1_7").then(None).otherwise(pl.col("rate_lcl")).alias("rate_lcl95"),
        pl.when(pl.col("sdc_flag") == "suppressed_1_7").then(None).otherwise(pl.col("rate_ucl")).alias("rate_ucl95"),
        "rate_ratio_vs_white",
        pl.col("rr_lcl").alias("rr_lcl95"),
        pl.col("rr_ucl").alias("rr_ucl95"),
        "rr_status",
        "rr_significance",
        "reliability_flag",
        "pct_ethnicity_not_stated",
    )


def rate_chart(rows: pl.DataFrame) -> alt.LayerChart:
    shown = rows.filter(pl.col("rate_per_100k").is_not_null() & (pl.col("sdc_flag") != "suppressed_1_7")).select(
        pl.col("ethnic_group_label").alias("Group"),
        pl.col("group_order"),
        pl.col("rate_per_100k").cast(pl.Float64).alias("Rate per 100k"),
        pl.col("rate_lcl").cast(pl.Float64).alias("Lower 95%"),
        pl.col("rate_ucl").cast(pl.Float64).alias("Upper 95%"),
    )
    order = shown.sort("group_order")["Group"].to_list()
    y = alt.Y("Group:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13))
    bars = (
        alt.Chart(shown)
        .mark_bar(color="#1D70B8", height=22)
        .encode(
            y=y,
            x=alt.X("Rate per 100k:Q", title="s136 detentions per 100,000 residents (Census 2011)"),
            tooltip=[
                "Group:N",
                alt.Tooltip("Rate per 100k:Q", format=".1f"),
                alt.Tooltip("Lower 95%:Q", format=".1f"),
                alt.Tooltip("Upper 95%:Q", format=".1f"),
            ],
        )
    )
    errors = (
        alt.Chart(shown)
        .mark_errorbar(ticks=True, color="#0B0C0C", thickness=1.5)
        .encode(y=y, x=alt.X("Lower 95%:Q", title=""), x2="Upper 95%:Q")
    )
    return alt.layer(bars, errors).properties(height=40 * max(shown.height, 1) + 30)


# --- map --------------------------------------------------------------------------------------------------


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2


def _d3_winding(geometry: dict[str, Any]) -> dict[str, Any]:
    """d3-geo (Vega) wants exterior rings clockwise; RFC 7946 files wind them anticlockwise and fill the globe."""

    def polygon(rings: list) -> list:
        fixed = []
        for i, ring in enumerate(rings):
            clockwise = _signed_area(ring) < 0
            want_clockwise = i == 0
            fixed.append(ring if clockwise == want_clockwise else ring[::-1])
        return fixed

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    return geometry


def feature_collection(boundaries: pl.DataFrame, ratios: pl.DataFrame) -> dict[str, Any]:
    """A GeoJSON FeatureCollection, one feature per force area, with the Black:White ratio in its properties."""
    by_code = {r["geography_code"]: r for r in ratios.iter_rows(named=True)}
    features = []
    for b in boundaries.iter_rows(named=True):
        try:
            geometry = _d3_winding(json.loads(b["geometry_geojson"]))
        except (TypeError, ValueError):
            continue
        r = by_code.get(b["force_code"], {})
        published = r.get("rr_status") in PUBLISHED_RR and not common.missing(r.get("rate_ratio_vs_white"))
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "force": b["force_name"],
                    "ratio": round(float(r["rate_ratio_vs_white"]), 2) if published else None,
                    "ci": ci_text(r.get("rr_lcl"), r.get("rr_ucl"), 2) if published else "–",
                    "status": significance(r)
                    if published
                    else RR_STATUS.get(r.get("rr_status") or "", "No figures for this force"),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def ratio_map(collection: dict[str, Any]) -> alt.LayerChart:
    with_ratio = [f for f in collection["features"] if f["properties"]["ratio"] is not None]
    without = [f for f in collection["features"] if f["properties"]["ratio"] is None]
    tooltip = [
        alt.Tooltip("properties.force:N", title="Force"),
        alt.Tooltip("properties.ratio:Q", title="Black:White rate ratio", format=".2f"),
        alt.Tooltip("properties.ci:N", title="95% CI"),
        alt.Tooltip("properties.status:N", title="Compared with White"),
    ]
    projection = {"type": "mercator"}
    grey = (
        alt.Chart(alt.Data(values=without))
        .mark_geoshape(fill=NO_RATIO, stroke="#FFFFFF", strokeWidth=0.6)
        .encode(tooltip=tooltip)
        .project(**projection)
    )
    coloured = (
        alt.Chart(alt.Data(values=with_ratio))
        .mark_geoshape(stroke="#FFFFFF", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                "properties.ratio:Q",
                title="Black:White rate ratio",
                scale=alt.Scale(type="log", scheme="blues"),
                legend=alt.Legend(orient="left", format=".1f", gradientLength=220),
            ),
            tooltip=tooltip,
        )
        .project(**projection)
    )
    return alt.layer(grey, coloured).properties(height=560)


def _map_section(snapshot: data.Snapshot, fy: str) -> pl.DataFrame:
    st.subheader("Black:White rate ratio by force")
    ratios = common.query(
        snapshot.conn,
        snapshot.key,
        "select geography_code, geography_name, rate_ratio_vs_white, rr_lcl, rr_ucl, rr_status, rr_significance, "
        "numerator, sdc_flag, rate_per_100k, reliability_flag from mart_disproportionality "
        "where ethnicity_scheme = ? and fy_label = ? and geography_level = 'force' and ethnic_group = ? "
        "order by geography_name",
        (SCHEME, fy, FOCUS_GROUP),
    )
    try:
        boundaries = common.query(
            snapshot.conn,
            snapshot.key,
            "select force_code, force_name, geometry_geojson, attribution from dim_force_boundary order by force_code",
        )
    except data.SnapshotUnavailable:
        boundaries = pl.DataFrame()
    if boundaries.is_empty():
        st.info(
            "No force boundaries are in this snapshot (the public boundary file was not loaded), so the map is "
            "not drawn. The ratios are in the table below."
        )
    else:
        collection = feature_collection(boundaries, ratios)
        st.altair_chart(
            ratio_map(collection),
            width="stretch",
            alt="Map of force areas shaded by the Black:White rate ratio; the same figures are in the table below.",
        )
        grey = [f["properties"]["force"] for f in collection["features"] if f["properties"]["ratio"] is None]
        st.caption(
            "Darker blue = a higher ratio (log scale; 1 = the same rate as White residents). "
            + (
                f"Grey = no published ratio ({len(grey)} forces: {', '.join(sorted(grey))}): the Black or White "
                "count is under 10 (or suppressed) or the group population is under 1,000, so a ratio would not be "
                "reliable."
                if grey
                else "Every force has a published ratio this year."
            )
        )
        attribution = boundaries["attribution"].drop_nulls()
        if attribution.len():
            st.caption(f"Boundaries: {attribution[0]}")
    table = ratios.select(
        pl.col("geography_name").alias("Force"),
        pl.col("rate_ratio_vs_white").round(2).alias("Black:White rate ratio"),
        pl.struct("rr_lcl", "rr_ucl", "rr_status")
        .map_elements(
            lambda s: ci_text(s["rr_lcl"], s["rr_ucl"], 2) if s["rr_status"] in PUBLISHED_RR else "–",
            return_dtype=pl.String,
        )
        .alias("95% CI"),
        pl.struct("rr_significance", "rr_lcl", "rr_ucl", "rr_status")
        .map_elements(significance, return_dtype=pl.String)
        .alias("Compared with White"),
    ).with_columns(
        pl.when(pl.col("95% CI") == "–")
        .then(None)
        .otherwise(pl.col("Black:White rate ratio"))
        .alias("Black:White rate ratio")
    )
    with st.expander("Force table of Black:White rate ratios"):
        st.dataframe(table, hide_index=True, width="stretch", placeholder="–")
        common.download(table, "Download the force ratios (CSV)", f"s136_black_white_ratio_by_force_{fy}.csv")
    return table


def main() -> None:
    st.title("s136 disproportionality")
    st.caption(
        "Section 136 detentions per 100,000 residents by broad ethnic group, and the rate ratio against White "
        "residents, for England and Wales and each police force."
    )
    try:
        snapshot = data.open_snapshot()
        years = common.query(
            snapshot.conn,
            snapshot.key,
            "select distinct fy_label from mart_disproportionality where ethnicity_scheme = ? order by fy_label desc",
            (SCHEME,),
        )["fy_label"].to_list()
        if not years:
            raise common.EmptyTable("ethnicity figures for s136 detentions")
        cols = st.columns([1, 2, 1])
        fy = common.choose("Financial year", years, YEAR_PARAM, fmt=fy_long, column=cols[0])
        areas = common.query(
            snapshot.conn,
            snapshot.key,
            "select distinct geography_code, geography_name, geography_level = 'national' as is_national "
            "from mart_disproportionality where ethnicity_scheme = ? and fy_label = ? "
            "order by is_national desc, geography_name",
            (SCHEME, fy),
        )
        names = dict(zip(areas["geography_code"], areas["geography_name"], strict=True))
        codes = areas["geography_code"].to_list()
        area = common.choose("Area", codes, AREA_PARAM, fmt=lambda c: names.get(c, c), column=cols[1])
        rows = common.query(
            snapshot.conn,
            snapshot.key,
            "select * from mart_disproportionality where ethnicity_scheme = ? and fy_label = ? "
            "and geography_code = ? order by group_order",
            (SCHEME, fy, area),
        )
        pub = common.publication(snapshot)
    except data.SnapshotUnavailable as exc:
        common.show_unavailable(exc)
        return

    first = rows.row(0, named=True)
    name = first["geography_name"]
    if first.get("population_caveat"):
        st.warning(first["population_caveat"])
    focus = rows.filter(pl.col("ethnic_group") == FOCUS_GROUP)
    focus_row = focus.row(0, named=True) if focus.height else {}
    m = st.columns(4)
    ratio = focus_row.get("rate_ratio_vs_white") if focus_row.get("rr_status") in PUBLISHED_RR else None
    m[0].metric("Black:White rate ratio", common.fmt_num(ratio, 2))
    m[0].caption(
        f"95% CI {ci_text(focus_row.get('rr_lcl'), focus_row.get('rr_ucl'), 2)} · {significance(focus_row)}"
        if ratio is not None
        else RR_STATUS.get(focus_row.get("rr_status") or "", "No ratio")
    )
    not_stated = first.get("pct_ethnicity_not_stated")
    m[1].metric("Ethnicity not stated", "–" if common.missing(not_stated) else f"{not_stated:.1f}%")
    m[1].caption(
        f"{count_text(first.get('ethnicity_not_stated'), first.get('ethnicity_not_stated_sdc_flag'))} detentions "
        "with no recorded ethnicity: left out of every rate below"
    )
    white = rows.filter(pl.col("ethnic_group") == "White")
    if white.height:
        w = white.row(0, named=True)
        m[2].metric(
            "White rate per 100k",
            "*" if w["sdc_flag"] == "suppressed_1_7" else common.fmt_num(w["rate_per_100k"]),
        )
        m[2].caption("The reference group for every ratio")
    if first.get("forces_reporting") is not None:
        m[3].metric("Forces reporting", f"{int(first['forces_reporting'])}")

    st.subheader(f"Rates by ethnic group: {name}, {fy}")
    table = group_table(rows)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            "Detentions": st.column_config.TextColumn(
                help="Force counts rounded to the nearest 5; * = 1 to 7 (suppressed). National counts exact."
            ),
            "Population (Census 2011)": st.column_config.NumberColumn(format="localized"),
            "Rate per 100k": st.column_config.NumberColumn(format="%.1f"),
            "Rate ratio vs White": st.column_config.NumberColumn(format="%.2f"),
            "Compared with White": st.column_config.TextColumn(
                help="Higher / lower when the 95% CI of the ratio excludes 1; otherwise similar. "
                "No judgement of cause is implied."
            ),
        },
    )
    common.download(download_frame(rows), "Download the group table (CSV)", f"s136_disproportionality_{area}_{fy}.csv")
    flagged = rows.filter(pl.col("reliability_flag").is_not_null() & (pl.col("reliability_flag") != "ok"))
    if flagged.height:
        st.caption(
            "Reliability: "
            + "; ".join(
                f"{r['ethnic_group_label']}: {RELIABILITY.get(r['reliability_flag'], r['reliability_flag'])}"
                for r in flagged.iter_rows(named=True)
            )
            + "."
        )
    with st.columns([3, 2])[0]:
        if rows.filter(pl.col("rate_per_100k").is_not_null() & (pl.col("sdc_flag") != "suppressed_1_7")).height:
            st.altair_chart(
                rate_chart(rows),
                width="stretch",
                alt="Bar chart of rates per 100,000 by ethnic group with 95% intervals; the figures are in the table.",
            )
        else:
            st.info("No group has a rate that can be shown for this area and year.")

    _map_section(snapshot, fy)

    common.footnotes(
        [
            "**Denominators.** Rates use Census 2011 usual residents by broad ethnic group (the latest population by "
            "ethnicity for police force areas in this warehouse). Populations have changed since 2011, so rates "
            "are approximate; do not compare them with rates on Census 2021 denominators.",
            "**Ethnicity not stated.** Detentions with no recorded ethnicity are left out of every group, so every "
            "rate is an undercount; a high share not stated makes comparisons between forces unsafe.",
            "**Method.** Crude rates with exact Poisson (fewer than 10) or Byar's 95% limits; rate ratio against "
            "White with a log-method 95% CI, published only where both groups have 10+ detentions and 1,000+ "
            "residents (methods.md §2). Higher / lower means the CI of the ratio excludes 1.",
            "**Disclosure control.** Force counts are rounded to the nearest 5, counts of 1 to 7 are shown as `*` "
            "with no rate; national counts are exact.",
            "**Source.** Home Office police powers and procedures: s136 detentions by self-defined ethnicity "
            "(Annual Data Requirement 125); ONS Census 2011; ONS police force area boundaries.",
        ],
        pub,
    )


main()
