"""Funnel-plot limits against the denominator, for drawing the app's curves (docs/methods.md §3 and "The app's
funnel curves"): rates (per 100,000 by default, or another multiplier) and proportions (the arcsine method).

The published funnel statistics (target, phi, tau2, each force's limits and position) are mart_benchmark's, computed in
dbt (dbt_project/macros/stats/funnel.sql); this module draws the same limits as smooth curves over a population grid,
and tests/dbt/test_dbt_benchmark.py checks that the two agree. Pure functions over numpy arrays (and a polars frame for
the per-unit result); no I/O, no Streamlit.

Method (FunnelPlotR's defaults for a standardised ratio, the SHMI method), in the order it is applied:

1. Target (centre line): the pooled rate ``Σd / ΣN`` over the units compared (not the mean of rates).
2. For a unit (or grid point) with population N the expected count is ``E = target · N``.
3. Unadjusted limits on the *count* for a unit whose true rate is the target, by PHE's count rule applied at E: the
   exact (Garwood) limits ``chi2.ppf(α/2, 2E) / 2`` and ``chi2.ppf(1 − α/2, 2E + 2) / 2`` below E = 10, Byar's
   approximation from 10; then ``/ N · 1e5``. With E = 0 the lower limit is 0.
4. Overdispersion (Spiegelhalter 2005; SHMI): ``z_i = ln(O_i/E_i) / s_i`` with ``s_i = 1/√E_i``. The z-scores in the
   top and bottom 10% are truncated (dropped: rank groups ``⌊rank · 10 / (k + 1)⌋`` of 0 and 9, ranks averaged over
   ties, as FunnelPlotR), ``φ = mean(z²)`` over the n kept, and if ``nφ ≥ n − 1`` the DerSimonian–Laird between-unit
   variance is ``τ² = (nφ − (n − 1)) / (Σw − Σw²/Σw)`` with ``w = 1/s² = E`` over the kept units; otherwise τ² = 0.
5. As FunnelPlotR, the limits carry τ² only when φ > 1: additive random-effects limits on the log scale,
   ``target · exp(±z · √(1/E + τ²))``; otherwise the unadjusted limits of step 3.
6. Each unit is classified against the limits at its own population: ``above_998`` (above the 99.8% upper
   limit), ``above_95`` (above the 95% but within the 99.8% limit), ``within``, ``below_95``, ``below_998``.
   Comparisons are strict, so a unit exactly on a limit is inside it.

A unit with O = 0 has ln(0) = −∞; for the z-score only it is given O = 0.5 (documented continuity correction)
so that φ stays finite. Units with a missing count or a population ≤ 0 are ``not_compared`` and excluded from
the target, φ and τ².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import chi2, rankdata

PER = 100_000.0
Z95 = 1.959963984540054
Z998 = 3.090232306167813
LEVELS = {"95": 0.95, "998": 0.998}
BANDS = ("below_998", "below_95", "within", "above_95", "above_998")
NOT_COMPARED = "not_compared"
ZERO_COUNT_CORRECTION = 0.5
EXACT_BELOW = 10.0  # PHE: exact Poisson limits below 10 events, Byar's from 10


def pooled_rate(observed: Sequence[float] | np.ndarray, population: Sequence[float] | np.ndarray) -> float:
    """Σd / ΣN per 100,000 over the units with a count and a positive population."""
    o = np.asarray(observed, dtype=float)
    n = np.asarray(population, dtype=float)
    ok = np.isfinite(o) & np.isfinite(n) & (n > 0)
    total_n = n[ok].sum()
    if total_n <= 0:
        raise ValueError("pooled_rate needs at least one unit with a positive population")
    return float(o[ok].sum() / total_n * PER)


def poisson_count_limits(expected: np.ndarray | float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson limits on a count whose expectation is ``expected``."""
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(e > 0, chi2.ppf(alpha / 2, 2 * np.maximum(e, 1e-300)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * e + 2) / 2
    return lower, upper


def byars_count_limits(expected: np.ndarray | float, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson limits on a count ``expected`` (PHEindicatormethods)."""
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = e * (1 - 1 / (9 * e) - z / (3 * np.sqrt(e))) ** 3
    upper = (e + 1) * (1 - 1 / (9 * (e + 1)) + z / (3 * np.sqrt(e + 1))) ** 3
    return lower, upper


def funnel_count_limits(expected: np.ndarray | float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Unadjusted funnel limits on the count (module docstring, step 3): exact below E = 10, Byar's from 10."""
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    exact_lo, exact_hi = poisson_count_limits(e, level)
    byars_lo, byars_hi = byars_count_limits(e, Z95 if level == LEVELS["95"] else Z998)
    small = e < EXACT_BELOW
    return np.where(small, exact_lo, byars_lo), np.where(small, exact_hi, byars_hi)


def funnel_limits(
    population: Sequence[float] | np.ndarray, target: float, tau2: float = 0.0, per: float = PER
) -> dict[str, np.ndarray]:
    """Rate limits (per ``per``, 100,000 by default) at 95% and 99.8% for each population.

    Keys ``lcl95, ucl95, lcl998, ucl998``. Unadjusted Poisson limits when ``tau2 == 0``; random-effects limits
    ``target·exp(±z·√(1/E + τ²))`` when ``tau2 > 0``.
    """
    n = np.asarray(population, dtype=float)
    e = target * n / per
    out: dict[str, np.ndarray] = {}
    for tag, level in LEVELS.items():
        if tau2 > 0:
            z = Z95 if tag == "95" else Z998
            with np.errstate(divide="ignore"):
                half = z * np.sqrt(1.0 / e + tau2)
            out[f"lcl{tag}"] = target * np.exp(-half)
            out[f"ucl{tag}"] = target * np.exp(half)
        else:
            lo, hi = funnel_count_limits(e, level)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"lcl{tag}"] = lo / n * per
                out[f"ucl{tag}"] = hi / n * per
    return out


def proportion_funnel_limits(
    denominator: Sequence[float] | np.ndarray, target: float, tau2: float = 0.0, per: float = 100.0
) -> dict[str, np.ndarray]:
    """Limits of a proportion (as ``per``: 100 for a percentage) for each denominator n, by the arcsine method.

    ``sin²(asin(√p0) ∓ z·√(1/(4n) + τ²))`` with p0 = target / per, the angle held in [0, π/2] (FunnelPlotR truncates
    the limits to [0, 1]); τ² = 0 gives the unadjusted limits (dbt_project/macros/stats/funnel.sql).
    """
    n = np.asarray(denominator, dtype=float)
    centre = np.arcsin(np.sqrt(target / per))
    out: dict[str, np.ndarray] = {}
    for tag, z in (("95", Z95), ("998", Z998)):
        with np.errstate(divide="ignore"):
            half = z * np.sqrt(1.0 / (4.0 * n) + tau2)
        out[f"lcl{tag}"] = np.sin(np.clip(centre - half, 0.0, np.pi / 2)) ** 2 * per
        out[f"ucl{tag}"] = np.sin(np.clip(centre + half, 0.0, np.pi / 2)) ** 2 * per
    return out


@dataclass(frozen=True)
class Overdispersion:
    z: np.ndarray  # unadjusted z-scores, ln(O/E)·√E
    kept: np.ndarray  # the z-scores left after truncation (bool mask)
    phi: float
    tau2: float  # the DerSimonian–Laird estimate (used only when phi > 1)

    @property
    def overdispersed(self) -> bool:
        return self.phi > 1


def overdispersion(
    observed: Sequence[float] | np.ndarray, expected: Sequence[float] | np.ndarray, trim: float = 0.1
) -> Overdispersion:
    """φ and the DerSimonian–Laird τ² from SHMI-truncated z-scores (module docstring, step 4)."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    if o.shape != e.shape or o.size == 0:
        raise ValueError("observed and expected must be non-empty arrays of the same length")
    if np.any(e <= 0):
        raise ValueError("expected counts must be positive")
    o_adj = np.where(o > 0, o, ZERO_COUNT_CORRECTION)
    s = 1.0 / np.sqrt(e)
    z = np.log(o_adj / e) / s
    groups = round(1 / trim)
    rank_group = np.floor(rankdata(z, method="average") * groups / (z.size + 1))
    kept = (rank_group > 0) & (rank_group < groups - 1)
    n = int(kept.sum())
    phi = float(np.mean(z[kept] ** 2))
    w = 1.0 / s[kept] ** 2
    tau2 = 0.0
    denom = w.sum() - (w**2).sum() / w.sum()
    if n >= 2 and n * phi >= n - 1 and denom > 0:
        tau2 = float((n * phi - (n - 1)) / denom)
    return Overdispersion(z=z, kept=kept, phi=phi, tau2=max(tau2, 0.0))


def classify(rate: np.ndarray, limits: dict[str, np.ndarray]) -> np.ndarray:
    """Band of each rate against its own limits; NaN rates are ``not_compared``."""
    r = np.asarray(rate, dtype=float)
    band = np.full(r.shape, "within", dtype=object)
    band[r > limits["ucl95"]] = "above_95"
    band[r > limits["ucl998"]] = "above_998"
    band[r < limits["lcl95"]] = "below_95"
    band[r < limits["lcl998"]] = "below_998"
    band[~np.isfinite(r)] = NOT_COMPARED
    return band


def population_grid(min_population: float, max_population: float, points: int = 200) -> np.ndarray:
    """Log-spaced populations for drawing smooth limit curves (a little wider than the data)."""
    lo = max(float(min_population) * 0.8, 1.0)
    hi = max(float(max_population) * 1.2, lo * 1.01)
    return np.geomspace(lo, hi, points)


@dataclass(frozen=True)
class FunnelResult:
    target: float  # pooled rate per 100k (centre line)
    phi: float
    tau2: float
    k: int  # units compared
    units: pl.DataFrame  # one row per input unit, in input order
    curve: pl.DataFrame  # population grid with the limits used for classification and the Poisson ones

    @property
    def overdispersed(self) -> bool:
        return self.tau2 > 0


def funnel(
    observed: Sequence[float] | np.ndarray,
    population: Sequence[float] | np.ndarray,
    unit: Sequence[str] | None = None,
    trim: float = 0.1,
    adjust_overdispersion: bool = True,
    grid_points: int = 200,
) -> FunnelResult:
    """Funnel statistics for counts ``observed`` over ``population`` (rate per 100k).

    ``units`` columns: unit, observed, population, rate, expected, z, z_kept (the z-score when it entered φ), lcl95,
    ucl95, lcl998, ucl998, band, band_poisson (the band against the unadjusted limits, ignoring overdispersion).
    ``curve`` columns: population, lcl95, ucl95, lcl998, ucl998, poisson_lcl95 … poisson_ucl998.
    """
    o = np.asarray(observed, dtype=float)
    n = np.asarray(population, dtype=float)
    if o.shape != n.shape:
        raise ValueError("observed and population must have the same length")
    names = list(unit) if unit is not None else [str(i) for i in range(o.size)]
    ok = np.isfinite(o) & np.isfinite(n) & (n > 0) & (o >= 0)
    if ok.sum() < 2:
        raise ValueError("a funnel needs at least two units with a count and a positive population")

    target = pooled_rate(o[ok], n[ok])
    expected = np.where(ok, target * np.where(ok, n, 0) / PER, np.nan)
    od = overdispersion(o[ok], expected[ok], trim=trim)
    tau2 = od.tau2 if adjust_overdispersion and od.overdispersed else 0.0

    safe_n = np.where(ok, n, np.nan)
    rate = np.where(ok, o / np.where(ok, n, 1) * PER, np.nan)
    limits = funnel_limits(safe_n, target, tau2)
    poisson = funnel_limits(safe_n, target, 0.0)
    z = np.full(o.shape, np.nan)
    z_kept = np.full(o.shape, np.nan)
    z[ok] = od.z
    z_kept[ok] = np.where(od.kept, od.z, np.nan)

    units = pl.DataFrame(
        {
            "unit": names,
            "observed": o,
            "population": n,
            "rate": rate,
            "expected": expected,
            "z": z,
            "z_kept": z_kept,
            **limits,
            "band": classify(rate, limits).tolist(),
            "band_poisson": classify(rate, poisson).tolist(),
        },
        nan_to_null=True,
    )

    grid = population_grid(n[ok].min(), n[ok].max(), grid_points)
    curve_limits = funnel_limits(grid, target, tau2)
    curve_poisson = funnel_limits(grid, target, 0.0)
    curve = pl.DataFrame(
        {
            "population": grid,
            **curve_limits,
            **{f"poisson_{key}": value for key, value in curve_poisson.items()},
        }
    )
    return FunnelResult(target=target, phi=od.phi, tau2=tau2, k=int(ok.sum()), units=units, curve=curve)
