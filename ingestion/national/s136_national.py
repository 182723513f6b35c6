"""Published national s136 totals for England and Wales -> raw.s136_published_national, as transcribed from two
public texts (PROVENANCE in docs/interfaces.md, "National sources"):

- the Home Affairs Committee's *Policing and mental health* (HC 202, 2015), which prints s136 detentions taken to a
  place of safety, police cell and health-based, for 2011-12 to 2013-14 (2011-12 rounded to thousands in the
  source, before the Home Office's Annual Data Requirement);
- the Home Office's answer to parliamentary question 190083 (22 June 2023): s136 and s135 detentions for 2020-21
  and 2021-22, with what each figure leaves out (Dyfed-Powys for s136; six forces for s135).

The marts set them beside the warehouse's own England and Wales totals (mart_s136_national_published). Each file
is an edition of its own: a changed file replaces only its earlier load. A value that does not parse stops the load
naming file, row and field.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from ingestion.gate.landing import period_kind
from ingestion.national.aliases import map_force_names
from ingestion.national.formats import PublicFileError, read_text_csv, refuse_repeats, whole_number
from ingestion.national.load import Editions, Publication, PublicLoadReport

S136_PUBLISHED = Publication("s136_published_national", "s136_published_national")
HAC_COLUMNS = ["financial_year", "total_s136_detentions_taken_to_place_of_safety", "police_cell", "health_based"]
PQ_COLUMNS = ["year_ending", "section_136_detentions", "section_135_detentions", "note"]
HAC_PUBLICATION = "House of Commons Home Affairs Committee, Policing and mental health (HC 202, 2015), para 8"
PQ_PUBLICATION = "Home Office answer to PQ 190083, 22 June 2023 (Mental Health Act detentions, England and Wales)"
COLUMNS = {
    "row_number": pl.Int32,
    "fy_label": pl.String,
    "s136_detentions": pl.Int64,
    "s136_police_cell": pl.Int64,
    "s136_health_based": pl.Int64,
    "s135_detentions": pl.Int64,
    "is_rounded": pl.Boolean,
    "s136_excluded_forces": pl.String,
    "coverage_note": pl.String,
    "publication": pl.String,
}


class S136PublishedFileError(PublicFileError):
    """A published s136 totals file does not have its format; the message names file, row and field."""


def _numbers(df: pl.DataFrame, fields: list[str], name: str, *, required: list[str]) -> dict[str, list[int | None]]:
    """Each field's whole numbers, or the error naming file, row and field (a required one may not be blank)."""
    out: dict[str, list[int | None]] = {}
    for field in fields:
        values = []
        for row, text in df.select("row", field).iter_rows():
            try:
                value = whole_number(text)
            except ValueError:
                raise S136PublishedFileError(
                    f"{name}: row {row}, field {field}: '{text}' is not a whole number of detentions"
                ) from None
            if value is None and field in required:
                raise S136PublishedFileError(f"{name}: row {row}, field {field}: is blank; a count is required")
            values.append(value)
        out[field] = values
    return out


def _fy_labels(df: pl.DataFrame, field: str, name: str, read) -> list[str]:
    labels = []
    for row, text in df.select("row", field).iter_rows():
        label = read(text or "")
        if label is None:
            raise S136PublishedFileError(f"{name}: row {row}, field {field}: '{text}' is not a financial year")
        labels.append(label)
    refuse_repeats(df.with_columns(pl.Series("fy_label", labels)), ["fy_label"], name, S136PublishedFileError,
                   describe=lambda r: f"financial year {r['fy_label']} (field {field})")  # fmt: skip
    return labels


def _excluded_forces(df: pl.DataFrame, name: str) -> list[str | None]:
    """Per row, the force codes its note says the s136 figure leaves out ('s136 excludes Dyfed-Powys (...)'),
    comma-separated; None when it names none. A name the alias table does not know fails the load."""
    named = (
        df.select("row", pl.col("note").str.extract(r"s136 excludes ([^;(]+)").str.replace_all(" and ", ",")
                  .str.split(",").alias("name"))
        .explode("name")
        .with_columns(pl.col("name").str.strip_chars())
        .filter(pl.col("name") != "")
    )  # fmt: skip
    codes = map_force_names(named, "name", name, row_column="row", field="note")
    by_row = dict(codes.group_by("row").agg(pl.col("force_code").sort().str.join(",")).iter_rows())
    return [by_row.get(row) for row in df["row"]]


