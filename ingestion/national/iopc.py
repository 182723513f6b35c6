"""IOPC 'Deaths during or following police contact' time-series tables (long format) -> raw.iopc_deaths_tables.

The published file is `iopc_deaths_during_or_following_police_contact_<first>_to_<edition>_long.csv` (columns
table_id, dimension, category, financial_year, value, flag) with its index
`iopc_deaths_time_series_tables_index_<edition>.csv` (table_id, sheet, table_title, dimension). Every table, every
dimension and every value is kept as published, with the source's footnote flag. The edition (e.g. '2019-20', the
last year covered) comes from the file name and must be the latest financial year in the file.

Editions sit side by side: the ledger period is the edition, so the 2020-21 tables load beside the 2019-20 ones and
each keeps its own (possibly revised) values; a corrected file of the same edition supersedes the earlier load.
'Appropriate authority' rows (the by-force tables 1.7, 1.8, 2.5, 3.5, 4.5, 5.5, 5.6) get force_code and
entity_type from seeds/ref_force_alias.csv: forces, multi-force incidents ('A|B' codes), non-territorial bodies
(HMRC, Ministry of Defence, SOCA / NCA, Home Office) and the 'Total FATALITIES' / 'Total INCIDENTS' rows (total).
An unknown name fails the load, naming file, rows, field and name.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.aliases import map_force_names
from ingestion.national.formats import (
    PublicFileError,
    editions_in_name,
    fy_label_from_published,
    read_text_csv,
    refuse_repeats,
)
from ingestion.national.load import Editions, Publication, PublicLoadReport

IOPC_DEATHS = Publication("iopc_deaths", "iopc_deaths_tables")
DATA_PATTERN = "iopc_deaths_during_or_following_police_contact_*_long.csv"
INDEX_NAME = "iopc_deaths_time_series_tables_index_{edition}.csv"
COLUMNS = ["table_id", "dimension", "category", "financial_year", "value", "flag"]
INDEX_COLUMNS = ["table_id", "sheet", "table_title", "dimension"]
FORCE_DIMENSION = "Appropriate authority"
DIMENSIONS = {"Financial year", "Gender", "Age group", "Ethnic group", "RTI type", FORCE_DIMENSION}
# methods.md §7.5: the five IOPC categories, one per table section
CATEGORY_BY_SECTION = {
    "1": "road_traffic",
    "2": "fatal_shooting",
    "3": "custody",
    "4": "suicide_post_custody",
    "5": "other_contact_independent",
}
ROW_MEASURES = {"number of fatalities": "deaths", "number of incidents": "incidents"}
TOTAL_MEASURES = {"total fatalities": "deaths", "total incidents": "incidents"}


class IopcFileError(PublicFileError):
    """The IOPC tables file (or its index) does not have the published format."""


def _edition(path: Path) -> str:
    found = editions_in_name(path.name)
    if not found:
        raise IopcFileError(f"{path.name}: no edition (a financial year written YYYY-YY) in the file name")
    return found[-1]


def _index(path: Path, edition: str) -> Path:
    """Where the edition's table index is published: beside the data file."""
    return path.with_name(INDEX_NAME.format(edition=edition))


def _read_index(path: Path) -> pl.DataFrame:
    df = read_text_csv(path, INDEX_COLUMNS, IopcFileError)
    dupes = df.filter(pl.col("table_id").is_duplicated())
    if dupes.height:
        raise IopcFileError(f"{path.name}: row {dupes['row'][0]}, field table_id: '{dupes['table_id'][0]}' repeated")
    return df.drop("row")


def _check_rows(name: str, df: pl.DataFrame) -> None:
    for row, table_id, dimension, year, value, flag in df.select(
        "row", "table_id", "dimension", "financial_year", "value", "flag"
    ).iter_rows():
        if not re.fullmatch(r"[1-5]\.\d{1,2}", table_id or ""):
            raise IopcFileError(f"{name}: row {row}, field table_id: '{table_id}' is not an IOPC table id (1.1 … 5.x)")
        if dimension not in DIMENSIONS:
            raise IopcFileError(
                f"{name}: row {row}, field dimension: '{dimension}' is not one of {', '.join(sorted(DIMENSIONS))}"
            )
        if year != "Total" and fy_label_from_published(year) is None:
            raise IopcFileError(
                f"{name}: row {row}, field financial_year: '{year}' is not a financial year (2019/20) or 'Total'"
            )
        if not (value or "").isdigit():
            raise IopcFileError(f"{name}: row {row}, field value: '{value}' is not a whole number of deaths/incidents")
        if not re.fullmatch(r"[~*^]*", flag or ""):
            raise IopcFileError(f"{name}: row {row}, field flag: '{flag}' is not a footnote marker (~, *, **, ^)")
    refuse_repeats(
        df, ["table_id", "category", "financial_year"], name, IopcFileError,
        lambda r: f"table {r['table_id']}, '{r['category']}', {r['financial_year']}",
    )  # fmt: skip


