"""Synthetic national force extracts for incidents, incident_totals, custody and street_triage, linked to s136.

Each force delivers in its own layout (the contract layout whose `forces` names it, else canonical: derived from the
contracts, never hard-coded here), one file per source, force and month under landing/<source>/<force>/<YYYY-MM>/.
Written force by force and month by month (the nation is never held in memory), and a force's people are held only
for the current month's pools (a sliding window over a per-force person universe), so memory does not grow with
the number of months; deterministic by seed, and a run limited to some forces writes the same files for them as a
full run. Volumes and shares are anchored in docs/calibration.md (its section numbers are the § in the comments);
anything else is labelled an assumption.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from demo.layout_writer import format_values, write_file
from demo.s136 import (
    DEFAULT_YEARS,
    DIVERSITY,
    NON_WHITE_SHARE,
    SEX,
    S136Force,
    _ethnicity,
    _nhs_numbers,
    _read_seed,
    s136_forces,
    write_s136_force,
)
from ingestion.gate.contract import EXCEL_SERIAL, Contract, Layout, load_contract
from ingestion.gate.landing import period_bounds

SOURCES = ("incidents", "incident_totals", "custody", "street_triage")
DEFAULT_MONTHS = "2023-04:2025-03"
DEFAULT_DIRT = 0.002
DEFAULT_BAD_FILES = 4

# §1: 54 MH incidents an hour nationally (NPCC strategy, 2019 snapshot) = 473,040 a year; held flat (assumption).
MH_INCIDENTS_PER_YEAR = 54 * 24 * 365
MH_SHARE = 0.051  # §1 Kane et al.: 5.1% of recorded contacts are MH-related; force spread 3%-11% (§1 Humberside 11%)
MH_SHARE_RANGE = (0.03, 0.11)
BTP_SHARE = 0.015  # assumption, as for s136 (BTP has no resident population)
# §3: 546,170 detentions in 26 of 43 forces (y/e Mar 2022), scaled to 43 forces: about 903,000 a year (derived).
CUSTODY_PER_YEAR = round(546_170 * 43 / 26)
CUSTODY_BTP_SHARE = 0.01  # assumption
TRIAGE_PER_LOCALITY_YEAR = 540  # §4 Keown et al.: 1,623 contacts in 3 localities in year one
TRIAGE_FORCE_SHARE = 1 / 3  # assumption: schemes in about a third of forces
RCRP_DEPLOYED_FACTOR = 0.71  # §7 Met: deployments to health calls 41% -> 29%
MET_ANNUAL_REF = 70_000  # reference size for the repeat-caller tail: the Met's population share of 473,000 (derived)

# Hour-of-day and weekday profiles. No E&W source (§1 gap): mid-afternoon peak with an evening shoulder, weekday-heavy
# with a mid-week peak (Canadian studies; Essex triage 18:00-02:00 as evidence of evening demand). Assumptions.
HOUR_MH = np.array(
    [
        2.6,
        2.2,
        1.8,
        1.5,
        1.2,
        1.1,
        1.3,
        2.0,
        3.0,
        3.8,
        4.3,
        4.7,
        5.0,
        5.3,
        5.6,
        5.7,
        5.5,
        5.2,
        5.0,
        5.0,
        4.9,
        4.6,
        4.0,
        3.3,
    ]
)
WEEKDAY_MH = np.array([1.05, 1.06, 1.07, 1.05, 1.02, 0.88, 0.87])  # Monday first
SEASON_MH = np.array([1.03, 0.98, 0.99, 0.97, 0.99, 0.97, 0.98, 0.97, 1.01, 1.04, 1.04, 1.03])  # §1 autumn/winter
# Custody arrivals: evening and night heavy (assumption).
HOUR_CUSTODY = np.array(
    [
        5.0,
        4.5,
        4.0,
        3.0,
        2.0,
        1.5,
        1.5,
        2.0,
        3.0,
        3.5,
        4.0,
        4.5,
        4.8,
        5.0,
        5.0,
        5.0,
        5.2,
        5.5,
        6.0,
        6.2,
        6.3,
        6.2,
        6.0,
        5.6,
    ]
)
WEEKDAY_CUSTODY = np.array([0.95, 0.95, 0.97, 1.0, 1.05, 1.08, 1.0])

# Incident attributes (assumptions unless anchored).
FLAGS = ([(True, True), (True, False), (False, True)], [0.75, 0.15, 0.10])  # both / opening only / closing only
SUBCATEGORY = (
    ["mh_crisis", "self_harm_suicide", "concern_for_welfare", "missing_person", "violence_risk", "other"],
    [0.33, 0.2, 0.27, 0.08, 0.05, 0.07],
)
GRADE_DEPLOYED = (["emergency", "priority", "scheduled"], [0.35, 0.45, 0.20])
GRADE_NOT_DEPLOYED = (["resolution_without_deployment", "scheduled", "priority"], [0.8, 0.15, 0.05])
RESPONSE_MEDIAN_MIN = {"emergency": 12, "priority": 45, "scheduled": 240, "resolution_without_deployment": 60}
OUTCOME_DEPLOYED = (["referral", "nfa", "arrest"], [0.36, 0.58, 0.06])
OUTCOME_NOT_DEPLOYED = (["referral", "nfa"], [0.45, 0.55])
# §1 officer time: 5.7 officer hours per non-s136 MH deployment (Met 34,000 h / 6,000 deployments, derived): lognormal
# with mean 342 minutes; s136 episodes median 6 h, 90th percentile 10 h (assumption shaped by A&E waits, §1).
OFFICER_SIGMA = 0.8
OFFICER_MEDIAN = 342 / np.exp(OFFICER_SIGMA**2 / 2)
S136_MEDIAN, S136_SIGMA = 360, np.log(600 / 360) / 1.2816
# NSIR-like opening/closing codes (free strings, force-specific in real life; assumption).
OPEN_CODES = np.array(
    [
        "PSW CONCERN FOR SAFETY",
        "PSW MENTAL HEALTH",
        "PSW SUICIDAL",
        "ASB PERSONAL",
        "PSW MISSING PERSON",
        "CRIME VIOLENCE",
        "PSW SUSPICIOUS CIRCS",
        "ADMIN ABANDONED CALL",
        "PSW CONCERN FOR SAFETY - HEALTH",
    ]
)
OPEN_P = [0.32, 0.24, 0.12, 0.07, 0.07, 0.04, 0.05, 0.03, 0.06]
UNFLAGGED_S136_INCIDENT = 0.03  # assumption: s136 whose originating incident carried no MH qualifier (not in file)

# Custody (§3): child share 0.064 (35,114 / 546,170); MH risk identified for about a third (brief; NAAN 1 in 5 was
# 2013-14); AA for a vulnerable adult 0.16 in 2013-14, likely higher since (assumption 0.25); L&D referral of MH-risk
# detainees 0.6, screened 0.85 of referred, assessed 0.6 of screened (assumptions: national rates are a gap).
CUSTODY_CHILD = 0.064
CUSTODY_SEX = (["M", "F", "X", "U"], [0.84, 0.15, 0.002, 0.008])  # assumption
MH_RISK = 0.33
AA_CHILD, AA_MH_ADULT, AA_OTHER = 0.9, 0.25, 0.01
LND_REFERRED, LND_REFERRED_OTHER, LND_SCREENED, LND_ASSESSED = 0.6, 0.03, 0.85, 0.6
MH_POOL_SHARE = 0.35  # assumption: MH-risk detainees who are also in the force's MH incident population
OOCD_SHARE_RANGE = (0.10, 0.53)  # §3 Sentencing Academy: OOCD share of disposals, Cleveland 10% to 53%
CUSTODY_OUTCOMES = {"resolved": 0.45, "nfa": 0.30, "rui": 0.18, "bail": 0.07}  # assumption
OOCD_TYPES = (
    ["community_resolution", "simple_caution", "conditional_caution", "penalty_notice", "cannabis_warning"],
    [0.45, 0.2, 0.2, 0.1, 0.05],
)

# Street triage (§4; outcome shares are a gap: assumption).
MODEL_TYPES = (["co_response", "control_room", "telephone", "street"], [0.5, 0.25, 0.15, 0.10])
TRIAGE_OUTCOMES = (
    ["s136", "informal_admission", "cmht_referral", "crisis_team", "signpost", "nfa"],
    [0.05, 0.06, 0.25, 0.20, 0.24, 0.20],
)
TRIAGE_LINKED = 0.8  # assumption: share of contacts carrying a police incident number

# People (§5): a handful of very frequent callers per force (Met top five 8,655 calls a year; Avon and Somerset top
# four about 5,000), scaled down for smaller forces, then a Pareto body with a long tail of one-off people.
TOP_CALLS_MET = 2_000  # calls a year
PARETO_ALPHA = 1.6
BODY_CAP = 300  # calls a year
# People come and go: a person stays in a force's pool for two years, so half of a year's people carry over into the
# next (assumption); s136 people also call from a year before their first detention to a year after their last.
POOL_LIFE = 24  # months
S136_ACTIVE_MARGIN = 12  # months
TOP_ANCHOR = np.datetime64("2020-04-01", "D")
EPOCH = 1900 * 12  # month index of person 0 in a force's person universe
CHUNK = 4096  # people materialised at a time
ID_KINDS = {  # person identifier a force holds: nhs, pnc, local, name-only (assumption)
    "mh": [0.35, 0.15, 0.30, 0.20],
    "custody": [0.05, 0.60, 0.20, 0.15],
}
FIRST_NAMES = (
    "Oliver Jack Harry George Mohammed Noah Amelia Olivia Isla Emily Ava Jessica Rhys Dafydd Aoife Niamh Seán "
    "Siân Zoë Chloé Renée José Łukasz Zofia Agnieszka Małgorzata Björn Ayesha Fatima Kwame Chidi Priya Tomasz Ioana"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts Khan Ali Patel Hughes Wójcik Nowak "
    "O'Brien Müller Kowalski Łęcka Ó'Súilleabháin Nguyen Okafor Mensah Begum Price Lewis Morgan Jenkins Kaur"
).split()
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d"})

DIRT_KINDS = ("bad_date", "unknown_code", "missing", "dup_file", "dup_prev", "future", "negative", "age")
BAD_FILE_KINDS = ("wrong-header", "empty", "truncated", "utf16")


def parse_months(spec: str) -> tuple[str, ...]:
    """'2023-04:2025-03' (inclusive) or one month '2024-05' -> the months as 'YYYY-MM'."""
    first, _, last = spec.partition(":")
    last = last or first
    for m in (first, last):
        if len(m) != 7 or m[4] != "-" or period_bounds(m) is None:
            raise ValueError(f"'{m}' is not a month like 2024-05 (expected a range like 2023-04:2025-03)")
    a, b = int(first[:4]) * 12 + int(first[5:]) - 1, int(last[:4]) * 12 + int(last[5:]) - 1
    if b < a:
        raise ValueError(f"the month range {spec} ends before it starts")
    return tuple(f"{k // 12}-{k % 12 + 1:02d}" for k in range(a, b + 1))


def rcrp_go_live() -> dict[str, datetime]:
    """Right Care, Right Person go-live by force (seeds/ref_rcrp_go_live.csv; most dates are demo assumptions)."""
    return {r["force_code"]: datetime.fromisoformat(r["go_live_date"]) for r in _read_seed("ref_rcrp_go_live.csv")}


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:]) - 1


@dataclass(frozen=True)
class Scheme:
    scheme_id: str
    model_type: str
    start: str  # first month with contacts
    evening_only: bool


@dataclass(frozen=True)
class National:
    """Per-force parameters, drawn once for all forces so a forces subset gets the same files."""

    forces: list[str]
    short: dict[str, str]
    mh_annual: np.ndarray
    mh_share: np.ndarray
    custody_annual: np.ndarray
    deployed_pre: np.ndarray
    identified: np.ndarray
    oocd_share: np.ndarray
    rcrp_blank: np.ndarray
    not_deployed_zero: np.ndarray
    id_style: np.ndarray
    non_white: np.ndarray
    schemes: dict[str, list[Scheme]]
    go_live: dict[str, datetime]


def national_parameters(seed: int, months: tuple[str, ...]) -> National:
    rows = _read_seed("ref_force.csv")
    forces = [r["force_code"] for r in rows]
    pop_of = {r["force_code"]: float(r["population_standin"]) for r in _read_seed("ref_population_standin.csv")}
    pop = np.array([pop_of.get(f, 0.0) for f in forces])
    btp = np.array([f == "BTP" for f in forces])
    n = len(forces)
    rng = np.random.default_rng([seed, 100])

    def split(total: float, sigma: float, btp_share: float) -> np.ndarray:
        w = pop * rng.lognormal(0.0, sigma, n)
        return total * np.where(btp, btp_share, w / w[~btp].sum() * (1 - btp_share))

    mh_annual = split(MH_INCIDENTS_PER_YEAR, 0.3, BTP_SHARE)
    # Beta with harmonic mean 0.051 (the national share is total MH / total incidents), rescaled to hit it exactly
    share = np.clip(rng.beta(10, 167.5, n), *MH_SHARE_RANGE)
    share *= MH_SHARE * (mh_annual / share).sum() / mh_annual.sum()
    share = np.clip(share, *MH_SHARE_RANGE)
    custody_annual = split(CUSTODY_PER_YEAR, 0.2, CUSTODY_BTP_SHARE)
    deployed_pre = rng.uniform(0.60, 0.70, n)  # brief: about 0.6-0.7 of MH incidents deployed before RCRP
    identified = rng.uniform(0.60, 0.75, n)  # brief: 60-75% of incidents carry a person identifier (assumption)
    oocd_share = rng.uniform(*OOCD_SHARE_RANGE, n)
    rcrp_blank = rng.random(n) < 0.4
    not_deployed_zero = rng.random(n) < 0.5
    id_style = rng.integers(0, 3, n)
    div = np.array([DIVERSITY.get(f, 0.45) for f in forces])
    non_white = np.minimum(NON_WHITE_SHARE * div / np.average(div, weights=mh_annual), 0.6)
    # street triage schemes: about a third of territorial forces, localities by population, some start in the window
    territorial = [i for i, f in enumerate(forces) if f not in ("BTP", "E23000034")]
    chosen = set(rng.choice(territorial, round(n * TRIAGE_FORCE_SHARE), replace=False).tolist())
    schemes: dict[str, list[Scheme]] = {}
    for i, f in enumerate(forces):
        localities = int(np.clip(round(pop[i] / 700_000), 1, 4))
        models = rng.choice(MODEL_TYPES[0], localities, p=MODEL_TYPES[1])
        late = rng.random(localities) < 0.3
        start_at = rng.integers(0, max(len(months), 1), localities)
        evening = rng.random(localities) < 0.4
        if i in chosen:
            schemes[f] = [
                Scheme(
                    f"{f}-ST{k + 1}", str(models[k]), months[start_at[k]] if late[k] else months[0], bool(evening[k])
                )
                for k in range(localities)
            ]
    short = {r["force_code"]: r["force_short"] for r in rows}
    return National(
        forces,
        short,
        mh_annual,
        share,
        custody_annual,
        deployed_pre,
        identified,
        oocd_share,
        rcrp_blank,
        not_deployed_zero,
        id_style,
        non_white,
        schemes,
        rcrp_go_live(),
    )


# ---------------------------------------------------------------------------------------------------------------
# People


def _cp1252_safe(name: str) -> str:
    """The name as a Windows-1252 system stores it (letters it cannot hold folded to their base letter)."""
    try:
        name.encode("cp1252")
        return name
    except UnicodeEncodeError:
        folded = unicodedata.normalize("NFKD", name.translate(_LATIN))
        return "".join(ch for ch in folded if not unicodedata.combining(ch))


@dataclass
class Pool:
    """A force's people for one month: identifier held (empty = known by name and date of birth only), name, dob,
    sex, sde, and the cumulative sampling weights (calls a year, normalised)."""

    ids: np.ndarray
    names: np.ndarray
    dob: np.ndarray  # datetime64[D]
    sex: np.ndarray
    sde: np.ndarray
    cdf: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, rng.random(n), side="right"), self.cdf.size - 1)


def _ids(rng: np.random.Generator, index: np.ndarray, kinds: list[float], tag: str) -> np.ndarray:
    """Identifiers of the people `index` (local ids are numbered by it): NHS, PNC, local or empty (name-only)."""
    kind = rng.choice(4, index.size, p=kinds)
    ids = np.full(index.size, "", dtype=object)
    nhs, pnc, local = (np.flatnonzero(kind == k) for k in range(3))
    ids[nhs] = _nhs_numbers(rng, nhs.size)
    letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))[rng.integers(0, 23, pnc.size)]
    years, serials = rng.integers(1985, 2025, pnc.size).astype(str), rng.integers(1, 999_999, pnc.size).astype(str)
    if pnc.size:  # (np.char.zfill fails on an empty array)
        ids[pnc] = np.char.add(np.char.add(np.char.add(years, "/"), np.char.zfill(serials, 7)), letters)
    if local.size:
        ids[local] = np.char.add(f"{tag}-", np.char.zfill(index[local].astype(str), 7))
    return ids.astype(str)


def _names(rng: np.random.Generator, n: int, cp1252: bool) -> np.ndarray:
    first = np.array([_cp1252_safe(x) for x in FIRST_NAMES] if cp1252 else FIRST_NAMES)
    last = np.array([_cp1252_safe(x) for x in SURNAMES] if cp1252 else SURNAMES)
    return np.char.add(np.char.add(first[rng.integers(0, first.size, n)], " "), last[rng.integers(0, last.size, n)])


def _dob(rng: np.random.Generator, age: np.ndarray, at: np.ndarray | np.datetime64) -> np.ndarray:
    """Dates of birth of people aged `age` (whole years) at `at` (datetime64, one or one each)."""
    days = (age * 365.25 + rng.uniform(0, 365, age.size)).astype(int)
    return np.asarray(at, dtype="datetime64[D]") - days.astype("timedelta64[D]")


def _pareto(rng: np.random.Generator, n: int, alpha: float, cap: float) -> np.ndarray:
    return np.minimum(np.floor(rng.random(n) ** (-1 / alpha)), cap)


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=float)
    return cdf / cdf[-1]


@dataclass(frozen=True)
class _Kind:
    """How one population's people are drawn (§5 for MH; custody repeat detainees are an assumption)."""

    stream: int
    tag: str  # local identifier prefix
    id_kinds: list[float]
    child: float
    adult_age: tuple[float, float, int]  # 18 + gamma(shape, scale), capped
    sex: tuple[list[str], list[float]]
    alpha: float  # Pareto tail of calls (or detentions) a year
    cap: float


