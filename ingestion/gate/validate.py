"""Row-level validation of a canonical all-string frame against its contract: typed good rows + plain-English rejects.

One reject entry per failing field (row_number, field, reason); a row with any failing field is rejected whole.
A person identifier's value never appears in a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import polars as pl

from ingestion.gate.contract import EXCEL_SERIAL, Column, Contract, Layout
from ingestion.gate.pseudonymise import identifier_problem
from ingestion.gate.read import ROW_PROBLEM, period_bounds

REJECT_SCHEMA = {"row_number": pl.Int32, "field": pl.String, "reason": pl.String}
_TS = pl.Datetime("us")
_SHOWN = 60  # characters of a bad value echoed back
_FAST = {"engine": "in-memory"}  # small frames: the streaming engine's start-up dominates


@dataclass(frozen=True)
class Validated:
    good: pl.DataFrame  # row_number + typed canonical columns (person identifiers still raw: pseudonymise next)
    rejects: pl.DataFrame  # row_number, field, reason
    rows_read: int

    @property
    def rows_rejected(self) -> int:
        return self.rejects.get_column("row_number").n_unique()


class Check(NamedTuple):
    field: str
    fails: pl.Expr  # true for a failing row
    reason: pl.Expr  # built only for failing rows


def _v(name: str) -> str:
    """Column holding the typed value of `name`."""
    return f"{name}__v"


def _check(field: str, fails: pl.Expr, *parts: pl.Expr | str) -> Check:
    text = pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in parts])
    return Check(field, fails.fill_null(False), text)


def _shown(name: str) -> pl.Expr:
    return pl.lit("'") + pl.col(name).str.slice(0, _SHOWN) + pl.lit("'")


def _ts_text(name: str) -> pl.Expr:
    return pl.col(_v(name)).dt.strftime("%Y-%m-%d %H:%M")


def _excel_serial(c: pl.Expr) -> pl.Expr:
    """An Excel date serial (days since 1899-12-30, fraction = time of day) as a timestamp, to the second."""
    days = c.str.strip_chars().cast(pl.Float64, strict=False)
    ms = (days * 86_400).round(0).cast(pl.Int64) * 1000
    valid = days.is_between(1, 2_958_465)  # 1900-01-01 .. 9999-12-31
    return pl.when(valid).then(pl.lit(datetime(1899, 12, 30)).cast(_TS) + pl.duration(milliseconds=ms))


def _typed(col: Column, layout: Layout, iso_formats: tuple[str, ...]) -> tuple[pl.Expr, str | None]:
    """(typed value expression, what was expected when the string does not parse) for one column."""
    c = pl.col(col.name)
    if col.type == "int":
        return c.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False), "is not a whole number"
    if col.type == "timestamp":
        formats = dict.fromkeys(layout.timestamp_formats + iso_formats)  # ISO always accepted (xlsx date cells)
        parsed = [c.str.strptime(_TS, f, strict=False, exact=True) for f in formats if f != EXCEL_SERIAL]
        if EXCEL_SERIAL in formats:
            parsed.append(_excel_serial(c))
        return pl.coalesce(parsed), f"is not a date-time; expected {layout.timestamp_expected}"
    if col.type == "bool":
        typed = c.str.to_uppercase().replace_strict(layout.bool_map, default=None, return_dtype=pl.Boolean)
        return typed, f"is not a yes/no value; expected {' or '.join(layout.bool_map)}"
    if col.type == "code":
        mapping = {code.lower(): code for code in col.codes}
        mapping |= {k.strip().lower(): v for k, v in layout.code_maps.get(col.name, {}).items()}
        typed = c.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String)
        return typed, f"is not an allowed code; expected one of {', '.join(col.codes)}"
    return c, None


def _column_checks(col: Column, expected: str | None, values: pl.Series) -> list[Check]:
    """Required, parses, in range, and (for a person identifier) normalisable."""
    name, value = col.name, pl.col(_v(col.name))
    shown = pl.lit("the value") if col.is_person_identifier else _shown(name)
    checks = []
    if col.required:
        checks.append(_check(name, pl.col(name).is_null(), f"{name}: is missing; a value is required"))
    if expected:
        checks.append(_check(name, pl.col(name).is_not_null() & value.is_null(), f"{name}: ", shown, f" {expected}"))
    if col.min is not None or col.max is not None:
        lo = col.min if col.min is not None else -(2**62)
        hi = col.max if col.max is not None else 2**62
        out_of_range = ~value.is_between(lo, hi)
        checks.append(
            _check(
                name, out_of_range, f"{name}: ", value.cast(pl.String), f" is outside the allowed range {lo} to {hi}"
            )
        )
    if col.is_person_identifier:
        problems = {v: p for v in values.str.strip_chars().drop_nulls().unique() if (p := identifier_problem(name, v))}
        if problems:
            reason = pl.col(name).replace_strict(problems, default=None, return_dtype=pl.String)
            checks.append(_check(name, pl.col(name).is_in(list(problems)), f"{name}: ", reason))
    return checks


def _row_checks(contract: Contract, force_code: str, period: str, now: datetime) -> list[Check]:
    """Rules across columns: not in the future, not before another time, the file's force and period."""
    checks = []
    for name in contract.rules.get("not_in_future", []):
        checks.append(_check(name, pl.col(_v(name)) > now, f"{name}: ", _ts_text(name), " is in the future"))
    for name, earlier in (contract.rules.get("not_before") or {}).items():
        fails = pl.col(_v(name)) < pl.col(_v(earlier))
        checks.append(
            _check(
                name,
                fails,
                f"{name}: ",
                _ts_text(name),
                f" is before {earlier} ",
                _ts_text(earlier),
                "; it cannot be earlier",
            )
        )
    if "force_code" in contract.names and contract.scope == "force":
        fails = pl.col("force_code") != force_code
        where = f" does not match the force folder {force_code} the file was delivered in"
        checks.append(_check("force_code", fails, "force_code: ", _shown("force_code"), where))
    bounds = period_bounds(period)
    if contract.period_field and bounds:
        start, end = bounds
        name = contract.period_field
        fails = ~pl.col(_v(name)).is_between(start, end, closed="left")
        span = f" is outside the file's period {period} ({start:%Y-%m-%d} to {end:%Y-%m-%d} exclusive)"
        checks.append(_check(name, fails, f"{name}: ", _ts_text(name), span))
    return checks


