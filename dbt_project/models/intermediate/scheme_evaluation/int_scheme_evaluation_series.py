"""Scheme x outcome x period rows of the evaluations (exact): observed, fitted and counterfactual rates for the
charts, from the same fits as int_scheme_evaluation (mhw.scheme_evaluation). Disabled on PostgreSQL."""

from mhw.scheme_evaluation import evaluate_once


def model(dbt, session):
    # dbt finds a Python model's parents in its own dbt.ref() calls: one per line, here, not in a helper
    dbt.config(materialized="table")
    register = dbt.ref("dim_scheme").pl()
    series = dbt.ref("int_scheme_outcome_month").pl()
    comparisons = dbt.ref("int_scheme_comparison_forces").pl()
    # built after int_scheme_evaluation, whose fit it then reuses (evaluate_once): started together, this model
    # would hold one of dbt's two threads idle while the other fits
    dbt.ref("int_scheme_evaluation")
    return evaluate_once(register, series, comparisons)[1].to_arrow()
