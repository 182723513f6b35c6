"""Scheme x outcome x period rows of the evaluations (exact): observed, fitted and counterfactual rates for the
charts, from the same fits as int_scheme_evaluation (mhw.scheme_evaluation). Disabled on PostgreSQL."""

from mhw.scheme_evaluation import evaluate


def model(dbt, session):
    dbt.config(materialized="table")
    schemes = dbt.ref("dim_scheme").pl()
    series = dbt.ref("int_scheme_outcome_month").pl()
    comparisons = dbt.ref("int_scheme_comparison_forces").pl()
    _, periods = evaluate(schemes, series, comparisons)
    return periods.to_arrow()
