"""apps/benchmarks.py on the published marts: the words of a comparison, and the funnel's limit curves, which the app
draws with mhw.stats from the mart's target and tau2, agree with the limits the mart publishes at each force."""

from __future__ import annotations

import numpy as np
import polars as pl
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


def test_a_row_not_compared_says_why_as_the_mart_does():
    assert benchmarks.note_text({"comparison_note": "no denominator", "completeness_note": None}) == "no denominator"
    assert benchmarks.note_text({"comparison_note": None, "completeness_note": "covers 3 of 4 forces"}) == (
        "covers 3 of 4 forces"
    )
    assert benchmarks.note_text({"comparison_note": None, "completeness_note": None}) == ""


def test_a_value_with_no_comparator_to_compare_with_says_so():
    """British Transport Police has no region and no peer group: against either its rows were '□ Not compared' with
    an empty Note on the Overview and in the explorer's force table, while the footnote says the Note says why."""
    btp = {"value": 47.26, "comparison_note": None, "completeness_note": None, "national_value": 40.78,
           "region_value": None, "peer_value": None, "significance_vs_national": "higher", "polarity": None,
           "significance_vs_region": "not_compared", "significance_vs_peers": "not_compared"}  # fmt: skip
    assert benchmarks.note_text(btp, "peers") == "no value for its peer group to compare with"
    assert benchmarks.note_text(btp, "region") == "no value for its region to compare with"
    assert benchmarks.note_text(btp, "national") == ""
    assert (
        benchmarks.note_text({**btp, "value": None, "comparison_note": "no denominator"}, "peers") == "no denominator"
    )
    row = {**btp, "measure_id": "m", "measure_name": "M", "period": "2024-25", "period_type": "financial_year",
           "geography_level": "force", "lcl95": 42.9, "ucl95": 51.7, "change_significance": None}  # fmt: skip
    frame = benchmarks.overview_frame(pl.DataFrame([row]), pl.DataFrame(), {}, "peers", {})
    assert frame.row(0, named=True)["Note"] == "no value for its peer group to compare with"


def test_the_method_note_names_a_denominator_source_only_where_one_gave_a_denominator():
    measure = {"measure_name": "Ratio", "numerator_definition": "n", "denominator_definition": "d",
               "disclosure_rule": "person_level", "caveats": None}  # fmt: skip
    loaded = pl.DataFrame({"denominator_source": ["census2011_qs201ew", None], "ci_method": ["log", None]})
    assert "(source: Census 2011 (QS201EW))" in benchmarks.method_note(measure, loaded)
    absent = pl.DataFrame({"denominator_source": [None, None], "ci_method": [None, None]},
                          schema={"denominator_source": pl.String, "ci_method": pl.String})  # fmt: skip
    assert (
        "(source: none for this period). Intervals: 95% (comparisons and ranked charts) and 99.8% (funnel limits), "
        "none for this period." in benchmarks.method_note(measure, absent)
    )
    assert "none (a mean has no interval here)" in benchmarks.method_note({**measure, "method": "mean"}, absent)


def test_the_funnel_note_counts_the_forces_pooled_and_those_drawn():
    """A withheld value is pooled into the centre line but not drawn: the note says both counts."""
    rows = pl.DataFrame({"funnel_phi": [1.0, 1.0, 1.0], "funnel_tau2": [0.0] * 3, "funnel_od_adjusted": [False] * 3,
                         "funnel_units": [3, 3, 3], "value": [1.5, None, 2.5]})  # fmt: skip
    assert benchmarks.funnel_note(rows).endswith(
        "3 forces in the funnel, 2 of them drawn (the others: a value withheld, or not comparable)."
    )
    assert benchmarks.funnel_note(rows.with_columns(pl.lit(1.0).alias("value"))).endswith(" 3 forces in the funnel.")


def test_a_ranked_chart_says_which_forces_it_leaves_out_and_why():
    rows = pl.DataFrame({
        "geography_level": ["force", "force", "force", "national"], "geography_name": ["Kent", "Essex", "Avon", "E&W"],
        "value": [None, 2.0, None, 1.5], "comparison_note": ["value withheld (disclosure control)", None,
                                                             "value withheld (disclosure control)", None],
        "completeness_note": [None, None, None, None],
    })  # fmt: skip
    assert benchmarks.not_drawn_text(rows) == (
        "Not drawn: 2 of 3 forces. value withheld (disclosure control): Avon, Kent."
    )
    assert benchmarks.not_drawn_text(rows.filter(pl.col("value").is_not_null())) == ""


