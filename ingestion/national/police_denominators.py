"""Home Office police officer numbers and arrests by force (denominators) -> raw.home_office_police_officers,
raw.home_office_arrests.

Three published files, each in its own layout:
- `home_office_police_officers_by_force_<edition>_workforce_open_data.csv` (Police workforce open data: officer
  headcount and FTE by force at 31 March, written YYYY-03-01 in the file; columns force_name, geo_code, region,
  as_at, officer_headcount, officer_fte). The published geo_code must agree with the code the alias table gives.
- `home_office_police_officers_fte_by_force_<edition>.csv` (Police workforce tables, Table 1: FTE by force and
  region, one column per date `fte_30sep2018`, `fte_31mar2019`, …; row_type force | region | total | other). Region
  and total rows are classified by the file's own row_type (a region called 'West Midlands' is not the force);
  force and other rows (British Transport Police, Central Service Secondments) map through the alias table.
- `home_office_arrests_by_force_<first>_to_<last>_totals.csv` (arrests summed over the open data table; columns
  force_name, financial_year, arrests_total, n_source_cells_missing; a blank total = every source cell missing).

Both officer files go to one raw table, each edition side by side (ledger period = the edition in the file name);
staging takes, for a force and date, the edition whose data reach the latest date. Names map through
seeds/ref_force_alias.csv; an unknown name fails the load.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.aliases import map_force_names
from ingestion.national.formats import PublicFileError, fy_label_from_published, read_text_csv, refuse_repeats
from ingestion.national.load import Editions, Publication, PublicLoadReport

OFFICERS = Publication("home_office_officers", "home_office_police_officers")
OPEN_DATA_PATTERN = "home_office_police_officers_by_force_*_workforce_open_data.csv"
OPEN_DATA_COLUMNS = ["force_name", "geo_code", "region", "as_at", "officer_headcount", "officer_fte"]
FTE_TABLE_PATTERN = "home_office_police_officers_fte_by_force_*.csv"
FTE_TABLE_COLUMNS = ["force_or_region", "row_type", "home_office_region"]
ROW_TYPES = {"force": None, "other": None, "region": "region_or_group", "total": "total"}
MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}

ARRESTS = Publication("home_office_arrests", "home_office_arrests")
ARRESTS_PATTERN = "home_office_arrests_by_force_*_totals.csv"
ARRESTS_COLUMNS = ["force_name", "financial_year", "arrests_total", "n_source_cells_missing"]


class DenominatorFileError(PublicFileError):
    """An officers or arrests file does not have the published format."""


def _number(name: str, row: int, column: str, text: str | None, *, whole: bool = False) -> float | None:
    if text is None or text == "":
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise DenominatorFileError(f"{name}: row {row}, field {column}: '{text}' is not a number") from None
    if value < 0 or (whole and value != int(value)):
        kind = "whole number" if whole else "number"
        raise DenominatorFileError(f"{name}: row {row}, field {column}: '{text}' is not a non-negative {kind}")
    return value


def _no_repeats(name: str, df: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    return refuse_repeats(df, key, name, DenominatorFileError, row_column="row_number")


def _with_edition(officers: pl.DataFrame, edition: str) -> pl.DataFrame:
    """Officer rows of one edition, with the last date the edition's data reach (staging prefers the latest)."""
    return officers.with_columns(
        pl.lit(edition).alias("edition"), pl.lit(officers["as_at"].max()).cast(pl.Date).alias("edition_last_as_at")
    )


def read_officers_open_data(path: Path, edition: str) -> pl.DataFrame:
    """The open data layout: one row per force and 31 March."""
    name = path.name
    df = read_text_csv(path, OPEN_DATA_COLUMNS, DenominatorFileError)
    as_at: list[date] = []
    headcount: list[float | None] = []
    fte: list[float | None] = []
    for r in df.iter_rows(named=True):
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", r["as_at"] or "")
        if not match:
            raise DenominatorFileError(f"{name}: row {r['row']}, field as_at: '{r['as_at']}' is not a date YYYY-MM-DD")
        year, month, day = map(int, match.groups())
        try:
            # the open data table writes the 31 March snapshot as YYYY-03-01
            as_at.append(date(year, 3, 31) if (month, day) == (3, 1) else date(year, month, day))
        except ValueError:
            raise DenominatorFileError(f"{name}: row {r['row']}, field as_at: '{r['as_at']}' is not a date") from None
        headcount.append(_number(name, r["row"], "officer_headcount", r["officer_headcount"]))
        fte.append(_number(name, r["row"], "officer_fte", r["officer_fte"]))
    mapped = map_force_names(df, "force_name", name, row_column="row")
    wrong = mapped.filter(
        (pl.col("geo_code").fill_null("") != "") & (pl.col("geo_code") != pl.col("force_code").fill_null(""))
    )
    if wrong.height:
        r = wrong.row(0, named=True)
        raise DenominatorFileError(
            f"{name}: row {r['row']}, field geo_code: '{r['geo_code']}' but the force name '{r['force_name']}' "
            f"is {r['force_code'] or r['entity_type']} in the alias table"
        )
    out = mapped.select(
        pl.col("row").cast(pl.Int32).alias("row_number"),
        "force_name",
        "force_code",
        "entity_type",
        pl.when(pl.col("geo_code") == "").then(None).otherwise(pl.col("geo_code")).alias("geo_code"),
        "region",
        pl.Series("as_at", as_at, dtype=pl.Date),
        pl.Series("officer_headcount", headcount, dtype=pl.Float64),
        pl.Series("officer_fte", fte, dtype=pl.Float64),
    )
    return _with_edition(_no_repeats(name, out, ["force_name", "as_at"]), edition)


