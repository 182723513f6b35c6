"""Coroners' Prevention of Future Deaths (Regulation 28) reports index, police & mental health subset -> raw.

Reads the published filtered index (PROVENANCE.md §15) from MHW_PUBLIC_DATA_DIR into raw.coroners_pfd_reports
through the shared public-file loader (ledger, one transaction; the same file again loads nothing, a changed file
replaces the earlier edition). A value that does not parse stops the load with an error naming file, row and
field; nothing is dropped silently.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.public import already_loaded, file_sha256, load_public_frame

SOURCE = "coroners_pfd_reports"
TABLE = "coroners_pfd_reports"
FILE_NAME = "coroners_pfd_reports_index_police_and_mental_health_2013-2024.csv"
LAYOUT = "judiciary_pfd_index_filtered"
COLUMNS = [
    "date_of_report", "ref", "coroner_area", "category", "sent_to", "sent_to_police", "text_mentions_police",
    "text_mentions_s136_or_place_of_safety", "report_url",
]  # fmt: skip
FLAGS = ["sent_to_police", "text_mentions_police", "text_mentions_s136_or_place_of_safety"]
REQUIRED = ["date_of_report", "coroner_area", "report_url"]
EARLIEST = date(2013, 7, 1)  # Regulation 28 reports under the Coroners and Justice Act 2009 regime start July 2013


class CoronersFileError(ValueError):
    """The PFD index does not have the published format; the message names file, row and field."""


def _parse_date(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return None


def read_pfd_index(path: Path, *, today: date | None = None) -> pl.DataFrame:
    """Read and check the index; one output row per report, typed, with row_number (1-based data row)."""
    name = path.name
    today = today or date.today()
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception:
        raise CoronersFileError(f"{name}: could not be read as a UTF-8 CSV file") from None
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise CoronersFileError(f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    df = (
        df.select(COLUMNS)
        .with_columns(pl.col(COLUMNS).str.strip_chars().replace("", None))
        .with_row_index("row_number", offset=1)
    )
    dates: list[date] = []
    for row in df.iter_rows(named=True):
        n = row["row_number"]
        for field in REQUIRED:
            if row[field] is None:
                raise CoronersFileError(f"{name}: row {n}, field {field}: is missing; a value is required")
        day = _parse_date(row["date_of_report"])
        if day is None:
            raise CoronersFileError(
                f"{name}: row {n}, field date_of_report: '{row['date_of_report']}' is not a date; expected dd/mm/yyyy"
            )
        if not EARLIEST <= day <= today:
            raise CoronersFileError(
                f"{name}: row {n}, field date_of_report: {day:%d/%m/%Y} is outside {EARLIEST:%d/%m/%Y} to today"
            )
        dates.append(day)
        for field in FLAGS:
            if row[field] not in {"0", "1"}:
                raise CoronersFileError(f"{name}: row {n}, field {field}: '{row[field]}' is not a 0/1 flag")
    repeats = (
        df.with_columns(pl.col("row_number").first().over("report_url").alias("first"))
        .filter(pl.col("first") != pl.col("row_number"))
        .select("row_number", "report_url", "first")
    )
    if repeats.height:
        n, url, seen = repeats.row(0)
        raise CoronersFileError(f"{name}: row {n}, field report_url: '{url}' is repeated; first seen at row {seen}")
    return df.select(
        pl.col("row_number").cast(pl.Int32),
        pl.Series("report_date", dates, pl.Date),
        "ref",
        "coroner_area",
        "category",
        "sent_to",
        *[(pl.col(f) == "1").alias(f) for f in FLAGS],
        "report_url",
    )


def load_coroners_pfd(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> int:
    """Load the PFD index from public_dir; returns rows loaded (0 when the folder or file is absent, or unchanged)."""
    if public_dir is None:
        return 0
    public_dir = Path(public_dir)
    path = public_dir / FILE_NAME
    if not path.is_file():
        return 0
    sha = file_sha256(path)
    if already_loaded(con, SOURCE, sha):
        return 0
    rows = read_pfd_index(path)
    first, last = rows["report_date"].min(), rows["report_date"].max()
    return load_public_frame(
        con,
        path=path,
        public_dir=public_dir,
        source=SOURCE,
        table=TABLE,
        frame=rows,
        period=f"{first:%Y}-{last:%Y}",
        layout=LAYOUT,
        sha=sha,
        replaces_every_period=True,  # each edition of the index is complete: it replaces the earlier one
    )
