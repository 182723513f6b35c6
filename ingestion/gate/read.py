"""Reading a delivered file's bytes: CSV or XLSX as all-string polars frames, and mapping them onto the contract.

Every problem that condemns a whole file is raised as FileRejected with a plain-English reason (no stack trace);
a problem of one row (wrong number of fields, broken quoting, a field over the size limit) refuses that row only.
Limits (docs/interfaces.md): a file may hold MAX_FILE_BYTES, a field MAX_FIELD_CHARS characters.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import polars as pl

from ingestion.gate.contract import Contract, Layout, columns_not_read, match_layout

SUFFIXES = (".csv", ".xlsx")
MAX_FILE_BYTES = 256 * 1024 * 1024  # a bigger delivery is split into parts (files) of the same force and period
MAX_FIELD_CHARS = 2_000  # no canonical field comes near it; a longer one is usually a quote left open
csv.field_size_limit(MAX_FILE_BYTES)  # the csv module's own limit would stop with a traceback; ours names the row


class FileRejected(Exception):
    """A whole file cannot be loaded; `reason` is for the user, `rows_read` counts data rows when countable.
    `by_contract`: the source's contract decides it (the file's header, layout or encoding), so a change to the
    contract may answer it."""

    def __init__(self, reason: str, rows_read: int = 0, by_contract: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.rows_read = rows_read
        self.by_contract = by_contract

    def __reduce__(self):  # whole, as it comes back from a worker process (ingestion/gate/workers.py)
        return FileRejected, (self.reason, self.rows_read, self.by_contract)


def file_too_big(size: int) -> str:
    return (
        f"the file is {size / 2**20:,.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:,.0f} MB per file: "
        "split it into several files in the same folder (each is a part of the period)"
    )


def _count_rows(raw: bytes) -> int:
    lines = [line for line in raw.splitlines() if line.strip(b" ,;\t\r")]
    return max(len(lines) - 1, 0)


ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


def _where(raw: bytes, offset: int) -> str:
    """Where a byte offset lies, as a person finds it in an editor: its line and its byte within the line (lines end
    with LF, or with CR in a file that has no LF)."""
    end = b"\n" if b"\n" in raw else b"\r"
    before = raw[:offset]
    return f"line {before.count(end) + 1}, byte {offset - before.rfind(end)} of the line"


# one character of UTF-8 written as two to four bytes (RFC 3629's well-formed sequences); Windows-1252 text all but
# never holds one, since it would read as two or more odd symbols such as "Ã«"
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

ASCII_BYTES = bytes(range(0x80))


def _decode(raw: bytes, encodings: tuple[str, ...]) -> tuple[str, dict[int, str]]:
    """Text of a CSV, and {line: why that line is refused}. UTF-8 is always tried first (a BOM is tolerated); a file
    that is not UTF-8 is read line by line in the first other encoding of `encodings` that decodes it, except that a
    line that is UTF-8 is read as UTF-8 (a system that moved to UTF-8 while its old layout still names Windows-1252),
    and a line with both UTF-8 characters and bytes that are not UTF-8 is refused: its text cannot be told."""
    if b"\x00" in raw:
        utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
        raise FileRejected(
            "the file is not plain text: it contains NUL bytes (UTF-16 or a binary file?); save it as CSV UTF-8",
            _count_rows(raw.decode("utf-16", errors="replace").encode()) if utf16 else 0,
        )
    try:
        return raw.decode("utf-8-sig"), {}
    except UnicodeDecodeError as exc:
        first_error = exc
    body = raw.removeprefix(b"\xef\xbb\xbf")
    for encoding in [e for e in dict.fromkeys(encodings) if e != "utf-8"]:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _decode_lines(body, encoding) if _holds_utf8(body) else (text, {})
    expected = " or ".join(ENCODING_NAMES[e] for e in dict.fromkeys(("utf-8", *encodings)))
    raise FileRejected(
        f"the file is not {expected} text: {_where(raw, first_error.start)} is the first byte that is not; save it "
        "as CSV UTF-8",
        _count_rows(raw),
        by_contract=True,
    )


def _holds_utf8(raw: bytes) -> bool:
    """Whether the bytes hold a UTF-8 character of two or more bytes. Such a character is a run of bytes >= 0x80, so
    it survives the deletion of every ASCII byte, which leaves little for the (slow) pattern to search."""
    high = raw.translate(None, ASCII_BYTES)
    return bool(UTF8_MULTIBYTE.search(high)) and bool(UTF8_MULTIBYTE.search(raw))


def _decode_lines(raw: bytes, encoding: str) -> tuple[str, dict[int, str]]:
    """_decode's reading of a file that is not UTF-8, line by line (lines end as in _where)."""
    end = b"\n" if b"\n" in raw else b"\r"
    texts, mixed = [], {}
    for number, line in enumerate(raw.split(end), start=1):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            texts.append(line.decode(encoding))
            utf8 = UTF8_MULTIBYTE.search(line)
            if utf8:
                mixed[number] = (
                    f"the row mixes two text encodings: it holds UTF-8 text ('{utf8.group().decode()}') and a byte "
                    f"that is not UTF-8 (byte {exc.start + 1} of line {number}), so its text cannot be read "
                    "reliably; save the file as CSV UTF-8 and resend it"
                )
    return end.decode().join(texts), mixed


