"""The annual s136 return (ADR-125 items, methods.md §1.2) as the Home Office asks for it, from record-level facts.

`ITEMS` is the one Python definition of the return's items (measure x category, in the HO's order and wording);
`count_return_items` counts them from detention records. dbt's int_adr125_return_exact implements the same rules in
SQL (macro adr125_items), and the synthetic published sample (demo/adr125_published.py) uses this function, so the
integration test checks that the two agree.

Rules: every measure except `power` counts s136 detentions only; police_vehicle_reason counts those transported by
police vehicle; police_station_reason and arrested_for_offence count those whose first place of safety was a police
station; a blank value counts as not known. Exports hold exact counts (a return, not a publication): restricted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# (measure, HO wording, [(category, HO wording)]) in the order of the return.
ITEMS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("detentions", "Detentions under section 136", (("total", "Total"),)),
    ("power", "Power used", (("s136", "Section 136"), ("s135", "Section 135"))),
    (
        "transport_method",
        "Method of transport to the place of safety",
        (
            ("ambulance", "Ambulance"),
            ("police_vehicle", "Police vehicle"),
            ("other_health_vehicle", "Other health vehicle"),
            ("other", "Other"),
            ("not_known", "Not known"),
            ("none_already_at_pos", "None (already at a place of safety)"),
        ),
    ),
    (
        "police_vehicle_reason",
        "Reason a police vehicle was used",
        (
            ("arrested_offence", "Arrested for a substantive offence"),
            ("amb_not_within_30", "Ambulance not available within 30 minutes"),
            ("amb_diverted", "Ambulance diverted to higher-priority call"),
            ("amb_crew_refused", "Ambulance crew refused"),
            ("amb_not_requested", "Ambulance not requested"),
            ("other", "Other"),
            ("not_known", "Not known"),
        ),
    ),
    (
        "first_place_of_safety",
        "First place of safety",
        (
            ("hbpos", "Health-based place of safety"),
            ("ae", "A&E"),
            ("police_station", "Police station"),
            ("private_home", "Private home"),
            ("other", "Other"),
            ("not_known", "Not known"),
        ),
    ),
    (
        "police_station_reason",
        "Reason a police station was used",
        (
            ("regs2017_conditions_met", "Conditions in Regulations were met"),
            ("other", "Other"),
            ("not_known", "Not known"),
        ),
    ),
    (
        "arrested_for_offence",
        "Arrested for an offence (police station cases)",
        (("yes", "Yes"), ("no", "No"), ("not_known", "Not known")),
    ),
    ("age_group", "Age", (("under_18", "Under 18"), ("18_plus", "18 and over"))),
    ("sex", "Sex", (("M", "Male"), ("F", "Female"), ("X", "Other"), ("U", "Not known"))),
    (
        "ethnicity_broad",
        "Ethnicity (self-defined, broad group)",
        (
            ("asian", "Asian"),
            ("black", "Black"),
            ("mixed", "Mixed"),
            ("white", "White"),
            ("other", "Other"),
            ("not_stated", "Not stated"),
        ),
    ),
)

# Columns count_return_items needs (the names of fct_s136_detentions).
RECORD_COLUMNS = (
    "force_code",
    "fy_label",
    "power",
    "transport_method",
    "police_vehicle_reason",
    "first_pos_type",
    "police_station_reason",
    "arrested_for_offence",
    "age_years",
    "sex_code",
    "ethnicity_sde_code",
)
KEY = ("force_code", "financial_year", "measure", "category")
_ETHNIC_GROUP = {"W": "white", "M": "mixed", "A": "asian", "B": "black", "O": "other"}


def item_catalogue() -> pl.DataFrame:
    """measure, category, labels and order of every item of the return."""
    rows = [
        (measure, m_label, category, c_label, i * 100 + j)
        for i, (measure, m_label, cats) in enumerate(ITEMS)
        for j, (category, c_label) in enumerate(cats)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "measure": pl.String,
            "measure_label": pl.String,
            "category": pl.String,
            "category_label": pl.String,
            "item_order": pl.Int32,
        },
        orient="row",
    )


def _category(measure: str) -> pl.Expr:
    """The category of one record for `measure` (null when the record is outside the measure's base)."""
    s136 = pl.col("power") == "s136"
    known = pl.lit("not_known")
    if measure == "detentions":
        return pl.when(s136).then(pl.lit("total"))
    if measure == "power":
        return pl.when(s136).then(pl.lit("s136")).when(pl.col("power").str.starts_with("s135")).then(pl.lit("s135"))
    if measure == "transport_method":
        return pl.when(s136).then(pl.col("transport_method").fill_null(known))
    if measure == "police_vehicle_reason":
        return pl.when(s136 & (pl.col("transport_method") == "police_vehicle")).then(
            pl.col("police_vehicle_reason").fill_null(known)
        )
    if measure == "first_place_of_safety":
        return pl.when(s136).then(pl.col("first_pos_type").fill_null(known))
    at_station = s136 & (pl.col("first_pos_type") == "police_station")
    if measure == "police_station_reason":
        return pl.when(at_station).then(pl.col("police_station_reason").fill_null(known))
    if measure == "arrested_for_offence":
        arrested = pl.col("arrested_for_offence")
        return pl.when(at_station).then(
            pl.when(arrested).then(pl.lit("yes")).when(~arrested).then(pl.lit("no")).otherwise(known)
        )
    if measure == "age_group":
        return pl.when(s136).then(
            pl.when(pl.col("age_years") < 18).then(pl.lit("under_18")).otherwise(pl.lit("18_plus"))
        )
    if measure == "sex":
        return pl.when(s136).then(pl.col("sex_code").fill_null("U"))
    if measure == "ethnicity_broad":
        sde = pl.col("ethnicity_sde_code")
        group = sde.str.slice(0, 1).replace_strict(_ETHNIC_GROUP, default="not_stated", return_dtype=pl.String)
        return pl.when(s136).then(pl.when(sde.is_null() | (sde == "NS")).then(pl.lit("not_stated")).otherwise(group))
    raise ValueError(f"unknown measure {measure}")


def count_return_items(records: pl.DataFrame, cells: pl.DataFrame | None = None) -> pl.DataFrame:
    """Counts of every item of the return per force x financial year (zeros included).

    records: detention records with RECORD_COLUMNS. cells: optional (force_code, fy_label) to report even without
    records (nil returns). Returns force_code, financial_year, measure, category, count (Int64), sorted by the
    return's order.
    """
    records = records.select(RECORD_COLUMNS)
    grid = records.select("force_code", "fy_label")
    if cells is not None:
        grid = pl.concat([grid, cells.select("force_code", "fy_label")])
    grid = grid.unique()
    long = pl.concat(
        [
            records.select(
                "force_code", "fy_label", pl.lit(measure).alias("measure"), _category(measure).alias("category")
            )
            for measure, _, _ in ITEMS
        ]
    ).drop_nulls("category")
    counts = long.group_by("force_code", "fy_label", "measure", "category").agg(pl.len().cast(pl.Int64).alias("count"))
    catalogue = item_catalogue()
    unknown = counts.join(catalogue, on=["measure", "category"], how="anti")
    if unknown.height:
        raise ValueError(f"records carry categories outside the return: {unknown.head(5).to_dicts()}")
    return (
        grid.join(catalogue.select("measure", "category", "item_order"), how="cross")
        .join(counts, on=["force_code", "fy_label", "measure", "category"], how="left")
        .with_columns(pl.col("count").fill_null(0))
        .sort("force_code", "fy_label", "item_order")
        .select("force_code", pl.col("fy_label").alias("financial_year"), "measure", "category", "count")
    )


def is_financial_year(label: str) -> bool:
    """True for a financial year label 'YYYY-YY' whose second part follows the first (2024-25)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", label)
    return bool(m) and int(m.group(2)) == (int(m.group(1)) + 1) % 100


class ExportError(RuntimeError):
    """The return cannot be exported (no warehouse, no data for the year); the message is for the operator."""


@dataclass(frozen=True)
class ExportResult:
    financial_year: str
    out_dir: Path
    force_files: list[Path]
    combined_file: Path
    forces: int
    detentions: int


_RECORDS_SQL = f"""
select {", ".join(RECORD_COLUMNS)}
from marts.fct_s136_detentions
where fy_label = ?
"""


def _nil_returns(con, financial_year: str) -> pl.DataFrame:
    """Forces with an active s136 load for the year but no records in it (nil returns)."""
    from ingestion.gate.landing import period_bounds

    start = int(financial_year[:4])
    rows = con.execute(
        "select distinct force_code, period from raw.load_ledger where source = 's136' and status = 'loaded'"
    ).fetchall()
    forces = []
    for force, period in rows:
        bounds = period_bounds(period or "")
        if bounds and (bounds[0].year if bounds[0].month >= 4 else bounds[0].year - 1) == start:
            forces.append(force)
    return pl.DataFrame(
        {"force_code": forces, "fy_label": [financial_year] * len(forces)},
        schema=dict.fromkeys(("force_code", "fy_label"), pl.String),
    )


def export_adr125(warehouse: Path, financial_year: str, out_dir: Path) -> ExportResult:
    """Write the return for one financial year: one CSV per force and a combined file (all forces).

    Reads marts.fct_s136_detentions (and the load ledger for nil returns) through a read-only connection.
    """
    import duckdb

    if not is_financial_year(financial_year):
        raise ExportError(f"'{financial_year}' is not a financial year: expected YYYY-YY like 2024-25")
    if not Path(warehouse).exists():
        raise ExportError(f"no warehouse at {warehouse}: run `mhw refresh` first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise ExportError(f"cannot open the warehouse {warehouse} read-only (is a refresh running?): {exc}") from None
    with con:
        has_fact = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'fct_s136_detentions'"
        ).fetchone()[0]
        if not has_fact:
            raise ExportError(f"the warehouse {warehouse} has no marts.fct_s136_detentions: run `mhw refresh` first")
        records = con.execute(_RECORDS_SQL, [financial_year]).pl()
        nil = _nil_returns(con, financial_year)
        names = dict(con.execute("select force_code, force_name from marts.dim_force").fetchall())
        years = [
            r[0] for r in con.execute("select distinct fy_label from marts.fct_s136_detentions order by 1").fetchall()
        ]
    if records.height == 0 and nil.height == 0:
        have = ", ".join(years) if years else "none"
        raise ExportError(f"no s136 records for {financial_year} in the warehouse (years with data: {have})")
    counts = count_return_items(records, nil)
    labelled = (
        counts.join(item_catalogue(), on=["measure", "category"], how="left")
        .with_columns(
            pl.col("force_code").replace_strict(names, default=None, return_dtype=pl.String).alias("force_name")
        )
        .sort("force_code", "item_order")
        .select(
            "force_code",
            "force_name",
            "financial_year",
            "measure",
            "measure_label",
            "category",
            "category_label",
            "count",
        )
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for (force,), frame in labelled.group_by("force_code", maintain_order=True):
        path = out_dir / f"adr125_{financial_year}_{force}.csv"
        frame.write_csv(path)
        files.append(path)
    combined = out_dir / f"adr125_{financial_year}_all_forces.csv"
    labelled.write_csv(combined)
    detentions = int(
        counts.filter((pl.col("measure") == "detentions") & (pl.col("category") == "total"))["count"].sum()
    )
    return ExportResult(financial_year, out_dir, files, combined, len(files), detentions)
