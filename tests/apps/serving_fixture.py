"""Build a small serving snapshot DuckDB with the published tables of docs/interfaces.md.

Used by the AppTest tests (tests/apps) and the browser test (tests/e2e). The figures are invented but shaped
like the real series: exact force counts go through the same disclosure rules as the marts (0 stays 0, 1–7
suppressed, else rounded to 5), rates and CIs come from the exact counts, national figures are exact.
"""

from __future__ import annotations

import calendar
import json
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from scipy.stats import beta, chi2, norm

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
        "police_station_pos": round(d * ps / 100),
        "ae_pos": round(d * ae / 100),
        "health_based_pos": round(d * hb / 100),
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
    s136_detentions integer, s136_detentions_sdc_flag varchar,
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
    fy_label varchar, s136_detentions integer, s135_detentions integer, forces_reporting integer,
    is_partial_year boolean, population bigint, population_source varchar,
    is_standin_denominator boolean, rate_per_100k decimal(18,4), rate_lcl95 decimal(18,4),
    rate_ucl95 decimal(18,4), police_station_pos integer, ae_pos integer, health_based_pos integer,
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
            sums = {"police_station_pos": 0, "ae_pos": 0, "health_based_pos": 0}
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
            known_pos = sums["police_station_pos"] + sums["ae_pos"] + sums["health_based_pos"]
            con.execute(
                "insert into mart_s136_national_year values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    fy,
                    total,
                    total // 150,  # s135 detentions, counted apart
                    len(FORCES),
                    False,
                    total_pop,
                    source,
                    standin,
                    total / total_pop * 1e5,
                    lo / total_pop * 1e5,
                    hi / total_pop * 1e5,
                    sums["police_station_pos"],
                    sums["ae_pos"],
                    sums["health_based_pos"],
                    round(100 * sums["police_station_pos"] / known_pos * 0.97, 1),
                    round(100 * sums["ae_pos"] / known_pos * 0.97, 1),
                    round(100 * sums["health_based_pos"] / known_pos * 0.97, 1),
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
        add_national_tables(con)
        add_demand_tables(con, standin)
    finally:
        con.close()
    current = serving_dir / "current.duckdb"
    tmp_link = serving_dir / ".current.duckdb.tmp"
    tmp_link.unlink(missing_ok=True)
    os.symlink(path.name, tmp_link)
    os.replace(tmp_link, current)
    return BuiltSnapshot(serving_dir, path, current, stamp, national)


# --- national pages: small versions of the other published marts ----------------------------------------------

DISPRO_GROUPS = ("White", "Mixed", "Asian", "Black", "Other")  # broad 5+1 scheme, in group_order
# geography_code, geography_name, {group: population}, {fy: ({group: exact detentions}, not stated)}
DISPRO_AREAS: list[tuple[str, str, dict[str, int], dict[str, tuple[dict[str, int], int]]]] = [
    (
        "E&W",
        "England and Wales",
        {"White": 48_209_395, "Mixed": 1_224_400, "Asian": 4_213_531, "Black": 1_864_890, "Other": 563_696},
        {
            "2022-23": ({"White": 21_000, "Mixed": 520, "Asian": 1_200, "Black": 2_100, "Other": 210}, 2_500),
            "2023-24": ({"White": 22_671, "Mixed": 551, "Asian": 1_276, "Black": 2_203, "Other": 227}, 2_321),
        },
    ),
    (
        "E23000001",
        "Metropolitan Police",
        {"White": 4_881_636, "Mixed": 404_990, "Asian": 1_510_606, "Black": 1_088_447, "Other": 281_041},
        {
            "2022-23": ({"White": 2_400, "Mixed": 199, "Asian": 480, "Black": 801, "Other": 140}, 300),
            "2023-24": ({"White": 2_468, "Mixed": 206, "Asian": 503, "Black": 846, "Other": 150}, 352),
        },
    ),
    (
        "E23000002",
        "Cumbria",
        {"White": 488_000, "Mixed": 3_000, "Asian": 4_000, "Black": 1_500, "Other": 900},
        {
            "2022-23": ({"White": 230, "Mixed": 4, "Asian": 3, "Black": 12, "Other": 0}, 20),
            "2023-24": ({"White": 215, "Mixed": 2, "Asian": 5, "Black": 14, "Other": 1}, 16),
        },
    ),
    (
        "E23000008",
        "Durham",
        {"White": 600_000, "Mixed": 5_000, "Asian": 9_000, "Black": 2_000, "Other": 1_500},
        {
            "2022-23": ({"White": 300, "Mixed": 3, "Asian": 6, "Black": 3, "Other": 0}, 8),
            "2023-24": ({"White": 290, "Mixed": 2, "Asian": 4, "Black": 3, "Other": 1}, 9),
        },
    ),
]
DISPRO_CAVEAT = (
    "Census 2011 usual residents (27 March 2011) are the denominator for {fy}: populations have changed since, so "
    "rates are approximate and not comparable with rates on Census 2021 denominators."
)
ADR125_ITEMS = [
    ("detentions", "total", "Detentions under section 136", "Total", 0),
    ("power", "s136", "Power used", "Section 136", 100),
]
IOPC_CATEGORIES = ("custody", "road_traffic", "fatal_shooting", "suicide_post_custody", "other_contact_independent")
IOPC_YEARS = ("2017-18", "2018-19", "2019-20")
IOPC_CUSTODY = {"2017-18": 23, "2018-19": 17, "2019-20": 18}  # national deaths in or following custody


def _rr(d1: int, p1: int, d0: int, p0: int) -> tuple[float, float, float]:
    """Rate ratio with the log interval, or the exact conditional (Clopper-Pearson) one when a count is below 10."""
    rr = (d1 / p1) / (d0 / p0)
    if d1 >= 10 and d0 >= 10:
        se = math.sqrt(1 / d1 + 1 / d0)
        return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)
    n = d1 + d0
    lo = beta.ppf(0.025, d1, n - d1 + 1) if d1 > 0 else 0.0
    hi = beta.ppf(0.975, d1 + 1, n - d1)
    return rr, lo / (1 - lo) * p0 / p1, hi / (1 - hi) * p0 / p1