ROW_PROBLEM = "__row_problem"  # a reason the whole row is refused before its fields are read (e.g. ragged)


@dataclass
class _CsvPass:
    """One strict pass of Python's csv reader over the text: what polars' faster parse cannot tell."""

    header: list[str]
    rows: int  # data records after the header (blank lines count, as polars counts them)
    problems: dict[int, str]  # data row -> why the whole row is refused
    records: list[list[str]] | None  # the data records, when collected


def _csv_pass(text: str, collect: bool, line_problems: dict[int, str] | None = None) -> _CsvPass:
    """Read every record strictly: field counts, broken quoting, a quote never closed, a cut-off last row; a record
    on a line of `line_problems` (line -> reason) is refused for that reason.

    A row with broken quoting is refused on its own (the reader resumes on the next line); a quote left open to the
    end of the file, or a short last row without a line ending (a file cut off in transit), rejects the file.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    if not any(header):
        raise FileRejected("no header row: the first line must name the columns", _count_rows(text.encode()))
    problems: dict[int, str] = {}
    records: list[list[str]] | None = [] if collect else None
    number, last, line = 0, None, reader.line_num
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            if "unexpected end of data" in str(exc):
                raise FileRejected(
                    f"data row {number} (line {start}) opens a quote that is never closed, so the rest of the file "
                    "would be read as one field: check the quoting and resend the file",
                    number,
                ) from None
            problems[number] = (
                "the row holds a line break (a carriage return) in a field that is not quoted: quote the field or "
                "remove the line break"
                if "new-line character seen in unquoted field" in str(exc)
                else f"the row's quoting is broken ({exc}): a quote inside a field must be doubled"
            )
            record = []
        else:
            number += 1
            if record and len(record) != len(header):
                problems[number] = (
                    f"the row has {len(record)} fields but the header has {len(header)}: "
                    "check its quoting and separators"
                )
        if line_problems and number not in problems:
            on_lines = [line_problems[n] for n in range(start, reader.line_num + 1) if n in line_problems]
            if on_lines:
                problems[number] = on_lines[0]
        line, last = reader.line_num, record
        if records is not None:
            records.append(record)
    if last and len(last) < len(header) and not text.endswith(("\n", "\r")):
        raise FileRejected(
            f"the file is cut off: its last row (data row {number}) has {len(last)} of {len(header)} fields and "
            "no line ending; resend the complete file",
            number,
        )
    return _CsvPass(header, number, problems, records)


UNNAMED = "(unnamed column {})"  # a blank header cell, by its position
_UNNAMED = re.compile(r"\(unnamed column \d+\)")


def _unnamed(header: list[str], rows: int) -> list[str]:
    """Header cells, a blank one named by its position (a trailing separator makes one); repeats refused."""
    cells = [cell or UNNAMED.format(i) for i, cell in enumerate(header, start=1)]
    first: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        key = cell.strip().lower()
        if key in first:
            raise FileRejected(
                f"the header names the column '{cell.strip()}' twice (columns {first[key]} and {i}): "
                "each column may appear once",
                rows,
            )
        first[key] = i
    return cells


def _csv_frame(raw: bytes, encodings: tuple[str, ...]) -> tuple[pl.DataFrame, dict[int, str]]:
    """All-string frame of a CSV and its refused rows. Clean files are parsed by polars; a file with any refused
    row is built from the strict reader's own records, so row numbers and fields are exactly the checked ones."""
    text, line_problems = _decode(raw, encodings)
    if "\r" in text and "\n" not in text:  # every line ends with CR alone (Excel's "CSV (Macintosh)")
        text = text.replace("\r", "\n")
    checked = _csv_pass(text, collect=False, line_problems=line_problems)
    header = _unnamed(checked.header, checked.rows)
    if not checked.problems:
        try:
            df = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=True, has_header=True)
            if df.height == checked.rows and df.width == len(header):
                return df.rename(dict(zip(df.columns, header, strict=True))), {}
        except Exception:  # noqa: BLE001 - polars disagrees with the strict reader: use the reader's records
            pass
    records = _csv_pass(text, collect=True).records or []
    width = len(header)
    columns = list(zip(*[(r + [""] * width)[:width] for r in records], strict=True)) or [()] * width
    df = pl.DataFrame({name: pl.Series(name, col, dtype=pl.String) for name, col in zip(header, columns, strict=True)})
    return df.with_columns(pl.all().replace("", None)), checked.problems


