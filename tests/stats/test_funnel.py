"""Funnel statistics (mhw/stats.py) on small hand-computed cases (methods.md §3.1)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from mhw import stats
from tests.stats import poisson_seed


def test_target_is_the_pooled_rate_not_the_mean_of_rates():
    # rates 100, 100 and 400 per 100k; pooled = (10 + 20 + 40) / 40,000 = 175 per 100k (mean of rates = 200)
    assert stats.pooled_rate([10, 20, 40], [10_000, 20_000, 10_000]) == pytest.approx(175.0)
    result = stats.funnel([10, 20, 40], [10_000, 20_000, 10_000], ["a", "b", "c"])
    assert result.target == pytest.approx(175.0)
    assert result.units["expected"].to_list() == pytest.approx([17.5, 35.0, 17.5])


def test_pooled_rate_ignores_units_without_population():
    assert stats.pooled_rate([10, 99, 30], [10_000, float("nan"), 20_000]) == pytest.approx(40 / 30_000 * 1e5)


def test_exact_poisson_count_limits_match_garwood():
    # The exact (Garwood) 95% interval for a Poisson count of 10 is 4.795 to 18.390.
    lo, hi = stats.poisson_count_limits(10.0, 0.95)
    assert lo[0] == pytest.approx(4.7954, abs=1e-4)
    assert hi[0] == pytest.approx(18.3904, abs=1e-4)
    lo0, hi0 = stats.poisson_count_limits(0.0, 0.95)
    assert lo0[0] == 0.0 and hi0[0] == pytest.approx(-math.log(0.025), abs=1e-6)  # 3.689


def test_poisson_rate_limits_are_count_limits_over_population():
    # target 100 per 100k: population 5,000 -> E = 5 (exact Garwood, 1.6235 to 11.6683); 20,000 -> E = 20 (Byar's:
    # 20 (1 - 1/180 - 1.96/(3 sqrt 20))^3 = 12.2114, 21 (1 - 1/189 + 1.96/(3 sqrt 21))^3 = 30.8899); / N * 1e5.
    limits = stats.funnel_limits([5_000, 20_000], 100.0)
    assert limits["lcl95"].tolist() == pytest.approx([1.6234864 / 5_000 * 1e5, 12.2114288 / 20_000 * 1e5])
    assert limits["ucl95"].tolist() == pytest.approx([11.6683321 / 5_000 * 1e5, 30.8898804 / 20_000 * 1e5])
    assert np.all(limits["lcl998"] < limits["lcl95"]) and np.all(limits["ucl95"] < limits["ucl998"])


def test_random_effects_limits_formula():
    limits = stats.funnel_limits([10_000], 100.0, tau2=0.04)  # E = 10
    half95 = stats.Z95 * math.sqrt(1 / 10 + 0.04)
    assert limits["lcl95"][0] == pytest.approx(100 * math.exp(-half95))
    assert limits["ucl95"][0] == pytest.approx(100 * math.exp(half95))
    assert limits["ucl998"][0] == pytest.approx(100 * math.exp(stats.Z998 * math.sqrt(0.14)))


def test_phi_and_tau2_hand_computed():
    # E = 100 each; O = 100·e^(−0.2), 100, 100·e^(0.2) -> z = ln(O/E)·√E = −2, 0, 2.
    # SHMI truncation keeps all three (rank groups ⌊r·10/4⌋ = 2, 5, 7); φ = (4 + 0 + 4)/3 = 8/3; nφ = 8 > n − 1 = 2;
    # τ² = (8 − 2) / (Σw − Σw²/Σw) = 6 / (300 − 30,000/300) = 0.03.
    observed = 100 * np.exp([-0.2, 0.0, 0.2])
    od = stats.overdispersion(observed, [100.0, 100.0, 100.0])
    assert od.z == pytest.approx([-2.0, 0.0, 2.0])
    assert od.kept.tolist() == [True, True, True]
    assert od.phi == pytest.approx(8 / 3)
    assert od.tau2 == pytest.approx(0.03)
    assert od.overdispersed


def test_phi_matches_funnelplotr_reference():
    # FunnelPlotR tests/testthat/test-classes_methods.R: these six standardised ratios give phi 2.948033.
    od = stats.overdispersion([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220])
    assert round(od.phi, 6) == 2.948033


def test_truncation_drops_the_extreme_deciles():
    # 20 units: rank groups ⌊r·10/21⌋ are 0 for r = 1, 2 and 9 for r = 19, 20 -> four z-scores left out of φ.
    e = np.full(20, 100.0)
    observed = 100 * np.exp(np.linspace(-0.3, 0.3, 20))
    od = stats.overdispersion(observed, e)
    assert od.kept.tolist() == [False, False] + [True] * 16 + [False, False]
    assert od.phi == pytest.approx(np.mean(od.z[2:18] ** 2))


def test_tau2_is_zero_when_not_overdispersed():
    # z = −0.5, 0, 0.5 -> φ = 0.5/3 = 0.1667 <= 1: no tau2 is used, the limits are the unadjusted ones
    observed = 100 * np.exp([-0.05, 0.0, 0.05])
    od = stats.overdispersion(observed, [100.0, 100.0, 100.0])
    assert od.phi == pytest.approx(0.5 / 3)
    assert od.tau2 == 0.0
    assert not od.overdispersed


def test_unadjusted_limits_follow_the_phe_count_rule():
    # FunnelPlotR tests/testthat/test-poisson_limits.R: exact limits of an SR at E = 15, 20, 30 (target 1)
    lo, hi = stats.poisson_count_limits(np.array([15.0, 20.0, 30.0]), 0.95)
    assert np.round(lo / [15, 20, 30], 7).tolist() == [0.5596924, 0.6108260, 0.6746958]
    assert np.round(hi / [15, 20, 30], 6).tolist() == [1.649348, 1.544419, 1.427562]
    # the funnel uses them below E = 10 and Byar's approximation from 10 (as PHE does for counts)
    e = np.array([9.99, 10.0, 15.0])
    flo, fhi = stats.funnel_count_limits(e, 0.95)
    elo, ehi = stats.poisson_count_limits(e, 0.95)
    blo, bhi = stats.byars_count_limits(e, stats.Z95)
    assert flo[0] == elo[0] and fhi[0] == ehi[0]
    assert flo[1:].tolist() == blo[1:].tolist() and fhi[1:].tolist() == bhi[1:].tolist()
    assert flo[2] / elo[2] == pytest.approx(1, abs=1e-3)  # Byar's is within 0.1% of exact at E = 15, 95%


def test_small_expected_seed_matches_scipy():
    """seeds/ref_poisson_limits_small_expected.csv is exactly what tests/stats/poisson_seed.py writes."""
    path = Path(__file__).parents[2] / "seeds" / "ref_poisson_limits_small_expected.csv"
    with path.open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == poisson_seed.COLUMNS
    assert rows[1:] == poisson_seed.rows()
    # and linear interpolation inside an interval stays within 5e-5 of the exact limit
    fine = np.linspace(0.01, 9.99, 997)
    for tag, tail in poisson_seed.TAILS.items():
        exact_lo, exact_hi = poisson_seed.count_limits(fine, tail)
        idx = np.floor(fine / poisson_seed.STEP).astype(int)
        table = {c: np.array([float(rows[i + 1][poisson_seed.COLUMNS.index(c)]) for i in idx])
                 for c in (f"lower{tag}_from", f"lower{tag}_to", f"upper{tag}_from", f"upper{tag}_to")}  # fmt: skip
        frac = (fine - idx * poisson_seed.STEP) / poisson_seed.STEP
        lo = table[f"lower{tag}_from"] + frac * (table[f"lower{tag}_to"] - table[f"lower{tag}_from"])
        hi = table[f"upper{tag}_from"] + frac * (table[f"upper{tag}_to"] - table[f"upper{tag}_from"])
        assert np.max(np.abs(lo - exact_lo)) < 5e-5 and np.max(np.abs(hi - exact_hi)) < 5e-5


def test_units_exactly_on_target_give_phi_zero_and_poisson_limits():
    result = stats.funnel([50, 100, 200], [100_000, 200_000, 400_000])
    assert result.target == pytest.approx(50.0)
    assert result.phi == pytest.approx(0.0)
    assert result.tau2 == 0.0
    assert result.units["band"].to_list() == ["within", "within", "within"]
    poisson = stats.funnel_limits([100_000], 50.0)
    assert result.units["ucl95"][0] == pytest.approx(poisson["ucl95"][0])


def test_planted_outlier_is_above_998_and_the_rest_within():
    # 19 units at 500 per 1,000,000 and one at 900: pooled target 52 per 100k, E = 520 each.
    # Truncation drops the outlier's z (≈ 16.6, the top decile); the 19 left have z ≈ −0.89: φ ≈ 0.8 <= 1, no τ².
    observed = [500] * 19 + [900]
    result = stats.funnel(observed, [1_000_000] * 20, [f"u{i}" for i in range(20)])
    assert result.target == pytest.approx(52.0)
    assert result.tau2 == 0.0
    bands = result.units["band"].to_list()
    assert bands[-1] == "above_998"
    assert set(bands[:-1]) == {"within"}
    # a low outlier too
    result = stats.funnel([500] * 19 + [300], [1_000_000] * 20)
    assert result.units["band"][-1] == "below_998"


def test_band_between_95_and_998():
    # target 100 per 100k at population 100,000 -> E = 100; 95% upper ≈ 121.8, 99.8% upper ≈ 133.9 (counts)
    limits = stats.funnel_limits([100_000], 100.0)
    assert stats.classify(np.array([125.0]), limits)[0] == "above_95"
    assert stats.classify(np.array([80.0]), limits)[0] == "below_95"
    assert stats.classify(np.array([100.0]), limits)[0] == "within"
    assert stats.classify(np.array([float("nan")]), limits)[0] == stats.NOT_COMPARED


def test_limits_widen_as_population_shrinks():
    populations = np.array([5e6, 1e6, 2e5, 5e4, 1e4])
    for tau2 in (0.0, 0.02):
        limits = stats.funnel_limits(populations, 50.0, tau2=tau2)
        for key in ("ucl95", "ucl998"):
            assert np.all(np.diff(limits[key]) > 0), (key, tau2)
        for key in ("lcl95", "lcl998"):
            assert np.all(np.diff(limits[key]) < 0), (key, tau2)
    # overdispersion keeps a floor under the width even for huge populations
    big = stats.funnel_limits([1e9], 50.0, tau2=0.02)
    assert big["ucl95"][0] == pytest.approx(50 * math.exp(stats.Z95 * math.sqrt(1 / 5e5 + 0.02)))


def test_overdispersed_data_widen_the_limits_and_report_phi_tau2():
    rng = np.random.default_rng(1)
    population = rng.integers(300_000, 3_000_000, size=40).astype(float)
    true_rate = 50 * np.exp(rng.normal(0, 0.25, size=40))  # between-unit variation far beyond Poisson
    observed = rng.poisson(true_rate * population / 1e5)
    result = stats.funnel(observed, population)
    assert result.phi > 2
    assert result.tau2 > 0
    poisson_outside = sum(b != "within" for b in result.units["band_poisson"].to_list())
    adjusted_outside = sum(b != "within" for b in result.units["band"].to_list())
    assert adjusted_outside < poisson_outside
    unadjusted = stats.funnel(observed, population, adjust_overdispersion=False)
    assert unadjusted.tau2 == 0.0
    assert unadjusted.units["band"].to_list() == result.units["band_poisson"].to_list()


def test_zero_count_and_missing_units():
    result = stats.funnel([0, 100, 110, None], [100_000, 200_000, 210_000, 50_000], ["z", "a", "b", "m"])
    units = {row["unit"]: row for row in result.units.iter_rows(named=True)}
    assert math.isfinite(result.phi)
    assert units["z"]["band"] == "below_998"
    assert units["m"]["band"] == stats.NOT_COMPARED
    assert units["m"]["rate"] is None
    assert result.k == 3


def test_curve_covers_the_data_and_is_monotone():
    result = stats.funnel([500, 1000, 50], [1_000_000, 2_000_000, 100_000])
    curve = result.curve
    assert curve["population"].min() < 100_000 and curve["population"].max() > 2_000_000
    assert curve["ucl998"].is_sorted(descending=True)
    assert curve["lcl998"].is_sorted()
    assert {"poisson_ucl95", "poisson_lcl998"} <= set(curve.columns)


def test_funnel_needs_two_units():
    with pytest.raises(ValueError):
        stats.funnel([10], [1000])
