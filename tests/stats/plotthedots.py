"""An independent Python port of NHSRplotthedots' XmR calculations, to check mart_spc against (test code only).

Ported line by line from nhs-r-community/NHSRplotthedots (v0.2.0): R/ptd_spc_standard.R (limits) and
R/ptd_calculate_point_type.R (special-cause rules and point types), on one series and one rebase group at a time.
The warehouse computes the same thing in SQL (dbt_project/macros/stats/spc.sql); nothing is shared between the two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

LIMIT = 2.66
LIMIT_CLOSE = 2 * (LIMIT / 3)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _compare(a: float, b: float) -> int:
    """The sign of a - b at the published precision (6 decimal places), as the warehouse judges sides and steps
    (docs/methods.md section 4; the package compares the unrounded doubles)."""
    return _sign(round(a, 6) - round(b, 6))


def spc_standard(y: Sequence[float], fix_after_n_points: int | None = None, screen_outliers: bool = True) -> dict:
    """mean_col, lpl, upl, nlpl, nupl, outside_limits, relative_to_mean and close_to_limits of one rebase group."""
    n = len(y)
    fix_y = [v if fix_after_n_points is None or i < fix_after_n_points else None for i, v in enumerate(y)]
    fixed = [v for v in fix_y if v is not None]
    mean = sum(fixed) / len(fixed)
    pairs = zip(fix_y, fix_y[1:], strict=False)
    mr = [None] + [abs(b - a) if a is not None and b is not None else None for a, b in pairs]
    valid = [m for m in mr if m is not None]
    amr = sum(valid) / len(valid) if valid else math.nan
    if screen_outliers:
        kept = [m for m in valid if m < 3.267 * amr]
        amr = sum(kept) / len(kept) if kept else math.nan
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    nlpl, nupl = mean - LIMIT_CLOSE * amr, mean + LIMIT_CLOSE * amr
    outside = [v > upl or v < lpl for v in y]
    rtm = [_compare(v, mean) for v in y]
    close = [not o and (v < nlpl or v > nupl) for v, o in zip(y, outside, strict=True)]
    return {"n": n, "mean": mean, "lpl": lpl, "upl": upl, "outside": outside, "rtm": rtm, "close": close}


def _seven_point_one_side_mean(v: list[int], run: int) -> list[int]:
    vp = [0] * (run - 1) + v
    return [int(all(vp[i] == vp[i - k] for k in range(1, run)) and vp[i] != 0) for i in range(run - 1, len(vp))]


def _part_of_seven_trend(v: list[int], run: int) -> list[int]:
    vp = v + [0] * (run - 1)
    return [int(any(abs(vp[i + k]) == 1 for k in range(run))) for i in range(len(v))]


def _seven_point_trend(y: Sequence[float], run: int) -> list[int]:
    if len(y) < run:
        return [0] * len(y)
    out = [0] * (run - 1)
    for i in range(run - 1, len(y)):
        d = [_compare(y[i - k], y[i - k - 1]) for k in range(run - 1)]
        out.append(1 if all(x == 1 for x in d) else -1 if all(x == -1 for x in d) else 0)
    return out


def _two_in_three(v: list[int], rtm: list[int]) -> list[int]:
    vp, rp = [0, 0, *v, 0, 0], [0, 0, *rtm, 0, 0]
    out = []
    for i in range(len(v)):
        hit = any(sum(vp[i + a : i + a + 3]) >= 2 and abs(sum(rp[i + a : i + a + 3])) == 3 for a in range(3))
        out.append(int(hit))
    return out


def special_cause_type(y: Sequence[float], std: dict, trend_run: int = 7, shift_run: int = 7) -> list[str]:
    rtm, close, outside = std["rtm"], [int(c) for c in std["close"]], std["outside"]
    trend = _part_of_seven_trend(_seven_point_trend(y, trend_run), trend_run)
    two = [int(a == 1 and b == 1) for a, b in zip(_two_in_three(close, rtm), close, strict=True)]
    shift = _part_of_seven_trend(_seven_point_one_side_mean(rtm, shift_run), shift_run)
    sdy = [_compare(b, a) for a, b in zip(y, y[1:], strict=False)]
    right = sdy + sdy[-1:]
    left = [0, *sdy]
    nxt = trend[1:] + [0]
    side = [r if (t and p) else lft for r, lft, t, p in zip(right, left, nxt, trend, strict=True)]
    out = []
    for i in range(len(y)):
        above = "above" if rtm[i] > 0 else "below"
        if outside[i]:
            out.append("above_upper_limit" if rtm[i] == 1 else "below_lower_limit")
        elif trend[i]:
            out.append("trend_increasing" if side[i] == 1 else "trend_decreasing")
        elif two[i]:
            out.append(f"two_of_three_{above}")
        elif shift[i]:
            out.append(f"shift_{above}")
        else:
            out.append("common_cause")
    return out


def point_type(special_cause: str, improvement_direction: int) -> str:
    if special_cause == "common_cause":
        return "common_cause"
    v = 1 if ("above" in special_cause or "increasing" in special_cause) else -1
    if improvement_direction == 0:
        return "special_cause_neutral_high" if v > 0 else "special_cause_neutral_low"
    return "special_cause_improvement" if v * improvement_direction > 0 else "special_cause_concern"


def xmr(
    y: Sequence[float],
    improvement_direction: int,
    rebase_at: Sequence[int] = (),
    fix_after_n_points: int | None = None,
    trend_run: int = 7,
    shift_run: int = 7,
) -> list[dict]:
    """Every point of a series (rebase groups start at the 0-based positions in rebase_at) with its limits and type."""
    starts = sorted({0, *rebase_at})
    bounds = [*starts, len(y)]
    rows = []
    for segment, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        part = list(y[a:b])
        std = spc_standard(part, fix_after_n_points)
        types = special_cause_type(part, std, trend_run, shift_run)
        for i, v in enumerate(part):
            kind = types[i]
            row = {"segment": segment, "value": v, "centre": std["mean"], "lpl": std["lpl"], "upl": std["upl"]}
            rows.append({**row, "special_cause_type": kind, "point_type": point_type(kind, improvement_direction)})
    return rows