def _xlsx_frame(raw: bytes) -> pl.DataFrame:
    """All-string frame of the first sheet of a workbook (its first row names the columns)."""
    try:
        sheet = pl.read_excel(  # blank rows kept, so a row's number is its sheet row less the header's
            io.BytesIO(raw),
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            drop_empty_rows=False,
            raise_if_empty=False,
        )
    except Exception:  # noqa: BLE001 - whatever the library raises, the user's answer is the same
        raise FileRejected("the file could not be read as an Excel workbook (.xlsx)") from None
    sheet = sheet.select(pl.all().cast(pl.String))
    if sheet.height == 0:
        raise FileRejected("the workbook's first sheet is empty: the data must be on the first sheet")
    header = _unnamed([(cell or "").strip() for cell in sheet.row(0)], sheet.height - 1)
    more = _sheets_with_the_same_header(raw, header)
    if more:
        names = ", ".join(f"'{name}' ({rows:,} rows)" for name, rows in more)
        raise FileRejected(
            f"the workbook holds rows under the same header on other sheets too: {names}; only the first sheet is "
            "read, so they would be left out: put every row on the first sheet, or deliver each sheet as a file of "
            "its own in the same folder",
            sheet.height - 1 + sum(rows for _, rows in more),
        )
    return sheet.slice(1).rename(dict(zip(sheet.columns, header, strict=True)))


def _sheets_with_the_same_header(raw: bytes, header: list[str]) -> list[tuple[str, int]]:
    """(name, rows below the header) of the workbook's other sheets whose first row is the first sheet's header: a
    month split across sheets, whose rows 'first sheet only' would leave unread without a word. A sheet that cannot
    be read (a chart sheet, say) holds no such rows."""
    import fastexcel

    wanted = [cell.lower() for cell in header if not _UNNAMED.fullmatch(cell)]
    found = []
    try:
        book = fastexcel.read_excel(raw)
        for index, name in enumerate(book.sheet_names[1:], start=1):
            first = book.load_sheet(index, header_row=None, n_rows=1, dtypes="string").to_polars()
            cells = [(cell or "").strip().lower() for cell in (first.row(0) if first.height else ())]
            if [cell for cell in cells if cell] != wanted:
                continue
            rows = book.load_sheet(index, header_row=None, dtypes="string").to_polars()
            found.append((name, rows.slice(1).filter(~pl.all_horizontal(pl.all().is_null())).height))
    except Exception:  # noqa: BLE001 - the first sheet was read; the others only warn of rows left out
        return found
    return found


def _oversized(df: pl.DataFrame) -> dict[int, str]:
    """{row: reason} for rows holding a field longer than MAX_FIELD_CHARS (the first such field is named)."""
    cells = [c for c in df.columns if c not in ("row_number", ROW_PROBLEM)]
    if not cells:
        return {}
    # bytes bound characters from above, so only rows with a long field in bytes are measured in characters
    suspects = df.filter(pl.max_horizontal([pl.col(c).str.len_bytes() for c in cells]) > MAX_FIELD_CHARS)
    found = {}
    for row in suspects.iter_rows(named=True):
        long = next(((c, len(row[c])) for c in cells if row[c] and len(row[c]) > MAX_FIELD_CHARS), None)
        if long:
            found[row["row_number"]] = (
                f"the field '{long[0]}' is {long[1]:,} characters long; the limit is {MAX_FIELD_CHARS:,} "
                "(a quote left open?)"
            )
    return found


