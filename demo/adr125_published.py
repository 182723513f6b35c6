"""Synthetic Home Office published s136 tables (source adr125_published), derived from the s136 landing files.

The HO publishes, per force and financial year, counts of the items of the annual return (methods.md §1.2). This
module counts them from the record-level s136 files in the landing zone exactly as the warehouse will (rows that
the s136 contract would reject are left out; the newest file of a force and period counts), then plants a few
realistic differences so that reconciliation (dbt mart_adr125_return) has something to show:

- a late revision: one force's figures for a year were first published short of a few late-entered records
  (release 'PPP Oct YYYY'), and revised to the record counts in the next release (is_revised = Y);
- a force whose published figures include a few records more than its records (counted twice at the HO);
- a missing force-year: one force absent from the latest year's tables (as in "43 of 44 forces").

Files: landing/adr125_published/national/<YYYY-YY>/adr125_published_<YYYY-YY>_ppp-<YYYY>-10.csv, all forces of the
year plus 'national' rows (E&W totals as published = sum of the published forces). Deterministic by seed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from ingestion.gate.contract import load_contract
from ingestion.gate.landing import period_bounds, source_files
from ingestion.gate.read import SUFFIXES, FileRejected, read_table, to_canonical
from ingestion.gate.validate import validate_rows
from mhw.export import KEY, RECORD_COLUMNS, count_return_items

SOURCE = "adr125_published"
LONDON = ZoneInfo("Europe/London")
_RENAME = {
    "first_place_of_safety": "first_pos_type",
    "age": "age_years",
    "sex": "sex_code",
    "ethnicity_self_defined": "ethnicity_sde_code",
}

Key = tuple[str, str, str, str]  # force_code, financial_year, measure, category


@dataclass
class PublishedSample:
    """What was written and which differences were planted (for tests and the operator)."""

    files: list[Path] = field(default_factory=list)
    # current figures that differ from the records: key -> (record count, published count)
    differences: dict[Key, tuple[int, int]] = field(default_factory=dict)
    differs: tuple[str, str] | None = None  # (force, year) published with a few records too many
    missing: tuple[str, str] | None = None  # (force, year) absent from the published tables
    # (force, year, first release, revising release) and the first-published figures that were revised:
    # key -> (first published, revised = record count)
    revised: tuple[str, str, str, str] | None = None
    revisions: dict[Key, tuple[int, int]] = field(default_factory=dict)

    def describe(self) -> str:
        parts = []
        if self.revised:
            force, fy, first, second = self.revised
            parts.append(f"{force} {fy} revised in {second} ({len(self.revisions)} figures changed from {first})")
        if self.differs:
            parts.append(
                f"{self.differs[0]} {self.differs[1]} published with {len(self.differences)} figures differing"
            )
        if self.missing:
            parts.append(f"{self.missing[0]} {self.missing[1]} not published")
        return "; ".join(parts) or "no differences planted"


def release_of(fy: str, later: int = 0) -> tuple[str, str]:
    """(release name, file tag) of the PPP release first publishing `fy` (October after the year ends) + later."""
    year = int(fy[:4]) + 1 + later
    return f"PPP Oct {year}", f"ppp-{year}-10"


def record_frame(landing_dir: Path | str, *, now: datetime | None = None) -> pl.DataFrame:
    """The s136 records of the landing zone as the warehouse would hold them (RECORD_COLUMNS).

    The newest file (last in path order) of each force and period counts; rows the s136 contract rejects do not.
    """
    landing_dir = Path(landing_dir)
    now = now or datetime.now(LONDON).replace(tzinfo=None)
    contract = load_contract("s136")
    newest: dict[tuple[str, str], Path] = {}
    for lf in source_files(landing_dir, "s136"):
        if lf.force_code and lf.period and period_bounds(lf.period) and lf.path.suffix.lower() in SUFFIXES:
            newest[(lf.force_code, lf.period)] = lf.path
    frames = []
    for (force, period), path in sorted(newest.items()):
        try:
            canonical, layout, _ = to_canonical(read_table(path), contract, force)
        except FileRejected:
            continue
        good = validate_rows(canonical, contract, layout, force_code=force, period=period, now=now).good
        frames.append(good)
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(RECORD_COLUMNS, pl.String))
    records = pl.concat(frames, how="vertical_relaxed")
    start = records["detained_at"].dt.year() - (records["detained_at"].dt.month() < 4).cast(pl.Int32)
    fy = start.cast(pl.String) + "-" + ((start + 1) % 100).cast(pl.String).str.zfill(2)
    return records.rename(_RENAME).with_columns(fy.alias("fy_label")).select(RECORD_COLUMNS)


def _as_dict(counts: pl.DataFrame) -> dict[Key, int]:
    return {tuple(r[:4]): r[4] for r in counts.select(*KEY, "count").iter_rows()}


def _differing(a: dict[Key, int], b: dict[Key, int]) -> dict[Key, tuple[int, int]]:
    return {k: (a[k], b[k]) for k in sorted(a) if a[k] != b[k]}


def _write_release(
    out_dir: Path, fy: str, counts: pl.DataFrame, release: str, tag: str, revised: set[Key] | None = None
) -> Path:
    """One release file of a year: the forces' figures plus 'national' rows (their sum), long format."""
    national = counts.group_by("financial_year", "measure", "category", maintain_order=True).agg(pl.col("count").sum())
    table = pl.concat([counts, national.select(pl.lit("national").alias("force_code"), *national.columns)])
    revised = revised or set()
    flags = ["Y" if tuple(r) in revised else "N" for r in table.select(KEY).iter_rows()]
    table = table.with_columns(pl.lit(release).alias("source_release"), pl.Series("is_revised", flags))
    path = out_dir / fy / f"{SOURCE}_{fy}_{tag}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.select(*KEY, "count", "source_release", "is_revised").write_csv(path)
    return path


