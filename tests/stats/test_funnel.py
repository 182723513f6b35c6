"""Funnel statistics (mhw/stats.py) on small hand-computed cases (methods.md §3.1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mhw import stats


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
    # target 100 per 100k, population 10,000 -> E = 10; limits are the count limits / 10,000 * 1e5.
    limits = stats.funnel_limits([10_000], 100.0)
    assert limits["lcl95"][0] == pytest.approx(47.954, abs=1e-3)
    assert limits["ucl95"][0] == pytest.approx(183.904, abs=1e-3)
    assert limits["lcl998"][0] < limits["lcl95"][0] < 100 < limits["ucl95"][0] < limits["ucl998"][0]


def test_random_effects_limits_formula():
    limits = stats.funnel_limits([10_000], 100.0, tau2=0.04)  # E = 10
    half95 = stats.Z95 * math.sqrt(1 / 10 + 0.04)
    assert limits["lcl95"][0] == pytest.approx(100 * math.exp(-half95))
    assert limits["ucl95"][0] == pytest.approx(100 * math.exp(half95))
    assert limits["ucl998"][0] == pytest.approx(100 * math.exp(stats.Z998 * math.sqrt(0.14)))


def test_phi_and_tau2_hand_computed():
    # E = 100 each; O = 100·e^(−0.2), 100, 100·e^(0.2) -> z = ln(O/E)·√E = −2, 0, 2.
    # Winsorised at the 10th/90th percentiles of three values: ∓(2 − 0.2·2) = ∓1.6.
    # φ = (1.6² + 0 + 1.6²)/3 = 1.70667; kφ = 5.12 > k − 1 = 2;
    # τ² = (5.12 − 2) / (Σw − Σw²/Σw) = 3.12 / (300 − 30,000/300) = 0.0156.
    observed = 100 * np.exp([-0.2, 0.0, 0.2])
    od = stats.overdispersion(observed, [100.0, 100.0, 100.0])
    assert od.z == pytest.approx([-2.0, 0.0, 2.0])
    assert od.z_winsorised == pytest.approx([-1.6, 0.0, 1.6])
    assert od.phi == pytest.approx(5.12 / 3)
    assert od.tau2 == pytest.approx(0.0156)
    assert od.overdispersed


def test_tau2_is_zero_when_not_overdispersed():
    # z = −0.5, 0, 0.5 -> φ = 2·0.4²/3 = 0.1067; kφ = 0.32 < k − 1 = 2 -> τ² = 0
    observed = 100 * np.exp([-0.05, 0.0, 0.05])
    od = stats.overdispersion(observed, [100.0, 100.0, 100.0])
    assert od.phi == pytest.approx(2 * 0.4**2 / 3)
    assert od.tau2 == 0.0
    assert not od.overdispersed


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
    # Winsorising pulls the outlier's z (≈ 12.5) back to the 90th percentile (≈ −0.89): φ ≈ 0.8 < (k−1)/k, τ² = 0.
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
