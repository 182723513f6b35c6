"""Build a small serving snapshot DuckDB with the published tables of docs/interfaces.md.

Used by the AppTest tests (tests/apps) and the browser test (tests/e2e). The figures are invented but shaped
like the real series: exact force counts go through the same disclosure rules as the marts (0 stays 0, 1–7
suppressed, else rounded to 5), rates and CIs come from the exact counts, national figures are exact.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
from scipy.stats import chi2, norm

YEARS = ("2022-23", "2023-24")
LATEST = YEARS[-1]
Z95, Z998 = 1.959963984540054, 3.090232306167813

# force_code, force_name, force_short, region_code, region_name, nation, population, {fy: exact detentions}
FORCES: list[tuple[str, str, str, str, str, str, int | None, dict[str, int]]] = [
    (
        "E23000001",
        "Metropolitan Police",
        "Met",
        "E12000007",
        "London",
        "England",
        9_000_000,
        {"2022-23": 4_103, "2023-24": 3_902},
    ),
    (
        "E23000002",
        "Cumbria",
        "Cumbria",
        "E12000002",
        "North West",
        "England",
        500_000,
        {"2022-23": 262, "2023-24": 241},
    ),
    (
        "E23000005",
        "Greater Manchester",
        "Greater Manchester",
        "E12000002",
        "North West",
        "England",
        2_900_000,
        {"2022-23": 1_652, "2023-24": 1_498},
    ),
    ("E23000008", "Durham", "Durham", "E12000001", "North East", "England", 640_000, {"2022-23": 318, "2023-24": 6}),
    (
        "E23000010",
        "West Yorkshire",
        "West Yorkshire",
        "E12000003",
        "Yorkshire and The Humber",
        "England",
        2_350_000,
        {"2022-23": 1_301, "2023-24": 1_247},
    ),
    (
        "E23000014",
        "West Midlands",
        "West Midlands",
        "E12000005",
        "West Midlands",
        "England",
        2_950_000,
        {"2022-23": 1_498, "2023-24": 1_421},
    ),
    (
        "E23000017",
        "Warwickshire",
        "Warwickshire",
        "E12000005",
        "West Midlands",
        "England",
        600_000,
        {"2022-23": 283, "2023-24": 266},
    ),
    (
        "E23000025",
        "Suffolk",
        "Suffolk",
        "E12000006",
        "East of England",
        "England",
        770_000,
        {"2022-23": 401, "2023-24": 379},
    ),
    ("E23000032", "Kent", "Kent", "E12000008", "South East", "England", 1_900_000, {"2022-23": 1_002, "2023-24": 958}),
    (
        "E23000033",
        "Sussex",
        "Sussex",
        "E12000008",
        "South East",
        "England",
        1_750_000,
        {"2022-23": 1_097, "2023-24": 1_012},
    ),
    (
        "E23000034",
        "City of London Police",
        "City of London",
        "E12000007",
        "London",
        "England",
        8_600,
        {"2022-23": 55, "2023-24": 61},
    ),
    (
        "E23000036",
        "Avon and Somerset Constabulary",
        "Avon and Somerset",
        "E12000009",
        "South West",
        "England",
        1_750_000,
        {"2022-23": 1_203, "2023-24": 1_384},
    ),
    (
        "W15000004",
        "Dyfed-Powys",
        "Dyfed-Powys",
        "W92000004",
        "Wales",
        "Wales",
        520_000,
        {"2022-23": 181, "2023-24": 149},
    ),
    (
        "BTP",
        "British Transport Police",
        "BTP",
        None,
        "National (non-territorial)",
        "England and Wales",
        None,
        {"2022-23": 1_404, "2023-24": 1_323},
    ),
]
FORCE_NAMES = [f[1] for f in FORCES]


@dataclass(frozen=True)
class BuiltSnapshot:
    serving_dir: Path
    path: Path  # the real snapshot file
    current: Path  # the current.duckdb symlink
    snapshot_id: str
    national_detentions: dict[str, int] = field(default_factory=dict)


def published(n: int) -> int | None:
    if n == 0:
        return 0
    if 1 <= n <= 7:
        return None
    return int(5 * math.floor(n / 5 + 0.5))


def sdc_flag(n: int) -> str:
    return "none" if n == 0 else "suppressed_1_7" if n <= 7 else "rounded5"


def count_limits(d: int, z: float) -> tuple[float, float, str]:
    """PHEindicatormethods: exact Poisson below 10, Byar's otherwise (methods.md §2.2)."""
    if d < 10:
        alpha = 2 * norm.sf(z)
        lo = chi2.ppf(alpha / 2, 2 * d) / 2 if d > 0 else 0.0
        return float(lo), float(chi2.ppf(1 - alpha / 2, 2 * d + 2) / 2), "exact_poisson"
    lo = d * (1 - 1 / (9 * d) - z / (3 * math.sqrt(d))) ** 3
    hi = (d + 1) * (1 - 1 / (9 * (d + 1)) + z / (3 * math.sqrt(d + 1))) ** 3
    return lo, hi, "byars"


