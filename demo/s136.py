"""Synthetic s136 detention files in the canonical layout, calibrated to published figures (docs/calibration.md).

Deterministic by seed. One CSV per force per financial year under landing/s136/<force>/<YYYY-YY>/, written force
by force (the nation is never held in memory at once). Anything not anchored in docs/calibration.md is an
assumption.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ingestion.gate.landing import period_bounds
from ingestion.gate.read import SUFFIXES
from mhw.settings import SEEDS_DIR

# National totals by financial year: HO published 2021-22 .. 2023-24; 2020-21 "slightly under 32,000" [S];
# 2019-20 and 2024-25 are assumptions.
NATIONAL_TOTALS = {
    "2019-20": 33_000,
    "2020-21": 32_000,
    "2021-22": 36_621,
    "2022-23": 34_685,
    "2023-24": 31_213,
    "2024-25": 30_000,
}
DEFAULT_YEARS = tuple(NATIONAL_TOTALS)
BTP_SHARE = 0.015
FORCE_SIGMA = 0.25

# First place of safety among known, by year (2021-22..2023-24 anchored; earlier years like 2021-22, 2024-25 like
# 2023-24). Order: hbpos, ae, police_station, private_home, other.
POS_CODES = ["hbpos", "ae", "police_station", "private_home", "other"]
_POS_2122 = [0.678, 0.29, 0.008, 0.002, 0.022]
_POS_2223 = [0.617, 0.35, 0.009, 0.002, 0.022]
_POS_2324 = [0.548, 0.42, 0.010, 0.002, 0.020]
POS_BY_YEAR = {
    "2019-20": _POS_2122,
    "2020-21": _POS_2122,
    "2021-22": _POS_2122,
    "2022-23": _POS_2223,
    "2023-24": _POS_2324,
    "2024-25": _POS_2324,
}
POS_NOT_KNOWN = 0.015  # assumption

# Transport (2023-24 anchored: police vehicle .51, ambulance .35, not known .06, other .08 split three ways).
TRANSPORT_CODES = ["police_vehicle", "ambulance", "not_known", "other_health_vehicle", "other", "none_already_at_pos"]
_TR_2324 = [0.51, 0.35, 0.06, 0.03, 0.03, 0.02]
_TR_EARLY = [0.48, 0.37, 0.07, 0.03, 0.03, 0.02]
TRANSPORT_BY_YEAR = {
    "2019-20": _TR_EARLY,
    "2020-21": _TR_EARLY,
    "2021-22": _TR_EARLY,
    "2022-23": [0.50, 0.36, 0.06, 0.03, 0.03, 0.02],
    "2023-24": _TR_2324,
    "2024-25": _TR_2324,
}
PV_REASONS = (
    [
        "amb_not_within_30",
        "amb_not_requested",
        "arrested_offence",
        "amb_diverted",
        "amb_crew_refused",
        "other",
        "not_known",
    ],
    [0.55, 0.20, 0.03, 0.05, 0.02, 0.08, 0.07],
)
OUTCOMES = (
    ["community_referral", "nfa", "admitted_formal", "admitted_informal", "not_known"],
    [0.45, 0.323, 0.145, 0.072, 0.01],
)
SEX = (["M", "F", "X", "U"], [0.52, 0.472, 0.003, 0.005])
POWERS = (["s136", "s135(1)", "s135(2)"], [0.993, 0.005, 0.002])

# Self-defined ethnicity: 8% not stated. The published 84% White (2021-22) and a Black:White rate ratio of 3.5-4.6
# cannot both hold against Census 2011 populations (Black 3.3%, White 86%); the ratio is what the system exists to
# report, so of stated: White 79.1%, Black 12% (ratio about 3.9), Asian 4.7%, Mixed 2.7%, Other 1.5% (assumption:
# police s136 follows the NHS MHA ratios; Asian below, Mixed and Other slightly above the White rate).
SDE = ["W1", "W2", "W3", "W9", "B1", "B2", "B9", "A1", "A2", "A3", "A4", "A9", "M1", "M2", "M3", "M9", "O2", "O9"]
_WHITE = np.array([0.88, 0.02, 0.01, 0.09]) * 0.791
_NON_WHITE = np.concatenate(
    [
        np.array([0.35, 0.45, 0.20]) * 0.12,
        np.array([0.4, 0.25, 0.1, 0.05, 0.2]) * 0.047,
        np.array([0.35, 0.15, 0.2, 0.3]) * 0.027,
        np.array([0.4, 0.6]) * 0.015,
    ]
)
NOT_STATED = 0.08
NON_WHITE_SHARE = float(_NON_WHITE.sum())  # 0.20 of stated, nationally
# Non-White share multiplier by force (assumption: more diverse force areas); others 0.45, then renormalised.
DIVERSITY = {
    "E23000001": 2.5,
    "E23000034": 1.8,
    "E23000014": 1.8,
    "E23000026": 1.5,
    "E23000021": 1.4,
    "E23000005": 1.3,
    "E23000010": 1.3,
    "E23000019": 1.0,
    "E23000029": 1.0,
    "E23000027": 1.0,
    "E23000036": 0.9,
    "BTP": 1.6,
}
IC = ["IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "IC9"]
# Officer-defined code most likely for each self-defined code (index into IC), with a second guess.
_IC_OF = {
    "W": (0, 1),
    "B": (2, 6),
    "A": (3, 6),
    "A4": (4, 3),
    "M": (0, 2),
    "M3": (3, 0),
    "M9": (6, 0),
    "O2": (5, 6),
    "O9": (6, 5),
    "NS": (0, 6),
}

COLUMNS = [
    "detention_id",
    "force_code",
    "power",
    "detained_at",
    "location_type",
    "age",
    "sex",
    "ethnicity_self_defined",
    "ethnicity_officer_defined",
    "transport_method",
    "police_vehicle_reason",
    "first_place_of_safety",
    "police_station_reason",
    "arrested_for_offence",
    "arrived_first_pos_at",
    "assessment_completed_at",
    "detention_ended_at",
    "extension_12h",
    "outcome",
    "person_id",
    "incident_id",
]
HOUR_WEIGHTS = np.array([4, 3.5, 3, 2.5, 2, 1.5, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6, 6, 6, 6, 5.5, 5, 5, 4.5])
DT_FMT = "%Y-%m-%dT%H:%M"


def _read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def landing_is_empty(landing_dir: Path | str) -> bool:
    """True when the landing zone holds no data file (CSV/XLSX) at all."""
    root = Path(landing_dir)
    return not root.is_dir() or not any(p.is_file() and p.suffix.lower() in SUFFIXES for p in root.rglob("*"))


def force_counts(seed: int, years: tuple[str, ...]) -> tuple[list[str], dict[str, np.ndarray]]:
    """(force codes, {year: detentions per force}): exact national totals split by population x lognormal share."""
    forces = [r["force_code"] for r in _read_seed("ref_force.csv")]
    pop = {r["force_code"]: float(r["population_standin"]) for r in _read_seed("ref_population_standin.csv")}
    rng = np.random.default_rng([seed, 0])
    weights = np.array([pop.get(f, 0.0) for f in forces]) * rng.lognormal(0.0, FORCE_SIGMA, len(forces))
    btp = np.array([f == "BTP" for f in forces])
    share = np.where(btp, 0.0, weights / weights[~btp].sum() * (1 - BTP_SHARE)) + btp * BTP_SHARE
    counts = {}
    for k, fy in enumerate(years):
        if fy not in NATIONAL_TOTALS:
            raise ValueError(f"no calibrated national total for {fy}; known years: {', '.join(NATIONAL_TOTALS)}")
        yearly = share * np.random.default_rng([seed, 1, k]).lognormal(0.0, 0.05, len(forces))
        counts[fy] = np.random.default_rng([seed, 2, k]).multinomial(NATIONAL_TOTALS[fy], yearly / yearly.sum())
    return forces, counts


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n NHS numbers valid under Modulus 11 (as strings)."""
    digits = rng.integers(0, 10, (n, 9))
    digits[:, 0] = rng.choice([4, 6, 7, 9], n)
    while True:
        check = (11 - (digits * np.arange(10, 1, -1)).sum(1) % 11) % 11
        bad = check == 10
        if not bad.any():
            break
        digits[bad, 8] = (digits[bad, 8] + 1) % 10
    text = (np.column_stack([digits, check]) + ord("0")).astype(np.uint8)  # ASCII digits, formatted without a loop
    return np.ascontiguousarray(text).view("S10").ravel().astype("U10")


