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
from ingestion.gate.delivery import KEY, key_expr
from ingestion.gate.landing import period_bounds
from ingestion.gate.pseudonymise import identifier_problems
from ingestion.gate.read import ROW_PROBLEM

REJECT_SCHEMA = {"row_number": pl.Int32, "field": pl.String, "reason": pl.String, "row_id": pl.String}
_TS = pl.Datetime("us")
_SHOWN = 60  # characters of a bad value echoed back
_FAST = {"engine": "in-memory"}  # small frames: the streaming engine's start-up dominates
UK = "Europe/London"
# ISO 8601 with a UTC offset (or Z), as written by most tools and APIs: read in any layout, converted to UK local
# time (every timestamp in the warehouse is UK local time, docs/interfaces.md); and seconds with a fraction. Both
# are read from the text with 'T' between date and time (a space is accepted too); %.f also reads no fraction.
OFFSET_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
FRACTION_FORMAT = "%Y-%m-%dT%H:%M:%S%.f"


@dataclass(frozen=True)
class Validated:
    good: pl.DataFrame  # row_number + typed canonical columns (person identifiers still raw: pseudonymise next)
    rejects: pl.DataFrame  # row_number, field, reason, row_id (the row's id, when it reads)
    rows_read: int
    keys: frozenset[str] = frozenset()  # the ids the file delivers (every row whose id reads), for delivery.decide

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


def _iso_extras(c: pl.Expr) -> list[pl.Expr]:
    """ISO 8601 with a fraction of a second, or with a UTC offset or Z (as UK local time, naive)."""
    text = c.str.replace(" ", "T", literal=True, n=1).str.replace(r"[zZ]$", "+00:00")
    offset = [text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False, exact=True) for f in OFFSET_FORMATS]
    local = pl.coalesce(offset).dt.convert_time_zone(UK).dt.replace_time_zone(None)
    return [text.str.strptime(_TS, FRACTION_FORMAT, strict=False, exact=True), local]


def _first_parsed(name: str, parsers: list[pl.Expr]) -> pl.Expr:
    """What pl.coalesce(parsers) gives (row by row, the first parser's value that is not null), trying each parser only
    on the rows the ones before it left unparsed: a file is nearly always in one format, so one pass does it."""

    def parse(values: pl.Series) -> pl.Series:
        frame = values.to_frame(name)
        out = frame.select(parsers[0]).to_series()
        for parser in parsers[1:]:
            todo = (out.is_null() & values.is_not_null()).arg_true()
            if todo.len() == 0:
                break
            out = out.scatter(todo, frame[todo].select(parser).to_series())
        return out

    return pl.col(name).map_batches(parse, return_dtype=_TS)


def _timestamp(name: str, layout: Layout, iso_formats: tuple[str, ...]) -> pl.Expr:
    """A timestamp in the layout's formats, else any ISO 8601 spelling (xlsx date cells, tools writing offsets)."""
    c = pl.col(name)
    formats = dict.fromkeys(layout.timestamp_formats + iso_formats)
    parsed = [c.str.strptime(_TS, f, strict=False, exact=True) for f in formats if f != EXCEL_SERIAL]
    if EXCEL_SERIAL in formats:
        parsed.append(_excel_serial(c))
    return _first_parsed(name, [*parsed, *_iso_extras(c)])


def _bool_expected(layout: Layout) -> str:
    """'Y/N or YES/NO ...': the layout's yes/no spellings in pairs."""
    yes = [k for k, v in layout.bool_map.items() if v and "." not in k]
    no = [k for k, v in layout.bool_map.items() if not v and "." not in k]
    pairs = [f"{y}/{n}" for y, n in zip(yes, no, strict=False)]
    return " or ".join(pairs) + (" (any case)" if len(pairs) > 1 else "")


def _typed(col: Column, layout: Layout, iso_formats: tuple[str, ...]) -> tuple[pl.Expr, str | None]:
    """(typed value expression, what was expected when the string does not parse) for one column."""
    c = pl.col(col.name)
    if col.type == "int":
        return c.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False), "is not a whole number"
    if col.type == "timestamp":
        return _timestamp(col.name, layout, iso_formats), f"is not a date-time; expected {layout.timestamp_expected}"
    if col.type == "month":  # YYYY-MM, or any date(-time) of the month: its first day
        month = c.str.strptime(_TS, "%Y-%m-%d", strict=False, exact=True)
        whole = pl.when(c.str.contains(r"^\d{4}-\d{2}$")).then(c + "-01")
        typed = pl.coalesce(
            whole.str.strptime(_TS, "%Y-%m-%d", strict=False), month, _timestamp(col.name, layout, iso_formats)
        )
        return typed.dt.truncate("1mo"), f"is not a month; expected {layout.timestamp_expected}"
    if col.type == "bool":
        typed = c.str.to_uppercase().replace_strict(layout.bool_map, default=None, return_dtype=pl.Boolean)
        return typed, f"is not a yes/no value; expected {_bool_expected(layout)}"
    if col.type == "code":
        mapping = {code.lower(): code for code in col.codes}
        mapping |= {k.strip().lower(): v for k, v in layout.code_maps.get(col.name, {}).items()}
        typed = c.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String)
        return typed, f"is not an allowed code; expected one of {', '.join(col.codes)}"
    return c, None