def _shares(seed: int, d: int) -> dict[str, float | int]:
    """Deterministic, plausible place-of-safety and transport shares for a force-year."""
    ps = 0.5 + (seed % 5) * 0.4  # % police station
    ae = 30.0 + (seed % 13) * 1.5
    hb = 100.0 - ps - ae - 3.0
    return {
        "n_police_station_pos": round(d * ps / 100),
        "n_ae_pos": round(d * ae / 100),
        "n_hbpos": round(d * hb / 100),
        "pct_police_station_pos": round(ps, 1),
        "pct_ae_pos": round(ae, 1),
        "pct_health_based_pos": round(hb, 1),
        "pct_ambulance": round(32.0 + (seed % 7), 1),
        "pct_police_vehicle": round(50.0 + (seed % 9), 1),
        "median_hours": round(8.0 + (seed % 11) * 0.5, 1),
        "pct_over_24h": round(1.0 + (seed % 4) * 0.5, 1),
    }


FORCE_DDL = """
create table mart_s136_force_year (
    force_code varchar, force_name varchar, region_name varchar, nation varchar, fy_label varchar,
    detentions integer, detentions_sdc_flag varchar,
    population bigint, population_year integer, population_vintage varchar, population_source varchar,
    is_standin_denominator boolean,
    rate_per_100k decimal(18,4), rate_lcl95 decimal(18,4), rate_ucl95 decimal(18,4),
    rate_lcl998 decimal(18,4), rate_ucl998 decimal(18,4), ci_method varchar, rate_reliability varchar,
    pct_police_station_pos decimal(9,1), pct_ae_pos decimal(9,1), pct_health_based_pos decimal(9,1),
    pct_ambulance decimal(9,1), pct_police_vehicle decimal(9,1),
    median_hours decimal(9,1), pct_over_24h decimal(9,1),
    under18_in_police_station integer, under18_in_police_station_sdc_flag varchar
)"""
NATIONAL_DDL = """
create table mart_s136_national_year (
    fy_label varchar, detentions integer, forces_reporting integer, population bigint, population_source varchar,
    is_standin_denominator boolean, rate_per_100k decimal(18,4), rate_lcl95 decimal(18,4),
    rate_ucl95 decimal(18,4), n_police_station_pos integer, n_ae_pos integer, n_hbpos integer,
    pct_police_station_pos decimal(9,1), pct_ae_pos decimal(9,1), pct_health_based_pos decimal(9,1),
    pct_ambulance decimal(9,1), pct_police_vehicle decimal(9,1), transport_not_known integer,
    median_hours decimal(9,1), pct_over_24h decimal(9,1)
)"""
DIM_FORCE_DDL = """
create table dim_force (
    force_code varchar, force_name varchar, force_short varchar, region_code varchar, region_name varchar,
    nation varchar, is_territorial boolean, has_resident_population boolean, is_small_population boolean
)"""
PUBLICATION_DDL = """
create table publication (
    snapshot_id varchar, published_at timestamp, warehouse_loads bigint, population_note varchar
)"""