MH_PEOPLE = _Kind(103, "P", ID_KINDS["mh"], 0.08, (2.0, 11.0, 95), SEX, PARETO_ALPHA, BODY_CAP)
CUSTODY_PEOPLE = _Kind(104, "C", ID_KINDS["custody"], CUSTODY_CHILD, (2.2, 8.0, 90), CUSTODY_SEX, 2.2, 60)


class _Universe:
    """A force's people as a pure function of (seed, kind, force, person index), materialised a chunk at a time.

    Person i is in the pool for the POOL_LIFE months up to month i // per_month (months counted from EPOCH), so the
    pool of month m is the index window [m * per_month, (m + POOL_LIFE) * per_month): the same size every month,
    sliding forward by per_month people a month (after a year half of the people have been replaced). Only the
    chunks under the current window are held, so memory does not depend on how many months are generated; and as
    the window is anchored in calendar time, a month's pool is the same whatever window a run generates.
    """

    def __init__(self, seed: int, kind: _Kind, f: int, alive: float, cp1252: bool, non_white: float):
        self.seed, self.kind, self.f, self.cp1252, self.non_white = seed, kind, f, cp1252, non_white
        self.per_month = max(int(np.ceil(alive / POOL_LIFE)), 1)
        self.size = self.per_month * POOL_LIFE
        self._chunks: dict[int, dict[str, np.ndarray]] = {}

    def _chunk(self, c: int) -> dict[str, np.ndarray]:
        k, n = self.kind, CHUNK
        rng = np.random.default_rng([self.seed, k.stream, self.f, c])
        index = np.arange(c * n, (c + 1) * n)
        shape, scale, oldest = k.adult_age
        child = rng.random(n) < k.child
        age = np.where(child, rng.integers(10, 18, n), np.minimum(18 + rng.gamma(shape, scale, n), oldest)).astype(int)
        mid = index // self.per_month - POOL_LIFE // 2  # the age is at the middle of the person's time in the pool
        return {
            "ids": _ids(rng, index, k.id_kinds, f"{k.tag}{self.f:02d}"),
            "names": _names(rng, n, self.cp1252),
            "dob": _dob(rng, age, (np.datetime64("1900-01", "M") + mid).astype("datetime64[D]")),
            "sex": rng.choice(k.sex[0], n, p=k.sex[1]),
            "sde": _ethnicity(rng, n, self.non_white)[0],
            "weight": _pareto(rng, n, k.alpha, k.cap),
            "u": rng.random(n),  # who steps aside while s136 people are calling (_MhPeople.pool)
        }

    def window(self, month: int) -> dict[str, np.ndarray]:
        """The people in the pool in `month` (a month index, year * 12 + month - 1)."""
        a = (month - EPOCH) * self.per_month
        first, last = a // CHUNK, (a + self.size - 1) // CHUNK
        for c in [c for c in self._chunks if c < first]:  # months are generated in order: earlier chunks are done
            del self._chunks[c]
        for c in range(first, last + 1):
            if c not in self._chunks:
                self._chunks[c] = self._chunk(c)
        parts = [self._chunks[c] for c in range(first, last + 1)]
        lo = a - first * CHUNK
        return {key: np.concatenate([p[key] for p in parts])[lo : lo + self.size] for key in parts[0]}

    def pool(self, month: int) -> Pool:
        w = self.window(month)
        return Pool(w["ids"], w["names"], w["dob"], w["sex"], w["sde"], _cdf(w["weight"]))