def test_a_resolved_item_says_so_before_the_signal_it_last_had():
    item = {"escalation_level": "regional", "geography_name": "City of London Police", "region_name": "London",
            "measure_name": "s136 per 100,000", "since_period": "2025-03", "periods_running": 1,
            "latest_period": "2025-03", "geography_level": "force", "geography_code": "E23000034",
            "measure_id": "s136_per_100k_month", "signal_source": "funnel",
            "signal_text": "s136 per 100,000, City of London: beyond the 99.8% funnel limit in 2025-03."}  # fmt: skip
    frame = benchmarks.escalation_frame(pl.DataFrame([
        item | {"status": "resolved", "resolved_period": "2025-04"}, item | {"status": "new", "resolved_period": None}
    ]))  # fmt: skip
    resolved, new = frame["Signal"].to_list()
    assert resolved == f"Resolved: not signalled at 2025-04. Last signal: {item['signal_text']}"
    assert new == item["signal_text"]


def test_every_denominator_source_the_mart_names_is_written_in_words(pipeline_snapshot_build):
    published = pipeline_snapshot_build
    sources = {r[0] for r in published.query("select distinct denominator_source from mart_benchmark") if r[0]}
    assert sources and sources <= set(benchmarks.DENOMINATOR_SOURCES), "a method note would show the mart's code"


def test_the_region_comparison_is_judged_as_the_mart_judges_the_national_one(pipeline_snapshot_build):
    rows = pipeline_snapshot_build.frame("select * from mart_benchmark where geography_level = 'force'")
    for row in rows.iter_rows(named=True):
        assert benchmarks.assessment(row["significance_vs_national"], row["polarity"]) == row["assessment_vs_national"]
        assert benchmarks.comparison(row, "peers") == row["assessment_vs_peers"]


def test_funnel_curves_agree_with_the_limits_the_mart_publishes(pipeline_snapshot_build):
    """At each force's denominator the app's curve gives the mart's limits, up to what the mart publishes rounded: a
    proportion's denominator (to 5), tau2 (to 8 decimal places) and the limits themselves (to 6). So the mart's limit
    (from the exact values) must lie within the curves drawn at the ends of those rounding intervals."""
    funnels = pipeline_snapshot_build.frame(
        "select b.*, m.multiplier from mart_benchmark b join dim_measure m using (measure_id) "
        "where b.geography_level = 'force' and b.funnel_lcl95 is not null and b.method in ('rate', 'proportion')"
    )
    assert set(funnels["method"]) == {"rate", "proportion"}
    for (measure, period, method), rows in funnels.group_by("measure_id", "period", "method"):
        n, per = rows["denominator"].to_numpy(), rows["multiplier"][0]
        rounded = (rows["denominator_sdc_flag"] == "rounded5").to_numpy()
        curves = [
            benchmarks.funnel_limits_at(rows.with_columns(tau2), method, per, n + dn * rounded)
            for tau2 in ((pl.col("funnel_tau2") + dt).clip(0.0) for dt in (-5e-9, 5e-9))
            for dn in (-2.5, 2.5)
        ]
        for bound in ("lcl95", "ucl95", "lcl998", "ucl998"):
            mart = rows[f"funnel_{bound}"].to_numpy()
            drawn = np.stack([c[bound] for c in curves])
            # below 10 expected events the mart interpolates the exact Poisson limits on the count in a table
            # (tests/stats/poisson_seed.py: within 5e-5 of the count), which is 5e-5 / n on the rate's scale
            tolerance = (5e-5 * per / n if method == "rate" else 0.0) + 5e-7
            inside = (mart >= drawn.min(axis=0) - tolerance) & (mart <= drawn.max(axis=0) + tolerance)
            assert inside.all(), (measure, period, bound, mart[~inside], drawn.min(axis=0)[~inside])