def _pick_s136(rng: np.random.Generator, records: pl.DataFrame, force: str, fy: str, k: int) -> pl.DataFrame:
    mine = records.filter((pl.col("force_code") == force) & (pl.col("fy_label") == fy) & (pl.col("power") == "s136"))
    rows = np.sort(rng.choice(mine.height, min(k, mine.height), replace=False))
    return mine[rows.tolist()]


def derive_published(
    records: pl.DataFrame, landing_dir: Path | str, seed: int, years: tuple[str, ...]
) -> PublishedSample:
    """Write the published sample for `years` from `records` (RECORD_COLUMNS) and plant the differences."""
    out_dir = Path(landing_dir) / SOURCE / "national"
    records = records.filter(pl.col("fy_label").is_in(list(years)))
    sample = PublishedSample()
    present = [fy for fy in years if fy in set(records["fy_label"].unique().to_list())]
    if not present:
        return sample
    truth = count_return_items(records)
    rng = np.random.default_rng([seed, 125])
    plant_fy = present[-1]
    revision_fy = present[-2] if len(present) > 1 else plant_fy
    forces_plant = sorted(records.filter(pl.col("fy_label") == plant_fy)["force_code"].unique().to_list())
    forces_rev = sorted(records.filter(pl.col("fy_label") == revision_fy)["force_code"].unique().to_list())
    order = [forces_plant[i] for i in rng.permutation(len(forces_plant))]
    differs_force = order[0] if order else None
    missing_force = order[1] if len(order) > 1 else None
    free = [f for f in forces_rev if f not in {differs_force, missing_force}]
    if not free and revision_fy != plant_fy:  # too few forces: another year's plant may share the force
        free = forces_rev
    revised_force = free[int(rng.integers(len(free)))] if free else None

    published = truth
    if differs_force:  # a few records counted twice at the HO
        twice = _pick_s136(rng, records, differs_force, plant_fy, int(rng.integers(2, 6)))
        cell = (pl.col("force_code") == differs_force) & (pl.col("financial_year") == plant_fy)
        mine = records.filter((pl.col("force_code") == differs_force) & (pl.col("fy_label") == plant_fy))
        plus = count_return_items(pl.concat([mine, twice]))
        published = pl.concat([published.filter(~cell), plus])
        sample.differs = (differs_force, plant_fy)
        sample.differences = _differing(_as_dict(truth.filter(cell)), _as_dict(plus))
    if missing_force:
        published = published.filter(
            ~((pl.col("force_code") == missing_force) & (pl.col("financial_year") == plant_fy))
        )
        sample.missing = (missing_force, plant_fy)
    first = published
    if revised_force:  # first published short of a few late-entered records, revised a year later
        late = _pick_s136(rng, records, revised_force, revision_fy, int(rng.integers(4, 10)))
        mine = records.filter((pl.col("force_code") == revised_force) & (pl.col("fy_label") == revision_fy))
        short = count_return_items(_drop_rows(mine, late))
        cell = (pl.col("force_code") == revised_force) & (pl.col("financial_year") == revision_fy)
        first = pl.concat([published.filter(~cell), short])
        sample.revisions = _differing(_as_dict(short), _as_dict(published.filter(cell)))
        sample.revised = (revised_force, revision_fy, release_of(revision_fy)[0], release_of(revision_fy, 1)[0])

    sort = ["force_code", "financial_year"]
    for fy in present:
        year_first = first.filter(pl.col("financial_year") == fy).sort(sort, maintain_order=True)
        release, tag = release_of(fy)
        sample.files.append(_write_release(out_dir, fy, year_first, release, tag))
        if sample.revised and fy == revision_fy:
            year_now = published.filter(pl.col("financial_year") == fy).sort(sort, maintain_order=True)
            changed = set(sample.revisions)
            changed |= {("national", *k[1:]) for k in changed}
            release, tag = release_of(fy, 1)
            sample.files.append(_write_release(out_dir, fy, year_now, release, tag, changed))
    return sample


def _drop_rows(frame: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """frame without one occurrence of each row of `rows` (multiset difference)."""
    cols = list(RECORD_COLUMNS)
    tagged = frame.with_columns(pl.int_range(pl.len()).over(cols).alias("__n"))
    drop = rows.with_columns(pl.int_range(pl.len()).over(cols).alias("__n"))
    return tagged.join(drop, on=[*cols, "__n"], how="anti", nulls_equal=True).drop("__n")


def generate_adr125_published(
    landing_dir: Path | str, seed: int = 42, years: tuple[str, ...] | None = None, *, from_landing: bool = True
) -> PublishedSample:
    """Write the synthetic published tables for `years` (default: every year with s136 records).

    from_landing: derive from the s136 files already in landing_dir/s136 (as `mhw synth` writes them); False
    generates the s136 records with the same seed in a temporary folder first (the landing zone gets only the
    published files).
    """
    landing_dir = Path(landing_dir)
    if from_landing:
        records = record_frame(landing_dir)
    else:
        from demo.s136 import DEFAULT_YEARS, generate_s136

        with tempfile.TemporaryDirectory() as tmp:
            generate_s136(tmp, seed=seed, years=tuple(years or DEFAULT_YEARS))
            records = record_frame(tmp)
    if years is None:
        years = tuple(sorted(records["fy_label"].unique().to_list()))
    return derive_published(records, landing_dir, seed, tuple(years))