def _measures(df: pl.DataFrame) -> pl.DataFrame:
    """deaths | incidents per row: from the row label in the X.1 tables, else from the table's 'Total …' row."""
    by_table = (
        df.with_columns(pl.col("category").str.to_lowercase().replace_strict(TOTAL_MEASURES, default=None).alias("m"))
        .filter(pl.col("m").is_not_null())
        .group_by("table_id")
        .agg(pl.col("m").unique())
        .filter(pl.col("m").list.len() == 1)
        .select("table_id", pl.col("m").list.first().alias("table_measure"))
    )
    return (
        df.join(by_table, on="table_id", how="left")
        .with_columns(
            pl.coalesce(
                pl.col("category").str.to_lowercase().replace_strict(ROW_MEASURES, default=None),
                pl.col("table_measure"),
            ).alias("measure")
        )
        .drop("table_measure")
    )


def read_iopc_tables(path: Path, index_path: Path | None, edition: str) -> pl.DataFrame:
    """Check and shape one edition's long file (and its index) into the raw.iopc_deaths_tables columns."""
    name = path.name
    df = read_text_csv(path, COLUMNS, IopcFileError).with_columns(pl.col("flag").fill_null(""))
    if df.height == 0:
        raise IopcFileError(f"{name}: no data rows")
    _check_rows(name, df)
    years = sorted({y for y in df["financial_year"].to_list() if y != "Total"})
    latest = fy_label_from_published(years[-1]) if years else None
    if latest != edition:
        raise IopcFileError(
            f"{name}: the file name says edition {edition} but the latest financial year in the file is {latest}"
        )
    if index_path is not None:
        index = _read_index(index_path)
        missing = sorted(set(df["table_id"].to_list()) - set(index["table_id"].to_list()))
        if missing:
            raise IopcFileError(f"{index_path.name}: table(s) {', '.join(missing)} of {name} are not in the index")
        clash = (
            df.join(index.select("table_id", pl.col("dimension").alias("index_dimension")), on="table_id")
            .filter(pl.col("dimension") != pl.col("index_dimension"))
            .head(1)
        )
        if clash.height:
            r = clash.row(0, named=True)
            raise IopcFileError(
                f"{name}: row {r['row']}, field dimension: table {r['table_id']} is '{r['dimension']}' here but "
                f"'{r['index_dimension']}' in {index_path.name}"
            )
        df = df.join(index.select("table_id", "sheet", "table_title"), on="table_id", how="left")
    else:
        df = df.with_columns(pl.lit(None, pl.String).alias("sheet"), pl.lit(None, pl.String).alias("table_title"))
    df = _measures(df)

    authority = df.filter(pl.col("dimension") == FORCE_DIMENSION)
    mapped = map_force_names(authority, "category", name, row_column="row", field="category (Appropriate authority)")
    df = df.join(mapped.select("row", "force_code", "entity_type"), on="row", how="left")
    return df.select(
        pl.lit(edition).alias("edition"),
        pl.col("row").cast(pl.Int32).alias("row_number"),
        "table_id",
        "sheet",
        "table_title",
        pl.col("table_id").str.split(".").list.first().replace_strict(CATEGORY_BY_SECTION).alias("iopc_category"),
        "dimension",
        "category",
        "measure",
        "financial_year",
        pl.col("financial_year")
        .map_elements(fy_label_from_published, return_dtype=pl.String, skip_nulls=True)
        .alias("fy_label"),
        pl.col("value").cast(pl.Int32),
        pl.when(pl.col("flag") == "").then(None).otherwise(pl.col("flag")).alias("flag"),
        "force_code",
        "entity_type",
    ).sort("row_number")


def _read_edition(path: Path, edition: str) -> pl.DataFrame:
    index = _index(path, edition)
    return read_iopc_tables(path, index if index.is_file() else None, edition)


def load_iopc_deaths(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load every IOPC long-format edition found in public_dir (none found: nothing loaded, and the report says why)."""
    return IOPC_DEATHS.load_editions(
        con, public_dir, Editions("iopc_time_series_long", DATA_PATTERN, _read_edition, edition=_edition, index=_index)
    )
