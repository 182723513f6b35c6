"""Interrupted time series (mhw.its) and the evaluation rules around it (mhw.scheme_evaluation), on small series made
here: the intervals are statsmodels' quasi-Poisson intervals when there is no autocorrelation, a planted change is
recovered, a change the comparison forces share is not credited to the scheme, and the data rules hold.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

from mhw import scheme_evaluation
from mhw.its import Series, _design, fit, harmonics_for
from mhw.scheme_evaluation import MIN_BEFORE, classify, evaluate

SEASON = np.array([1.03, 0.98, 0.99, 0.97, 0.99, 0.97, 0.98, 0.97, 1.01, 1.04, 1.04, 1.03])  # as the demo's


def _series(rng, n=36, t0=18, level=1.0, mean=300.0, national=None, start_month=4) -> Series:
    t = np.arange(n, dtype=float)
    season = (start_month - 1 + np.arange(n)) % 12 + 1
    mu = mean * SEASON[season - 1] * np.where(t >= t0, level, 1.0)
    if national is not None:
        mu = mu * national
    return Series(t, rng.poisson(mu).astype(float), np.ones(n), np.ones(n, bool), season.astype(float))


def test_without_autocorrelation_the_intervals_are_the_quasi_poisson_intervals_of_statsmodels():
    rng = np.random.default_rng(3)
    s = _series(rng)
    result = fit(s, 18.0)
    X, names = _design(s, 18.0, harmonics_for(36))
    glm = sm.GLM(s.numerator, X, family=sm.families.Poisson(), offset=np.log(s.exposure)).fit(scale="X2")
    if result.rho == 0:  # no positive autocorrelation found: the covariance is the library's own
        k = names.index("step")
        q = stats.t.ppf(0.975, 36 - X.shape[1] - 1)
        assert result.level.ratio == pytest.approx(np.exp(glm.params[k]))
        assert result.level.lcl == pytest.approx(np.exp(glm.params[k] - q * glm.bse[k]))
        assert result.dispersion == pytest.approx(glm.scale)
    else:  # with it, the intervals only widen
        assert result.level.ucl - result.level.lcl > 0


def test_a_planted_level_change_is_recovered_within_its_interval_at_the_stated_rate():
    hits, ratios = 0, []
    for seed in range(100):
        result = fit(_series(np.random.default_rng(seed), level=0.71), 18.0)
        hits += result.level.lcl < 0.71 < result.level.ucl
        ratios.append(result.level.ratio)
    assert hits >= 88  # 95% intervals: about 95 of 100 (88 is 3.2 binomial SDs below)
    assert abs(np.exp(np.mean(np.log(ratios))) - 0.71) < 0.01
    post = np.arange(36) >= 18
    expected = result.level.ratio * result.trend.ratio ** ((np.arange(36)[post] - 18) / 12)
    assert np.allclose(result.fitted[post] / result.counterfactual[post], expected)


def test_a_change_the_comparison_forces_share_is_not_credited_to_the_scheme():
    rng = np.random.default_rng(11)
    national = np.where(np.arange(36) >= 18, 0.8, 1.0)  # every force falls by 20% the same month
    treated = _series(rng, national=national, mean=400)
    comparison = _series(rng, national=national, mean=4000)
    own = fit(treated, 18.0)
    against = fit(treated, 18.0, comparison=comparison)
    assert own.level.ucl < 1  # alone, the force seems to have changed
    assert against.level.lcl < 1 < against.level.ucl  # against the comparison forces it did not


def test_periods_marked_unusable_are_left_out_of_the_fit():
    rng = np.random.default_rng(5)
    s = _series(rng, level=0.7)
    spoiled = s.numerator.copy()
    spoiled[10:14] *= 5  # e.g. months under COVID-19 restrictions
    usable = np.ones(36, bool)
    usable[10:14] = False
    clean = fit(s, 18.0)
    masked = fit(Series(s.t, spoiled, s.exposure, usable, s.season), 18.0)
    assert masked.n_used == 32
    assert masked.level.lcl < 0.7 < masked.level.ucl
    assert abs(np.log(masked.level.ratio) - np.log(clean.level.ratio)) < 0.05


def test_too_few_points_is_an_error_not_an_estimate():
    s = _series(np.random.default_rng(1), n=8, t0=4)
    with pytest.raises(ValueError, match="too few usable periods"):
        fit(s, 4.0)


@pytest.mark.parametrize(
    ("period", "start_from", "start_to", "phase"),
    [
        (date(2024, 3, 1), date(2024, 4, 1), date(2024, 4, 1), "before"),
        (date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 1), "after"),  # a go-live on the 1st: all of April after
        (date(2023, 10, 1), date(2023, 10, 2), date(2023, 10, 2), "transition"),  # go-live inside the month
        (date(2023, 11, 1), date(2023, 11, 1), date(2023, 11, 30), "transition"),  # 'November 2023'
        (date(2023, 12, 1), date(2023, 11, 1), date(2023, 11, 30), "after"),
        (date(2020, 6, 1), date(2020, 1, 1), date(2021, 12, 31), "transition"),  # 'during 2020 and 2021'
        (date(2022, 1, 1), date(2020, 1, 1), date(2021, 12, 31), "after"),
        (date(2019, 12, 1), date(2020, 1, 1), date(2021, 12, 31), "before"),
        (date(2022, 1, 1), None, date(2023, 2, 4), "transition"),  # 'before 4 February 2023': never 'before'
    ],
)
def test_periods_are_before_after_or_in_the_window_the_start_may_fall_in(period, start_from, start_to, phase):
    assert classify(period, "month", start_from, start_to) == phase


def _scheme(key, force, start, scheme_type="rcrp", basis="assumed", precision="day", has_start=True):
    return {
        "scheme_key": key, "force_code": force, "scheme_type": scheme_type, "scheme_type_label": scheme_type,
        "start_from": start, "start_to": start, "start_precision": precision, "start_basis": basis,
        "start_as_printed": str(start), "is_year_supplied": False, "is_planned": False, "has_start_date": has_start,
        "end_date": None, "other_records": None,
    }  # fmt: skip


def _outcome_rows(force, months, counts):
    return [
        {"force_code": force, "period_start": m, "period_grain": "month", "outcome": "deployments",
         "numerator": float(c), "exposure": 30.0, "numerator_count": int(c), "denominator_count": None,
         "is_covid_restrictions": False, "is_usable": True}
        for m, c in zip(months, counts, strict=True)
    ]  # fmt: skip


def _evaluation_inputs() -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """Schemes A (24 months before its go-live, 12 after), L (too late to evaluate), BUSY and N (no start date);
    the outcome rows of their forces and of C1-C4; the comparison candidates of A and L."""
    rng = np.random.default_rng(2)
    months = [date(2022 + (3 + k) // 12, (3 + k) % 12 + 1, 1) for k in range(36)]  # 2022-04 .. 2025-03
    go_live = date(2024, 4, 1)  # month 24: 24 before, 12 after
    late = date(2025, 1, 6)  # 9 before... after only 2 months
    rows = _outcome_rows("A", months, rng.poisson(300 * np.where(np.arange(36) >= 24, 0.71, 1.0)))
    rows += _outcome_rows("L", months, rng.poisson(300, 36))
    for force in ("C1", "C2", "C3", "C4"):
        rows += _outcome_rows(force, months, rng.poisson(500, 36))
    rows += _outcome_rows("BUSY", months, rng.poisson(500, 36))
    schemes = pl.DataFrame(
        [_scheme("A:rcrp", "A", go_live), _scheme("L:rcrp", "L", late), _scheme("BUSY:rcrp", "BUSY", date(2023, 6, 1)),
         _scheme("N:rcrp", "C1", None, has_start=False) | {"start_precision": "not_stated", "force_code": "N"}]
    )  # fmt: skip
    forces = ["C1", "C2", "C3", "C4", "BUSY"]
    # A's peer group is C1, C2 and BUSY: BUSY ran RCRP over the same months, so 2 peers are left
    comparisons = pl.DataFrame({
        "scheme_key": ["A:rcrp"] * 5 + ["L:rcrp"] * 5, "comparison_force_code": forces * 2,
        "is_peer": [True, True, False, False, True] * 2,
    })  # fmt: skip
    return schemes, rows, comparisons


def test_evaluate_applies_the_data_rules_and_compares_with_forces_that_had_no_such_scheme():
    schemes, rows, comparisons = _evaluation_inputs()
    evaluations, periods = evaluate(schemes, pl.DataFrame(rows), comparisons)
    a = evaluations.filter(pl.col("scheme_key") == "A:rcrp").row(0, named=True)
    assert a["status"] == "evaluated" and (a["periods_before"], a["periods_after"]) == (24, 12)
    assert a["level_lcl"] < 0.71 < a["level_ucl"] and a["did_level_lcl"] < 0.71 < a["did_level_ucl"]
    assert (a["comparison_basis"], a["comparison_forces"]) == ("all_forces_fallback", "C1,C2,C3,C4")
    assert "fewer than 3 of the force's peer group" in a["caveats"]
    assert "the start date is assumed" in a["caveats"]
    # with C3 in the group too, three peers qualify: the comparison is the peer group alone
    peers = comparisons.with_columns(pl.col("comparison_force_code").is_in(["C1", "C2", "C3", "BUSY"]).alias("is_peer"))
    a = evaluate(schemes, pl.DataFrame(rows), peers)[0].filter(pl.col("scheme_key") == "A:rcrp").row(0, named=True)
    assert (a["comparison_basis"], a["comparison_forces"], a["n_comparison_forces"]) == ("peer_group", "C1,C2,C3", 3)
    assert "peer group" not in a["caveats"]
    late_row = evaluations.filter(pl.col("scheme_key") == "L:rcrp").row(0, named=True)
    assert late_row["status"] == "not_evaluable" and "too short" in late_row["reason"]
    assert f"at least {MIN_BEFORE['month']} before" in late_row["reason"]
    assert periods.filter(pl.col("scheme_key") == "A:rcrp").height == 36
    assert periods.filter(pl.col("scheme_key") == "L:rcrp").is_empty()


def test_evaluate_once_fits_the_same_inputs_once_and_new_inputs_afresh(monkeypatch):
    """The two dbt models' shared fit: the same three tables (in any row order) give the first call's results
    without fitting again; a changed table is fitted afresh."""
    schemes, rows, comparisons = _evaluation_inputs()
    fitted = []

    def counted(*inputs):
        fitted.append(inputs)
        return evaluate(*inputs)

    monkeypatch.setattr(scheme_evaluation, "evaluate", counted)
    monkeypatch.setattr(scheme_evaluation, "_last_evaluation", None)
    first = scheme_evaluation.evaluate_once(schemes, pl.DataFrame(rows), comparisons)
    again = scheme_evaluation.evaluate_once(schemes.reverse(), pl.DataFrame(rows[::-1]), comparisons.reverse())
    assert again is first and len(fitted) == 1
    assert first[0].equals(evaluate(schemes, pl.DataFrame(rows), comparisons)[0])
    fewer = comparisons.filter(pl.col("comparison_force_code") != "C4")
    changed = scheme_evaluation.evaluate_once(schemes, pl.DataFrame(rows), fewer)
    assert len(fitted) == 2 and not changed[0].equals(first[0])


def test_the_level_change_is_at_the_start_when_the_months_after_it_are_left_out():
    """A go-live whose first months after the start are not fitted (COVID-19 restrictions): the step and the trend
    change still begin at the start (methods.md section 9), not at the first month fitted; a force with no data
    before its start has unknown events before it, not 0."""
    schemes, rows, comparisons = _evaluation_inputs()
    gap = [date(2024, m, 1) for m in (4, 5, 6, 7)]  # A's go-live month and the three after it
    rows = [r | {"is_usable": False, "is_covid_restrictions": True} if r["force_code"] == "A" and r["period_start"]
            in gap else r for r in rows]  # fmt: skip
    late = [r | {"force_code": "E"} for r in rows if r["force_code"] == "L" and r["period_start"] >= date(2024, 4, 1)]
    schemes = pl.concat([schemes, pl.DataFrame([_scheme("E:rcrp", "E", date(2024, 4, 1))])])
    evaluations, _ = evaluate(schemes, pl.DataFrame(rows + late), comparisons)
    a = evaluations.filter(pl.col("scheme_key") == "A:rcrp").row(0, named=True)
    a_rows = pl.DataFrame(rows).filter(pl.col("force_code") == "A").sort("period_start")
    months = np.array([d.month for d in a_rows["period_start"]], float)
    series = Series(np.arange(36, dtype=float), a_rows["numerator"].to_numpy(), a_rows["exposure"].to_numpy(),
                    a_rows["is_usable"].to_numpy(), months)  # fmt: skip
    assert a["level_ratio"] == pytest.approx(fit(series, 24.0).level.ratio)  # the step at the go-live, month 24
    assert a["level_ratio"] != pytest.approx(fit(series, 28.0).level.ratio)  # not at the first month fitted
    e = evaluations.filter(pl.col("scheme_key") == "E:rcrp").row(0, named=True)
    assert (e["status"], e["periods_before"], e["events_before"]) == ("not_evaluable", 0, None)
    assert e["events_after"] == sum(r["numerator_count"] for r in late)