def _disproportionality_rows() -> list[dict]:
    rows = []
    for code, name, pops, years in DISPRO_AREAS:
        national = code == "E&W"
        for fy, (counts, not_stated) in years.items():
            white = counts["White"]
            total = sum(counts.values()) + not_stated
            for order, group in enumerate(DISPRO_GROUPS, start=1):
                d, pop = counts[group], pops[group]
                flag = "none" if national or d == 0 else sdc_flag(d)
                suppressed = flag == "suppressed_1_7"
                lo, hi, method = count_limits(d, Z95)
                if group == "White":
                    rr_status, rr, rlo, rhi, sig = "reference", 1.0, None, None, None
                elif suppressed or (not national and 1 <= white <= 7):
                    rr_status, rr, rlo, rhi, sig = "suppressed_1_7", None, None, None, None
                else:
                    rr, rlo, rhi = _rr(d, pop, white, pops["White"])
                    rr_status = "published" if d >= 10 and white >= 10 else "published_small_counts"
                    sig = "higher" if rlo > 1 else "lower" if rhi < 1 else "similar"
                reliability = "suppressed_1_7" if suppressed else "unreliable_lt20" if d < 20 else "ok"
                rows.append(
                    {
                        "geography_code": code,
                        "geography_level": "national" if national else "force",
                        "force_code": None if national else code,
                        "geography_name": name,
                        "fy_label": fy,
                        "measure": "s136_detentions",
                        "ethnicity_scheme": "broad_5p1",
                        "ethnic_group": group,
                        "ethnic_group_label": group,
                        "broad_group": group,
                        "is_other_residual": group == "Other",
                        "group_order": order,
                        "numerator": d if national else published(d),
                        "sdc_flag": flag,
                        "ethnicity_not_stated": not_stated if national else published(not_stated),
                        "ethnicity_not_stated_sdc_flag": "none" if national else sdc_flag(not_stated),
                        "pct_ethnicity_not_stated": round(100 * not_stated / total, 1),
                        "population": pop,
                        "population_vintage": "Census 2011",
                        "population_caveat": DISPRO_CAVEAT.format(fy=fy),
                        "rate_per_100k": None if suppressed else round(d / pop * 1e5, 2),
                        "rate_lcl": None if suppressed else round(lo / pop * 1e5, 2),
                        "rate_ucl": None if suppressed else round(hi / pop * 1e5, 2),
                        "ci_method": None if suppressed else method,
                        "rr_reference_group": "White",
                        "rate_ratio_vs_white": None if rr is None else round(rr, 2),
                        "rr_lcl": None if rlo is None else round(rlo, 2),
                        "rr_ucl": None if rhi is None else round(rhi, 2),
                        "rr_method": {"published": "log", "published_small_counts": "exact_conditional"}.get(rr_status),
                        "rr_status": rr_status,
                        "rr_significance": sig,
                        "reliability_flag": reliability,
                        "is_small_population": False,
                        "forces_reporting": 43 if national else None,
                    }
                )
    return rows


