"""What works: did Right Care, Right Person, street triage and other schemes change police mental-health demand,
force by force, without moving harm elsewhere?

Reads `mart_scheme_evaluation` (one row per scheme x outcome: interrupted time series estimates with the comparison
against forces without such a scheme, or the reason there are none) and `mart_scheme_evaluation_series` (the series
behind each estimate, observed rates disclosure-controlled). A national summary across forces (a forest plot), then
one scheme in one force: its series with the counterfactual and its band, the effect in words with its interval,
the comparison, and the caveats. Method: docs/methods.md, "Evaluating schemes".
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import data, state, ui
from apps import format as fmt
from apps.what_works_charts import (
    caveat_list,
    effect_sentence,
    finding,
    forest_chart,
    forest_rows,
    series_chart,
    series_rows,
    start_label,
    trend_sentence,
)

TABLE, SERIES_TABLE = "mart_scheme_evaluation", "mart_scheme_evaluation_series"
TYPE_PARAM, OUTCOME_PARAM, SCHEME_PARAM = "scheme_type", "outcome", "scheme"
SECTIONS = ("Across forces", "One scheme in one force")  # tabs (ui.open_tab)


# --- page -------------------------------------------------------------------------------------------------


def _type_label(evaluations: pl.DataFrame, code: str) -> str:
    labels = evaluations.filter(pl.col("scheme_type") == code)["scheme_type_label"]
    return labels[0] if labels.len() else code


def _national(evaluations: pl.DataFrame, scheme_type: str, outcome: str) -> None:
    rows = evaluations.filter((pl.col("scheme_type") == scheme_type) & (pl.col("outcome") == outcome))
    label = rows["outcome_label"][0] if rows.height else outcome
    st.subheader(f"Across forces: {label}")
    evaluated = rows.filter(pl.col("status") == "evaluated")
    if evaluated.is_empty():
        st.info(f"No {_type_label(evaluations, scheme_type)} scheme could be evaluated on this outcome yet.")
    else:
        forest = forest_rows(evaluated)
        ui.chart(
            forest_chart(forest, f"{_type_label(evaluations, scheme_type)}: {label}"),
            forest,
            f"Forest plot of the estimated change in {label.lower()} in each force after its scheme began, with 95% "
            "intervals, against its own trend and against comparison forces; the figures are in the table below.",
            f"what_works_forest_{scheme_type}_{outcome}.csv",
        )
        assumed = evaluated.filter(pl.col("start_basis") == "assumed").height
        if assumed:
            st.warning(
                f"{assumed} of the {evaluated.height} evaluated start dates are assumed, not published or recorded "
                "by the force: read those estimates as illustrations of the method."
            )
    table = rows.select(
        pl.col("force_name").alias("Force"),
        pl.struct(rows.columns).map_elements(start_label, return_dtype=pl.String).alias("Start"),
        pl.struct(rows.columns).map_elements(finding, return_dtype=pl.String).alias("Finding"),
        fmt.rounded_col(pl.col("level_ratio"), 2).alias("Ratio (own trend)"),
        fmt.rounded_col(pl.col("did_level_ratio"), 2).alias("Ratio (comparison)"),
        pl.col("n_comparison_forces").alias("Comparison forces"),
        pl.col("periods_before").alias("Periods before"),
        pl.col("periods_after").alias("Periods after"),
        pl.col("reason").alias("Why not evaluated"),
    )
    ui.table(table, f"what_works_{scheme_type}_{outcome}.csv", "Download this table (CSV)")


def _scheme(snapshot: data.Snapshot, evaluations: pl.DataFrame, scheme_type: str, outcome: str) -> None:
    schemes = evaluations.filter(pl.col("scheme_type") == scheme_type).unique("scheme_key").sort("force_name")
    keys = schemes["scheme_key"].to_list()
    names = {k: f"{f} — {n or k}" for f, n, k in schemes.select("force_name", "scheme_name", "scheme_key").iter_rows()}
    st.subheader("One scheme in one force")
    on_outcome = evaluations.filter((pl.col("status") == "evaluated") & (pl.col("outcome") == outcome))
    evaluated = set(on_outcome["scheme_key"])
    key = state.choose("Force and scheme", keys, SCHEME_PARAM, fmt=lambda k: names[k],
                       default=next((k for k in keys if k in evaluated), None))  # fmt: skip
    rows = evaluations.filter(pl.col("scheme_key") == key)
    chosen = rows.filter(pl.col("outcome") == outcome)
    row = (chosen if chosen.height else rows).row(0, named=True)
    st.markdown(f"**Start:** {start_label(row)}  \n**Source:** {row.get('source_reference') or '–'}")
    if row["start_basis"] == "assumed":
        st.warning("This start date is assumed: it is not published and not from the force's own records.")
    st.markdown(effect_sentence(row))
    if row["status"] == "evaluated":
        st.caption(trend_sentence(row))
        series = series_rows(data.scheme_evaluation_series(snapshot.conn, snapshot.key, key, row["outcome"]))
        ui.chart(
            series_chart(series, row),
            series,
            f"The series of {row['outcome_label'].lower()} ({row.get('outcome_unit') or ''}) in "
            f"{row['force_name']} with the model, the force's own trend continued and its 95% band, and the "
            "comparison counterfactual; figures in the table.",
            f"what_works_series_{key}_{row['outcome']}.csv",
        )
        st.caption(
            "Dots: observed (crosses were not fitted: COVID-19 months or the period the start may fall in, shaded). "
            "Solid blue: the model. Dashed blue with band: the force's own trend continued (95% band). "
            "Dotted orange: the counterfactual that follows the comparison forces. Red line: the start."
        )
    caveats = caveat_list(row)
    if caveats:
        st.warning("**Caveats**\n\n" + "\n".join(f"- {c}" for c in caveats))
    st.markdown("**Every outcome for this scheme**")
    ui.table(
        rows.select(
            pl.col("outcome_label").alias("Outcome"),
            pl.struct(rows.columns).map_elements(finding, return_dtype=pl.String).alias("Finding"),
            *fmt.rounded_cols(
                {
                    "level_ratio": "Ratio (own trend)",
                    "level_lcl": "lower 95%",
                    "level_ucl": "upper 95%",
                    "did_level_ratio": "Ratio (comparison)",
                    "did_level_lcl": "lower 95% (comparison)",
                    "did_level_ucl": "upper 95% (comparison)",
                },
                3,
            ),
            pl.col("reason").alias("Why not evaluated"),
        ),
        f"what_works_{key}_outcomes.csv",
        "Download every outcome (CSV)",
    )


def main() -> None:
    st.title("What works")
    st.caption(
        "Did a scheme change police mental-health demand in the force that ran it? Each estimate compares the months "
        "after a scheme's start with what the force's own trend predicted, and with forces that had no such scheme "
        "over the same months, so a national change is not credited to the scheme."
    )
    try:
        snapshot = data.open_snapshot()
        evaluations = data.scheme_evaluations(snapshot.conn, snapshot.key)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    if evaluations.is_empty():
        st.info(f"No scheme is in the register yet. {data.REFRESH_HINT}")
        return
    types = sorted(evaluations["scheme_type"].unique().to_list(), key=lambda t: (t != "rcrp", t))
    left, right = st.columns(2)
    scheme_type = state.choose("Scheme", types, TYPE_PARAM, fmt=lambda t: _type_label(evaluations, t), column=left)
    outcomes = evaluations.filter(pl.col("scheme_type") == scheme_type).unique("outcome", maintain_order=True)
    codes = sorted(outcomes["outcome"].to_list(), key=lambda o: (o != "deployments", o))
    labels = dict(outcomes.select("outcome", "outcome_label").iter_rows())
    outcome = state.choose("Outcome", codes, OUTCOME_PARAM, fmt=lambda o: labels[o], column=right)
    section, tab = ui.open_tab(SECTIONS)
    with tab:
        if section == SECTIONS[0]:
            _national(evaluations, scheme_type, outcome)
        else:
            _scheme(snapshot, evaluations, scheme_type, outcome)
    ui.footnotes(
        [
            "**Method.** Interrupted time series: a segmented quasi-Poisson regression of the monthly counts (rates "
            "for s136 per 100,000 residents, shares for conveyance and repeat demand) with seasonality (Fourier "
            "terms), a level change and a trend change at the start, and 95% intervals that allow for lag-1 "
            "autocorrelation. The comparison (difference in differences) fits the force and the pooled comparison "
            "forces together: the ratio is the force's change over theirs.",
            "**Minimum data.** 12 usable months before the start and 6 after (5 and 3 financial years for deaths); "
            "at least 10 events before and after. Months under COVID-19 restrictions and the months a start may "
            "fall in (an imprecise date) are left out. Below 24 months before or 12 after, the series is short.",
            "**Comparison forces** are forces with no scheme of the same type over the same months and data for "
            "every month; until peer groups are in the warehouse they are all such forces of England and Wales.",
            "**Limits.** An estimate is an association around the start date, not proof: other changes at the same "
            "time (other schemes, recording practice) can cause it. Assumed or imprecise start dates blur it.",
            "**Disclosure control.** Observed monthly rates resting on 1 to 7 records are not shown; estimates are "
            "computed from exact counts.",
        ],
        pub,
    )


main()
