"""s136 detentions: national benchmark.

National headline figures for one financial year, a funnel plot of force rates per 100,000 against population
(methods.md §3.1, with an overdispersion adjustment) and a sortable, downloadable force table. Reads only the
published marts of the serving snapshot: `mart_s136_national_year`, `mart_s136_force_year`, `publication`.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from apps import data
from mhw import stats

QUERY_PARAM = "fy"
SUPPRESSED = -1  # on-screen code for a published count of 1–7: sorts below the real counts, shown as "*"
RATE_COLUMNS = ("rate_per_100k", "rate_lcl95", "rate_ucl95", "rate_lcl998", "rate_ucl998")
INDICATOR = "Section 136 detentions per 100,000 resident population"

# Fingertips "BOB" palette (no agreed good direction): lower = light blues, higher = dark blues, similar = yellow
# (bi-anchors §4.1). Shape repeats the direction so colour is never the only cue.
BANDS: dict[str, dict[str, str]] = {
    "above_998": {"label": "Higher (99.8%)", "fill": "#003078", "text": "#FFFFFF", "shape": "triangle-up"},
    "above_95": {"label": "Higher (95%)", "fill": "#1D70B8", "text": "#FFFFFF", "shape": "triangle-up"},
    "within": {"label": "Similar", "fill": "#FFDD00", "text": "#0B0C0C", "shape": "circle"},
    "below_95": {"label": "Lower (95%)", "fill": "#A9CCEB", "text": "#0B0C0C", "shape": "triangle-down"},
    "below_998": {"label": "Lower (99.8%)", "fill": "#5694CA", "text": "#0B0C0C", "shape": "triangle-down"},
    "not_compared": {"label": "Not compared", "fill": "#FFFFFF", "text": "#0B0C0C", "shape": "square"},
}
BAND_WORDS = {
    "above_998": "Higher than E&W (99.8%)",
    "above_95": "Higher than E&W (95%)",
    "within": "Similar to E&W",
    "below_95": "Lower than E&W (95%)",
    "below_998": "Lower than E&W (99.8%)",
    "not_compared": "Not compared",
}
POPULATION_SOURCES = {
    "ons_mye": "ONS mid-year population estimates",
    "ons_mye_carried_forward": "ONS mid-year population estimates (latest year carried forward)",
    "standin": "stand-in populations (not ONS figures)",
}
RELIABILITY_NOTES = {
    "unreliable_lt20": "Rate unreliable: fewer than 20 detentions",
    "small_population": "Very small resident population (City of London): rate not comparable",
    "suppressed_1_7": "Count of 1–7 suppressed",
    "no_resident_population": "No resident population: no rate",
}


# --- formatting -------------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: Any, digits: int = 1) -> str:
    return "–" if _missing(value) else f"{value:,.{digits}f}"


def fmt_pct(value: Any) -> str:
    return "–" if _missing(value) else f"{value:.1f}%"


def fy_long(fy_label: str) -> str:
    """'2023-24' -> '2023-24 (year ending March 2024)' (methods.md §1.3)."""
    try:
        return f"{fy_label} (year ending March {int(fy_label[:4]) + 1})"
    except ValueError:
        return fy_label


# --- pure frame builders ----------------------------------------------------------------------------------


def mask_suppressed(forces: pl.DataFrame) -> pl.DataFrame:
    """Blank the rate and its limits where the count is suppressed (1–7).

    With the population on the same row a crude rate gives the count straight back, so the page neither shows
    nor compares a rate whose count is suppressed.
    """
    suppressed = pl.col("s136_detentions_sdc_flag") == "suppressed_1_7"
    present = [c for c in RATE_COLUMNS if c in forces.columns]
    return forces.with_columns(pl.when(suppressed).then(None).otherwise(pl.col(c)).alias(c) for c in present)


def funnel_frame(forces: pl.DataFrame) -> tuple[stats.FunnelResult | None, pl.DataFrame]:
    """Funnel statistics over the forces with a rate and a resident population.

    The observed count of each force is recovered as rate × population / 1e5 (the published detentions are
    rounded to 5, rates are calculated from the exact counts). Returns the result (None when fewer than two
    forces can be compared) and the forces frame with `band` added.
    """
    comparable = forces.filter(
        pl.col("rate_per_100k").is_not_null() & pl.col("population").is_not_null() & (pl.col("population") > 0)
    )
    if comparable.height < 2:
        return None, forces.with_columns(pl.lit("not_compared").alias("band"))
    observed = (comparable["rate_per_100k"] * comparable["population"] / stats.PER).to_numpy()
    result = stats.funnel(observed, comparable["population"].to_numpy(), comparable["force_code"].to_list())
    bands = result.units.select(pl.col("unit").alias("force_code"), "band")
    out = forces.join(bands, on="force_code", how="left").with_columns(pl.col("band").fill_null("not_compared"))
    return result, out


def force_table(forces: pl.DataFrame) -> pl.DataFrame:
    """The on-screen force table (numbers stay numeric so the columns sort properly)."""
    note = (
        pl.col("rate_reliability").replace_strict(RELIABILITY_NOTES, default="").fill_null("")
        if "rate_reliability" in forces.columns
        else pl.lit("")
    )
    return forces.sort("force_name").select(
        pl.col("force_name").alias("Force"),
        pl.col("region_name").fill_null("–").alias("Region"),
        pl.when(pl.col("s136_detentions_sdc_flag") == "suppressed_1_7")
        .then(pl.lit(SUPPRESSED))
        .otherwise(pl.col("s136_detentions"))
        .cast(pl.Int64)
        .alias("Detentions"),
        pl.col("rate_per_100k").round(1).alias("Rate per 100k"),
        pl.when(pl.col("rate_lcl95").is_not_null())
        .then(
            pl.format(
                "{} to {}",
                pl.col("rate_lcl95").round(1).cast(pl.String),
                pl.col("rate_ucl95").round(1).cast(pl.String),
            )
        )
        .otherwise(pl.lit("–"))
        .alias("95% CI"),
        pl.col("band").replace_strict(BAND_WORDS, default="Not compared").alias("Compared with E&W"),
        note.alias("Notes"),
        pl.col("pct_police_station_pos").alias("% police station"),
        pl.col("pct_ae_pos").alias("% A&E"),
        pl.col("pct_health_based_pos").alias("% health-based PoS"),
        pl.col("median_hours").alias("Median hours"),
    )


def download_frame(forces: pl.DataFrame, fy_label: str, funnel: stats.FunnelResult | None) -> pl.DataFrame:
    """CSV for download: keeps the context (indicator, period, comparator, CI levels) as Fingertips does."""
    method = (
        "none"
        if funnel is None
        else ("random-effects (DerSimonian-Laird)" if funnel.overdispersed else "exact Poisson")
    )
    return forces.sort("force_name").select(
        pl.lit(INDICATOR).alias("indicator"),
        pl.lit(fy_label).alias("financial_year"),
        "force_code",
        "force_name",
        "region_name",
        pl.when(pl.col("s136_detentions_sdc_flag") == "suppressed_1_7")
        .then(pl.lit("*"))
        .otherwise(pl.col("s136_detentions").cast(pl.Int64).cast(pl.String))
        .alias("s136_detentions_published"),
        "s136_detentions_sdc_flag",
        "population",
        "population_source",
        pl.col("rate_per_100k").round(2),
        pl.col("rate_lcl95").round(2).alias("rate_lcl_95pct"),
        pl.col("rate_ucl95").round(2).alias("rate_ucl_95pct"),
        pl.lit(None if funnel is None else round(funnel.target, 2), dtype=pl.Float64).alias(
            "comparator_ew_pooled_rate"
        ),
        pl.col("band").replace_strict(BAND_WORDS, default="Not compared").alias("comparison_with_ew"),
        pl.lit(method).alias("funnel_limits"),
        "pct_police_station_pos",
        "pct_ae_pos",
        "pct_health_based_pos",
        "median_hours",
    )


def y_axis_cap(result: stats.FunnelResult, rates: pl.Series, populations: pl.Series) -> float:
    """Top of the rate axis: fits every force of 100,000+ people and the 99.8% limit at that size.

    A very small force (the City of London, about 8,600 residents and a large daytime population) can have a
    rate many times the rest; drawing it to scale would flatten everyone else, so it is drawn at the top edge
    and labelled with its value instead.
    """
    large = rates.filter(populations >= 100_000)
    reference = max(100_000.0, float(populations.min()))
    limit = float(stats.funnel_limits([reference], result.target, result.tau2)["ucl998"][0])
    cap = max(float(large.max()) if large.len() else float(rates.max()), limit, result.target) * 1.1
    return min(cap, float(rates.max()) * 1.08) if float(rates.max()) <= cap else cap


def funnel_chart(result: stats.FunnelResult, forces: pl.DataFrame) -> alt.LayerChart:
    compared = forces.filter(pl.col("band") != "not_compared")
    cap = y_axis_cap(result, compared["rate_per_100k"], compared["population"].cast(pl.Float64))
    points = compared.select(
        pl.col("force_name").alias("Force"),
        pl.col("region_name").alias("Region"),
        pl.col("population").cast(pl.Float64).alias("Population"),
        pl.col("rate_per_100k").cast(pl.Float64).alias("Rate per 100k"),
        pl.min_horizontal(pl.col("rate_per_100k").cast(pl.Float64), pl.lit(cap * 0.98)).alias("plotted"),
        (pl.col("rate_per_100k") > cap).alias("off_scale"),
        pl.col("rate_lcl95").cast(pl.Float64).alias("95% CI lower"),
        pl.col("rate_ucl95").cast(pl.Float64).alias("95% CI upper"),
        pl.col("band").replace_strict({k: v["label"] for k, v in BANDS.items()}).alias("Compared with E&W"),
    )
    curve = result.curve.unpivot(
        index="population", on=["lcl95", "ucl95", "lcl998", "ucl998"], variable_name="limit", value_name="rate"
    ).with_columns(
        pl.when(pl.col("limit").str.ends_with("998"))
        .then(pl.lit("99.8% limits"))
        .otherwise(pl.lit("95% limits"))
        .alias("Limits")
    )
    x_domain = [float(result.curve["population"].min()), float(result.curve["population"].max())]
    x_scale = alt.Scale(type="log", domain=x_domain, nice=False)
    y_scale = alt.Scale(domain=[0, cap], nice=False)
    band_keys = [k for k in BANDS if k != "not_compared"]

    lines = (
        alt.Chart(curve)
        .mark_line(color="#505a5f", strokeWidth=1.4, clip=True)
        .encode(
            x=alt.X("population:Q", scale=x_scale),
            y=alt.Y("rate:Q", scale=y_scale),
            strokeDash=alt.StrokeDash(
                "Limits:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 4], [1, 0]]),
                legend=alt.Legend(
                    title="Control limits",
                    orient="bottom",
                    symbolType="stroke",
                    symbolSize=500,
                    symbolStrokeWidth=1.6,
                    symbolStrokeColor="#505a5f",
                    labelFontSize=12,
                ),
            ),
            detail="limit:N",
        )
    )
    centre = (
        alt.Chart(pl.DataFrame({"rate": [result.target]}))
        .mark_rule(color="#0B0C0C", strokeWidth=1.5)
        .encode(y=alt.Y("rate:Q", scale=y_scale))
    )
    centre_label = (
        alt.Chart(pl.DataFrame({"rate": [result.target], "text": [f"E&W {result.target:.1f}"]}))
        .mark_text(align="right", baseline="bottom", dy=-3, fontSize=12, color="#0B0C0C")
        .encode(y=alt.Y("rate:Q", scale=y_scale), x=alt.value("width"), text="text:N")
    )
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=110, stroke="#0B0C0C", strokeWidth=0.8, opacity=1)
        .encode(
            x=alt.X(
                "Population:Q",
                scale=x_scale,
                title="Resident population (log scale)",
                axis=alt.Axis(format="~s", grid=False),
            ),
            y=alt.Y("plotted:Q", scale=y_scale, title="Detentions per 100,000 population"),
            color=alt.Color(
                "Compared with E&W:N",
                scale=alt.Scale(
                    domain=[BANDS[k]["label"] for k in band_keys], range=[BANDS[k]["fill"] for k in band_keys]
                ),
                legend=alt.Legend(
                    title="Compared with E&W",
                    orient="bottom",
                    symbolSize=160,
                    symbolStrokeWidth=0.6,
                    symbolStrokeColor="#0B0C0C",
                    labelFontSize=12,
                ),
            ),
            shape=alt.Shape(
                "Compared with E&W:N",
                scale=alt.Scale(
                    domain=[BANDS[k]["label"] for k in band_keys], range=[BANDS[k]["shape"] for k in band_keys]
                ),
            ),
            tooltip=[
                "Force:N",
                "Region:N",
                alt.Tooltip("Rate per 100k:Q", format=".1f"),
                alt.Tooltip("95% CI lower:Q", format=".1f"),
                alt.Tooltip("95% CI upper:Q", format=".1f"),
                alt.Tooltip("Population:Q", format=","),
                "Compared with E&W:N",
            ],
        )
    )
    off_scale_text = (
        alt.Chart(points.filter(pl.col("off_scale")))
        .transform_calculate(label="datum.Force + ': ' + format(datum['Rate per 100k'], ',.1f') + ' (off scale)'")
        .encode(x=alt.X("Population:Q", scale=x_scale), y=alt.Y("plotted:Q", scale=y_scale), text="label:N")
    )
    halo = off_scale_text.mark_text(
        align="left", baseline="middle", dx=9, fontSize=12, stroke="#FFFFFF", strokeWidth=4, strokeJoin="round"
    )
    label = off_scale_text.mark_text(align="left", baseline="middle", dx=9, fontSize=12, color="#0B0C0C")
    return alt.layer(lines, centre, centre_label, dots, halo, label).properties(
        height=440,
        description="Funnel plot of force s136 detention rates per 100,000 against resident population.",
    )


# --- page -------------------------------------------------------------------------------------------------


def _choose_year(years: list[str]) -> str:
    options = sorted(years, reverse=True)  # latest first
    requested = st.query_params.get(QUERY_PARAM)
    default = requested if requested in options else options[0]
    fy = st.columns([1, 2])[0].selectbox(
        "Financial year",
        options,
        index=options.index(default),
        format_func=fy_long,
        help="The choice is kept in the page address, so the link can be shared.",
    )
    if st.query_params.get(QUERY_PARAM) != fy:
        st.query_params[QUERY_PARAM] = fy
    return fy


def _headline(national: pl.DataFrame, fy: str) -> None:
    rows = national.sort("fy_label")
    current = rows.filter(pl.col("fy_label") == fy).row(0, named=True)
    earlier = rows.filter(pl.col("fy_label") < fy)
    previous = earlier.row(-1, named=True) if earlier.height else None

    def delta(field: str, digits: int = 1, unit: str = "") -> str | None:
        if previous is None or _missing(current.get(field)) or _missing(previous.get(field)):
            return None
        return f"{current[field] - previous[field]:+,.{digits}f}{unit} on {previous['fy_label']}"

    detentions = int(current["s136_detentions"])
    cols = st.columns(5)
    with cols[0]:
        st.metric(
            "s136 detentions (E&W)",
            f"{detentions:,}",
            delta=delta("s136_detentions", 0),
            delta_color="off",
            help="Exact national total of section 136 detentions (no rounding at national level); s135 apart.",
        )
        s135 = current.get("s135_detentions")
        st.caption(
            f"{current.get('forces_reporting', '–')} forces reporting"
            + ("" if _missing(s135) else f"; s135 detentions (counted apart): {int(s135):,}")
        )
    with cols[1]:
        st.metric(
            "Rate per 100,000",
            fmt_num(current.get("rate_per_100k")),
            delta=delta("rate_per_100k"),
            delta_color="off",
        )
        st.caption(f"95% CI {fmt_num(current.get('rate_lcl95'))} to {fmt_num(current.get('rate_ucl95'))}")
    for col, field, label, note in (
        (cols[2], "pct_ae_pos", "A&E first place of safety", "of known first places of safety"),
        (cols[3], "pct_police_station_pos", "Police station first place of safety", "of known first places"),
        (cols[4], "pct_police_vehicle", "Taken in a police vehicle", "of known transport"),
    ):
        with col:
            st.metric(label, fmt_pct(current.get(field)), delta=delta(field, 1, " pts"), delta_color="off")
            st.caption(note)

    if current.get("is_partial_year"):
        st.warning(
            f"{fy_long(fy)} is not complete: {current.get('forces_partial_year', 'some')} of the reporting forces' "
            "data cover only part of the year, so these are not annual totals."
        )
    if previous is not None and previous.get("s136_detentions"):
        change = detentions - int(previous["s136_detentions"])
        pct = 100 * change / int(previous["s136_detentions"])
        direction = "rose" if change > 0 else "fell" if change < 0 else "did not change"
        amount = f" by {abs(change):,} ({abs(pct):.1f}%)" if change else ""
        st.markdown(
            f"In {fy_long(fy)} police in England and Wales used section 136 **{detentions:,}** times. "
            f"Detentions {direction}{amount} compared with {previous['fy_label']}."
        )


def _denominator_notes(national: pl.DataFrame, forces: pl.DataFrame, fy: str) -> None:
    current = national.filter(pl.col("fy_label") == fy).row(0, named=True)
    standin = bool(current.get("is_standin_denominator")) or bool(
        forces.get_column("is_standin_denominator").fill_null(False).any()
    )
    if standin:
        st.warning("Rates use stand-in populations — not ONS figures. Treat every rate as illustrative.")
    with_pop = forces.filter(pl.col("population").is_not_null())
    vintages = sorted({str(v) for v in with_pop["population_vintage"].drop_nulls().to_list()})
    years = sorted({str(v) for v in with_pop["population_year"].drop_nulls().to_list()})
    sources = sorted({str(v) for v in with_pop["population_source"].drop_nulls().to_list()})
    source_text = "; ".join(POPULATION_SOURCES.get(s, s) for s in sources) or "not recorded"
    st.caption(
        f"Population denominators: {source_text}. Vintage: {', '.join(vintages) or 'not recorded'}; "
        f"population year: {', '.join(years) or 'not recorded'}. Do not compare rates across vintages "
        "without saying so."
    )


def _funnel_section(result: stats.FunnelResult | None, forces: pl.DataFrame) -> None:
    st.subheader("Force rates against population")
    if result is None:
        st.info("Fewer than two forces have a rate for this year, so no funnel plot can be drawn.")
        return
    st.altair_chart(
        funnel_chart(result, forces),
        width="stretch",
        alt="Funnel plot of force rates per 100,000 against population; the same figures are in the table below.",
    )
    counts = forces.group_by("band").len()
    count = {row["band"]: row["len"] for row in counts.iter_rows(named=True)}
    summary = ", ".join(
        f"{count[band]} {BANDS[band]['label'].lower()}" for band in BANDS if band != "not_compared" and band in count
    )
    st.markdown(
        f"Each point is a force: its rate per 100,000 against its resident population. The solid horizontal line "
        f"is the pooled rate of the {result.k} forces shown (**{result.target:.1f}** per 100,000); the headline "
        "E&W rate above also counts detentions by forces not shown, such as British Transport Police. Dashed lines "
        f"are 95% limits and solid curves 99.8% limits: a force outside the 99.8% limits is unlikely to differ "
        f"by chance alone. This year: {summary}."
    )
    if result.overdispersed:
        st.caption(
            f"The forces vary more than chance alone explains (overdispersion φ = {result.phi:.2f}, "
            f"τ² = {result.tau2:.4f}), so the limits are widened with a random-effects adjustment "
            "(Spiegelhalter 2005; DerSimonian–Laird τ², z-scores Winsorised at 10%/90%)."
        )
    else:
        st.caption(f"No overdispersion found (φ = {result.phi:.2f}, τ² = 0): the limits are exact Poisson limits.")
    excluded = forces.filter(pl.col("band") == "not_compared")
    if excluded.height:
        reasons = []
        for row in excluded.iter_rows(named=True):
            if row.get("population") is None:
                reasons.append(f"{row['force_name']} (no resident population, so no rate per 100,000)")
            elif row.get("s136_detentions_sdc_flag") == "suppressed_1_7":
                reasons.append(f"{row['force_name']} (count of 1 to 7: suppressed)")
            else:
                reasons.append(f"{row['force_name']} (no rate)")
        st.caption(f"Not shown in the plot: {'; '.join(reasons)}. They are listed in the table with their counts.")


def _band_style(value: str) -> str:
    for key, words in BAND_WORDS.items():
        if value == words:
            style = BANDS[key]
            border = "; border: 1px solid #0B0C0C" if key == "not_compared" else ""
            return f"background-color: {style['fill']}; color: {style['text']}{border}"
    return ""


def _count_text(value: Any) -> str:
    if _missing(value):
        return "–"
    return "*" if value == SUPPRESSED else f"{int(value):,}"


def _table_section(forces: pl.DataFrame, fy: str, result: stats.FunnelResult | None) -> None:
    st.subheader("Forces")
    table = force_table(forces).to_pandas()
    styled = table.style.format(_count_text, subset=["Detentions"]).map(_band_style, subset=["Compared with E&W"])
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=min(35 * (len(table) + 1) + 3, 1_700),  # every force visible without scrolling the grid
        placeholder="–",
        alt=f"s136 detentions by police force, {fy_long(fy)}",
        column_config={
            "Detentions": st.column_config.NumberColumn(
                help="Published count: rounded to the nearest 5; * = 1 to 7 (suppressed).", width="small"
            ),
            "Rate per 100k": st.column_config.NumberColumn(format="%.1f"),
            "Compared with E&W": st.column_config.TextColumn(
                help="Against the funnel limits around the pooled E&W rate: (99.8%) = outside the 99.8% limits, "
                "(95%) = outside the 95% limits only. No judgement of better or worse is implied."
            ),
            "Notes": st.column_config.TextColumn(width="medium"),
            "% police station": st.column_config.NumberColumn(
                format="%.1f",
                help="Of known first places of safety.",
            ),
            "% A&E": st.column_config.NumberColumn(
                format="%.1f",
                help="Of known first places of safety.",
            ),
            "% health-based PoS": st.column_config.NumberColumn(
                format="%.1f",
                help="Of known first places of safety.",
            ),
            "Median hours": st.column_config.NumberColumn(
                format="%.1f",
                help="Arrival at the first place of safety to the end of the detention.",
            ),
        },
    )
    csv = download_frame(forces, fy, result).write_csv()
    st.download_button(
        "Download the force table (CSV)",
        data=csv,
        file_name=f"s136_force_benchmark_{fy}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def _footnotes(pub: dict[str, Any]) -> None:
    published_at = pub.get("published_at")
    published = published_at.strftime("%d %B %Y %H:%M") if hasattr(published_at, "strftime") else published_at
    lines = [
        "**Disclosure control.** Force counts are rounded to the nearest 5 and counts of 1 to 7 are shown as `*`; "
        "0 is shown as 0. National figures are exact. Rates, confidence intervals and funnel limits are "
        "calculated from unrounded counts, so rounded counts need not add up to the national total.",
        "**Section 136 only.** Every figure on this page counts section 136 detentions, as the Home Office "
        "headline does; section 135 detentions are counted apart.",
        "**Percentages** are of known values: 'not known' is left out of the denominator. Transport shares "
        "also leave out people already at a place of safety. A percentage is not shown where its count or its "
        "base is 1 to 7.",
        "**Confidence intervals** for rates are exact Poisson (fewer than 10 detentions) or Byar's method. "
        "A rate based on fewer than 20 detentions is marked unreliable.",
        "**Source.** Police force returns of section 136 detentions (Home Office Annual Data Requirement), "
        "compiled by the mh-policing-warehouse; populations as stated above.",
    ]
    if pub.get("population_note"):
        lines.append(f"**Population note.** {pub['population_note']}")
    lines.append(f"Snapshot `{pub.get('snapshot_id', 'unknown')}`, published {published or 'at an unknown time'}.")
    with st.container(border=True):
        for line in lines:
            st.caption(line)


def main() -> None:
    st.title("s136 detentions: national benchmark")
    st.caption(
        "Police use of section 136 of the Mental Health Act 1983 in England and Wales: 43 territorial forces and "
        "British Transport Police, by financial year."
    )
    try:
        snapshot = data.open_snapshot()
        national = data.s136_national(snapshot.conn, snapshot.key)
        if national.is_empty():
            st.info(f"The serving snapshot holds no s136 figures yet. {data.REFRESH_HINT}")
            return
        fy = _choose_year(national["fy_label"].to_list())
        forces = data.s136_force_year(snapshot.conn, snapshot.key, fy)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        (st.info if exc.missing else st.error)(str(exc))
        return

    forces = mask_suppressed(forces)
    _denominator_notes(national, forces, fy)
    _headline(national, fy)
    result, forces = funnel_frame(forces)
    _funnel_section(result, forces)
    _table_section(forces, fy, result)
    _footnotes(pub)


main()
