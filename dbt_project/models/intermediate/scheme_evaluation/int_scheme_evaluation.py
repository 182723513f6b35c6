"""Scheme x outcome evaluations (exact): interrupted time series and the comparison with other forces, fitted by
mhw.scheme_evaluation (statsmodels). A Python model because the fitting needs statsmodels; dbt-duckdb runs it on the
warehouse connection. Disabled on PostgreSQL (dbt-postgres has no Python models; docs/methods.md)."""

from mhw.scheme_evaluation import evaluate_once


def model(dbt, session):
    # dbt finds a Python model's parents in its own dbt.ref() calls: one per line, here, not in a helper
    dbt.config(materialized="table")
    register = dbt.ref("dim_scheme").pl()
    series = dbt.ref("int_scheme_outcome_month").pl()
    comparisons = dbt.ref("int_scheme_comparison_forces").pl()
    return evaluate_once(register, series, comparisons)[0].to_arrow()
