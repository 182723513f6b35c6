"""How the app writes numbers, periods and published counts: defined once, used by every page and chart table.

Published counts are shown as the marts publish them (docs/methods.md, "Disclosure control"): `*` for a count of
1 to 7 (suppressed), `–` for no value, else the published (rounded) count; nothing is recomputed from rounded
counts.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

SUPPRESSED = "suppressed_1_7"
DASH = "–"
# a published count's *_sdc_flag in words (dbt_project/macros/stats/sdc.sql); no flag: not disclosure-controlled
DISCLOSURE = {"none": "zero (shown as is)", "rounded5": "rounded to the nearest 5", SUPPRESSED: "withheld (1 to 7)"}


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounded(value: Any, digits: int) -> Any:
    """The app's one rounding rule, for text, tables and their CSVs alike: the number as published (its shortest
    decimal, e.g. 15.95) to ``digits`` decimals, a tie away from zero (15.95 -> 16.0, 55.85 -> 55.9, 2.675 -> 2.68).
    Python's format and JavaScript's toFixed round the binary value instead (15.95 is 15.9499... there: '15.9') and
    polars' round multiplies first (55.85 -> 55.8), so one figure could read 15.9 in a sentence and 16.0 in a table."""
    if missing(value) or not math.isfinite(value):
        return value
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def rounded_col(expr: pl.Expr, digits: int) -> pl.Expr:
    """A float column rounded by `rounded` (for a table's columns, in place of polars' round)."""
    return expr.map_elements(lambda v: rounded(v, digits), return_dtype=pl.Float64)


def rounded_cols(names: dict[str, str], digits: int) -> list[pl.Expr]:
    """Float columns (column -> name shown) rounded by `rounded` and renamed, in that order."""
    return [rounded_col(pl.col(column), digits).alias(name) for column, name in names.items()]


def num(value: Any, digits: int = 1) -> str:
    """1234.5 -> '1,234.5'; missing -> '–'."""
    return DASH if missing(value) else f"{rounded(value, digits):,.{digits}f}"


def pct(value: Any, digits: int = 1) -> str:
    """A percentage already on the 0-100 scale: 12.34 -> '12.3%'."""
    return DASH if missing(value) else f"{rounded(value, digits):.{digits}f}%"


def count(value: Any, flag: str | None = None) -> str:
    """A published count: '*' when suppressed (1–7), '–' when absent, else the published value."""
    if flag == SUPPRESSED:
        return "*"
    return DASH if missing(value) else f"{int(value):,}"


def gist(text: str, limit: int = 60) -> str:
    """A long definition as a label: what comes before its first bracket or semicolon, cut at a word with '…' when
    still longer than ``limit`` ('Resident population (ONS mid-year ...; ...)' -> 'Resident population')."""
    head = text.split(" (")[0].split(";")[0].strip() or text
    return head if len(head) <= limit else head[:limit].rsplit(" ", 1)[0] + "…"


def interval(lo: Any, hi: Any, digits: int = 1) -> str:
    """'4.8 to 18.4', or '–' when either limit is missing."""
    if missing(lo) or missing(hi):
        return DASH
    return f"{rounded(lo, digits):,.{digits}f} to {rounded(hi, digits):,.{digits}f}"


def fy_long(fy_label: str) -> str:
    """'2023-24' -> '2023-24 (year ending March 2024)' (the Home Office's way of naming a financial year)."""
    try:
        return f"{fy_label} (year ending March {int(fy_label[:4]) + 1})"
    except (ValueError, TypeError):
        return str(fy_label)


def month_long(iso: str) -> str:
    """'2024-06' -> 'June 2024'."""
    try:
        return date(int(iso[:4]), int(iso[5:7]), 1).strftime("%B %Y")
    except (ValueError, TypeError):
        return str(iso)


def period_long(period: str, period_type: str) -> str:
    """A benchmark period by its type (mart_benchmark.period_type): a month or a financial year."""
    return month_long(period) if period_type == "month" else fy_long(period)


def period_short(period: str, period_type: str) -> str:
    """A benchmark period in a table column: '2024-25' (a financial year) or 'Jun 2024' (a month)."""
    if period_type != "month":
        return str(period)
    try:
        return date(int(period[:4]), int(period[5:7]), 1).strftime("%b %Y")
    except (ValueError, TypeError):
        return str(period)


def fy_of_month(month: str) -> str:
    """'2024-03' -> '2023-24': the financial year (April to March) a month falls in."""
    year, mon = int(month[:4]), int(month[5:7])
    start = year if mon >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def day(value: Any) -> str:
    return value.strftime("%-d %B %Y") if isinstance(value, date) else DASH


def signed(value: Any, digits: int = 1, unit: str = "") -> str:
    """+1.2 / -0.4 with a unit; '–' when missing."""
    return DASH if missing(value) else f"{value:+,.{digits}f}{unit}"