class _MhPeople:
    """A force's MH-incident population (§5): a persistent handful of very frequent callers, a sliding Pareto body
    (_Universe) and the force's s136 people, who stay addressable in every month's pool (so an s136-linked incident
    keeps its person) and call in the months around their detentions. All volumes are calls a year."""

    def __init__(self, seed: int, nat: National, f: int, s136: S136Force, cp1252: bool):
        annual = nat.mh_annual[f]
        self.identified = annual * nat.identified[f]  # identified MH contacts a year
        ratio = annual / MET_ANNUAL_REF
        rng = np.random.default_rng([seed, 105, f])
        k_top = max(1, round(5 * ratio**0.4))
        top = TOP_CALLS_MET * ratio**0.35 * rng.uniform(0.55, 1.0, k_top)
        self.top_weight = top * min(1.0, 0.2 * self.identified / top.sum())  # at most a fifth of identified contacts
        # frequent callers stay for the whole window: adults, their age anchored in April 2020 (assumption)
        self.top = {
            "ids": _ids(rng, np.arange(k_top), ID_KINDS["mh"], f"T{f:02d}"),
            "names": _names(rng, k_top, cp1252),
            "dob": _dob(rng, rng.integers(25, 56, k_top), TOP_ANCHOR),
            "sex": rng.choice(SEX[0], k_top, p=SEX[1]),
            "sde": _ethnicity(rng, k_top, nat.non_white[f])[0],
        }
        alive = max((self.identified - self.top_weight.sum()) / 2.1, 1.0)
        self.body = _Universe(seed, MH_PEOPLE, f, alive, cp1252, nat.non_white[f])
        # s136 people: born from their first detention's age; in the pool from a year before their first detention
        # to a year after their last (assumption)
        sp = s136.people
        spans = (
            s136.detentions.sort("detained_at")
            .group_by("person_id")
            .agg(
                pl.col("detained_at").first().alias("first"),
                pl.col("detained_at").last().alias("last"),
                pl.col("age").first().alias("age"),
            )
        )
        spans = pl.DataFrame({"person_id": sp["id"]}).join(spans, on="person_id", how="left", maintain_order="left")
        month_of = lambda c: pl.col(c).dt.year() * 12 + pl.col(c).dt.month() - 1  # noqa: E731
        first, last = spans.select(month_of("first").fill_null(10**9), month_of("last").fill_null(-1)).to_numpy().T
        self.s136_first, self.s136_last = first - S136_ACTIVE_MARGIN, last + S136_ACTIVE_MARGIN
        met = spans["first"].to_numpy().astype("datetime64[D]")
        at = np.where(np.isnat(met), TOP_ANCHOR, met)
        age = np.where(np.isnat(met), sp["age"], spans["age"].fill_null(0).to_numpy())
        self.s136 = {
            "ids": sp["id"],
            "names": _names(rng, sp["id"].size, cp1252),
            "dob": _dob(rng, age, at),
            "sex": sp["sex"],
            "sde": sp["sde"],
        }
        self.s136_weight = _pareto(rng, sp["id"].size, PARETO_ALPHA, BODY_CAP)
        self.s136_offset = k_top + self.body.size  # where the s136 people sit in every month's pool

    def pool(self, month: int) -> Pool:
        body = self.body.window(month)
        active = (self.s136_first <= month) & (month <= self.s136_last)
        s136_w = np.where(active, self.s136_weight, 0.0)
        # s136 people take the place of body people (the total stays put, so calls per person do not depend on
        # whether the month is inside the s136 years): a share of the body, the same people month to month, steps aside
        body_w = body["weight"]
        body_w = np.where(body["u"] >= min(s136_w.sum() / body_w.sum(), 0.8), body_w, 0.0)
        rest = body_w.sum() + s136_w.sum()
        top = self.top_weight * rest / (self.identified - self.top_weight.sum())  # the top tier keeps its share
        cat = {k: np.concatenate([self.top[k], body[k], self.s136[k]]) for k in self.top}
        return Pool(cat["ids"], cat["names"], cat["dob"], cat["sex"], cat["sde"], _cdf(np.r_[top, body_w, s136_w]))