def parse_table(raw: bytes, suffix: str, encodings: tuple[str, ...] = ("utf-8",)) -> pl.DataFrame:
    """A delivered file's bytes as all-string columns (CSV, or the first sheet of an XLSX).

    encodings: the text encodings a CSV may use (the layouts open to the delivering force); UTF-8 is always tried
    first. Adds row_number (1-based data row, header excluded) and, when some rows are refused whole, ROW_PROBLEM;
    drops rows that are entirely blank.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise FileRejected(file_too_big(len(raw)))
    if suffix.lower() == ".xlsx":
        df, problems = _xlsx_frame(raw), {}
    else:
        if not raw.removeprefix(b"\xef\xbb\xbf").strip():
            raise FileRejected("the file is empty")
        df, problems = _csv_frame(raw, encodings)
    df = df.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int32))
    problems = _oversized(df) | problems
    if problems:
        found = pl.DataFrame(
            {"row_number": list(problems), ROW_PROBLEM: list(problems.values())},
            schema={"row_number": pl.Int32, ROW_PROBLEM: pl.String},
        )
        df = df.join(found, on="row_number", how="left", maintain_order="left")
    cells = [c for c in df.columns if c not in ("row_number", ROW_PROBLEM)]
    blank = pl.all_horizontal(pl.col(cells).str.strip_chars().fill_null("") == "")
    if ROW_PROBLEM in df.columns:
        blank = blank & pl.col(ROW_PROBLEM).is_null()
    return df.filter(~blank)


def read_table(path: Path, encodings: tuple[str, ...] = ("utf-8",)) -> pl.DataFrame:
    """parse_table of a file on disk."""
    return parse_table(path.read_bytes(), path.suffix, encodings)


class Canonical(NamedTuple):
    """A file's rows in the canonical columns (strings), the layout recognised, and the named header cells that are
    no column of it (not read: the ledger names them, contract.columns_not_read)."""

    frame: pl.DataFrame
    layout: Layout
    unread: tuple[str, ...] = ()


SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def no_header_reason(header: list[str], contract: Contract, force_code: str | None) -> str:
    """Why no header was recognised, with the columns the force's layout expects first (its own spelling), and the
    separator when the cells were split on something other than commas. The cells themselves are not quoted: the
    first row of a file without a header is a record."""
    layout = contract.delivery_layout(force_code) if force_code else contract.layouts[0]
    expected = ", ".join(layout.header_of(name) for name in contract.required)
    reason = (
        f"no header row recognised: the first row (of the first sheet, in a workbook) must name the columns, as "
        f"layout '{layout.name}' does: {expected}"
    )
    for separator, words in SEPARATORS.items():
        split = [part for cell in header for part in cell.split(separator)]
        if len(split) > len(header) and match_layout(contract, split, force_code).rename:
            return f"{reason}; the columns seem to be separated by {words}: save the file as CSV with commas"
    return reason + other_force_layout(header, contract, force_code)


def other_force_layout(header: list[str], contract: Contract, force_code: str | None) -> str:
    """When the header is whole in a layout declared for other forces only: a sentence saying so, else ''."""
    for layout in contract.layouts:
        if layout.forces and force_code not in layout.forces:
            match = match_layout(contract, header, layout.forces[0])
            if match.layout is layout and not match.missing_required:
                return (
                    f"; the header is that of layout '{layout.name}', declared for {', '.join(layout.forces)} only: "
                    f"list {force_code} under that layout's forces in ingestion/contracts/{contract.source}.yml, or "
                    "send the force's own layout"
                )
    return ""


def to_canonical(df: pl.DataFrame, contract: Contract, force_code: str | None) -> Canonical:
    """Recognise the layout from the header and rename/complete the columns to the canonical set (strings)."""
    header = [c for c in df.columns if c not in ("row_number", ROW_PROBLEM)]
    if not header:
        raise FileRejected("the file is empty")
    match = match_layout(contract, header, force_code)
    if not match.rename:
        raise FileRejected(no_header_reason(header, contract, force_code), df.height + 1, by_contract=True)
    if match.missing_required:
        raise FileRejected(
            f"required column(s) missing: {', '.join(match.missing_required)} "
            f"(closest layout '{match.layout.name}'; found {', '.join(header)})" + other_force_layout(header, contract,
                                                                                                    force_code),
            df.height,
            by_contract=True,
        )  # fmt: skip
    if match.doubled:
        first, second, name = match.doubled[0]
        raise FileRejected(
            f"the columns '{first}' and '{second}' both mean {name} (layout '{match.layout.name}'): keep one of them",
            df.height,
            by_contract=True,
        )
    unread = columns_not_read(contract, match, [cell for cell in header if not _UNNAMED.fullmatch(cell)])
    problem = pl.col(ROW_PROBLEM) if ROW_PROBLEM in df.columns else pl.lit(None, pl.String).alias(ROW_PROBLEM)
    out = df.select(["row_number", problem, *[pl.col(cell).alias(name) for cell, name in match.rename.items()]])
    absent = [name for name in contract.names if name not in out.columns]
    out = out.with_columns([pl.lit(None, pl.String).alias(name) for name in absent])
    return Canonical(out.select(["row_number", *contract.names, ROW_PROBLEM]), match.layout, tuple(unread))
