"""Scheme x outcome evaluations (exact): interrupted time series and the comparison with other forces, fitted by
mhw.scheme_evaluation (statsmodels). A Python model because the fitting needs statsmodels; dbt-duckdb runs it on the
warehouse connection. Disabled on PostgreSQL (dbt-postgres has no Python models; docs/methods.md)."""

from mhw.scheme_evaluation import evaluate


def model(dbt, session):
    dbt.config(materialized="table")
    schemes = dbt.ref("dim_scheme").pl()
    series = dbt.ref("int_scheme_outcome_month").pl()
    comparisons = dbt.ref("int_scheme_comparison_forces").pl()
    evaluations, _ = evaluate(schemes, series, comparisons)
    return evaluations.to_arrow()