def _person_columns(pool: Pool, idx: np.ndarray, layout: Layout, at: np.ndarray) -> dict[str, np.ndarray]:
    """person_id / person_name / person_dob as the layout records them, and the age at `at` (datetime64)."""
    has = idx >= 0
    i = np.where(has, idx, 0)
    ids, names, dob = pool.ids[i], pool.names[i], pool.dob[i]
    by_name = has & ((ids == "") | ("person_id" in layout.omits))
    fmt = layout.timestamp_formats[0]
    if fmt == EXCEL_SERIAL:
        dob_text = (dob - np.datetime64("1899-12-30", "D")).astype(int).astype(str)
    else:
        dob_text = np.datetime_as_string(dob, unit="D")
        if fmt.startswith("%d/%m/%Y"):
            dob_text = np.array([f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in dob_text.tolist()], dtype=object)
    age = ((at.astype("datetime64[D]") - dob).astype(int) / 365.25).astype(int)
    return {
        "person_id": np.where(has & ~by_name, ids, None),
        "person_name": np.where(by_name, names, None),
        "person_dob": np.where(by_name, dob_text, None),
        "age": np.where(has, age, -1),
    }


# ---------------------------------------------------------------------------------------------------------------
# Time


def _times(rng, month: str, n: int, hours: np.ndarray, weekdays: np.ndarray, now: datetime) -> np.ndarray:
    """n minute-precision datetime64[m] in the month (before now), by weekday and hour-of-day weights."""
    start, end = period_bounds(month)
    end = min(end, now - timedelta(hours=1))
    days = max((end - start).days + (1 if end.hour or end.minute else 0), 1)
    weekday = (np.arange(days) + start.weekday()) % 7
    day = rng.choice(days, n, p=weekdays[weekday] / weekdays[weekday].sum())
    minute = day * 1440 + rng.choice(24, n, p=hours / hours.sum()) * 60 + rng.integers(0, 60, n)
    t = np.datetime64(start, "m") + minute.astype("timedelta64[m]")
    return np.sort(np.minimum(t, np.datetime64(end, "m") - np.timedelta64(1, "m")))


def _frame(columns: dict) -> pl.DataFrame:
    """A typed frame from numpy arrays; object arrays (strings with None) become String columns."""
    out = {}
    for name, v in columns.items():
        if isinstance(v, np.ndarray) and v.dtype == object:
            v = pl.Series(name, v.tolist(), dtype=pl.String)
        elif isinstance(v, np.ndarray) and v.dtype.kind == "U":
            v = pl.Series(name, v, dtype=pl.String)
        out[name] = v
    return pl.DataFrame(out, strict=False)


def _minutes(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.rint(values), 0).astype(int).astype("timedelta64[m]")


# ---------------------------------------------------------------------------------------------------------------
# The generator


@dataclass
class DemandReport:
    files: Counter = field(default_factory=Counter)  # source -> good files written
    rows: Counter = field(default_factory=Counter)  # source -> data rows in the good files (dirt included)
    dirt_rows: Counter = field(default_factory=Counter)
    bad_files: list[str] = field(default_factory=list)
    s136_linked: int = 0

    def describe(self) -> str:
        parts = [f"{s}: {self.files[s]} files, {self.rows[s]:,} rows ({self.dirt_rows[s]} dirty)" for s in self.files]
        return "; ".join(parts) + f"; {len(self.bad_files)} bad files; {self.s136_linked:,} s136 linked to incidents"


