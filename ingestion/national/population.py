"""ONS mid-year population by police force area (the real published file) -> raw.ons_population_pfa.

Reference data keyed by load: a changed file supersedes the old load and replaces its rows; the same file again
loads nothing. Without the file the dbt layer falls back to the labelled stand-in seed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ingestion.forces import known_force_codes
from ingestion.national.formats import PublicFileError, read_text_csv
from ingestion.national.load import Publication, PublicLoadReport

POPULATION = Publication("ons_population", "ons_population_pfa")
FILE_NAME = "ons_mid_year_population_by_pfa_2001-2020_from_lad21_mye5.csv"
VINTAGE = "ONS mid-year estimates mid-2001 to mid-2020 (2021 geography, as published 2021)"
COLUMNS = ["pfa_code", "pfa_name_ons", "mid_year", "population"]


class PopulationFileError(PublicFileError):
    """The population file does not have the published format; the message names file, row and field."""


def read_population(path: Path) -> pl.DataFrame:
    """Read and check the file; returns geo_code, geo_name, mid_year, population, population_vintage."""
    name = path.name
    df = read_text_csv(path, COLUMNS, PopulationFileError)
    known = known_force_codes()
    for row, code, year, pop in df.select("row", "pfa_code", "mid_year", "population").iter_rows():
        if code not in known:
            raise PopulationFileError(f"{name}: row {row}, field pfa_code: '{code}' is not a known police force area")
        if not (year or "").isdigit() or not 1900 <= int(year) <= 2100:
            raise PopulationFileError(f"{name}: row {row}, field mid_year: '{year}' is not a year")
        if not (pop or "").replace(",", "").isdigit():
            raise PopulationFileError(f"{name}: row {row}, field population: '{pop}' is not a whole number")
    out = df.select(
        pl.col("pfa_code").alias("geo_code"),
        pl.col("pfa_name_ons").alias("geo_name"),
        pl.col("mid_year").cast(pl.Int32),
        pl.col("population").str.replace_all(",", "").cast(pl.Int64),
    )
    dupes = out.filter(pl.struct("geo_code", "mid_year").is_duplicated())
    if dupes.height:
        code, year = dupes.row(0)[0], dupes.row(0)[2]
        raise PopulationFileError(f"{name}: {code} mid-{year} appears more than once")
    return out.with_columns(pl.lit(VINTAGE).alias("population_vintage"))


def load_ons_population(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load the ONS PFA population file from public_dir, one edition at a time whatever years it covers."""
    return POPULATION.load_latest(
        con, public_dir, FILE_NAME, layout="ons_mye_pfa", read=read_population,
        period=lambda rows: f"{rows['mid_year'].min()}-{rows['mid_year'].max()}",
    )  # fmt: skip