def _id_checks(id_field: str, has_active: bool) -> list[Check]:
    """An id repeated within the file (second and later), or already active for the force from another load."""
    shown = _shown(id_field)
    checks = [
        _check(
            id_field,
            pl.col(id_field).is_not_null() & (pl.col("__first_row") != pl.col("row_number")),
            f"{id_field}: ",
            shown,
            " is repeated in this file; first seen at row ",
            pl.col("__first_row").cast(pl.String),
        )
    ]
    if has_active:
        checks.append(
            _check(
                id_field,
                pl.col("__active_file").is_not_null(),
                f"{id_field}: ",
                shown,
                " is already loaded for this force from ",
                pl.col("__active_file"),
            )
        )
    return checks


def validate_rows(
    df: pl.DataFrame,
    contract: Contract,
    layout: Layout,
    *,
    force_code: str,
    period: str,
    now: datetime,
    active_ids: pl.DataFrame | None = None,
) -> Validated:
    """Check every row of a canonical frame (from read.to_canonical).

    active_ids: (detention_id, file_path) already active for this force from other loads, for the id clash check.
    """
    iso = contract.layouts[0].timestamp_formats  # the first layout is the canonical one
    frame = df.lazy().with_columns([pl.col(n).str.strip_chars().replace("", None) for n in contract.names])
    typed, checks = [], []
    for col in contract.columns:
        expr, expected = _typed(col, layout, iso)
        typed.append(expr.alias(_v(col.name)))
        checks += _column_checks(col, expected, df.get_column(col.name))
    frame = frame.with_columns(typed)
    checks += _row_checks(contract, force_code, period, now)
    if ROW_PROBLEM in df.columns:  # e.g. a ragged row: refused whole, its fields are not trusted
        checks.append(_check("row", pl.col(ROW_PROBLEM).is_not_null(), pl.col(ROW_PROBLEM)))
    if contract.id_field:
        id_field = contract.id_field
        frame = frame.with_columns(pl.col("row_number").first().over(id_field).alias("__first_row"))
        has_active = active_ids is not None and active_ids.height > 0
        if has_active:
            active = active_ids.select(
                pl.col("detention_id").alias(id_field), pl.col("file_path").alias("__active_file")
            )
            frame = frame.join(active.unique(id_field).lazy(), on=id_field, how="left", maintain_order="left")
        checks += _id_checks(id_field, has_active)

    flags = [f"__c{i}" for i in range(len(checks))]
    checked = frame.with_columns([c.fails.alias(f) for f, c in zip(flags, checks, strict=True)]).collect(**_FAST)
    failing = pl.any_horizontal(flags)
    rejects = (
        checked.lazy()
        .filter(failing)
        .select(
            "row_number",
            *[
                pl.when(pl.col(f)).then(c.reason).alias(str(i))
                for i, (f, c) in enumerate(zip(flags, checks, strict=True))
            ],
        )
        .unpivot(index="row_number", variable_name="check", value_name="reason")
        .drop_nulls("reason")
        .with_columns(pl.col("check").cast(pl.Int32))
        .sort("row_number", "check")
        .select(
            "row_number",
            pl.col("check")
            .replace_strict(dict(enumerate(c.field for c in checks)), return_dtype=pl.String)
            .alias("field"),
            "reason",
        )
        .collect(**_FAST)
        .cast(REJECT_SCHEMA)
    )
    good = checked.filter(~failing).select(
        "row_number",
        *[(pl.col(c.name) if c.is_person_identifier else pl.col(_v(c.name))).alias(c.name) for c in contract.columns],
    )
    return Validated(good=good, rejects=rejects, rows_read=df.height)