def _fy_written(text: str) -> str | None:
    """'2012-13' -> '2012-13' (a financial year as the landing zone's folders write it); None otherwise."""
    return text if period_kind(text) == "financial_year" else None


def _year_ending_march(text: str) -> str | None:
    """'March 2021' (the year ending March 2021) -> '2020-21'; None otherwise."""
    m = re.fullmatch(r"march\s+((?:19|20)\d\d)", text.strip(), flags=re.IGNORECASE)
    return None if m is None else f"{int(m.group(1)) - 1}-{m.group(1)[2:]}"


def read_hac_file(path: Path, _edition: str = "") -> pl.DataFrame:
    """The Home Affairs Committee table: s136 detentions with the police-cell and health-based split by year. A year
    whose three figures are all whole thousands is the one the source rounds (2011-12): is_rounded."""
    df = read_text_csv(path, HAC_COLUMNS, S136PublishedFileError)
    total, cell, health = HAC_COLUMNS[1:]
    n = _numbers(df, [total, cell, health], path.name, required=[total])
    for row, t, c, h in zip(df["row"], n[total], n[cell], n[health], strict=True):
        if c is not None and h is not None and c + h != t:
            raise S136PublishedFileError(
                f"{path.name}: row {row}: {cell} {c:,} and {health} {h:,} add up to {c + h:,}, not the {total} {t:,}"
            )
    figures = zip(n[total], n[cell], n[health], strict=True)
    rounded = [all(v is not None and v % 1000 == 0 for v in vs) for vs in figures]
    return pl.DataFrame(
        {
            "row_number": df["row"],
            "fy_label": _fy_labels(df, "financial_year", path.name, _fy_written),
            "s136_detentions": n[total],
            "s136_police_cell": n[cell],
            "s136_health_based": n[health],
            "s135_detentions": [None] * df.height,
            "is_rounded": rounded,
            "s136_excluded_forces": [None] * df.height,
            "coverage_note": [
                "s136 detentions taken to a place of safety, from before the Annual Data Requirement (ACPO and "
                "HSCIC figures)" + ("; rounded to thousands in the source" if r else "")
                for r in rounded
            ],
            "publication": [HAC_PUBLICATION] * df.height,
        },
        schema=COLUMNS,
    )


def read_pq_file(path: Path, _edition: str = "") -> pl.DataFrame:
    """The PQ 190083 table: s136 and s135 detentions by year ending March, with the note of what each leaves out."""
    df = read_text_csv(path, PQ_COLUMNS, S136PublishedFileError)
    s136, s135 = PQ_COLUMNS[1:3]
    n = _numbers(df, [s136, s135], path.name, required=[s136])
    return pl.DataFrame(
        {
            "row_number": df["row"],
            "fy_label": _fy_labels(df, "year_ending", path.name, _year_ending_march),
            "s136_detentions": n[s136],
            "s136_police_cell": [None] * df.height,
            "s136_health_based": [None] * df.height,
            "s135_detentions": n[s135],
            "is_rounded": [False] * df.height,
            "s136_excluded_forces": _excluded_forces(df, path.name),
            "coverage_note": (
                df["note"] + "; as answered in June 2023 (later Home Office editions revised 2021-22)"
            ).str.strip_chars("; "),
            "publication": [PQ_PUBLICATION] * df.height,
        },
        schema=COLUMNS,
    )


HAC = Editions(
    "transcribed_hac_2015_s136", "hac_2015_s136_detentions_police_cell_vs_health_*_transcribed.csv", read_hac_file
)
# the layout's name changes when its reader keeps more of the file (v2: s136_excluded_forces), so a file loaded by an
# earlier reader loads again (ingestion/national/load.py)
PQ_190083 = Editions("transcribed_pq_190083_v2", "pq_190083_mha_s136_s135_detentions_*_transcribed.csv", read_pq_file)


def load_s136_published(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Both transcribed files from public_dir, each its own edition (a changed file replaces its own earlier load)."""
    return S136_PUBLISHED.load_editions(con, public_dir, HAC, PQ_190083)
