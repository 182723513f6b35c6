"""apps/benchmarks.py on the published marts: the words of a comparison, and the funnel's limit curves, which the app
draws with mhw.stats from the mart's target and tau2, agree with the limits the mart publishes at each force."""

from __future__ import annotations

import numpy as np
import pytest

from apps import benchmarks


@pytest.mark.parametrize(
    ("significance", "polarity", "expected"),
    [
        ("higher", "higher_is_better", "better"),
        ("higher", "lower_is_better", "worse"),
        ("lower", "lower_is_better", "better"),
        ("lower", "no_judgement", "lower"),
        ("similar", "higher_is_better", "similar"),
        ("not_compared", "higher_is_better", "not_compared"),
        (None, "no_judgement", "not_compared"),
    ],
)
def test_assessment_follows_the_measure_polarity(significance, polarity, expected):
    assert benchmarks.assessment(significance, polarity) == expected


def test_the_region_comparison_is_judged_as_the_mart_judges_the_national_one(pipeline_snapshot_build):
    rows = pipeline_snapshot_build.frame("select * from mart_benchmark where geography_level = 'force'")
    for row in rows.iter_rows(named=True):
        assert benchmarks.assessment(row["significance_vs_national"], row["polarity"]) == row["assessment_vs_national"]
        assert benchmarks.comparison(row, "peers") == row["assessment_vs_peers"]


def test_funnel_curves_agree_with_the_limits_the_mart_publishes(pipeline_snapshot_build):
    """At each force's denominator the app's curve gives the mart's limits. A rate's denominator (a population) is
    exact; a proportion's is published rounded to 5, so the mart's limit (from the exact count) must lie between the
    curve's limits at the two ends of the rounding interval."""
    funnels = pipeline_snapshot_build.frame(
        "select b.*, m.multiplier from mart_benchmark b join dim_measure m using (measure_id) "
        "where b.geography_level = 'force' and b.funnel_lcl95 is not null and b.method in ('rate', 'proportion')"
    )
    assert set(funnels["method"]) == {"rate", "proportion"}
    for (measure, period, method), rows in funnels.group_by("measure_id", "period", "method"):
        n, per = rows["denominator"].to_numpy(), rows["multiplier"][0]
        rounded = (rows["denominator_sdc_flag"] == "rounded5").to_numpy()
        low = benchmarks.funnel_limits_at(rows, method, per, n - 2.5 * rounded)
        high = benchmarks.funnel_limits_at(rows, method, per, n + 2.5 * rounded)
        for bound in ("lcl95", "ucl95", "lcl998", "ucl998"):
            mart = rows[f"funnel_{bound}"].to_numpy()
            # below 10 expected events the mart interpolates exact Poisson limits in a table at steps of 0.02 (0.5%)
            tolerance = 5e-3 * np.abs(mart) + 1e-6
            inside = (mart >= np.minimum(low[bound], high[bound]) - tolerance) & (
                mart <= np.maximum(low[bound], high[bound]) + tolerance
            )
            assert inside.all(), (measure, period, bound, mart[~inside], low[bound][~inside], high[bound][~inside])
