"""Census 2011 ethnic group (QS201EW) by local authority, the ONS LAD -> CSP -> PFA lookup, and a third-party
by-PFA summary kept only as a cross-check -> raw.census2011_ethnic_group_lad, raw.ons_lad_pfa_lookup,
raw.census2011_ethnic_group_pfa_third_party (PROVENANCE §2, §5, §6).

The wide Nomis columns ('Ethnic Group: White: Irish; measures: Value') become long rows (area x group) coded by
seeds/ref_census2011_ethnic_group.csv, which also maps each census group onto the SDE 18+1 codes and the broad
groups. Every file is checked before anything is written; a problem is an error naming file, row and field.
Force denominators are built in dbt by summing LADs through the lookup (methods §8.1); the third-party file is
compared with that sum (`compare_lad_sum_with_pfa_file`) and never used as a denominator.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from ingestion.forces import known_force_codes
from ingestion.national.aliases import UnmappedForceName, map_force_names
from ingestion.national.formats import PublicFileError
from ingestion.national.load import Publication, PublicLoadReport
from ingestion.schema import ensure_raw_schema
from mhw.settings import SEEDS_DIR

LAD_FILE = "census2011_ethnic_group_qs201ew_by_local_authority.csv"
PFA_FILE = "census2011_ethnic_group_by_pfa16.csv"
LOOKUP_FILE = "ons_lad16_csp16_pfa16_lookup_dec2016.csv"

CENSUS_LAD = Publication("census2011_ethnic_group", "census2011_ethnic_group_lad")
CENSUS_PFA = Publication("census2011_ethnic_group_pfa_third_party", "census2011_ethnic_group_pfa_third_party")
LAD_PFA_LOOKUP = Publication("ons_lad_pfa_lookup", "ons_lad_pfa_lookup")

GROUP_SEED = SEEDS_DIR / "ref_census2011_ethnic_group.csv"
LOOKUP_COLUMNS = ["LAD16CD", "LAD16NM", "CSP16CD", "CSP16NM", "PFA16CD", "PFA16NM"]
LOOKUP_VINTAGE = "December 2016"
LAD_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")  # E06 unitary, E07 district, E08 metropolitan, E09 London, W06 Wales
_HEADER = re.compile(r"^Ethnic Group: (?P<label>.+); measures: Value$")


class CensusFileError(PublicFileError):
    """A census or lookup file does not have the published format; the message names file, row, field."""


@dataclass(frozen=True)
class CensusGroup:
    code: str
    label: str
    level: str  # total | broad | detailed
    parent: str | None


@cache
def census_groups() -> dict[str, CensusGroup]:
    """Census label (as in the Nomis header) -> group, from seeds/ref_census2011_ethnic_group.csv."""
    with GROUP_SEED.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["census_label"]: CensusGroup(r["census_code"], r["census_label"], r["group_level"], r["parent_code"] or None)
        for r in rows
    }


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except Exception:
        raise CensusFileError(f"{path.name}: could not be read as a CSV file") from None


def _group_columns(df: pl.DataFrame, name: str) -> dict[str, CensusGroup]:
    """Header -> group for every 'Ethnic Group: ...; measures: Value' column; every seed group must be present."""
    groups = census_groups()
    found: dict[str, CensusGroup] = {}
    for column in df.columns:
        match = _HEADER.match(column)
        if not match:
            continue
        group = groups.get(match["label"])
        if group is None:
            raise CensusFileError(
                f"{name}: field '{column}': unknown ethnic group '{match['label']}'; "
                f"add it to seeds/{GROUP_SEED.name} (census_code, census_label, ...)"
            )
        found[column] = group
    missing = sorted(set(groups) - {g.label for g in found.values()})
    if missing:
        raise CensusFileError(f"{name}: missing ethnic group column(s): " + ", ".join(repr(m) for m in missing))
    return found


def _to_long(df: pl.DataFrame, name: str, id_columns: list[str], first_row: int = 1) -> pl.DataFrame:
    """Wide group columns -> long rows (id columns, ethnic_group_code, ethnic_group_label, population), checked.

    Checks, row by row: every value is a whole number; each broad group is the sum of its detailed groups and the
    total the sum of the broad groups.
    """
    columns = _group_columns(df, name)
    for i, row in enumerate(df.select(list(columns)).iter_rows(), start=first_row):
        values: dict[str, int] = {}
        for column, raw in zip(columns, row, strict=True):
            text = (raw or "").strip().replace(",", "")
            if not text.isdigit():
                raise CensusFileError(f"{name}: row {i}, field '{column}': '{raw or ''}' is not a whole number")
            values[columns[column].code] = int(text)
        for parent in {g.parent for g in columns.values() if g.parent}:
            children = [g for g in columns.values() if g.parent == parent]
            total = sum(values[g.code] for g in children)
            if total != values[parent]:
                label = next(g.label for g in columns.values() if g.code == parent)
                raise CensusFileError(
                    f"{name}: row {i}, field 'Ethnic Group: {label}': {values[parent]} is not the sum of its "
                    f"{len(children)} groups ({total})"
                )
    long = df.select(*id_columns, *[pl.col(c).alias(columns[c].code) for c in columns]).unpivot(
        index=id_columns, variable_name="ethnic_group_code", value_name="population"
    )
    labels = pl.DataFrame(
        {
            "ethnic_group_code": [g.code for g in columns.values()],
            "ethnic_group_label": [g.label for g in columns.values()],
        }
    )
    return long.join(labels, on="ethnic_group_code", how="left").with_columns(
        pl.col("population").str.strip_chars().str.replace_all(",", "").cast(pl.Int64)
    )


def read_census_lad(path: Path) -> pl.DataFrame:
    """QS201EW by LAD (Nomis wide layout) -> geo_code, geo_name, census_year, ethnic_group_code/label, population."""
    name = path.name
    df = _read_csv(path)
    missing = [c for c in ("date", "geography", "geography code") if c not in df.columns]
    if missing:
        raise CensusFileError(f"{name}: missing column(s) {', '.join(missing)}")
    df = df.with_columns(pl.col("date", "geography", "geography code").str.strip_chars())
    for i, (year, code, rural) in enumerate(
        df.select(
            "date", "geography code", pl.col("Rural Urban") if "Rural Urban" in df.columns else pl.lit("Total")
        ).iter_rows(),
        start=1,
    ):
        if not (year or "").isdigit() or not 1801 <= int(year) <= 2100:
            raise CensusFileError(f"{name}: row {i}, field 'date': '{year or ''}' is not a census year")
        if not LAD_CODE.match(code or ""):
            raise CensusFileError(
                f"{name}: row {i}, field 'geography code': '{code or ''}' is not a local authority district code"
            )
        if rural != "Total":
            raise CensusFileError(f"{name}: row {i}, field 'Rural Urban': '{rural}' (only 'Total' rows are expected)")
    dupes = df.filter(pl.col("geography code").is_duplicated())
    if dupes.height:
        raise CensusFileError(f"{name}: field 'geography code': '{dupes['geography code'][0]}' appears more than once")
    if df["date"].n_unique() > 1:
        raise CensusFileError(f"{name}: field 'date': more than one census year ({', '.join(df['date'].unique())})")
    df = df.rename({"geography code": "geo_code", "geography": "geo_name"}).with_columns(
        pl.col("date").cast(pl.Int32).alias("census_year")
    )
    return _to_long(df, name, ["geo_code", "geo_name", "census_year"])


def read_census_pfa(path: Path) -> pl.DataFrame:
    """The third-party by-PFA summary -> pfa_name, force_code, ethnic_group_code/label, population."""
    name = path.name
    df = _read_csv(path)
    if "PFA16NM" not in df.columns:
        raise CensusFileError(f"{name}: missing column PFA16NM")
    df = map_force_names(df.with_columns(pl.col("PFA16NM").str.strip_chars()), "PFA16NM", name)
    for i, (pfa, kind, code) in enumerate(df.select("PFA16NM", "entity_type", "force_code").iter_rows(), start=1):
        if kind != "force" or code not in known_force_codes() or code == "BTP":
            raise CensusFileError(f"{name}: row {i}, field 'PFA16NM': '{pfa}' is not one police force area")
    dupes = df.filter(pl.col("force_code").is_duplicated())
    if dupes.height:
        raise CensusFileError(f"{name}: field 'PFA16NM': force {dupes['force_code'][0]} appears more than once")
    return _to_long(df.rename({"PFA16NM": "pfa_name"}), name, ["pfa_name", "force_code"])


def read_lad_pfa_lookup(path: Path) -> pl.DataFrame:
    """ONS LAD16 -> CSP16 -> PFA16 lookup -> lad_code, lad_name, csp_code, csp_name, pfa_code, pfa_name, vintage."""
    name = path.name
    df = _read_csv(path)
    df = df.rename({c: c.lstrip("\ufeff") for c in df.columns})
    missing = [c for c in LOOKUP_COLUMNS if c not in df.columns]
    if missing:
        raise CensusFileError(f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(LOOKUP_COLUMNS)}")
    df = df.select(LOOKUP_COLUMNS).with_columns(pl.all().str.strip_chars())
    known = known_force_codes() - {"BTP"}
    for i, (lad, pfa) in enumerate(df.select("LAD16CD", "PFA16CD").iter_rows(), start=1):
        if not LAD_CODE.match(lad or ""):
            raise CensusFileError(
                f"{name}: row {i}, field 'LAD16CD': '{lad or ''}' is not a local authority district code"
            )
        if pfa not in known:
            raise CensusFileError(f"{name}: row {i}, field 'PFA16CD': '{pfa or ''}' is not a known police force area")
    dupes = df.filter(pl.col("LAD16CD").is_duplicated())
    if dupes.height:
        raise CensusFileError(
            f"{name}: field 'LAD16CD': '{dupes['LAD16CD'][0]}' maps to more than one police force area"
        )
    return df.rename(
        {"LAD16CD": "lad_code", "LAD16NM": "lad_name", "CSP16CD": "csp_code", "CSP16NM": "csp_name",
         "PFA16CD": "pfa_code", "PFA16NM": "pfa_name"}
    ).with_columns(pl.lit(LOOKUP_VINTAGE).alias("lookup_vintage"))  # fmt: skip


def load_census_lad(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """QS201EW by LAD into raw.census2011_ethnic_group_lad (absent or unchanged: nothing loaded)."""
    return CENSUS_LAD.load_latest(
        con, public_dir, LAD_FILE, layout="nomis_qs201ew_wide", read=read_census_lad, period="2011"
    )


def load_census_pfa_third_party(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """The third-party by-PFA summary into raw.census2011_ethnic_group_pfa_third_party (a cross-check only)."""
    return CENSUS_PFA.load_latest(
        con, public_dir, PFA_FILE, layout="resistancelab_pfa_wide", read=read_census_pfa, period="2011"
    )


def load_lad_pfa_lookup(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """The ONS LAD -> CSP -> PFA lookup into raw.ons_lad_pfa_lookup."""
    return LAD_PFA_LOOKUP.load_latest(
        con, public_dir, LOOKUP_FILE, layout="ons_lad16_pfa16", read=read_lad_pfa_lookup, period="2016-12"
    )


# ------------------------------------------------------------------ the cross-check (a Dagster asset check)


@dataclass
class PfaComparison:
    """LAD-summed PFA populations against the third-party by-PFA file, per force x census group."""

    compared_cells: int = 0
    lads_not_in_lookup: list[tuple] = field(default_factory=list)  # (lad_code, lad_name, population)
    lookup_lads_without_census: list[tuple] = field(default_factory=list)  # (lad_code, lad_name, force_code)
    differences: list[tuple] = field(default_factory=list)  # (force_code, group, lad_sum, file_value, diff)

    @property
    def available(self) -> bool:
        return self.compared_cells > 0

    @property
    def passed(self) -> bool:
        return not self.differences and not self.lads_not_in_lookup

    def summary(self) -> str:
        if not self.available:
            return "nothing compared: the census, the lookup or the by-PFA file is not loaded"
        text = f"{self.compared_cells} force x group cells compared, {len(self.differences)} differ"
        if self.lads_not_in_lookup:
            text += f"; {len(self.lads_not_in_lookup)} census LAD(s) not in the LAD->PFA lookup"
        if self.lookup_lads_without_census:
            text += f"; {len(self.lookup_lads_without_census)} lookup LAD(s) without census rows"
        return text


_ACTIVE = "(select load_id from raw.load_ledger where status = 'loaded')"


def compare_lad_sum_with_pfa_file(con: duckdb.DuckDBPyConnection) -> PfaComparison:
    """Sum the active census LAD rows to PFAs through the active lookup and compare with the by-PFA file."""
    ensure_raw_schema(con)
    out = PfaComparison()
    base = f"""
        with census as (select * from raw.{CENSUS_LAD.table} where load_id in {_ACTIVE}),
             lookup as (select * from raw.{LAD_PFA_LOOKUP.table} where load_id in {_ACTIVE}),
             file as (select * from raw.{CENSUS_PFA.table} where load_id in {_ACTIVE})
    """
    has_all = con.execute(
        base + "select (select count(*) from census) > 0 and (select count(*) from lookup) > 0"
        " and (select count(*) from file) > 0"
    ).fetchone()[0]
    if not has_all:
        return out
    out.lads_not_in_lookup = con.execute(
        base + "select c.geo_code, any_value(c.geo_name), max(case when c.ethnic_group_code = 'ALL' "
        "then c.population end) from census c where c.geo_code not in (select lad_code from lookup) "
        "group by c.geo_code order by c.geo_code"
    ).fetchall()
    out.lookup_lads_without_census = con.execute(
        base + "select lad_code, lad_name, pfa_code from lookup where lad_code not in (select geo_code from census) "
        "order by lad_code"
    ).fetchall()
    rows = con.execute(
        base
        + """, summed as (
            select l.pfa_code as force_code, c.ethnic_group_code, sum(c.population) as lad_sum
            from census c join lookup l on l.lad_code = c.geo_code
            group by l.pfa_code, c.ethnic_group_code
        )
        select coalesce(s.force_code, f.force_code), coalesce(s.ethnic_group_code, f.ethnic_group_code),
               s.lad_sum, f.population, coalesce(s.lad_sum, 0) - coalesce(f.population, 0)
        from summed s full outer join file f
          on f.force_code = s.force_code and f.ethnic_group_code = s.ethnic_group_code
        order by 1, 2
        """
    ).fetchall()
    out.compared_cells = len(rows)
    out.differences = [tuple(r) for r in rows if r[2] is None or r[3] is None or r[4] != 0]
    return out


__all__ = [
    "CensusFileError",
    "PfaComparison",
    "UnmappedForceName",
    "compare_lad_sum_with_pfa_file",
    "load_census_lad",
    "load_census_pfa_third_party",
    "load_lad_pfa_lookup",
    "read_census_lad",
    "read_census_pfa",
    "read_lad_pfa_lookup",
]
