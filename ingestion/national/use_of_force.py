"""Home Office use of force by officer-perceived health condition, by force -> raw.home_office_use_of_force.

The published table (Police use of force statistics, England and Wales, April 2019 to March 2020; file
`home_office_use_of_force_by_perceived_health_condition_by_force_<YYYY-YY>.csv`) counts the times each tactic was
reported, by force and by the subject's health condition as the officer perceived it: Mental, Physical, Physical and
mental, None, Not reported, and 'Number of times tactic reported' (their sum). A blank cell means the force could
not supply that breakdown and stays NULL (never 0). Counts are written as floats ('12.0') and must be whole numbers.

The edition is the financial year in the file name; a corrected file of the same year supersedes the earlier load,
another year loads beside it. 'Police Force' names map through seeds/ref_force_alias.csv ('Total England and
Wales' is the national total row, entity_type 'total'). The loader also derives, from the table's row order,
tactic_level (all_tactics | type_total | tactic | of_which_detail) and parent_tactic for the rows that break down an
'X, of which' row, so nobody adds a breakdown to its own total by mistake.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.aliases import map_force_names
from ingestion.national.formats import PublicFileError, editions_in_name, read_text_csv, refuse_repeats, whole_number
from ingestion.national.load import Editions, Publication, PublicLoadReport

USE_OF_FORCE = Publication("home_office_use_of_force", "home_office_use_of_force")
LAYOUT = "ho_use_of_force_health_condition_by_force"
FILE_PATTERN = "home_office_use_of_force_by_perceived_health_condition_by_force_*.csv"
COUNT_COLUMNS = {
    "Mental": "n_mental",
    "Physical": "n_physical",
    "Physical and mental": "n_physical_and_mental",
    "None": "n_none",
    "Not reported": "n_not_reported",
    "Number of times tactic reported": "n_tactic_reported",
}
COLUMNS = ["Police Force", "Type of force", "Tactic", *COUNT_COLUMNS]


class UseOfForceFileError(PublicFileError):
    """The use-of-force file does not have the published format."""


def _tactic_levels(df: pl.DataFrame) -> tuple[list[str], list[str | None]]:
    """tactic_level and parent_tactic for each row, from the published order (details follow their 'of which' row)."""
    levels: list[str] = []
    parents: list[str | None] = []
    parent: tuple[str, str, str, str] | None = None  # force, type, tactic, stem word
    for force, kind, tactic in df.select("Police Force", "Type of force", "Tactic").iter_rows():
        of_which = re.fullmatch(r"(.+?),?\s+of which", tactic, flags=re.IGNORECASE)
        if tactic.startswith("*") and kind.lower().startswith("total"):
            level, parent = "all_tactics", None
        elif tactic.startswith("*"):
            level, parent = "type_total", None
        elif of_which:
            level, parent = "tactic", (force, kind, tactic, of_which.group(1).split()[0].lower())
        elif parent and parent[:2] == (force, kind) and parent[3] in tactic.lower():
            level = "of_which_detail"
        else:
            level, parent = "tactic", None
        levels.append(level)
        parents.append(parent[2] if level == "of_which_detail" and parent else None)
    return levels, parents


def read_use_of_force(path: Path, edition: str) -> pl.DataFrame:
    """Check and shape the published table into the raw.home_office_use_of_force columns."""
    name = path.name
    df = read_text_csv(path, COLUMNS, UseOfForceFileError)
    if df.height == 0:
        raise UseOfForceFileError(f"{name}: no data rows")
    for column in ("Police Force", "Type of force", "Tactic"):
        blank = df.filter(pl.col(column).fill_null("") == "")
        if blank.height:
            raise UseOfForceFileError(f"{name}: row {blank['row'][0]}, field '{column}': empty")
    counts: dict[str, list[int | None]] = {target: [] for target in COUNT_COLUMNS.values()}
    for record in df.iter_rows(named=True):
        for column, target in COUNT_COLUMNS.items():
            try:
                counts[target].append(whole_number(record[column]))
            except ValueError:
                raise UseOfForceFileError(
                    f"{name}: row {record['row']}, field '{column}': '{record[column]}' is not a whole number of times"
                ) from None
    refuse_repeats(
        df, ["Police Force", "Type of force", "Tactic"], name, UseOfForceFileError,
        lambda r: f"'{r['Police Force']}' / '{r['Tactic']}'",
    )  # fmt: skip
    levels, parents = _tactic_levels(df)
    mapped = map_force_names(df, "Police Force", name, row_column="row")
    bad = mapped.filter(~pl.col("entity_type").is_in(["force", "total"]))
    if bad.height:
        r = bad.row(0, named=True)
        raise UseOfForceFileError(
            f"{name}: row {r['row']}, field 'Police Force': '{r['Police Force']}' is a {r['entity_type']}, "
            "not a force or the national total"
        )
    return mapped.select(
        pl.lit(edition).alias("edition"),
        pl.lit(edition).alias("fy_label"),
        pl.col("row").cast(pl.Int32).alias("row_number"),
        pl.col("Police Force").alias("police_force"),
        "force_code",
        "entity_type",
        pl.col("Type of force").alias("type_of_force"),
        pl.col("Tactic").alias("tactic"),
        pl.Series("tactic_level", levels, dtype=pl.String),
        pl.Series("parent_tactic", parents, dtype=pl.String),
        *[pl.Series(target, values, dtype=pl.Int64) for target, values in counts.items()],
    )


def _edition(path: Path) -> str:
    editions = editions_in_name(path.name)
    if len(editions) != 1:
        raise UseOfForceFileError(f"{path.name}: the file name must name one financial year (YYYY-YY)")
    return editions[0]


def load_use_of_force(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load every use-of-force-by-health-condition file in public_dir (one per financial year)."""
    return USE_OF_FORCE.load_editions(
        con, public_dir, Editions(LAYOUT, FILE_PATTERN, read_use_of_force, edition=_edition)
    )