@dataclass
class _Force:
    """What one force's generation carries from month to month. Bounded whatever the window: the people under the
    current month's pools, the s136 detentions (bounded by the s136 years) and the ids of the previous month."""

    f: int
    code: str
    layouts: dict[str, Layout]
    people: _MhPeople
    detainees: _Universe
    s136: pl.DataFrame  # detentions with created_at of their originating incident, inside the window
    mh: Pool | None = None  # this month's pools
    custody: Pool | None = None
    prev_ids: dict[str, list[str]] = field(default_factory=dict)
    s136_incident: dict[str, str] = field(default_factory=dict)


def generate_national(
    landing_dir: Path | str,
    seed: int = 42,
    years: tuple[str, ...] = DEFAULT_YEARS,
    months: tuple[str, ...] | str = DEFAULT_MONTHS,
    dirt: float = DEFAULT_DIRT,
    bad_files: int = DEFAULT_BAD_FILES,
    forces: tuple[str, ...] | None = None,
    s136_invalid_rows: float = 0.001,
    progress: bool = True,
    now: datetime | None = None,
) -> DemandReport:
    """Write s136 (financial years `years`) and the monthly demand sources (`months`) force by force.

    s136 rows whose originating incident falls in `months` carry its incident_id. Returns what was written.
    """
    landing_dir = Path(landing_dir)
    months = parse_months(months) if isinstance(months, str) else tuple(months)
    now = now or datetime.now()
    nat = national_parameters(seed, months)
    contracts = {s: load_contract(s) for s in SOURCES}
    bad = _bad_file_slots(seed, nat, months, bad_files)
    unknown = sorted(set(forces or ()) - set(nat.forces))
    if unknown:
        raise ValueError(
            f"unknown force code(s): {', '.join(unknown)} (the 44 forces are those of seeds/ref_force.csv, "
            "e.g. E23000001 for the Metropolitan Police, W15000001 for North Wales, BTP)"
        )
    selected = [f for f in nat.forces if forces is None or f in forces]
    report = DemandReport()
    with tqdm(total=len(selected) * len(months), unit="force-month", desc="synth", disable=not progress) as bar:
        for s136 in s136_forces(seed, tuple(years), s136_invalid_rows, tuple(selected)):
            force = _start_force(seed, nat, contracts, s136, months)
            for month in months:
                if period_bounds(month)[0] < now:
                    _force_month(seed, nat, contracts, force, month, dirt, bad, landing_dir, report, now)
                bar.update(1)
            write_s136_force(landing_dir, s136, force.s136_incident)
            report.files["s136"] += len(s136.frames)
            report.rows["s136"] += sum(df.height for df in s136.frames.values())
            report.s136_linked += sum(1 for v in force.s136_incident.values() if v)
    return report


def _start_force(seed, nat: National, contracts, s136: S136Force, months) -> _Force:
    f, code = s136.force_index, s136.force_code
    layouts = {s: c.delivery_layout(code) for s, c in contracts.items()}
    cp1252 = any(lay.encoding == "cp1252" for lay in layouts.values())
    rng = np.random.default_rng([seed, 101, f])
    lag = np.clip(rng.lognormal(np.log(50), 0.7, s136.detentions.height), 5, 360).astype(int)  # call to detention
    start, end = period_bounds(months[0])[0], period_bounds(months[-1])[1]
    linked = (
        s136.detentions.with_columns(
            (pl.col("detained_at") - pl.Series(lag).cast(pl.Int64) * pl.duration(minutes=1)).alias("created_at"),
            pl.Series("unflagged", rng.random(s136.detentions.height) < UNFLAGGED_S136_INCIDENT),
        )
        .filter(pl.col("created_at").is_between(start, end, closed="left"))
        .with_columns(pl.col("created_at").dt.strftime("%Y-%m").alias("month"))
    )
    people = _MhPeople(seed, nat, f, s136, cp1252)
    ids = s136.people["id"]
    index = pl.DataFrame({"person_id": ids, "pool_idx": people.s136_offset + np.arange(ids.size)})
    index = index.filter(pl.col("person_id") != "").unique("person_id", keep="last", maintain_order=True)
    linked = linked.join(index, on="person_id", how="left", maintain_order="left")
    linked = linked.with_columns(pl.col("pool_idx").fill_null(-1))
    alive = max(nat.custody_annual[f] / 1.7, 10.0)  # a pool of a year's detentions / 1.7 people (assumption)
    detainees = _Universe(seed, CUSTODY_PEOPLE, f, alive, cp1252, nat.non_white[f])
    return _Force(f, code, layouts, people, detainees, linked)


def _force_month(seed, nat, contracts, force: _Force, month, dirt, bad, landing, report: DemandReport, now) -> None:
    k = _month_index(month)
    force.mh, force.custody = force.people.pool(k), force.detainees.pool(k)
    rng = np.random.default_rng([seed, 110, force.f, k])
    incidents = _incidents(rng, nat, force, month, now)
    triage = _triage(np.random.default_rng([seed, 111, force.f, k]), nat, force, month, incidents, now)
    if triage is not None:
        linked = triage.filter(pl.col("incident_id").is_not_null() & (pl.col("outcome") != "s136"))["incident_id"]
        incidents = incidents.with_columns(
            pl.when(pl.col("incident_id").is_in(linked.implode()))
            .then(pl.lit("street_triage"))
            .otherwise("outcome")
            .alias("outcome")
        )
    s136_rows = incidents.filter(pl.col("detention_id").is_not_null())
    force.s136_incident.update(zip(s136_rows["detention_id"], s136_rows["incident_id"], strict=True))
    incidents = incidents.filter(~pl.col("unflagged")).drop("detention_id", "unflagged")
    start = period_bounds(month)[0]
    totals = _frame(
        {
            "force_code": [force.code],
            "month": [start],
            "all_incidents": [int(round(incidents.height / nat.mh_share[force.f] * rng.lognormal(0, 0.03)))],
        }
    )
    custody = _custody(np.random.default_rng([seed, 112, force.f, k]), nat, force, month, now)
    frames = {"incidents": incidents, "incident_totals": totals, "custody": custody, "street_triage": triage}
    for s, (source, typed) in enumerate(frames.items()):
        if typed is None:
            continue
        drng = np.random.default_rng([seed, 120 + s, force.f, k])
        contract, layout = contracts[source], force.layouts[source]
        cells, dirty = _plant_dirt(drng, typed, contract, layout, dirt, force.prev_ids.get(source, []), now)
        stem = landing / source / force.code / month / f"{source}_{force.code}_{month}"
        write_file(cells, contract, layout, stem)
        report.files[source] += 1
        report.rows[source] += cells.height
        report.dirt_rows[source] += dirty
        if contract.id_field and contract.id_unique_within == "force":
            force.prev_ids[source] = typed[contract.id_field].to_list()
        kind = bad.get((force.code, source, month))
        if kind:
            report.bad_files.append(str(_write_bad_file(kind, cells, contract, layout, stem)))


# ---------------------------------------------------------------------------------------------------------------
# Incidents


