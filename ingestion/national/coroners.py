"""Coroners' Prevention of Future Deaths (Regulation 28) reports index, police & mental health subset -> raw.

Reads the published filtered index (PROVENANCE.md §15) from MHW_PUBLIC_DATA_DIR into raw.coroners_pfd_reports
through ingestion.national.load (ledger, one transaction; the same file again loads nothing, a changed file replaces
the earlier edition). A value that does not parse stops the load with an error naming file, row and
field; nothing is dropped silently.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.formats import PublicFileError, read_text_csv
from ingestion.national.load import Publication, PublicLoadReport

CORONERS_PFD = Publication("coroners_pfd_reports", "coroners_pfd_reports")
FILE_NAME = "coroners_pfd_reports_index_police_and_mental_health_2013-2024.csv"
LAYOUT = "judiciary_pfd_index_filtered"
COLUMNS = [
    "date_of_report", "ref", "coroner_area", "category", "sent_to", "sent_to_police", "text_mentions_police",
    "text_mentions_s136_or_place_of_safety", "report_url",
]  # fmt: skip
FLAGS = ["sent_to_police", "text_mentions_police", "text_mentions_s136_or_place_of_safety"]
REQUIRED = ["date_of_report", "coroner_area", "report_url"]
EARLIEST = date(2013, 7, 1)  # Regulation 28 reports under the Coroners and Justice Act 2009 regime start July 2013


class CoronersFileError(PublicFileError):
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
    df = read_text_csv(path, COLUMNS, CoronersFileError)
    df = df.rename({"row": "row_number"}).with_columns(pl.col(COLUMNS).replace("", None))
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


def load_coroners_pfd(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load the PFD index from public_dir; each edition of the index is complete, so it replaces the earlier one."""
    return CORONERS_PFD.load_latest(
        con, public_dir, FILE_NAME, layout=LAYOUT, read=read_pfd_index,
        period=lambda rows: f"{rows['report_date'].min():%Y}-{rows['report_date'].max():%Y}",
    )  # fmt: skip