def build_snapshot(serving_dir: Path, standin: bool = True, stamp: str = "20250101T000000000000Z") -> BuiltSnapshot:
    """Write serving_dir/<stamp>.duckdb and point serving_dir/current.duckdb at it."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    path = serving_dir / f"{stamp}.duckdb"
    source = "standin" if standin else "ons_mye"
    vintage = "standin" if standin else "mid-2022 (Census 2021-based)"
    con = duckdb.connect(str(path))
    try:
        for ddl in (FORCE_DDL, NATIONAL_DDL, DIM_FORCE_DDL, PUBLICATION_DDL):
            con.execute(ddl)
        for code, name, short, rcode, region, nation, pop, _ in FORCES:
            territorial = code != "BTP"
            con.execute(
                "insert into dim_force values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [code, name, short, rcode, region, nation, territorial, pop is not None, (pop or 0) < 100_000],
            )
        national: dict[str, int] = {}
        for y_index, fy in enumerate(YEARS):
            total = 0
            total_pop = 0
            sums = {"n_police_station_pos": 0, "n_ae_pos": 0, "n_hbpos": 0}
            for f_index, (code, name, _short, _rc, region, nation, pop, counts) in enumerate(FORCES):
                d = counts[fy]
                total += d
                seed = 7 * f_index + 3 * y_index
                shares = _shares(seed, d)
                for key in sums:
                    sums[key] += int(shares[key])
                if pop is None:
                    rate = lcl95 = ucl95 = lcl998 = ucl998 = None
                    ci_method = None
                    reliability = "no_resident_population"
                else:
                    total_pop += pop
                    lo95, hi95, ci_method = count_limits(d, Z95)
                    lo998, hi998, _ = count_limits(d, Z998)
                    rate, lcl95, ucl95 = d / pop * 1e5, lo95 / pop * 1e5, hi95 / pop * 1e5
                    lcl998, ucl998 = lo998 / pop * 1e5, hi998 / pop * 1e5
                    reliability = "suppressed_1_7" if 1 <= d <= 7 else "unreliable_lt20" if d < 20 else "ok"
                suppressed = 1 <= d <= 7
                con.execute(
                    "insert into mart_s136_force_year values "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        code,
                        name,
                        region,
                        nation,
                        fy,
                        published(d),
                        sdc_flag(d),
                        pop,
                        int(fy[:4]) if pop else None,
                        vintage if pop else None,
                        source if pop else None,
                        standin if pop else False,
                        rate,
                        lcl95,
                        ucl95,
                        lcl998,
                        ucl998,
                        ci_method,
                        reliability,
                        None if suppressed else shares["pct_police_station_pos"],
                        None if suppressed else shares["pct_ae_pos"],
                        None if suppressed else shares["pct_health_based_pos"],
                        None if suppressed else shares["pct_ambulance"],
                        None if suppressed else shares["pct_police_vehicle"],
                        None if suppressed else shares["median_hours"],
                        None if suppressed else shares["pct_over_24h"],
                        0,
                        "none",
                    ],
                )
            lo, hi, _ = count_limits(total, Z95)
            known_pos = sums["n_police_station_pos"] + sums["n_ae_pos"] + sums["n_hbpos"]
            con.execute(
                "insert into mart_s136_national_year values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    fy,
                    total,
                    len(FORCES),
                    total_pop,
                    source,
                    standin,
                    total / total_pop * 1e5,
                    lo / total_pop * 1e5,
                    hi / total_pop * 1e5,
                    sums["n_police_station_pos"],
                    sums["n_ae_pos"],
                    sums["n_hbpos"],
                    round(100 * sums["n_police_station_pos"] / known_pos * 0.97, 1),
                    round(100 * sums["n_ae_pos"] / known_pos * 0.97, 1),
                    round(100 * sums["n_hbpos"] / known_pos * 0.97, 1),
                    35.0 + y_index,
                    51.0 + y_index,
                    2000 + y_index,
                    9.5 + y_index,
                    2.0,
                ],
            )
            national[fy] = total
        con.execute(
            "insert into publication values (?, ?, ?, ?)",
            [
                stamp,
                datetime(2025, 1, 1, 6, 30),
                len(FORCES) * len(YEARS),
                "Stand-in populations: not ONS figures." if standin else "ONS mid-2022 estimates.",
            ],
        )
    finally:
        con.close()
    current = serving_dir / "current.duckdb"
    tmp_link = serving_dir / ".current.duckdb.tmp"
    tmp_link.unlink(missing_ok=True)
    os.symlink(path.name, tmp_link)
    os.replace(tmp_link, current)
    return BuiltSnapshot(serving_dir, path, current, stamp, national)