def _people(rng: np.random.Generator, n_detentions: int, force_idx: int) -> dict[str, np.ndarray]:
    """People of one force: id (NHS / PNC / local), sex, base age and detentions each (~15% more than one)."""
    m = int(n_detentions / 1.2) + 10
    repeat = rng.random(m) < 0.15
    times = np.where(repeat, 2 + rng.geometric(0.45, m) - 1, 1)
    kind = rng.choice(3, m, p=[0.45, 0.35, 0.20])
    nhs = _nhs_numbers(rng, m)
    spaced = rng.random(m) < 0.4
    nhs = np.array([f"{v[:3]} {v[3:6]} {v[6:]}" if s else v for v, s in zip(nhs, spaced, strict=True)])
    letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))[rng.integers(0, 23, m)]
    pnc = np.array(
        [
            f"{y}/{s}{c}"
            for y, s, c in zip(rng.integers(1985, 2025, m), rng.integers(1, 999_999, m), letters, strict=True)
        ]
    )
    local = np.array([f"L{force_idx:02d}-{i:07d}" for i in range(m)])
    ids = np.select([kind == 0, kind == 1], [nhs, pnc], local)
    child = rng.random(m) < 0.06
    age = np.where(child, rng.integers(10, 18, m), np.minimum(18 + rng.gamma(2.0, 9.0, m).astype(int), 95))
    return {"id": ids, "times": times, "sex": rng.choice(SEX[0], m, p=SEX[1]), "age": age}