def _square(lon: float, lat: float, size: float = 0.8) -> str:
    """An anticlockwise (RFC 7946) square: the page must rewind it for d3-geo."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _adr125_rows() -> tuple[list[dict], list[dict]]:
    forces, national = [], []
    for fy in YEARS:
        for measure, category, mlabel, clabel, order in ADR125_ITEMS:
            status_counts = {"match": 0, "differs": 0, "record_only": 0, "published_only": 0}
            rec_total = pub_total = 0
            for code, name, *_rest, counts in FORCES:
                record = counts[fy]
                published_n: int | None = record
                if fy == LATEST and code == "E23000001":
                    published_n = record - 40  # differs
                elif fy == LATEST and code == "E23000008":
                    published_n = None  # record_only (6 detentions: suppressed on screen)
                status = "match" if published_n == record else "record_only" if published_n is None else "differs"
                status_counts[status] += 1
                rec_total += record
                pub_total += published_n or 0
                diff = None if published_n is None else record - published_n
                forces.append(
                    {
                        "force_code": code,
                        "force_name": name,
                        "fy_label": fy,
                        "measure": measure,
                        "category": category,
                        "measure_label": mlabel,
                        "category_label": clabel,
                        "item_order": order,
                        "record_count": published(record),
                        "record_count_sdc_flag": sdc_flag(record),
                        "published_count": published_n,
                        "published_release": "PPP Oct 2024",
                        "published_is_revised": False,
                        "first_published_count": published_n,
                        "first_release": "PPP Oct 2024",
                        "is_revised_since_first": False,
                        "difference": None if diff is None else published(abs(diff)) * (1 if diff >= 0 else -1),
                        "difference_sdc_flag": None if diff is None else sdc_flag(abs(diff)),
                        "status": status,
                    }
                )
            national.append(
                {
                    "fy_label": fy,
                    "measure": measure,
                    "category": category,
                    "measure_label": mlabel,
                    "category_label": clabel,
                    "item_order": order,
                    "record_count": rec_total,
                    "published_count": pub_total,
                    "difference": rec_total - pub_total,
                    "status": "match" if rec_total == pub_total else "differs",
                    "published_release": "PPP Oct 2024",
                    "published_is_revised": False,
                    "published_forces_sum": pub_total,
                    "forces_with_records": len(FORCES),
                    "forces_published": len(FORCES) - status_counts["record_only"],
                    "forces_match": status_counts["match"],
                    "forces_differ": status_counts["differs"],
                    "forces_record_only": status_counts["record_only"],
                    "forces_published_only": status_counts["published_only"],
                }
            )
    return forces, national


def _iopc_rows() -> tuple[list[dict], list[dict]]:
    entities = [
        ("E23000001", "Metropolitan Police", "London", "force"),
        ("E23000005", "Greater Manchester", "North West", "force"),
        (None, "British Transport Police", None, "non_territorial_body"),
    ]
    forces, national = [], []
    for y, fy in enumerate(IOPC_YEARS):
        for c, category in enumerate(IOPC_CATEGORIES):
            total = IOPC_CUSTODY[fy] if category == "custody" else 10 + 3 * c + y
            met = total // 3
            gmp = total // 4
            btp = 1 if category == "custody" else 0
            for (code, name, region, kind), deaths in zip(entities, (met, gmp, btp), strict=True):
                forces.append(
                    {
                        "edition": "2019-20",
                        "is_latest_edition": True,
                        "entity_key": code or name,
                        "force_code": code,
                        "entity_name": name,
                        "region_name": region,
                        "entity_type": kind,
                        "fy_label": fy,
                        "iopc_category": category,
                        "deaths": deaths,
                        "incidents": deaths,
                    }
                )
            national.append(
                {
                    "edition": "2019-20",
                    "is_latest_edition": True,
                    "fy_label": fy,
                    "fy_start_year": int(fy[:4]),
                    "iopc_category": category,
                    "deaths": total,
                    "incidents": total,
                    "deaths_by_force_reconciles": False,
                    "reconciliation_note": "fixture: by-force rows cover three bodies only",
                }
            )
    return forces, national


def _use_of_force_rows() -> list[dict]:
    # area_code, force_code, name, is_national, mental, reported, not reported %, caution
    areas = [
        ("K04000001", None, "England and Wales", True, 109_517, 686_436, 4.0, "ok"),
        ("E23000001", "E23000001", "Metropolitan Police", False, 20_000, 150_000, 2.0, "ok"),
        ("E23000002", "E23000002", "Cumbria", False, 2_597, 6_765, 0.0, "ok"),
        ("E23000017", "E23000017", "Warwickshire", False, 434, 476, 84.7, "condition_not_reported_over_half"),
    ]
    rows = []
    for code, force, name, national, mh, reported, not_reported, caution in areas:
        p = mh / reported
        z2 = Z95**2
        centre = (p + z2 / (2 * reported)) / (1 + z2 / reported)
        half = Z95 * math.sqrt(p * (1 - p) / reported + z2 / (4 * reported**2)) / (1 + z2 / reported)
        rows.append(
            {
                "edition": "2019-20",
                "fy_label": "2019-20",
                "area_code": code,
                "force_code": force,
                "area_name": name,
                "is_national": national,
                "tactic": "*Total Tactics",
                "tactic_level": "all_tactics",
                "n_mental_health": mh,
                "n_condition_reported": reported,
                "n_tactic_reported": round(reported / (1 - not_reported / 100)),
                "pct_mental_health": round(100 * p, 2),
                "pct_mental_health_lcl95": round(100 * (centre - half), 2),
                "pct_mental_health_ucl95": round(100 * (centre + half), 2),
                "ci_method": "wilson",
                "pct_condition_not_reported": not_reported,
                "share_caution": caution,
            }
        )
    rows.append({**rows[1], "tactic": "Handcuffing", "tactic_level": "of_which_detail", "pct_mental_health": 99.0})
    return rows


def _inspection_rows() -> tuple[list[dict], list[dict]]:
    items = [
        ("R1", "E23000001", "Metropolitan Police", 1, "Oversight and escalation", "open", 400),
        ("R2", "E23000001", "Metropolitan Police", 2, "Data and information", "open", 120),
        ("R3", "E23000002", "Cumbria", 2, "Data and information", "in_progress", 90),
        ("R4", "E23000002", "Cumbria", 4, "Benchmarking", "complete", None),
    ]
    recs = [
        {
            "finding_id": f"PEEL-{fid}",
            "report_title": f"PEEL inspection of {name} (fixture)",
            "force_code": code,
            "force_name": name,
            "is_national": False,
            "finding_type": "recommendation",
            "finding_text": f"[fixture] {label} finding {fid}",
            "npcc_objective": obj,
            "npcc_objective_label": label,
            "status": status,
            "first_published": datetime(2024, 1, 5).date(),
            "is_outstanding": status in ("open", "in_progress"),
            "age_days": age,
        }
        for fid, code, name, obj, label, status, age in items
    ]
    summary = [
        {
            "force_code": "E23000001",
            "force_name": "Metropolitan Police",
            "is_national": False,
            "items": 2,
            "recommendations": 2,
            "afis": 0,
            "n_open": 2,
            "n_in_progress": 0,
            "n_complete": 0,
            "n_superseded": 0,
            "oldest_open_age_days": 400,
            "oldest_outstanding_age_days": 400,
            "causes_of_concern_outstanding": 1,
            "latest_peel_grade": "requires_improvement",
            "latest_snapshot_period": "2025-03",
        },
        {
            "force_code": "E23000002",
            "force_name": "Cumbria",
            "is_national": False,
            "items": 2,
            "recommendations": 2,
            "afis": 0,
            "n_open": 0,
            "n_in_progress": 1,
            "n_complete": 1,
            "n_superseded": 0,
            "oldest_open_age_days": None,
            "oldest_outstanding_age_days": 90,
            "causes_of_concern_outstanding": 0,
            "latest_peel_grade": "good",
            "latest_snapshot_period": "2025-03",
        },
    ]
    return recs, summary


def _coroner_rows() -> list[dict]:
    base = "https://www.judiciary.uk/prevention-of-future-death-reports/fixture-"
    rows = []
    for area, kind, label, n in (
        ("Essex", "financial_year", "2023-24", 3),
        ("London Inner North", "financial_year", "2022-23", 2),
        ("Essex", "calendar_year", "2023", 2),
    ):
        refs = [f"{label[:4]}-{i:04d}" for i in range(1, n + 1)]
        rows.append(
            {
                "coroner_area": area,
                "period_type": kind,
                "period_label": label,
                "reports": n,
                "sent_to_police": 1,
                "text_mentions_police": n,
                "mentions_s136_or_place_of_safety": 1,
                "mental_health_category": 1,
                "first_report_date": datetime(int(label[:4]), 5, 1).date(),
                "last_report_date": datetime(int(label[:4]), 11, 1).date(),
                "report_refs": " | ".join(refs),
                "report_urls": " | ".join(f"{base}{r}/" for r in refs),
            }
        )
    return rows


def add_national_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The marts read by the disproportionality, ADR-125 and national-sources pages."""
    import polars as pl

    def create(name: str, rows: list[dict], casts: str = "") -> None:
        frame = pl.DataFrame(rows, infer_schema_length=None)  # noqa: F841 - read by duckdb's replacement scan
        con.execute(f"create table {name} as select * {casts} from frame")

    create("mart_disproportionality", _disproportionality_rows())
    boundaries = [
        {"force_code": "E23000001", "force_name": "Metropolitan Police", "lon": -0.5, "lat": 51.3},
        {"force_code": "E23000002", "force_name": "Cumbria", "lon": -3.4, "lat": 54.2},
        {"force_code": "E23000008", "force_name": "Durham", "lon": -2.0, "lat": 54.5},
    ]
    create(
        "dim_force_boundary",
        [
            {
                "force_code": b["force_code"],
                "force_name": b["force_name"],
                "geometry_geojson": _square(b["lon"], b["lat"]),
                "centroid_lon": b["lon"] + 0.4,
                "centroid_lat": b["lat"] + 0.4,
                "source": "fixture squares",
                "attribution": "Fixture boundaries (not real)",
            }
            for b in boundaries
        ],
    )
    forces, national = _adr125_rows()
    create("mart_adr125_return", forces)
    create("mart_adr125_return_national", national)
    forces, national = _iopc_rows()
    create("mart_iopc_deaths", forces, "replace (deaths::hugeint as deaths, incidents::hugeint as incidents)")
    create(
        "mart_iopc_deaths_national", national, "replace (deaths::hugeint as deaths, incidents::hugeint as incidents)"
    )
    create("mart_use_of_force_mh", _use_of_force_rows())
    recs, summary = _inspection_rows()
    create("mart_inspection_recommendations", recs)
    create("mart_inspection_force_summary", summary)
    create("mart_coroner_pfd_learning", _coroner_rows())