def _incident_ids(rng, nat: National, f: int, created: pl.Series) -> pl.Series:
    """Control-room log numbers: a daily sequence with gaps (the non-MH incidents in between), force-styled."""
    gaps = rng.geometric(min(nat.mh_share[f] * 1.2, 1.0), created.len())
    frame = pl.DataFrame({"t": created, "gap": gaps}).with_columns(
        pl.col("gap").cum_sum().over(pl.col("t").dt.date()).alias("seq")
    )
    seq, t = pl.col("seq").cast(pl.String), pl.col("t")
    style = int(nat.id_style[f])
    if style == 0:
        prefix = nat.short[nat.forces[f]].replace(" ", "")[:3].upper()
        expr = pl.concat_str([pl.lit(prefix + "-"), t.dt.strftime("%Y%m%d"), pl.lit("-"), seq.str.zfill(4)])
    elif style == 1:
        expr = pl.concat_str([seq.str.zfill(4), pl.lit("/"), t.dt.strftime("%d%m%y")])
    else:
        expr = pl.concat_str([pl.lit("CAD"), t.dt.strftime("%y%m%d"), seq.str.zfill(5)])
    return frame.select(expr.alias("incident_id")).to_series()


def _incidents(rng, nat: National, force: _Force, month: str, now: datetime) -> pl.DataFrame:
    """One force-month of MH-flagged incidents (typed), including the originating incidents of s136 detentions."""
    f = force.f
    start, end = period_bounds(month)
    share_of_year = (end - start).days / 365.25 * SEASON_MH[start.month - 1] / SEASON_MH.mean()
    linked = force.s136.filter(pl.col("month") == month).sort("created_at")
    n_total = int(rng.poisson(nat.mh_annual[f] * share_of_year))
    n_other = max(n_total - linked.height, 0)
    created = _times(rng, month, n_other, HOUR_MH, WEEKDAY_MH, now)
    n = n_other + linked.height
    is_s136 = np.r_[np.zeros(n_other, bool), np.ones(linked.height, bool)]
    created = np.r_[created, linked["created_at"].to_numpy().astype("datetime64[m]")]
    go_live = nat.go_live.get(force.code)
    post = np.zeros(n, bool) if go_live is None else created >= np.datetime64(go_live, "m")
    p_dep = nat.deployed_pre[f] * np.where(post, RCRP_DEPLOYED_FACTOR, 1.0)
    deployed = is_s136 | (rng.random(n) < p_dep)
    grade = np.where(
        deployed,
        rng.choice(GRADE_DEPLOYED[0], n, p=GRADE_DEPLOYED[1]),
        rng.choice(GRADE_NOT_DEPLOYED[0], n, p=GRADE_NOT_DEPLOYED[1]),
    )
    grade = np.where(is_s136 & (grade == "scheduled"), "priority", grade)
    median = np.vectorize(RESPONSE_MEDIAN_MIN.get, otypes=[float])(grade)
    response = np.clip(rng.lognormal(np.log(median), 0.6), 1, 2880)
    detained = np.r_[
        np.full(n_other, np.datetime64("NaT", "m")), linked["detained_at"].to_numpy().astype("datetime64[m]")
    ]
    to_detention = (detained - created).astype(int)
    response = np.where(is_s136, np.maximum(to_detention * rng.uniform(0.3, 0.9, n), 1), response)
    arrival = created + _minutes(response)
    officer = np.where(
        is_s136,
        rng.lognormal(np.log(S136_MEDIAN), S136_SIGMA, n),
        rng.lognormal(np.log(OFFICER_MEDIAN), OFFICER_SIGMA, n),
    )
    officers = rng.choice([1, 2, 3], n, p=[0.3, 0.6, 0.1])
    on_scene = officer / officers
    closed = np.where(
        deployed,
        np.where(is_s136, np.maximum(arrival, detained), arrival) + _minutes(on_scene * 0.9),
        created + _minutes(rng.lognormal(np.log(40), 0.8, n)),
    )
    flags = rng.choice(3, n, p=FLAGS[1])
    flag_open = np.array([FLAGS[0][i][0] for i in range(3)])[flags]
    flag_close = np.array([FLAGS[0][i][1] for i in range(3)])[flags] | is_s136
    outcome = np.where(
        deployed,
        rng.choice(OUTCOME_DEPLOYED[0], n, p=OUTCOME_DEPLOYED[1]),
        rng.choice(OUTCOME_NOT_DEPLOYED[0], n, p=OUTCOME_NOT_DEPLOYED[1]),
    )
    outcome = np.where(is_s136, "s136", outcome)
    rcrp = np.where(
        post,
        np.where(deployed, "attend", rng.choice(["not_attend", "handover_health"], n, p=[0.55, 0.45])),
        None if nat.rcrp_blank[f] else "not_applicable",
    )
    # people: s136 incidents carry the detained person; others draw from the pool when identified
    linked_idx = linked["pool_idx"].to_numpy()
    who = np.where(rng.random(n_other) < nat.identified[f], force.mh.draw(rng, n_other), -1)
    idx = np.r_[who, linked_idx]
    people = _person_columns(force.mh, idx, force.layouts["incidents"], created)
    sex_pool = force.mh.sex[np.maximum(idx, 0)]
    anon_sex = rng.choice(SEX[0], n, p=SEX[1])
    sex = np.where(idx >= 0, sex_pool, np.where(rng.random(n) < 0.7, anon_sex, None))
    anon_age = np.where(rng.random(n) < 0.5, np.minimum(18 + rng.gamma(2, 11, n), 95).astype(int), -1)
    age = np.where(idx >= 0, people["age"], anon_age)
    age = np.r_[age[:n_other], linked["age"].to_numpy()]
    sde = np.where(idx >= 0, force.mh.sde[np.maximum(idx, 0)], None)
    sde = np.where((idx < 0) & (rng.random(n) < 0.3), _ethnicity(rng, n, nat.non_white[f])[0], sde)
    sde = np.r_[sde[:n_other], linked["ethnicity"].to_numpy()]
    minutes = np.where(deployed, np.rint(officer).astype(int), np.where(nat.not_deployed_zero[f], 0, -1))
    frame = _frame(
        {
            "force_code": force.code,
            "created_at": pl.Series(created.astype("datetime64[us]")),
            "first_arrival_at": pl.Series(np.where(deployed, arrival, np.datetime64("NaT")).astype("datetime64[us]")),
            "closed_at": pl.Series(closed.astype("datetime64[us]")),
            "opening_code": rng.choice(OPEN_CODES, n, p=OPEN_P),
            "closing_code": rng.choice(OPEN_CODES, n, p=OPEN_P),
            "mh_flag_opening": flag_open,
            "mh_flag_closing": flag_close,
            "mh_subcategory": np.where(rng.random(n) < 0.05, None, rng.choice(SUBCATEGORY[0], n, p=SUBCATEGORY[1])),
            "grade": grade,
            "deployed": deployed,
            "officer_minutes": pl.Series(minutes).replace(-1, None),
            "rcrp_decision": rcrp,
            "outcome": outcome,
            "person_id": people["person_id"],
            "person_name": people["person_name"],
            "person_dob": people["person_dob"],
            "person_age": pl.Series(age).replace(-1, None),
            "person_sex": sex,
            "person_ethnicity": sde,
            "detention_id": np.r_[np.full(n_other, None), linked["detention_id"].to_numpy()],
            "unflagged": np.r_[np.zeros(n_other, bool), linked["unflagged"].to_numpy()],
        }
    ).sort("created_at", maintain_order=True)
    return frame.with_columns(_incident_ids(rng, nat, f, frame["created_at"])).select(
        "incident_id", pl.exclude("incident_id")
    )


# ---------------------------------------------------------------------------------------------------------------
# Custody