def _column_checks(col: Column, expected: str | None) -> list[Check]:
    """Required, parses, in range: the same for every file in a layout."""
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
    return checks


def _identifier_check(col: Column, values: pl.Series) -> list[Check]:
    """A person identifier that cannot be normalised (pseudonymise.identifier_problems of this file's values)."""
    problems = identifier_problems(col.name, values)
    if not problems:
        return []
    reason = pl.col(col.name).replace_strict(problems, default=None, return_dtype=pl.String)
    return [_check(col.name, pl.col(col.name).is_in(list(problems)), f"{col.name}: ", reason)]


_PLANS: dict[tuple[int, int], tuple[Contract, Layout, list[pl.Expr], list[Check]]] = {}


def _layout_plan(contract: Contract, layout: Layout) -> tuple[list[pl.Expr], list[Check]]:
    """The typed-value expressions and the column checks of a contract's layout. They are the same for every file in
    the layout, so they are built once per process: building them costs more than applying them to a small file.
    (Keyed by identity: contracts are loaded once, load_contract; the entry holds them, so an id is not reused.)"""
    key = (id(contract), id(layout))
    if key not in _PLANS:
        iso = contract.layouts[0].timestamp_formats  # the first layout is the canonical one
        typed, checks = [], []
        for col in contract.columns:
            expr, expected = _typed(col, layout, iso)
            typed.append(expr.alias(_v(col.name)))
            checks += _column_checks(col, expected)
        _PLANS[key] = (contract, layout, typed, checks)
    return _PLANS[key][2:]


def _row_checks(contract: Contract, bounded: bool, now: datetime) -> list[Check]:
    """Rules across columns: not in the future, not before another time, the file's force and period (from the
    columns FILE_COLUMNS, as a batch holds rows of several files; `bounded`: some file's period has bounds)."""
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
        fails = pl.col("force_code") != pl.col("__force")
        where = [" does not match the force folder ", pl.col("__force"), " the file was delivered in"]
        checks.append(_check("force_code", fails, "force_code: ", _shown("force_code"), *where))
    if contract.period_field and bounded:
        name = contract.period_field
        start, end = pl.col("__start"), pl.col("__end")
        fails = start.is_not_null() & ~pl.col(_v(name)).is_between(start, end, closed="left")
        span = [
            " is outside the file's period ", pl.col("__period"), " (", start.dt.strftime("%Y-%m-%d"), " to ",
            end.dt.strftime("%Y-%m-%d"), " exclusive)",
        ]  # fmt: skip
        checks.append(_check(name, fails, f"{name}: ", _ts_text(name), *span))
    return checks


def _repeat_check(id_fields: tuple[str, ...]) -> Check:
    """An id repeated within the file (second and later rows). Ids active in other files: delivery.decide."""
    field = id_fields[0] if len(id_fields) == 1 else "+".join(id_fields)
    shown = pl.lit("'") + pl.col(KEY).str.replace(r"\.0+$", "").str.replace(r" 00:00:00$", "") + pl.lit("'")
    return _check(
        field,
        pl.col(KEY).is_not_null() & (pl.col("__first_row") != pl.col("row_number")),
        f"{field}: ",
        shown,
        " is repeated in this file; first seen at row ",
        pl.col("__first_row").cast(pl.String),
    )


def validate_rows(
    df: pl.DataFrame, contract: Contract, layout: Layout, *, force_code: str, period: str, now: datetime
) -> Validated:
    """Check every row of a canonical frame (from read.to_canonical) on its own and within the file."""
    return validate_files([FileRows(df, force_code, period)], contract, layout, now=now)[0]


class FileRows(NamedTuple):
    """A file's canonical frame and the force and period folders it was delivered in."""

    df: pl.DataFrame
    force_code: str | None
    period: str | None