# --- MH demand and data quality: small versions of mart_demand_*_month and mart_data_quality ------------------

DEMAND_MONTHS = tuple(f"{y}-{m:02d}" for y, m in [(2023, m) for m in range(4, 13)] + [(2024, m) for m in range(1, 7)])
DEMAND_LATEST = DEMAND_MONTHS[-1]  # 2024-06
RCRP_GO_LIVE = {"E23000001": date(2023, 11, 1), "E23000033": date(2023, 10, 2)}  # Met, Sussex (seed dates)
RCRP_BASIS = {"E23000001": "published", "E23000033": "assumed_demo"}  # as in seeds/ref_rcrp_go_live.csv
PUBLISHED_PER_HOUR = 54
PUBLISHED_BASIS = "NPCC 2019 national census (54 an hour)"
DURHAM, CUMBRIA, CITY = "E23000008", "E23000002", "E23000034"

DEMAND_FORCE_DDL = """
create table mart_demand_force_month (
    force_code varchar, force_name varchar, region_name varchar, nation varchar, month_start date, fy_label varchar,
    mh_incidents integer, mh_incidents_sdc_flag varchar, all_incidents integer, mh_per_1000_incidents double,
    population bigint, population_fy_label varchar, population_source varchar, is_standin_denominator boolean,
    mh_per_100k_population double, hours_in_month integer, incidents_per_hour double, pct_deployed double,
    officer_hours double, pct_flag_agreement double,
    contacts_with_person integer, contacts_with_person_sdc_flag varchar, pct_contacts_with_person double,
    repeat_lookback_complete boolean, repeat_contacts integer, repeat_contacts_sdc_flag varchar, repeat_share double,
    high_intensity_contacts integer, high_intensity_contacts_sdc_flag varchar, high_intensity_share double,
    s136_detentions integer, s136_detentions_sdc_flag varchar,
    triage_contacts integer, triage_contacts_sdc_flag varchar,
    rcrp_go_live_date date, rcrp_go_live_basis varchar, rcrp_live boolean, is_rcrp_go_live_month boolean
)"""
DEMAND_NATIONAL_DDL = """
create table mart_demand_national_month (
    month_start date, fy_label varchar, forces_reporting bigint, mh_incidents bigint, all_incidents bigint,
    forces_with_all_incidents bigint, mh_per_1000_incidents double, population bigint, is_standin_denominator boolean,
    mh_per_100k_population double, hours_in_month integer, incidents_per_hour double,
    published_incidents_per_hour integer, published_incidents_per_hour_basis varchar,
    ratio_to_published_per_hour double, pct_deployed double, officer_hours double, pct_flag_agreement double,
    contacts_with_person bigint, pct_contacts_with_person double, repeat_lookback_complete boolean,
    repeat_contacts bigint, repeat_share double,
    high_intensity_contacts bigint, high_intensity_share double, s136_detentions bigint, triage_contacts bigint,
    forces_rcrp_live bigint
)"""
DATA_QUALITY_DDL = """
create table mart_data_quality (
    source varchar, force_code varchar, period varchar, period_type varchar, month_start date,
    files_delivered bigint, files_active hugeint, files_superseded hugeint, files_rejected hugeint, received boolean,
    has_usable_data boolean, rows_read integer, rows_loaded integer, rows_rejected integer,
    rows_loaded_sdc_flag varchar,
    pct_rows_rejected decimal(18,2), last_delivery_at timestamp, top_reject_fields varchar,
    rejected_file_reasons varchar
)"""


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _fy_of(month: str) -> str:
    start = int(month[:4]) - (1 if int(month[5:7]) < 4 else 0)
    return f"{start}-{(start + 1) % 100:02d}"


