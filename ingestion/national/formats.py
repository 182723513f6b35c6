"""What the published formats share: the format error, CSV files read as text with their row numbers, financial years
and whole numbers as the publications write them.

A file that does not match its published format fails whole, with an error naming file, row(s) and field; the
Dagster asset turns that error into a clean failure (never a stack trace).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl


class PublicFileError(ValueError):
    """A public file does not have its published format; the message names file, row(s) and field."""


def read_text_csv(path: Path, columns: list[str], error: type[PublicFileError] = PublicFileError) -> pl.DataFrame:
    """Every column as text (stripped), with `row` = 1-based data row; fails on unreadable files or missing columns."""
    try:
        df = pl.read_csv(path, infer_schema=False)
    except Exception:
        raise error(f"{path.name}: could not be read as a UTF-8 CSV file") from None
    df = df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise error(f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    return df.select(columns).with_columns(pl.col(columns).str.strip_chars()).with_row_index("row", offset=1)


def refuse_repeats(
    df: pl.DataFrame, key: list[str], name: str, error: type[PublicFileError], describe=None, row_column: str = "row"
) -> pl.DataFrame:
    """`df` when no two rows share `key`; otherwise the format error naming the file's rows (up to 10) and the key.

    describe(first repeated row) says what repeats; by default "<column> '<value>', ..." for the key columns.
    """
    dupes = df.filter(pl.struct(key).is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        what = describe(first) if describe else ", ".join(f"{k} '{first[k]}'" for k in key)
        rows = ", ".join(map(str, sorted(set(dupes.get_column(row_column).to_list()))[:10]))
        raise error(f"{name}: rows {rows}: {what} appears more than once")
    return df


def editions_in_name(name: str) -> list[str]:
    """Financial years written YYYY-YY in a file name, in order (e.g. ['2004-05', '2019-20'])."""
    return [
        f"{a}-{b}" for a, b in re.findall(r"(?<!\d)((?:19|20)\d\d)-(\d\d)(?!\d)", name) if (int(a) + 1) % 100 == int(b)
    ]


def fy_label_from_published(text: str) -> str | None:
    """'2019/20' -> '2019-20'; None when the text is not a financial year written that way."""
    match = re.fullmatch(r"((?:19|20)\d\d)/(\d\d)", text or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        return None
    return f"{match.group(1)}-{match.group(2)}"


_WHOLE = re.compile(r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0*)?")


def whole_number(text: str | None) -> int | None:
    """'12', '12.0', '1,234' -> int; '' or None -> None; raises ValueError otherwise (negatives, fractions, and
    forms float() would take that no table prints: 'inf', '1e3', '1_000')."""
    if text is None or text == "":
        return None
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(text.replace(",", "").split(".")[0])
