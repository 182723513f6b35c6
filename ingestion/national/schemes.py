"""Published mental-health policing schemes by force -> raw: Right Care, Right Person (RCRP) go-live dates and phases,
and street triage / control-room mental health schemes, as transcribed from public pages (dates kept as printed).

The scheme register (dbt `dim_scheme`) reads these beside the forces' own records (landing source `scheme_register`).
A date as printed ('8 January 2024', 'April [2023]', 'introduced in four phases during 2020 and 2021', 'not stated')
is read by `read_printed_date` into the window the start can lie in, with an explicit precision and no guess: a
form it does not know fails the load naming file, row and field (docs/methods.md, "Scheme register").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ingestion.national.aliases import map_force_names
from ingestion.national.formats import PublicFileError, read_text_csv
from ingestion.national.load import Publication, PublicLoadReport

RCRP_PUBLISHED = Publication("rcrp_go_live_published", "rcrp_go_live_published")
MH_SCHEMES_PUBLISHED = Publication("mh_schemes_published", "mh_schemes_published")
RCRP_FILE = "rcrp_go_live_dates_by_force_transcribed.csv"
MH_SCHEMES_FILE = "street_triage_and_control_room_mental_health_schemes_by_force_transcribed.csv"
RCRP_COLUMNS = ["force", "phase_or_event", "date_as_printed", "note", "source"]
MH_SCHEMES_COLUMNS = ["force", "scheme", "model_as_described", "start_as_printed", "detail", "source"]

PRECISIONS = ("day", "month", "season", "year", "year_range", "before", "not_stated")
# Phrases meaning the text prints no start date (a relative date, a missing year, a pause): read as 'not_stated'.
NO_DATE_PHRASES = (
    "not stated", "not in source excerpt", "year not in excerpt", "'today", "'last ", "paused", "made permanent",
)  # fmt: skip
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_FORMS = {
    "day": [rf"{_DAY}\s+{_MONTH}\s+{_YEAR}", rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}"],
    "month": [rf"{_MONTH}\s+{_YEAR}"],
    "season": [rf"(?P<season>spring|summer|autumn|winter)\s+{_YEAR}"],
    "year_range": [r"(?P<year>(?:19|20)\d\d)\s+(?:and|to|-)\s+(?P<year2>(?:19|20)\d\d)"],
    "year": [_YEAR],
}
# What may come before the date: nothing, a qualifier, or any words ending in one of these (e.g. '... adopted in').
_LEAD = r"(?:(?P<lead>(?:.*?\s)?(?:in|during|from|since|before|commence|commencing|as of))\s+)?"
_PLANNED = ("proposed", "planned", "launching", "due", "set to")


class SchemesFileError(PublicFileError):
    """A published schemes file does not have its format; the message names file, row and field."""


@dataclass(frozen=True)
class PrintedDate:
    """A start date as printed, read as the window [start_from, start_to] the start can lie in (None = open)."""

    start_from: date | None
    start_to: date | None
    precision: str  # one of PRECISIONS
    is_year_supplied: bool = False  # the year was added in [brackets] by whoever transcribed the page
    is_planned: bool = False  # printed as a plan ('proposed to commence', 'launching in')


NOT_STATED = PrintedDate(None, None, "not_stated")


def _window(kind: str, m: re.Match) -> tuple[date, date]:
    year = int(m.group("year"))
    if kind == "day":
        day = date(year, _MONTHS[m.group("month").lower()], int(m.group("day")))
        return day, day
    if kind == "month":
        month = _MONTHS[m.group("month").lower()]
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if kind == "season":
        first, last = _SEASONS[m.group("season").lower()]
        end_year = year + 1 if last < first else year
        return date(year, first, 1), date(end_year, last, calendar.monthrange(end_year, last)[1])
    if kind == "year_range":
        return date(year, 1, 1), date(int(m.group("year2")), 12, 31)
    return date(year, 1, 1), date(year, 12, 31)


def read_printed_date(text: str | None) -> PrintedDate:
    """The start window of a date as printed; raises ValueError (with the forms read) for any other text.

    Only the head of the text counts (before the first '(' or ';': the rest is commentary). Years in [brackets]
    are read and flagged. 'before <date>' has an open start; phrases in NO_DATE_PHRASES read as not stated.
    """
    raw = (text or "").strip()
    lowered = raw.lower()
    if not raw or any(phrase in lowered for phrase in NO_DATE_PHRASES):
        return NOT_STATED
    head = re.split(r"[(;]", raw, maxsplit=1)[0].strip().strip("'\"").strip()
    year_supplied = "[" in head
    head = re.sub(r"\s+", " ", head.replace("[", "").replace("]", "")).strip(" ,.")
    for kind, patterns in _FORMS.items():
        for pattern in patterns:
            m = re.fullmatch(rf"{_LEAD}{pattern}(?:\s+(?P<tail>[a-z][a-z ]*))?", head, flags=re.IGNORECASE)
            if not m:
                continue
            try:
                start_from, start_to = _window(kind, m)
            except ValueError:  # e.g. 31 February
                raise ValueError(f"'{raw}' is not a real date") from None
            lead = (m.group("lead") or "").lower()
            if lead.split()[-1:] == ["before"]:
                return PrintedDate(None, start_to, "before", year_supplied)
            planned = any(word in lead for word in _PLANNED)
            return PrintedDate(start_from, start_to, kind, year_supplied, planned)
    raise ValueError(
        f"'{raw}' is not a date form this loader reads; expected e.g. '8 January 2024', 'Monday 8 April 2024', "
        "'January 31 2023', 'November 2023', 'April [2023]', 'autumn 2014', '2013', 'during 2020 and 2021', "
        "'from April 2024', 'before 4 February 2023', or a remark that no date is stated"
    )


def _event_kind(phase: str, entity_type: str) -> str:
    """What an RCRP row records: a start (go-live, launch, phase, pilot) or something that is not one."""
    text = phase.lower()
    if entity_type == "total":
        return "national_agreement"
    if "pause" in text:
        return "paused"
    if "announced" in text or "planned" in text:
        return "announced"
    if "training" in text:
        return "preparation"
    return "start"


def _scheme_type(model: str, scheme: str) -> str:
    """street_triage, or control_room_mh_practitioner when the model (or scheme name) starts with the control room."""
    first = (model or "").lower()
    if first.startswith("control room") or (not first.strip() and "control room" in scheme.lower()):
        return "control_room_mh_practitioner"
    return "street_triage"


def _dates(df: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    """Read every printed date of `column` (error naming file, row and field), as columns of the raw table."""
    read: list[PrintedDate] = []
    for row, text in df.select("row", column).iter_rows():
        try:
            read.append(read_printed_date(text))
        except ValueError as exc:
            raise SchemesFileError(f"{name}: row {row}, field {column}: {exc}") from None
    return df.with_columns(
        pl.Series("start_from", [r.start_from for r in read], pl.Date),
        pl.Series("start_to", [r.start_to for r in read], pl.Date),
        pl.Series("date_precision", [r.precision for r in read], pl.String),
        pl.Series("is_year_supplied", [r.is_year_supplied for r in read], pl.Boolean),
        pl.Series("is_planned", [r.is_planned for r in read], pl.Boolean),
    )


def _forces(df: pl.DataFrame, name: str, error: type[SchemesFileError]) -> pl.DataFrame:
    """Force codes for the names (an unknown name fails the load); only forces and England and Wales are allowed."""
    mapped = map_force_names(df, "force", name, row_column="row")
    other = mapped.filter(~pl.col("entity_type").is_in(["force", "total"]))
    if other.height:
        row, force = other.select("row", "force").row(0)
        raise error(f"{name}: row {row}, field force: '{force}' is not one force (nor England and Wales)")
    return mapped


def read_rcrp_file(path: Path) -> pl.DataFrame:
    """The RCRP go-live file, one row per published phase or event, with its date window and what it records."""
    df = _forces(read_text_csv(path, RCRP_COLUMNS, SchemesFileError), path.name, SchemesFileError)
    df = _dates(df, "date_as_printed", path.name)
    kinds = [_event_kind(p, e) for p, e in df.select("phase_or_event", "entity_type").iter_rows()]
    return df.select(
        pl.col("row").cast(pl.Int32).alias("row_number"),
        pl.col("force").alias("force_name_as_published"),
        "force_code",
        "entity_type",
        "phase_or_event",
        pl.Series("event_kind", kinds, pl.String),
        "date_as_printed",
        "start_from",
        "start_to",
        "date_precision",
        "is_year_supplied",
        "is_planned",
        pl.col("note").replace("", None),
        "source",
    )


def read_mh_schemes_file(path: Path) -> pl.DataFrame:
    """The street triage / control-room schemes file, one row per scheme (plus the national coverage row)."""
    df = _forces(read_text_csv(path, MH_SCHEMES_COLUMNS, SchemesFileError), path.name, SchemesFileError)
    df = _dates(df, "start_as_printed", path.name)
    types = [_scheme_type(m, s) for m, s in df.select("model_as_described", "scheme").iter_rows()]
    return df.select(
        pl.col("row").cast(pl.Int32).alias("row_number"),
        pl.col("force").alias("force_name_as_published"),
        "force_code",
        "entity_type",
        pl.col("scheme").alias("scheme_name"),
        pl.col("model_as_described").replace("", None),
        pl.Series("scheme_type", types, pl.String),
        pl.when(pl.col("entity_type") == "total")
        .then(pl.lit("coverage"))
        .otherwise(pl.lit("start"))
        .alias("event_kind"),
        "start_as_printed",
        "start_from",
        "start_to",
        "date_precision",
        "is_year_supplied",
        "is_planned",
        pl.col("detail").replace("", None),
        "source",
    )


def load_rcrp_published(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """The RCRP file from public_dir; a changed file replaces the earlier one (one edition at a time)."""
    return RCRP_PUBLISHED.load_latest(
        con, public_dir, RCRP_FILE, layout="transcribed_rcrp_dates", read=read_rcrp_file, period="transcribed"
    )


def load_mh_schemes_published(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """The street triage / control-room schemes file from public_dir; a changed file replaces the earlier one."""
    return MH_SCHEMES_PUBLISHED.load_latest(
        con, public_dir, MH_SCHEMES_FILE, layout="transcribed_mh_schemes", read=read_mh_schemes_file,
        period="transcribed",
    )  # fmt: skip