def _fte_column_date(column: str) -> date | None:
    match = re.fullmatch(r"fte_(\d{1,2})([a-z]{3})(\d{4})", column)
    if not match or match.group(2) not in MONTHS:
        return None
    try:
        return date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    except ValueError:
        return None


def read_officers_fte_table(path: Path, edition: str) -> pl.DataFrame:
    """The workforce tables layout: one row per force / region / total, one FTE column per date."""
    name = path.name
    header = read_text_csv(path, FTE_TABLE_COLUMNS, DenominatorFileError)
    raw = pl.read_csv(path, infer_schema=False)
    date_columns = {c: _fte_column_date(c.lstrip("\ufeff").strip()) for c in raw.columns if c.startswith("fte_")}
    unreadable = [c for c, d in date_columns.items() if d is None]
    if unreadable or not date_columns:
        raise DenominatorFileError(
            f"{name}: FTE columns must be named fte_<day><mon><year> (e.g. fte_31mar2019); got "
            + (", ".join(unreadable) or "none")
        )
    df = header.with_columns(*[raw.get_column(c).str.strip_chars().alias(c) for c in date_columns])
    bad_type = df.filter(~pl.col("row_type").is_in(list(ROW_TYPES)))
    if bad_type.height:
        r = bad_type.row(0, named=True)
        raise DenominatorFileError(
            f"{name}: row {r['row']}, field row_type: '{r['row_type']}' is not one of {', '.join(ROW_TYPES)}"
        )
    named = df.filter(pl.col("row_type").is_in(["force", "other"]))
    mapped = map_force_names(named, "force_or_region", name, row_column="row")
    df = df.join(mapped.select("row", "force_code", "entity_type"), on="row", how="left").with_columns(
        pl.coalesce(pl.col("entity_type"), pl.col("row_type").replace_strict(ROW_TYPES, default=None)).alias(
            "entity_type"
        )
    )
    rows = []
    for r in df.iter_rows(named=True):
        for column, as_at in date_columns.items():
            rows.append(
                {
                    "row_number": r["row"],
                    "force_name": r["force_or_region"],
                    "force_code": r["force_code"],
                    "entity_type": r["entity_type"],
                    "geo_code": None,
                    "region": r["home_office_region"] or None,
                    "as_at": as_at,
                    "officer_headcount": None,
                    "officer_fte": _number(name, r["row"], column, r[column]),
                }
            )
    schema = {
        "row_number": pl.Int32,
        "force_name": pl.String,
        "force_code": pl.String,
        "entity_type": pl.String,
        "geo_code": pl.String,
        "region": pl.String,
        "as_at": pl.Date,
        "officer_headcount": pl.Float64,
        "officer_fte": pl.Float64,
    }
    out = pl.DataFrame(rows, schema=schema)
    return _with_edition(_no_repeats(name, out, ["force_name", "entity_type", "as_at"]), edition)


def read_arrests(path: Path, edition: str) -> pl.DataFrame:
    name = path.name
    df = read_text_csv(path, ARRESTS_COLUMNS, DenominatorFileError)
    labels, totals, missing = [], [], []
    for r in df.iter_rows(named=True):
        label = fy_label_from_published(r["financial_year"])
        if label is None:
            raise DenominatorFileError(
                f"{name}: row {r['row']}, field financial_year: '{r['financial_year']}' is not a year like 2017/18"
            )
        labels.append(label)
        total = _number(name, r["row"], "arrests_total", r["arrests_total"], whole=True)
        totals.append(None if total is None else int(total))
        n_missing = _number(name, r["row"], "n_source_cells_missing", r["n_source_cells_missing"] or "0", whole=True)
        missing.append(int(n_missing or 0))
    mapped = map_force_names(df, "force_name", name, row_column="row")
    out = mapped.select(
        pl.lit(edition).alias("edition"),
        pl.col("row").cast(pl.Int32).alias("row_number"),
        "force_name",
        "force_code",
        "entity_type",
        "financial_year",
        pl.Series("fy_label", labels, dtype=pl.String),
        pl.Series("arrests_total", totals, dtype=pl.Int64),
        pl.Series("n_source_cells_missing", missing, dtype=pl.Int32),
    )
    return _no_repeats(name, out, ["force_name", "fy_label"])


def load_police_officers(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load every officers file (open data and workforce FTE tables) found in public_dir; the edition is what the
    file name holds in place of the pattern's '*'."""
    return OFFICERS.load_editions(
        con,
        public_dir,
        Editions("ho_workforce_open_data", OPEN_DATA_PATTERN, read_officers_open_data),
        Editions("ho_workforce_table1_fte", FTE_TABLE_PATTERN, read_officers_fte_table),
    )


def load_arrests(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load every arrests-by-force totals file found in public_dir (the edition as for the officers files)."""
    return ARRESTS.load_editions(
        con, public_dir, Editions("ho_arrests_open_data_totals", ARRESTS_PATTERN, read_arrests)
    )