def _ethnicity(rng: np.random.Generator, n: int, non_white: float) -> tuple[np.ndarray, np.ndarray]:
    """(self-defined, officer-defined) codes for n people, given the force's non-White share of the stated."""
    p = np.concatenate([_WHITE / _WHITE.sum() * (1 - non_white), _NON_WHITE / _NON_WHITE.sum() * non_white])
    sde = np.where(rng.random(n) < NOT_STATED, "NS", rng.choice(SDE, n, p=p))
    main = np.array([_IC_OF.get(c, _IC_OF.get(c[0]))[0] for c in sde])
    alt = np.array([_IC_OF.get(c, _IC_OF.get(c[0]))[1] for c in sde])
    u = rng.random(n)
    ic = np.where(u < 0.86, main, np.where(u < 0.93, alt, rng.integers(0, 7, n)))
    ode = np.where(rng.random(n) < 0.04, "", np.array(IC)[ic])
    return sde, ode


def _fmt(ts: np.ndarray, keep: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(ts.astype("datetime64[ms]")).dt.strftime(DT_FMT)
    return s if keep is None else pl.select(pl.when(pl.Series(keep)).then(s).otherwise(pl.lit(""))).to_series()


def _force_year(rng, fy, n, force_code, people_idx, people, anchor_k, k, pos_mult, plant) -> pl.DataFrame:
    """One force-year of detentions as canonical-layout strings."""
    start, end = period_bounds(fy)
    days = (min(end, datetime.combine(date.today(), datetime.min.time())) - start).days
    minute = (
        rng.integers(0, max(days, 1), n) * 1440
        + rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 60
        + rng.integers(0, 60, n)
    )
    order = np.argsort(minute, kind="stable")
    minute, pid = minute[order], people_idx[order]
    detained = np.datetime64(start, "m") + minute.astype("timedelta64[m]")
    base, shift = people["age"][pid], np.rint(k - anchor_k[pid]).astype(int)
    # adults age across years; children stay children so the under-18 share does not drift by year
    age = np.where(base < 18, np.clip(base + shift, 10, 17), np.clip(base + shift, 18, 110))

    power = rng.choice(POWERS[0], n, p=POWERS[1])
    location = np.where(
        power == "s136", rng.choice(["public_place", "other_non_dwelling"], n, p=[0.78, 0.22]), "dwelling"
    )
    known = np.array(POS_BY_YEAR.get(fy, _POS_2324)) * pos_mult  # shares scale linearly: national mean holds
    known[0] = max(1 - known[1:].sum(), 0.05)  # health-based PoS takes the remainder
    pos = rng.choice(POS_CODES, n, p=known / known.sum())
    pos = np.where(rng.random(n) < POS_NOT_KNOWN, "not_known", pos)
    pos = np.where((age < 18) & (pos == "police_station"), "hbpos", pos)
    if plant:
        kids = np.flatnonzero(age < 18)
        if kids.size:
            pos[kids[0]] = "police_station"
    at_ps = pos == "police_station"
    ps_reason = np.where(
        at_ps, rng.choice(["regs2017_conditions_met", "other", "not_known"], n, p=[0.8, 0.15, 0.05]), ""
    )
    arrested = np.where(rng.random(n) < np.where(at_ps, 0.45, 0.02), "Y", "N")
    transport = rng.choice(TRANSPORT_CODES, n, p=TRANSPORT_BY_YEAR.get(fy, _TR_2324))
    pv_reason = np.where(transport == "police_vehicle", rng.choice(PV_REASONS[0], n, p=PV_REASONS[1]), "")

    travel = np.where(
        transport == "none_already_at_pos", rng.integers(0, 5, n), np.clip(rng.lognormal(np.log(40), 0.6, n), 5, 240)
    ).astype(int)
    extension = rng.random(n) < 0.035
    hours = np.where(extension, rng.uniform(24, 36, n), np.minimum(rng.lognormal(np.log(8), 0.6, n), 24))
    arrived = detained + travel.astype("timedelta64[m]")
    ended = arrived + (hours * 60).astype(int).astype("timedelta64[m]")
    assessed = arrived + (hours * 60 * rng.uniform(0.4, 0.9, n)).astype(int).astype("timedelta64[m]")
    has_times = pos != "not_known"
    with_id = rng.random(n) > 0.05
    fy_tag = fy.replace("-", "")
    return pl.DataFrame(
        {
            "detention_id": [f"{force_code}-{fy_tag}-{i + 1:05d}" for i in range(n)],
            "force_code": force_code,
            "power": power,
            "detained_at": _fmt(detained),
            "location_type": location,
            "age": age.astype(str),
            "sex": people["sex"][pid],
            "ethnicity_self_defined": people["sde"][pid],
            "ethnicity_officer_defined": people["ode"][pid],
            "transport_method": transport,
            "police_vehicle_reason": pv_reason,
            "first_place_of_safety": pos,
            "police_station_reason": ps_reason,
            "arrested_for_offence": arrested,
            "arrived_first_pos_at": _fmt(arrived, has_times),
            "assessment_completed_at": _fmt(assessed, has_times),
            "detention_ended_at": _fmt(ended, has_times),
            "extension_12h": np.where(extension, "Y", "N"),
            "outcome": rng.choice(OUTCOMES[0], n, p=OUTCOMES[1]),
            "person_id": np.where(with_id, people["id"][pid], ""),
            "incident_id": "",
            "__pid": pid,
        }
    ).select(*COLUMNS, "__pid")


def _corrupt(rng: np.random.Generator, df: pl.DataFrame, fraction: float) -> pl.DataFrame:
    """Plant a few invalid rows: unparseable date, unknown code, missing sex, age 150, end before arrival."""
    k = int(rng.binomial(df.height, fraction)) if fraction > 0 else 0
    if k == 0:
        return df
    rows = rng.choice(df.height, k, replace=False)
    kinds = rng.integers(0, 5, k)
    idx = pl.int_range(pl.len())

    def hit(kind: int) -> pl.Expr:
        return idx.is_in(pl.Series(rows[kinds == kind], dtype=pl.Int64).implode())

    return df.with_columns(
        pl.when(hit(0)).then(pl.lit("31/02/2024")).otherwise("detained_at").alias("detained_at"),
        pl.when(hit(1)).then(pl.lit("s137")).otherwise("power").alias("power"),
        pl.when(hit(2)).then(pl.lit("")).otherwise("sex").alias("sex"),
        pl.when(hit(3)).then(pl.lit("150")).otherwise("age").alias("age"),
        pl.when(hit(4) & (pl.col("arrived_first_pos_at") != ""))
        .then(
            (
                pl.col("arrived_first_pos_at").str.strptime(pl.Datetime("ms"), DT_FMT, strict=False)
                - pl.duration(hours=2)
            ).dt.strftime(DT_FMT)
        )
        .otherwise("detention_ended_at")
        .alias("detention_ended_at"),
    )


@dataclass
class S136Force:
    """One force's s136 detentions for some financial years, before writing.

    frames: {financial year: canonical-layout strings, dirt planted, incident_id blank};
    detentions: the clean typed facts the demand generator links to (detention_id, fy, detained_at, person_id as
    the force holds it for the person, whether the s136 record shows it, age, sex, ethnicity);
    people: the force's s136 person pool (id, sex, age, sde), shared with the demand sources.
    """

    force_code: str
    force_index: int
    frames: dict[str, pl.DataFrame]
    detentions: pl.DataFrame
    people: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Plan:
    years: tuple[str, ...]
    forces: list[str]
    n_by_force: np.ndarray
    div: np.ndarray
    ae_mult: np.ndarray
    ps_mult: np.ndarray
    plant: tuple[int, str]


def _plan(seed: int, years: tuple[str, ...]) -> _Plan:
    """National split and per-force variation (drawn for all forces, so a forces subset gives the same files)."""
    all_forces, counts = force_counts(seed, years)
    n_by_force = np.column_stack([counts[fy] for fy in years])
    div = np.array([DIVERSITY.get(f, 0.45) for f in all_forces])
    div = div / np.average(div, weights=n_by_force.sum(1) + 1e-9)
    rng0 = np.random.default_rng([seed, 3])
    # per-force variation in A&E and police-station use, weighted to mean 1 so national shares stay calibrated
    volume = n_by_force.sum(1) + 1e-9
    ae_mult = rng0.lognormal(0, 0.3, len(all_forces))
    ps_mult = rng0.lognormal(0, 0.6, len(all_forces))
    ae_mult, ps_mult = ae_mult / np.average(ae_mult, weights=volume), ps_mult / np.average(ps_mult, weights=volume)
    plant = (int(rng0.integers(len(all_forces))), years[len(years) // 2])
    return _Plan(years, all_forces, n_by_force, div, ae_mult, ps_mult, plant)


def _s136_force(seed: int, plan: _Plan, f: int, invalid_rows: float) -> S136Force:
    force_code, years, n_by_force = plan.forces[f], plan.years, plan.n_by_force
    rng = np.random.default_rng([seed, 4, f])
    total = int(n_by_force[f].sum())
    people = _people(rng, total, f)
    slots = np.repeat(np.arange(people["times"].size), people["times"])[:total]
    if slots.size < total:  # very rare: top up with one-off people from the end of the pool
        slots = np.concatenate([slots, np.arange(total - slots.size) % people["times"].size])
    slots = rng.permutation(slots)
    people["sde"], people["ode"] = _ethnicity(rng, people["times"].size, min(NON_WHITE_SHARE * plan.div[f], 0.6))
    year_of = np.repeat(np.arange(len(years)), n_by_force[f])
    # a person's base age belongs to the middle of their detentions, so repeat people age without drift
    anchor_k = np.bincount(slots, year_of, people["times"].size) / np.maximum(
        np.bincount(slots, minlength=people["times"].size), 1
    )
    pos_mult = np.array([1.0, min(plan.ae_mult[f], 1.8), plan.ps_mult[f], 1.0, 1.0])
    frames, facts = {}, []
    for k, fy in enumerate(years):
        n = int(n_by_force[f, k])
        if n == 0:
            continue
        frng = np.random.default_rng([seed, 5, f, k])
        pid = slots[year_of == k]
        df = _force_year(frng, fy, n, force_code, pid, people, anchor_k, k, pos_mult, plan.plant == (f, fy))
        facts.append(_facts(df, fy, people))
        frames[fy] = _corrupt(frng, df.drop("__pid"), invalid_rows).with_columns(
            pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep()
        )
    detentions = pl.concat(facts) if facts else pl.DataFrame(schema=_FACT_SCHEMA)
    return S136Force(force_code, f, frames, detentions, people)


_FACT_SCHEMA = {
    "detention_id": pl.String,
    "fy": pl.String,
    "detained_at": pl.Datetime("us"),
    "person_id": pl.String,
    "id_shown": pl.Boolean,
    "age": pl.Int64,
    "sex": pl.String,
    "ethnicity": pl.String,
}


def _facts(df: pl.DataFrame, fy: str, people: dict[str, np.ndarray]) -> pl.DataFrame:
    """The clean facts of one force-year (before dirt) that the demand sources link to."""
    return df.select(
        "detention_id",
        pl.lit(fy).alias("fy"),
        pl.col("detained_at").str.strptime(pl.Datetime("us"), DT_FMT),
        pl.Series("person_id", people["id"][df["__pid"].to_numpy()]),
        (pl.col("person_id") != "").alias("id_shown"),
        pl.col("age").cast(pl.Int64),
        "sex",
        pl.col("ethnicity_self_defined").alias("ethnicity"),
    )


def s136_forces(
    seed: int = 42, years: tuple[str, ...] = DEFAULT_YEARS, invalid_rows: float = 0.001, forces=None
) -> Iterator[S136Force]:
    """Each force's s136 detentions in force order (forces limits the output; counts as in a full run)."""
    plan = _plan(seed, tuple(years))
    for f, force_code in enumerate(plan.forces):
        if forces is None or force_code in forces:
            yield _s136_force(seed, plan, f, invalid_rows)


def write_s136_force(landing_dir: Path | str, force: S136Force, incident_ids: dict[str, str] | None = None) -> int:
    """Write one CSV per financial year; incident_ids fills incident_id by detention_id. Returns files written."""
    for fy, df in force.frames.items():
        if incident_ids:
            df = df.with_columns(pl.col("detention_id").replace_strict(incident_ids, default=None).alias("incident_id"))
        out = Path(landing_dir) / "s136" / force.force_code / fy / f"s136_{force.force_code}_{fy}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        df.write_csv(out)
    return len(force.frames)


def generate_s136(
    landing_dir: Path | str,
    seed: int = 42,
    years: tuple[str, ...] = DEFAULT_YEARS,
    invalid_rows: float = 0.001,
    forces: tuple[str, ...] | None = None,
) -> int:
    """Write one canonical s136 CSV per force per financial year; returns the number of files written.

    forces limits the output to some force codes (their counts are the same as in a full run). incident_id stays
    blank here: synth_demand.generate_national fills it for detentions inside its incident months.
    """
    return sum(write_s136_force(landing_dir, force) for force in s136_forces(seed, years, invalid_rows, forces))
