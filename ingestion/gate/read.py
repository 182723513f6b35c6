"""Reading landing files: the path convention, CSV/XLSX as all-string polars frames, mapping onto the contract.

Every problem that condemns a whole file is raised as FileRejected with a plain-English reason (no stack trace).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from ingestion.forces import known_force_codes
from ingestion.gate.contract import Contract, Layout, match_layout

SUFFIXES = (".csv", ".xlsx")
_FY = re.compile(r"^(\d{4})-(\d{2})$")


class FileRejected(Exception):
    """A whole file cannot be loaded; `reason` is for the user, `rows_read` counts data rows when countable."""

    def __init__(self, reason: str, rows_read: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.rows_read = rows_read


@dataclass(frozen=True)
class LandingFile:
    path: Path
    rel_path: str  # relative to the landing zone, with forward slashes
    source: str | None
    force_code: str | None
    period: str | None


def period_bounds(period: str) -> tuple[datetime, datetime] | None:
    """[start, end) of a period folder: 'YYYY-YY' financial year (April-March) or 'YYYY-MM' month; else None."""
    m = _FY.match(period)
    if not m:
        return None
    year, tail = int(m.group(1)), int(m.group(2))
    if tail == (year + 1) % 100:
        return datetime(year, 4, 1), datetime(year + 1, 4, 1)
    if 1 <= tail <= 12:
        return datetime(year, tail, 1), datetime(year + tail // 12, tail % 12 + 1, 1)
    return None


def landing_file(landing_dir: Path, path: Path) -> LandingFile:
    """Split <source>/<force_code>/<period>/<file> (whatever the path, so a bad one can be reported)."""
    rel = path.relative_to(landing_dir).as_posix()
    parts = rel.split("/")
    source, force, period = (parts + [None, None, None])[:3] if len(parts) == 4 else (parts[0], None, None)
    return LandingFile(path, rel, source, force, period)


def check_landing_path(lf: LandingFile, national: bool = False) -> None:
    """Raise FileRejected unless the path is <source>/<force_code>/<period>/<file> with a known force and period.

    national: the source is national (contract scope), so the folder must be 'national' instead of a force code.
    """
    if lf.force_code is None:
        folder = "national" if national else "<force_code>"
        raise FileRejected(
            f"the file is not where it should be: expected <source>/{folder}/<period>/<file>, got {lf.rel_path}"
        )
    if national:
        if lf.force_code != "national":
            raise FileRejected(
                f"'{lf.force_code}' should be 'national': {lf.source} is a national source, delivered under "
                f"{lf.source}/national/<period>/"
            )
    elif lf.force_code not in known_force_codes():
        raise FileRejected(
            f"'{lf.force_code}' is not a known force code (an ONS police force area code like E23000001, or BTP)"
        )
    if period_bounds(lf.period or "") is None:
        raise FileRejected(
            f"'{lf.period}' is not a period: expected a financial year like 2024-25 or a month like 2024-05"
        )


def _count_rows(raw: bytes) -> int:
    lines = [line for line in raw.splitlines() if line.strip(b" ,;\t\r")]
    return max(len(lines) - 1, 0)


ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


def _decode(raw: bytes, encodings: tuple[str, ...]) -> str:
    """Text of a CSV in the first of `encodings` that decodes it (UTF-8 always first; a BOM is tolerated)."""
    if b"\x00" in raw[:4096]:
        utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
        raise FileRejected(
            "the file is not plain text: it contains NUL bytes (UTF-16 or a binary file?); save it as CSV UTF-8",
            _count_rows(raw.decode("utf-16", errors="replace").encode()) if utf16 else 0,
        )
    first_error = None
    for encoding in dict.fromkeys(("utf-8", *encodings)):
        try:
            return raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    expected = " or ".join(ENCODING_NAMES[e] for e in dict.fromkeys(("utf-8", *encodings)))
    raise FileRejected(
        f"the file is not {expected} text (first bad byte at position {first_error.start}); save it as CSV UTF-8",
        _count_rows(raw),
    )


ROW_PROBLEM = "__row_problem"  # a reason the whole row is refused before its fields are read (e.g. ragged)


def _ragged_rows(text: str) -> dict[int, str]:
    """{data row: reason} for rows whose field count differs from the header's (blank rows ignored).

    A short last row without a line ending means the file was cut off: the whole file is rejected.
    """
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    ragged = {}
    for number, row in enumerate(rows, start=1):
        if len(row) == len(header) or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) and not text.endswith(("\n", "\r")) and next(rows, None) is None:
            raise FileRejected(
                f"the file is cut off: its last row (data row {number}) has {len(row)} of {len(header)} fields and "
                "no line ending; resend the complete file",
                number,
            )
        ragged[number] = (
            f"the row has {len(row)} fields but the header has {len(header)}: check its quoting and separators"
        )
    return ragged


def read_table(path: Path, encodings: tuple[str, ...] = ("utf-8",)) -> pl.DataFrame:
    """Read a CSV or the first sheet of an XLSX as all-string columns.

    encodings: the text encodings a CSV may use (the layouts open to the delivering force); UTF-8 is always tried
    first. Adds row_number (1-based data row, header excluded); drops rows that are entirely blank.
    """
    if path.suffix.lower() == ".xlsx":
        try:
            df = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        except Exception:
            raise FileRejected("the file could not be read as an Excel workbook (.xlsx)") from None
        df = df.select(pl.all().cast(pl.String))
    else:
        raw = path.read_bytes()
        if not raw.removeprefix(b"\xef\xbb\xbf").strip():
            raise FileRejected("the file is empty")
        text = _decode(raw, encodings)
        ragged = _ragged_rows(text)
        try:
            df = pl.read_csv(io.StringIO(text), infer_schema=False, raise_if_empty=True, truncate_ragged_lines=True)
        except Exception:
            raise FileRejected(
                "the file could not be read as comma-separated values: check the quoting and that every row has "
                "as many fields as the header",
                _count_rows(raw),
            ) from None
    df = df.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int32))
    if path.suffix.lower() != ".xlsx" and ragged:
        problems = pl.DataFrame(
            {"row_number": list(ragged), ROW_PROBLEM: list(ragged.values())},
            schema={"row_number": pl.Int32, ROW_PROBLEM: pl.String},
        )
        df = df.join(problems, on="row_number", how="left", maintain_order="left")
    cells = [c for c in df.columns if c not in ("row_number", ROW_PROBLEM)]
    if not cells:
        return df
    blank = pl.all_horizontal(pl.col(cells).str.strip_chars().fill_null("") == "")
    return df.filter(~blank)


def to_canonical(df: pl.DataFrame, contract: Contract, force_code: str | None) -> tuple[pl.DataFrame, Layout]:
    """Recognise the layout from the header and rename/complete the columns to the canonical set (strings)."""
    header = [c for c in df.columns if c not in ("row_number", ROW_PROBLEM)]
    if not header:
        raise FileRejected("the file is empty")
    match = match_layout(contract, header, force_code)
    if not match.rename:
        raise FileRejected(
            "no header row recognised: the first line must name the columns, e.g. " + ", ".join(contract.required),
            df.height + 1,
        )
    if match.missing_required:
        raise FileRejected(
            f"required column(s) missing: {', '.join(match.missing_required)} "
            f"(closest layout '{match.layout.name}'; found {', '.join(header)})",
            df.height,
        )
    problem = pl.col(ROW_PROBLEM) if ROW_PROBLEM in df.columns else pl.lit(None, pl.String).alias(ROW_PROBLEM)
    out = df.select(["row_number", problem, *[pl.col(cell).alias(name) for cell, name in match.rename.items()]])
    absent = [name for name in contract.names if name not in out.columns]
    out = out.with_columns([pl.lit(None, pl.String).alias(name) for name in absent])
    return out.select(["row_number", *contract.names, ROW_PROBLEM]), match.layout
