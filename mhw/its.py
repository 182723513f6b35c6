"""Interrupted time series: segmented quasi-Poisson regression with Fourier seasonality and AR(1)-adjusted intervals,
alone (one force's own trend) or comparative (the force against comparison forces: difference in differences).

The fitting is statsmodels' GLM (log link, Poisson quasi-likelihood with the Pearson dispersion, an offset for the
exposure), as in Lopez Bernal, Cummins & Gasparrini (2017). Residual autocorrelation is handled by estimating the
lag-1 autocorrelation of the Pearson residuals and using an AR(1) working correlation for the covariance of the
estimates; intervals use the t distribution. Effects are ratios: the level change at the start and the change in
trend per year, each with its 95% interval. See docs/methods.md, "Evaluating schemes".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.stats.diagnostic import acorr_ljungbox

LEVEL = 0.95
MAX_RHO = 0.9


@dataclass(frozen=True)
class Series:
    """One series on a common time axis: t in periods, numerator over exposure; `usable` marks what may be fitted."""

    t: np.ndarray  # period index (0, 1, ...; gaps allowed)
    numerator: np.ndarray
    exposure: np.ndarray
    usable: np.ndarray  # bool
    season: np.ndarray | None = None  # month of year 1..12 for monthly series, else None


@dataclass(frozen=True)
class Effect:
    """A ratio with its 95% interval (exp of a coefficient of the log-linear model)."""

    ratio: float
    lcl: float
    ucl: float

    @property
    def excludes_one(self) -> bool:
        return self.lcl > 1 or self.ucl < 1


@dataclass(frozen=True)
class ItsResult:
    level: Effect  # rate ratio at the start (post / counterfactual)
    trend: Effect  # ratio per year of the post-start trend over the pre-start trend
    n_used: int
    df_resid: int
    dispersion: float
    rho: float  # lag-1 autocorrelation of the residuals used for the intervals (>= 0)
    ljung_box_p: float | None  # residual autocorrelation test (None when too few points)
    fitted: np.ndarray  # rate per exposure unit, every t of the (treated) series
    counterfactual: np.ndarray  # the same without the scheme's terms
    counterfactual_lcl: np.ndarray
    counterfactual_ucl: np.ndarray


def harmonics_for(n_used: int) -> int:
    """Fourier pairs for the season: 2 with three years or more of data, else 1 (fewer parameters on short series)."""
    return 2 if n_used >= 36 else 1


def _fourier(season: np.ndarray | None, pairs: int) -> list[np.ndarray]:
    if season is None or pairs == 0:
        return []
    angle = 2 * np.pi * season / 12
    return [f(k * angle) for k in range(1, pairs + 1) for f in (np.sin, np.cos)]


def _design(s: Series, t0: float, pairs: int, group: float | None = None) -> tuple[np.ndarray, list[str]]:
    """Columns: const, t, step, ramp (+ the same interacted with `group` for a comparative fit), Fourier terms."""
    step = (s.t >= t0).astype(float)
    ramp = np.where(step > 0, s.t - t0, 0.0)
    base = {"const": np.ones_like(s.t, dtype=float), "t": s.t.astype(float), "step": step, "ramp": ramp}
    cols = dict(base)
    if group is not None:
        for name, values in base.items():
            cols[f"g_{name}"] = group * values
    for i, values in enumerate(_fourier(s.season, pairs)):
        cols[f"f{i}"] = values
    return np.column_stack(list(cols.values())), list(cols)


def _lag1(resid: np.ndarray, t: np.ndarray, groups: np.ndarray) -> float:
    """Lag-1 autocorrelation over consecutive periods within each group, bias-corrected (Kendall), in [0, MAX_RHO]."""
    order = np.lexsort((t, groups))
    r, tt, gg = resid[order], t[order], groups[order]
    pairs = (np.diff(tt) == 1) & (np.diff(gg) == 0)
    denominator = float(np.sum(r**2))
    if pairs.sum() < 3 or denominator == 0:
        return 0.0
    r1 = float(np.sum(r[1:][pairs] * r[:-1][pairs]) / denominator * len(r) / pairs.sum())
    r1 += (1 + 3 * r1) / len(r)
    return float(min(max(r1, 0.0), MAX_RHO))


def _covariance(X: np.ndarray, mu: np.ndarray, scale: float, rho: float, t: np.ndarray, groups: np.ndarray):
    """Quasi-likelihood covariance with an AR(1) working correlation of the Pearson residuals within each group."""
    a = X * np.sqrt(mu)[:, None]
    bread = np.linalg.inv(a.T @ a)
    if rho == 0:
        return scale * bread
    lag = np.abs(np.subtract.outer(t, t))
    corr = np.where(np.equal.outer(groups, groups), rho**lag, 0.0)
    return scale * bread @ (a.T @ corr @ a) @ bread


def _effect(beta: float, se: float, q: float, scale: float = 1.0) -> Effect:
    return Effect(
        float(np.exp(beta * scale)), float(np.exp((beta - q * se) * scale)), float(np.exp((beta + q * se) * scale))
    )


def fit(treated: Series, t0: float, periods_per_year: int = 12, comparison: Series | None = None) -> ItsResult:
    """Segmented regression of `treated` with its change at t0 (first period after the start), alone or against
    `comparison` (then level and trend are the difference in differences: the force's change over the comparison's).

    Raises ValueError when the model cannot be fitted (too few points, no events).
    """
    series = [treated] if comparison is None else [treated, comparison]
    used = [s.usable & (s.exposure > 0) for s in series]
    n_used = int(sum(u.sum() for u in used))
    pairs = harmonics_for(int(used[0].sum())) if treated.season is not None else 0
    blocks, groups = [], []
    for k, (s, u) in enumerate(zip(series, used, strict=True)):
        X, names = _design(s, t0, pairs, None if comparison is None else float(k == 0))
        blocks.append((X[u], s.numerator[u], np.log(s.exposure[u]), s.t[u]))
        groups.append(np.full(int(u.sum()), k))
    X = np.vstack([b[0] for b in blocks])
    y = np.concatenate([b[1] for b in blocks])
    offset = np.concatenate([b[2] for b in blocks])
    t = np.concatenate([b[3] for b in blocks]).astype(float)
    group = np.concatenate(groups)
    p = X.shape[1]
    if n_used - p - 1 < 3 or y.sum() <= 0:
        raise ValueError(f"too few usable periods ({n_used}) or no events for {p} parameters")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = GLM(y, X, family=families.Poisson(), offset=offset).fit(scale="X2")
    if not np.all(np.isfinite(result.params)):
        raise ValueError("the model did not converge")
    resid = result.resid_pearson
    rho = _lag1(resid, t, group)
    cov = _covariance(X, result.mu, float(result.scale), rho, t, group)
    df = n_used - p - 1
    q = float(stats.t.ppf(0.5 + LEVEL / 2, df))
    level_i, trend_i = names.index("g_step" if comparison else "step"), names.index("g_ramp" if comparison else "ramp")
    se = np.sqrt(np.diag(cov))
    lb_lags = min(6, n_used // 4)
    ljung = None
    if lb_lags >= 1 and comparison is None:
        ljung = float(acorr_ljungbox(resid, lags=[lb_lags])["lb_pvalue"].iloc[0])
    # fitted and counterfactual for every period of the treated series (excluded periods too)
    X_all, _ = _design(treated, t0, pairs, None if comparison is None else 1.0)
    beta = result.params
    X_cf = X_all.copy()
    X_cf[:, [level_i, trend_i]] = 0.0
    eta_cf = X_cf @ beta
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", X_cf, cov, X_cf))
    return ItsResult(
        level=_effect(beta[level_i], se[level_i], q),
        trend=_effect(beta[trend_i], se[trend_i], q, scale=periods_per_year),
        n_used=n_used,
        df_resid=df,
        dispersion=float(result.scale),
        rho=rho,
        ljung_box_p=ljung,
        fitted=np.exp(X_all @ beta),
        counterfactual=np.exp(eta_cf),
        counterfactual_lcl=np.exp(eta_cf - q * se_cf),
        counterfactual_ucl=np.exp(eta_cf + q * se_cf),
    )