def _after(base: np.ndarray, median_min: float, sigma: float, rng, keep: np.ndarray) -> np.ndarray:
    """base + a lognormal delay where keep, else NaT."""
    t = base + _minutes(rng.lognormal(np.log(median_min), sigma, base.size))
    return np.where(keep, t, np.datetime64("NaT"))


def _custody(rng, nat: National, force: _Force, month: str, now: datetime) -> pl.DataFrame:
    """One force-month of custody detentions (typed): MH risk, AA, L&D pathway, disposals (§3)."""
    f = force.f
    start, end = period_bounds(month)
    n = int(rng.poisson(nat.custody_annual[f] * (end - start).days / 365.25))
    arrived = _times(rng, month, n, HOUR_CUSTODY, WEEKDAY_CUSTODY, now)
    mh_risk = rng.random(n) < MH_RISK
    from_mh = mh_risk & (rng.random(n) < MH_POOL_SHARE)
    identified = rng.random(n) < 0.95  # assumption: custody records nearly always identify the detainee
    idx_c, idx_m = force.custody.draw(rng, n), force.mh.draw(rng, n)
    layout = force.layouts["custody"]
    from_c = _person_columns(force.custody, np.where(identified & ~from_mh, idx_c, -1), layout, arrived)
    from_m = _person_columns(force.mh, np.where(identified & from_mh, idx_m, -1), layout, arrived)
    people = {k: np.where(from_mh, from_m[k], from_c[k]) for k in from_c}
    sex = np.where(from_mh, force.mh.sex[idx_m], force.custody.sex[idx_c])
    sde = np.where(from_mh, force.mh.sde[idx_m], force.custody.sde[idx_c])
    fallback_age = np.where(
        rng.random(n) < CUSTODY_CHILD, rng.integers(10, 18, n), 18 + rng.gamma(2.2, 8.0, n).astype(int)
    )
    age = np.clip(np.where(people["age"] >= 0, people["age"], fallback_age), 10, 110)
    child = age < 18
    aa = rng.random(n) < np.where(child, AA_CHILD, np.where(mh_risk, AA_MH_ADULT, AA_OTHER))
    referred_p = np.where(mh_risk, LND_REFERRED, LND_REFERRED_OTHER)
    referred = rng.random(n) < referred_p
    screened = referred & (rng.random(n) < LND_SCREENED)
    assessed = screened & (rng.random(n) < LND_ASSESSED)
    t_ref = _after(arrived, 60, 0.7, rng, referred)
    t_scr = _after(np.where(referred, t_ref, arrived), 90, 0.6, rng, screened)
    t_ass = _after(np.where(screened, t_scr, arrived), 120, 0.6, rng, assessed)
    # time in custody: lognormal median 9 h (assumption; about 3-4% beyond 24 h, §3 "held >24 h" is a few thousand)
    hours = np.minimum(rng.lognormal(np.log(9), 0.55, n), 36)
    released = arrived + _minutes(hours * 60)
    last_lnd = np.where(assessed, t_ass, np.where(screened, t_scr, np.where(referred, t_ref, arrived)))
    released = np.maximum(released, last_lnd + np.timedelta64(30, "m"))
    released = np.where(rng.random(n) < 0.01, np.datetime64("NaT"), released)  # still to be recorded
    u = rng.random(n)
    cut = np.cumsum(list(CUSTODY_OUTCOMES.values()))
    resolved = u < cut[0]
    outcome = np.where(
        resolved,
        np.where(rng.random(n) < nat.oocd_share[f], "oocd", "charge"),
        np.where(u < cut[1], "nfa", np.where(u < cut[2], "rui", "bail")),
    )
    outcome = np.where(rng.random(n) < 0.01, None, outcome)
    oocd_type = np.where(outcome == "oocd", rng.choice(OOCD_TYPES[0], n, p=OOCD_TYPES[1]), None)
    seq = np.arange(1, n + 1)
    custody_id = np.char.add(f"{force.f + 1:02d}/{month[2:4]}{month[5:]}/", np.char.zfill(seq.astype(str), 5))

    def ts(a: np.ndarray) -> pl.Series:
        return pl.Series(a.astype("datetime64[us]"))

    return _frame(
        {
            "custody_id": custody_id,
            "force_code": force.code,
            "arrived_at": ts(arrived),
            "released_at": ts(released),
            "age": age,
            "sex": sex,
            "ethnicity": sde,
            "mh_risk_identified": pl.Series(mh_risk).set(pl.Series(rng.random(n) < 0.02), None),
            "appropriate_adult": aa,
            "lnd_referred_at": ts(t_ref),
            "lnd_screened_at": ts(t_scr),
            "lnd_assessed_at": ts(t_ass),
            "outcome": outcome,
            "oocd_type": oocd_type,
            "person_id": people["person_id"],
            "person_name": people["person_name"],
            "person_dob": people["person_dob"],
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# Street triage


def _triage(rng, nat: National, force: _Force, month: str, incidents: pl.DataFrame, now) -> pl.DataFrame | None:
    """One force-month of street triage contacts (typed), most linked to an MH incident of the month (§4)."""
    schemes = [s for s in nat.schemes.get(force.code, []) if s.start <= month]
    if not schemes:
        return None
    start, end = period_bounds(month)
    parts = []
    used: set[str] = set()
    for k, scheme in enumerate(schemes):
        n = int(rng.poisson(TRIAGE_PER_LOCALITY_YEAR * (end - start).days / 365.25))
        hours = HOUR_MH.copy()
        if scheme.evening_only:  # §4 Essex: 18:00-02:00
            hours[2:18] = 0
        contact = _times(rng, month, n, hours, WEEKDAY_MH, now)
        outcome = rng.choice(TRIAGE_OUTCOMES[0], n, p=TRIAGE_OUTCOMES[1])
        linked = rng.random(n) < TRIAGE_LINKED
        # candidate incidents: this scheme's share of the month, s136 ones for s136 outcomes, not yet used
        pool = incidents.with_row_index("i").filter(
            (pl.col("i") % len(schemes) == k) & ~pl.col("incident_id").is_in(list(used))
        )
        if scheme.model_type in ("co_response", "street"):
            pool = pool.filter(pl.col("deployed"))
        s136_pool = pool.filter(pl.col("outcome") == "s136")
        other_pool = pool.filter(pl.col("outcome") != "s136")
        inc_id = np.full(n, None, dtype=object)
        person = {c: np.full(n, None, dtype=object) for c in ("person_id", "person_name", "person_dob")}
        for want_s136, cand in ((True, s136_pool), (False, other_pool)):
            rows = np.flatnonzero(linked & ((outcome == "s136") == want_s136))
            take = min(rows.size, cand.height)
            if not take:
                continue
            rows = rows[:take]
            chosen = cand[np.sort(rng.choice(cand.height, take, replace=False))]
            inc_id[rows] = chosen["incident_id"].to_numpy()
            used.update(chosen["incident_id"].to_list())
            offset = rng.integers(5, 60, take).astype("timedelta64[m]")
            t = chosen["created_at"].to_numpy().astype("datetime64[m]") + offset
            contact[rows] = np.where(t < np.datetime64(end, "m"), t, t - offset)
            for c in person:
                person[c][rows] = chosen[c].to_numpy()
        unlinked = inc_id == None  # noqa: E711
        fresh = _person_columns(
            force.mh, np.where(rng.random(n) < 0.6, force.mh.draw(rng, n), -1), force.layouts["street_triage"], contact
        )
        for c in person:
            person[c] = np.where(unlinked, fresh[c], person[c])
        outcome = np.where(~unlinked | (outcome != "s136"), outcome, "nfa")  # an unlinked contact is not an s136
        fast = scheme.model_type in ("control_room", "telephone")
        response = np.clip(rng.lognormal(np.log(5 if fast else 25), 0.7, n), 0, 1440).astype(int)
        parts.append(
            _frame(
                {
                    "force_code": force.code,
                    "scheme_id": scheme.scheme_id,
                    "model_type": scheme.model_type,
                    "contact_at": pl.Series(contact.astype("datetime64[us]")),
                    "response_minutes": pl.Series(response).set(pl.Series(rng.random(n) < 0.05), None),
                    "incident_id": inc_id,
                    "outcome": outcome,
                    **person,
                }
            )
        )
    frame = pl.concat(parts, how="vertical_relaxed").sort("contact_at", maintain_order=True)
    contact_id = pl.concat_str(
        [
            pl.col("scheme_id"),
            pl.lit(f"-{month[2:4]}{month[5:]}-"),
            pl.int_range(1, pl.len() + 1).over("scheme_id").cast(pl.String).str.zfill(4),
        ]
    )
    return frame.with_columns(contact_id.alias("contact_id")).select("contact_id", pl.exclude("contact_id"))


# ---------------------------------------------------------------------------------------------------------------
# Dirt


def _dirt_kinds(contract: Contract) -> list[str]:
    kinds = ["bad_date", "missing", "future"]
    cols = contract.columns
    if any(c.type == "code" for c in cols):
        kinds.append("unknown_code")
    if contract.id_field and contract.id_unique_within == "force":
        kinds += ["dup_file", "dup_prev"]
    if contract.rules.get("not_before") or any(c.type == "int" and c.min == 0 and "minutes" in c.name for c in cols):
        kinds.append("negative")
    if any(c.name in ("age", "person_age") for c in cols):
        kinds.append("age")
    return kinds


def _plant_dirt(rng, typed: pl.DataFrame, contract: Contract, layout: Layout, rate: float, prev_ids, now):
    """(formatted cells with dirt planted, dirty row count). Rule-breaking values are planted on the typed frame
    (so they come out in the layout's own formatting), unreadable ones on the formatted strings."""
    n = typed.height
    k = int(rng.binomial(n, rate)) if rate > 0 and n else 0
    if k == 0:
        return format_values(typed, contract, layout), 0
    rows = np.sort(rng.choice(n, k, replace=False))
    kinds = rng.choice(_dirt_kinds(contract), k)
    at = {kind: rows[kinds == kind] for kind in DIRT_KINDS}
    period = contract.period_field
    hit = lambda kind: pl.int_range(pl.len()).is_in(pl.Series(at[kind], dtype=pl.Int64).implode())  # noqa: E731
    fix = []
    if at["future"].size:
        future = datetime(now.year + 2, now.month, 1, 9, 30)
        fix.append(pl.when(hit("future")).then(pl.lit(future)).otherwise(period).alias(period))
    if at["negative"].size:
        rules = contract.rules.get("not_before") or {}
        if rules:
            later, earlier = next(iter(rules.items()))
            back = pl.col(earlier) - pl.duration(minutes=95)
            fix.append(
                pl.when(hit("negative") & pl.col(earlier).is_not_null()).then(back).otherwise(later).alias(later)
            )
        else:
            name = next(c.name for c in contract.columns if c.type == "int" and c.min == 0 and "minutes" in c.name)
            fix.append(pl.when(hit("negative")).then(pl.lit(-15)).otherwise(name).alias(name))
    if at["age"].size:
        name = "age" if "age" in contract.names else "person_age"
        fix.append(pl.when(hit("age")).then(pl.lit(150)).otherwise(name).alias(name))
    for expr in fix:  # one at a time: two kinds may touch the same column
        typed = typed.with_columns(expr)
    cells = format_values(typed, contract, layout)
    text = []
    if at["bad_date"].size:
        text.append(pl.when(hit("bad_date")).then(pl.lit("31/02/2024 25:61")).otherwise(period).alias(period))
    if at["missing"].size:
        name = str(rng.choice([c for c in contract.required if c != contract.id_field and c != "force_code"]))
        text.append(pl.when(hit("missing")).then(pl.lit("")).otherwise(name).alias(name))
    if at["unknown_code"].size:
        name = str(rng.choice([c.name for c in contract.columns if c.type == "code"]))
        text.append(pl.when(hit("unknown_code")).then(pl.lit("ZZ9")).otherwise(name).alias(name))
    id_field = contract.id_field
    dup_file, dup_prev = at["dup_file"], at["dup_prev"]
    if dup_prev.size and not prev_ids:
        dup_file, dup_prev = np.r_[dup_file, dup_prev], dup_prev[:0]
    if dup_file.size or dup_prev.size:
        ids = cells[id_field].to_numpy().copy()
        if dup_file.size:
            ids[dup_file] = ids[np.where(dup_file > 0, dup_file - 1, min(1, n - 1))]
        if dup_prev.size:
            ids[dup_prev] = np.array(prev_ids, dtype=object)[rng.integers(0, len(prev_ids), dup_prev.size)]
        text.append(pl.Series(id_field, ids, dtype=pl.String))
    for expr in text:
        cells = cells.with_columns(expr)
    return cells, k


# ---------------------------------------------------------------------------------------------------------------
# Whole bad files


def _bad_file_slots(seed: int, nat: National, months: tuple[str, ...], count: int) -> dict[tuple[str, str, str], str]:
    """(force, source, month) -> bad file kind, drawn over the whole nation (same slots whatever --forces says)."""
    rng = np.random.default_rng([seed, 200])
    sources = ("incidents", "custody", "incident_totals")
    total = len(nat.forces) * len(sources) * len(months)
    picks = rng.choice(total, min(count, total), replace=False)
    slots = {}
    for j, p in enumerate(picks.tolist()):
        f, rest = divmod(p, len(sources) * len(months))
        s, m = divmod(rest, len(months))
        slots[(nat.forces[f], sources[s], months[m])] = BAD_FILE_KINDS[j % len(BAD_FILE_KINDS)]
    return slots


def _write_bad_file(kind: str, cells: pl.DataFrame, contract: Contract, layout: Layout, stem: Path) -> Path:
    """A broken re-send next to the good file. Named <stem>-resend-<kind>.csv, it sorts before the good file, so
    even a file the loader could read is superseded by the good one (the demo totals stay calibrated)."""
    path = stem.with_name(f"{stem.name}-resend-{kind}.csv")
    header = ",".join(layout.header_of(name) for name in cells.columns)
    body = cells.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep()).write_csv(
        include_header=False
    )
    text = header + "\n" + body
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "utf16":
        path.write_bytes(text.encode("utf-16"))
    elif kind == "wrong-header":  # a report title line above the header: the first line is not the header
        title = f"Report: {contract.source} extract for {stem.parent.parent.name} {stem.parent.name},,\n"
        path.write_text(title + text, encoding="utf-8")
    else:  # truncated: cut inside a data row (before its last separator), no final newline
        lines = text.splitlines(keepends=True)
        cut_line = max(1, int(len(lines) * 0.6)) if len(lines) > 1 else 0
        line = lines[cut_line] if lines else ""
        cut = line.find(",") + 1 if "," in line else len(line) // 2
        path.write_text("".join(lines[:cut_line]) + line[: max(cut, 1)], encoding="utf-8")
    return path