def _hours(month: str) -> int:
    return 24 * calendar.monthrange(int(month[:4]), int(month[5:7]))[1]


def lookback_complete(month: str) -> bool:
    """int_demand_force_month: 365 days of history before the month (every fixture force starts in April 2023)."""
    return (_month_start(month) - timedelta(days=365)) >= _month_start(DEMAND_MONTHS[0])


def _suppressed(n: int | None) -> bool:
    return n is not None and 1 <= n <= 7


def _pct(num: int, den: int | None, sdc: bool = True) -> float | None:
    """mhw.pct: 100 x num / den to 1 place; NULL when den is 0 (and, with sdc, when den is 1-7)."""
    if not den or (sdc and _suppressed(den)):
        return None
    return round(100 * num / den, 1)


def _div(num: float, den: float | None, places: int, per: float = 1) -> float | None:
    return None if not den else round(num / den * per, places)


def demand_exact() -> list[dict]:
    """Exact force x month counts, shaped like int_demand_force_month (restricted in the real warehouse)."""
    rows = []
    for i, (code, name, _short, _rc, region, nation, pop, _counts) in enumerate(FORCES):
        for k, month in enumerate(DEMAND_MONTHS):
            start = _month_start(month)
            go_live = RCRP_GO_LIVE.get(code)
            live = go_live is not None and go_live <= start
            if code == DURHAM:
                n = 5 if k % 3 == 2 else 30 + k  # every third month 1-7: suppressed
            elif code == CITY:
                n = 40 + k % 4
            else:
                base = 600 if pop is None else pop / 1e5 * 55
                n = round(base * (1 + 0.05 * math.sin(k + i)) * (0.72 if live else 1.0))
            with_person = round(n * (0.78 + 0.01 * (i % 5)))
            rows.append(
                {
                    "force_code": code,
                    "force_name": name,
                    "region_name": region,
                    "nation": nation,
                    "month": month,
                    "population": pop,
                    "go_live": go_live,
                    "live": live,
                    "n_mh": n,
                    "all_incidents": None  # no all-incident total this month
                    if (code == CUMBRIA and month == DEMAND_LATEST)
                    else round(
                        max(pop or 1_100_000, 80_000) / 1e5 * (1_100 + 40 * (i % 5)) * (1 + 0.03 * math.cos(k + 2 * i))
                    ),
                    "n_deployed_known": n - n // 20,
                    "n_deployed": round((n - n // 20) * (0.55 + 0.02 * (i % 5)) * (0.8 if live else 1.0)),
                    "officer_minutes": n * (90 + 5 * (i % 7)),
                    "n_flags_agree": round(n * 0.92),
                    "n_with_person": with_person,
                    "n_repeat": round(with_person * (0.2 + 0.01 * (k % 4))),
                    "n_high_intensity": round(with_person * 0.05),
                    "n_s136": round(n * 0.03),
                    "n_triage": round(n * 0.04) if i % 2 == 0 else 0,
                }
            )
    return rows


def demand_force_rows(standin: bool = True) -> list[dict]:
    """mart_demand_force_month: counts about people disclosure controlled, rates withheld when MH incidents are 1-7."""
    source = "standin" if standin else "ons_mye"
    rows = []
    for e in demand_exact():
        n, month, pop, go_live = e["n_mh"], e["month"], e["population"], e["go_live"]
        rate = not _suppressed(n)
        start = _month_start(month)
        rows.append(
            {
                "force_code": e["force_code"],
                "force_name": e["force_name"],
                "region_name": e["region_name"],
                "nation": e["nation"],
                "month_start": start,
                "fy_label": _fy_of(month),
                "mh_incidents": published(n),
                "mh_incidents_sdc_flag": sdc_flag(n),
                "all_incidents": e["all_incidents"],
                "mh_per_1000_incidents": _div(n, e["all_incidents"], 2, 1000) if rate else None,
                "population": pop,
                "population_fy_label": _fy_of(month) if pop else None,
                "population_source": source if pop else None,
                "is_standin_denominator": bool(pop) and standin,
                "mh_per_100k_population": _div(n, pop, 2, 1e5) if rate else None,
                "hours_in_month": _hours(month),
                "incidents_per_hour": _div(n, _hours(month), 3) if rate else None,
                "pct_deployed": _pct(e["n_deployed"], e["n_deployed_known"]),
                "officer_hours": None if _suppressed(n) else round(e["officer_minutes"] / 60, 1),
                "pct_flag_agreement": _pct(e["n_flags_agree"], n),
                "contacts_with_person": published(e["n_with_person"]),
                "contacts_with_person_sdc_flag": sdc_flag(e["n_with_person"]),
                "pct_contacts_with_person": _pct(e["n_with_person"], n),
                "repeat_lookback_complete": lookback_complete(month),
                "repeat_contacts": published(e["n_repeat"]),
                "repeat_contacts_sdc_flag": sdc_flag(e["n_repeat"]),
                "repeat_share": None if _suppressed(e["n_repeat"]) else _pct(e["n_repeat"], e["n_with_person"]),
                "high_intensity_contacts": published(e["n_high_intensity"]),
                "high_intensity_contacts_sdc_flag": sdc_flag(e["n_high_intensity"]),
                "high_intensity_share": None
                if _suppressed(e["n_high_intensity"])
                else _pct(e["n_high_intensity"], e["n_with_person"]),
                "s136_detentions": published(e["n_s136"]),
                "s136_detentions_sdc_flag": sdc_flag(e["n_s136"]),
                "triage_contacts": published(e["n_triage"]),
                "triage_contacts_sdc_flag": sdc_flag(e["n_triage"]),
                "rcrp_go_live_date": go_live,
                "rcrp_go_live_basis": None if go_live is None else RCRP_BASIS[e["force_code"]],
                "rcrp_live": e["live"],
                "is_rcrp_go_live_month": go_live is not None and go_live.replace(day=1) == start,
            }
        )
    return rows


def demand_national_rows(standin: bool = True) -> list[dict]:
    """mart_demand_national_month: exact sums over every force (no SDC at national level)."""
    rows = []
    exact = demand_exact()
    for month in DEMAND_MONTHS:
        cells = [e for e in exact if e["month"] == month]

        def total(key: str, cells: list[dict] = cells) -> int:
            return sum(e[key] for e in cells)

        mh, hours = total("n_mh"), _hours(month)
        with_total = [e for e in cells if e["all_incidents"] is not None]
        with_pop = [e for e in cells if e["population"] is not None]
        all_incidents = sum(e["all_incidents"] for e in with_total)
        population = sum(e["population"] for e in with_pop)
        with_person = total("n_with_person")
        rows.append(
            {
                "month_start": _month_start(month),
                "fy_label": _fy_of(month),
                "forces_reporting": len(cells),
                "mh_incidents": mh,
                "all_incidents": all_incidents,
                "forces_with_all_incidents": len(with_total),
                "mh_per_1000_incidents": _div(sum(e["n_mh"] for e in with_total), all_incidents, 2, 1000),
                "population": population,
                "is_standin_denominator": standin,
                "mh_per_100k_population": _div(sum(e["n_mh"] for e in with_pop), population, 2, 1e5),
                "hours_in_month": hours,
                "incidents_per_hour": _div(mh, hours, 3),
                "published_incidents_per_hour": PUBLISHED_PER_HOUR,
                "published_incidents_per_hour_basis": PUBLISHED_BASIS,
                "ratio_to_published_per_hour": round(mh / hours / PUBLISHED_PER_HOUR, 3),
                "pct_deployed": _pct(total("n_deployed"), total("n_deployed_known"), sdc=False),
                "officer_hours": round(total("officer_minutes") / 60, 1),
                "pct_flag_agreement": _pct(total("n_flags_agree"), mh, sdc=False),
                "contacts_with_person": with_person,
                "pct_contacts_with_person": _pct(with_person, mh, sdc=False),
                "repeat_lookback_complete": lookback_complete(month),
                "repeat_contacts": total("n_repeat"),
                "repeat_share": _pct(total("n_repeat"), with_person, sdc=False),
                "high_intensity_contacts": total("n_high_intensity"),
                "high_intensity_share": _pct(total("n_high_intensity"), with_person, sdc=False),
                "s136_detentions": total("n_s136"),
                "triage_contacts": total("n_triage"),
                "forces_rcrp_live": sum(1 for e in cells if e["live"]),
            }
        )
    return rows


DQ_MONTHS = ("2024-04", "2024-05", "2024-06")
DQ_FORCES = ("E23000001", DURHAM, CUMBRIA)  # Met, Durham, Cumbria
# (source, force, period) -> exact (files delivered, active, superseded, rejected, rows read, loaded, rejected,
# top reject fields, rejected-file reasons); cells not listed are clean single deliveries of 1,000 rows
DQ_CELLS: dict[tuple[str, str, str], tuple] = {
    ("incidents", "E23000001", "2024-05"): (2, 1, 1, 0, 10_234, 10_200, 34, "created_at", None),
    ("incidents", "E23000001", "2024-06"): (2, 1, 0, 1, 10_400, 10_390, 10, "grade", "the file is empty"),
    ("incidents", CUMBRIA, "2024-04"): (1, 1, 0, 0, 812, 715, 97, "created_at, grade, deployed", None),
    ("incidents", CUMBRIA, "2024-05"): (
        1,
        0,
        0,
        1,
        640,
        0,
        640,
        None,
        "a row has 14 fields where the header has 15 (line 212)",
    ),
    ("incidents", CUMBRIA, "2024-06"): (0, 0, 0, 0, 0, 0, 0, None, None),  # never delivered
    ("incident_totals", DURHAM, "2024-05"): (1, 1, 0, 0, 1, 0, 1, "all_incidents", None),  # its only row rejected
    ("incidents", DURHAM, "2024-04"): (1, 1, 0, 0, 120, 117, 3, "person_age", None),  # 3 rejected: suppressed
    ("incident_totals", DURHAM, "2024-06"): (0, 0, 0, 0, 0, 0, 0, None, None),
}


def data_quality_rows() -> list[dict]:
    rows = []
    periods = [("incidents", p, "month") for p in DQ_MONTHS] + [("incident_totals", p, "month") for p in DQ_MONTHS]
    periods += [("s136", fy, "financial_year") for fy in YEARS]
    for source, period, period_type in periods:
        for force in DQ_FORCES:
            clean = (1, 1, 0, 0, 1_000, 1_000, 0, None, None)
            delivered, active, superseded, rejected, read, loaded, rej, fields, reasons = DQ_CELLS.get(
                (source, force, period), clean
            )
            rows.append(
                {
                    "source": source,
                    "force_code": force,
                    "period": period,
                    "period_type": period_type,
                    "month_start": _month_start(period) if period_type == "month" else None,
                    "files_delivered": delivered,
                    "files_active": active,
                    "files_superseded": superseded,
                    "files_rejected": rejected,
                    "received": active > 0,
                    "has_usable_data": active > 0 and (loaded > 0 or read == 0),
                    "rows_read": published(read),
                    "rows_loaded": published(loaded),
                    "rows_rejected": published(rej),
                    "rows_loaded_sdc_flag": sdc_flag(loaded),
                    "pct_rows_rejected": None if _suppressed(read) or not read else round(100 * rej / read, 2),
                    "last_delivery_at": datetime(2024, 7, 2, 9, 15) if delivered else None,
                    "top_reject_fields": fields,
                    "rejected_file_reasons": reasons,
                }
            )
    return rows


def add_demand_tables(con: duckdb.DuckDBPyConnection, standin: bool = True) -> None:
    """The marts read by the MH demand and data quality pages (same columns and types as the dbt models)."""
    import polars as pl

    for ddl, name, rows in (
        (DEMAND_FORCE_DDL, "mart_demand_force_month", demand_force_rows(standin)),
        (DEMAND_NATIONAL_DDL, "mart_demand_national_month", demand_national_rows(standin)),
        (DATA_QUALITY_DDL, "mart_data_quality", data_quality_rows()),
    ):
        con.execute(ddl)
        frame = pl.DataFrame(rows, infer_schema_length=None)  # noqa: F841 - read by duckdb's replacement scan
        con.execute(f"insert into {name} by name select * from frame")