def _file_columns(n: int, file: FileRows, kinds: tuple[str, ...]) -> pl.DataFrame:
    bounds = period_bounds(file.period or "", kinds)
    start, end = bounds or (None, None)
    return file.df.with_columns(
        pl.lit(n, pl.UInt32).alias("__file"),
        pl.lit(file.force_code, pl.String).alias("__force"),
        pl.lit(file.period, pl.String).alias("__period"),
        pl.lit(start, _TS).alias("__start"),
        pl.lit(end, _TS).alias("__end"),
    )


def _by_file(frame: pl.DataFrame, files: int, empty: pl.DataFrame) -> list[pl.DataFrame]:
    """A batch's frame split into one frame per file (in file order; `empty` for a file without rows)."""
    parts = frame.partition_by("__file", as_dict=True, include_key=False)
    return [parts.get((n,), empty) for n in range(files)]


def validate_files(files: list[FileRows], contract: Contract, layout: Layout, *, now: datetime) -> list[Validated]:
    """validate_rows of several files in one layout, checked together as one frame (what each file gets is what it
    would get alone: tests/ingestion/test_validate.py): a polars query costs about the same for one file's rows as
    for a few files', so files are checked in batches rather than one by one."""
    if not files:
        return []
    df = pl.concat([_file_columns(n, file, contract.periods) for n, file in enumerate(files)], how="vertical_relaxed")
    if ROW_PROBLEM not in df.columns:
        df = df.with_columns(pl.lit(None, pl.String).alias(ROW_PROBLEM))
    frame = df.lazy().with_columns([pl.col(n).str.strip_chars().replace("", None) for n in contract.names])
    typed, checks = _layout_plan(contract, layout)
    frame = frame.with_columns(typed)
    bounded = any(period_bounds(file.period or "", contract.periods) for file in files)
    checks = [
        *checks,
        *(
            check
            for col in contract.columns
            if col.is_person_identifier
            for check in _identifier_check(col, df[col.name])
        ),
        *_row_checks(contract, bounded, now),
    ]
    trusted = pl.col(ROW_PROBLEM).is_null()  # e.g. a ragged row: refused whole for that reason alone
    checks = [Check(c.field, c.fails & trusted, c.reason) for c in checks]
    checks.append(_check("row", ~trusted, pl.col(ROW_PROBLEM)))
    key = key_expr([_v(f) for f in contract.id_fields]) if contract.id_fields else pl.lit(None, pl.String)
    frame = frame.with_columns(key.alias(KEY))
    if contract.id_fields:
        frame = frame.with_columns(pl.col("row_number").first().over("__file", KEY).alias("__first_row"))
        checks.append(_repeat_check(contract.id_fields))

    flags = [f"__c{i}" for i in range(len(checks))]
    checked = frame.with_columns([c.fails.alias(f) for f, c in zip(flags, checks, strict=True)]).collect(**_FAST)
    failing = pl.any_horizontal(flags)
    rejects = (
        checked.lazy()
        .filter(failing)
        .select(
            "__file",
            "row_number",
            pl.col(KEY).alias("row_id"),
            *[
                pl.when(pl.col(f)).then(c.reason).alias(str(i))
                for i, (f, c) in enumerate(zip(flags, checks, strict=True))
            ],
        )
        .unpivot(index=["__file", "row_number", "row_id"], variable_name="check", value_name="reason")
        .drop_nulls("reason")
        .with_columns(pl.col("check").cast(pl.Int32))
        .sort("__file", "row_number", "check")
        .select(
            "__file",
            "row_number",
            pl.col("check")
            .replace_strict(dict(enumerate(c.field for c in checks)), return_dtype=pl.String)
            .alias("field"),
            "reason",
            "row_id",
        )
        .collect(**_FAST)
        .cast(REJECT_SCHEMA)
    )
    good = checked.filter(~failing).select(
        "__file",
        "row_number",
        *[(pl.col(c.name) if c.is_person_identifier else pl.col(_v(c.name))).alias(c.name) for c in contract.columns],
    )
    keys = dict(checked.select("__file", KEY).drop_nulls(KEY).group_by("__file").agg(KEY).iter_rows())
    empty_rejects = pl.DataFrame(schema=REJECT_SCHEMA)
    return [
        Validated(good=g, rejects=r, rows_read=file.df.height, keys=frozenset(keys.get(n, ())))
        for n, (file, g, r) in enumerate(
            zip(
                files,
                _by_file(good, len(files), good.clear().drop("__file")),
                _by_file(rejects, len(files), empty_rejects),
                strict=True,
            )
        )
    ]
