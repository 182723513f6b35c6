"""Exact Poisson funnel limits for small expected counts, tabulated in seeds/ref_poisson_limits_small_expected.csv.

A funnel for a rate needs the limits on a count whose expectation E is not a whole number: lower =
chi2.ppf(tail, 2E) / 2 and upper = chi2.ppf(1 - tail, 2E + 2) / 2 (docs/methods.md §3). Neither SQL engine has a
chi-square quantile, so the funnel macro uses Byar's approximation from E = 10 (as PHE does for counts) and below 10
interpolates linearly in this table (E from 0 to 10 in steps of 0.02; error below 5e-5 on the count). Regenerate with
`python -m tests.stats.poisson_seed > seeds/ref_poisson_limits_small_expected.csv`; test_funnel checks the file.
"""

from __future__ import annotations

import csv
import sys

import numpy as np
from scipy.stats import chi2

STEP = 0.02
INTERVALS = 500  # E from 0 to 10
TAILS = {"95": 0.025, "998": 0.001}
COLUMNS = ["interval_index", "expected_from", "expected_to"] + [
    f"{bound}{tag}_{end}" for tag in TAILS for bound in ("lower", "upper") for end in ("from", "to")
]


def count_limits(expected: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) limits on a Poisson count with expectation `expected` (0 stays 0 at the lower limit)."""
    e = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(e > 0, chi2.ppf(tail, 2 * np.maximum(e, 1e-300)) / 2, 0.0)
    return lower, chi2.ppf(1 - tail, 2 * e + 2) / 2


def rows() -> list[list[str]]:
    grid = np.round(np.arange(INTERVALS + 1) * STEP, 10)
    limits = {tag: count_limits(grid, tail) for tag, tail in TAILS.items()}
    out = []
    for i in range(INTERVALS):
        row = [str(i), f"{grid[i]:.2f}", f"{grid[i + 1]:.2f}"]
        for tag in TAILS:
            for bound in (0, 1):
                row += [repr(float(limits[tag][bound][i])), repr(float(limits[tag][bound][i + 1]))]
        out.append(row)
    return out


if __name__ == "__main__":
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows())
