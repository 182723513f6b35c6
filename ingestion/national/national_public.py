"""Helpers shared by the national public-file loaders (IOPC deaths, Home Office use of force, officers, arrests).

Each loader finds its files in MHW_PUBLIC_DATA_DIR by a name pattern, checks the published format (a file that does
not match fails whole, with file, row and field named), maps force names through seeds/ref_force_alias.csv and
writes through ingestion.national.public.load_public_frame (ledger, supersede-by-period, one transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingestion.national.aliases import ALIAS_SEED, UnmappedForceName, alias_table, map_force_names, normalise_name


class PublicFileError(ValueError):
    """A public file does not have its published format; the message names file, row(s) and field."""


@dataclass
class FileLoad:
    file: str
    edition: str
    rows_loaded: int  # 0 when the same file was loaded before
    note: str


@dataclass
class PublicLoadReport:
    """What one loader did: files found, rows loaded, and why nothing was loaded when that happened."""

    source: str
    files: list[FileLoad] = field(default_factory=list)
    note: str = ""

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    def metadata(self) -> dict[str, object]:
        return {
            "files_found": len(self.files),
            "files_loaded": sum(1 for f in self.files if f.rows_loaded),
            "rows_loaded": self.rows_loaded,
            "files": "; ".join(f"{f.file} [{f.edition}]: {f.note}" for f in self.files) or "(none)",
            "note": self.note or "ok",
        }


def find_files(public_dir: Path | str | None, pattern: str, source: str) -> tuple[list[Path], PublicLoadReport]:
    """Files matching `pattern` in public_dir (sorted), and a report that says so when there are none."""
    report = PublicLoadReport(source)
    if public_dir is None:
        report.note = "MHW_PUBLIC_DATA_DIR is not set: nothing loaded"
        return [], report
    folder = Path(public_dir)
    if not folder.is_dir():
        report.note = f"public data folder {folder} does not exist: nothing loaded"
        return [], report
    paths = sorted(p for p in folder.glob(pattern) if p.is_file())
    if not paths:
        report.note = f"no file matching {pattern} in {folder}: nothing loaded"
    return paths, report


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


def whole_number(text: str | None) -> int | None:
    """'12', '12.0', '1,234' -> int; '' or None -> None; raises ValueError otherwise (also for negatives)."""
    if text is None or text == "":
        return None
    value = float(text.replace(",", ""))
    if value < 0 or value != int(value):
        raise ValueError(text)
    return int(value)


def map_force_names_at_rows(df: pl.DataFrame, column: str, file_name: str, field_name: str | None = None):
    """map_force_names on a subset of a file's rows, naming the file's own row numbers (`row`) in any error."""
    try:
        return map_force_names(df, column, file_name)
    except UnmappedForceName:
        table = alias_table()
        known = (
            df.get_column(column)
            .fill_null("")
            .map_elements(lambda n: normalise_name(n) in table, return_dtype=pl.Boolean)
        )
        bad = df.filter(~known)
        rows = bad.get_column("row").to_list()
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        names = sorted(set(bad.get_column(column).to_list()), key=str)
        raise UnmappedForceName(
            f"{file_name}: field '{field_name or column}', rows {shown}: unknown force name(s) "
            + ", ".join(repr(n) for n in names)
            + f"; add each to seeds/{ALIAS_SEED.name} (alias, force_code, entity_type)"
        ) from None
