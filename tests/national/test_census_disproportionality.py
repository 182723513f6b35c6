"""Census 2011 ethnic group, LAD -> PFA lookup, force boundaries and mart_disproportionality.

Unit tests use tiny hand-written files (3 LADs in 2 forces). The integration test (slow) loads the real public files
from MHW_PUBLIC_DATA_DIR plus a small synthetic s136 set into a temporary DuckDB and runs dbt on it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from ingestion.national import census
from ingestion.national.aliases import UnmappedForceName
from ingestion.national.boundaries import BOUNDARY_FILE, BoundaryFileError, load_pfa_boundaries, read_pfa_boundaries
from ingestion.national.census import CensusFileError
from ingestion.schema import ensure_raw_schema
from tests.dbt_runner import run_dbt

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / ".venv" / "bin" / "dbt"
DBT_DIR = REPO / "dbt_project"

# Nomis header labels, in the published column order (total, then each broad group before its detailed groups)
LABELS = [
    "All categories: Ethnic group",
    "White", "White: English/Welsh/Scottish/Northern Irish/British", "White: Irish",
    "White: Gypsy or Irish Traveller", "White: Other White",
    "Mixed", "Mixed/multiple ethnic group: White and Black Caribbean",
    "Mixed/multiple ethnic group: White and Black African", "Mixed/multiple ethnic group: White and Asian",
    "Mixed/multiple ethnic group: Other Mixed",
    "Asian", "Asian/Asian British: Indian", "Asian/Asian British: Pakistani", "Asian/Asian British: Bangladeshi",
    "Asian/Asian British: Chinese", "Asian/Asian British: Other Asian",
    "Black", "Black/African/Caribbean/Black British: African", "Black/African/Caribbean/Black British: Caribbean",
    "Black/African/Caribbean/Black British: Other Black",
    "Other", "Other ethnic group: Arab", "Other ethnic group: Any other ethnic group",
]  # fmt: skip
GROUP_HEADER = ",".join(f'"Ethnic Group: {label}; measures: Value"' for label in LABELS)

#            total  White: W1  W2 W3  W9  Mixed: M1 M2 M3 M9  Asian: A1 A2 A3 A4 A9  Black: B2 B1 B9  Other: O2 O9
ALPHA = "1100,  1000, 900, 20, 5,  75,    30, 10, 5,  8, 7,     40, 12, 10, 6, 4, 8,     20, 9, 6, 5,      10, 4, 6"
BETA = "2220,   2000, 1800, 30, 10, 160,  50, 20, 10, 15, 5,    80, 30, 20, 10, 10, 10,  80, 40, 30, 10,   10, 5, 5"
GAMMA = "570,   550, 500, 5, 1, 44,       5, 2, 1, 1, 1,        10, 3, 2, 1, 2, 2,       3, 1, 1, 1,       2, 1, 1"
CLEVELAND = "3320, 3000, 2700, 50, 15, 235, 80, 30, 15, 23, 12,   120, 42, 30, 16, 14, 18, 100, 49, 36, 15,  20, 9, 11"


def _values(text: str) -> str:
    return ",".join(v.strip() for v in text.split(","))


def lad_csv(rows: list[tuple[str, str, str]] | None = None) -> str:
    rows = rows or [("Alpha", "E06000001", ALPHA), ("Beta", "E06000002", BETA), ("Gamma", "W06000001", GAMMA)]
    lines = [f'"date","geography","geography code","Rural Urban",{GROUP_HEADER}']
    lines += [f'"2011","{name}","{code}","Total",{_values(values)}' for name, code, values in rows]
    return "\n".join(lines) + "\n"


def pfa_csv(rows: list[tuple[str, str]] | None = None) -> str:
    rows = rows or [("Cleveland", CLEVELAND), ("North Wales", GAMMA)]
    lines = [f"PFA16NM,{GROUP_HEADER}"] + [f"{name},{_values(values)}" for name, values in rows]
    return "\n".join(lines) + "\n"


LOOKUP = """LAD16CD,LAD16NM,CSP16CD,CSP16NM,PFA16CD,PFA16NM,FID
E06000001,Alpha,E22000001,Alpha,E23000013,Cleveland,1
E06000002,Beta,E22000002,Beta,E23000013,Cleveland,2
W06000001,Gamma,W22000001,Gamma,W15000001,North Wales,3
"""


def _square(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def geojson(codes=("E23000013", "W15000001"), crs="urn:ogc:def:crs:OGC:1.3:CRS84") -> str:
    features = [
        {"type": "Feature", "properties": {"PFA16CD": code, "PFA16NM": f"Force {i}", "LONG": -1.5, "LAT": 54.5,
                                           "Shape__Area": 2.5e9 * (i + 1) if i == 0 else None},
         "geometry": _square(-2 + i, 54)}
        for i, code in enumerate(codes)
    ]  # fmt: skip
    return json.dumps(
        {"type": "FeatureCollection", "name": "Police_Force_Areas__December_2016__Test", "crs": {"type": "name",
         "properties": {"name": crs}}, "features": features}
    )  # fmt: skip


@pytest.fixture
def public(tmp_path) -> Path:
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / census.LAD_FILE).write_text(lad_csv())
    (folder / census.PFA_FILE).write_text(pfa_csv())
    (folder / census.LOOKUP_FILE).write_text(LOOKUP)
    (folder / BOUNDARY_FILE).write_text(geojson())
    return folder


def _load_all(con, public: Path) -> tuple[int, int, int]:
    return (
        census.load_census_lad(con, public).rows_loaded,
        census.load_lad_pfa_lookup(con, public).rows_loaded,
        census.load_census_pfa_third_party(con, public).rows_loaded,
    )


# ---------------------------------------------------------------- wide -> long, codes, the LAD -> PFA sum


def test_wide_to_long_codes_and_values(public):
    long = census.read_census_lad(public / census.LAD_FILE)
    assert long.height == 3 * 24 and set(long.columns) >= {"geo_code", "ethnic_group_code", "population"}
    value = {(r["geo_code"], r["ethnic_group_code"]): r["population"] for r in long.iter_rows(named=True)}
    assert value[("E06000001", "ALL")] == 1100 and value[("E06000001", "WHITE")] == 1000
    assert value[("E06000002", "C14")] == 40 and value[("E06000002", "C15")] == 30  # African, then Caribbean
    assert value[("W06000001", "C17")] == 1  # Arab
    assert long.filter(long["ethnic_group_code"] == "C17")["ethnic_group_label"][0] == "Other ethnic group: Arab"
    assert set(long["census_year"]) == {2011}


def test_seed_maps_census_groups_onto_sde_and_broad_groups():
    import csv

    with census.GROUP_SEED.open() as fh:
        rows = list(csv.DictReader(fh))
    detailed = {r["census_code"]: (r["sde_code"], r["broad_5p1"]) for r in rows if r["group_level"] == "detailed"}
    assert len(detailed) == 18 and len({sde for sde, _ in detailed.values()}) == 18
    assert detailed["C12"] == ("A4", "Asian") and detailed["C17"] == ("O2", "Other")  # Chinese Asian; Arab Other
    assert detailed["C14"] == ("B2", "Black") and detailed["C15"] == ("B1", "Black")
    assert [r["census_label"] for r in rows] == LABELS


def test_lad_sum_to_pfa_equals_file_and_check_passes(con, public):
    assert _load_all(con, public) == (72, 3, 48)
    summed = dict(
        con.execute(
            "select l.pfa_code || '/' || c.ethnic_group_code, sum(c.population) from raw.census2011_ethnic_group_lad c "
            "join raw.ons_lad_pfa_lookup l on l.lad_code = c.geo_code group by 1"
        ).fetchall()
    )
    assert summed["E23000013/ALL"] == 1100 + 2220 and summed["E23000013/C01"] == 900 + 1800
    assert summed["W15000001/ALL"] == 570
    result = census.compare_lad_sum_with_pfa_file(con)
    assert result.passed and result.compared_cells == 2 * 24 and result.differences == []
    assert _load_all(con, public) == (0, 0, 0)  # the same files again load nothing


def test_check_detects_planted_difference_and_lost_lad(con, public):
    # the third party's Cleveland: 5 more Black Caribbean (and so in Black and in the total)
    planted = "3325, 3000, 2700, 50, 15, 235, 80, 30, 15, 23, 12, 120, 42, 30, 16, 14, 18, 105, 49, 41, 15, 20, 9, 11"
    (public / census.PFA_FILE).write_text(pfa_csv([("Cleveland", planted), ("North Wales", GAMMA)]))
    (public / census.LAD_FILE).write_text(
        lad_csv(
            [
                ("Alpha", "E06000001", ALPHA),
                ("Beta", "E06000002", BETA),
                ("Gamma", "W06000001", GAMMA),
                ("Delta", "E06000099", GAMMA),
            ]
        )  # fmt: skip
    )
    _load_all(con, public)
    result = census.compare_lad_sum_with_pfa_file(con)
    assert not result.passed
    assert sorted(result.differences) == [
        ("E23000013", "ALL", 3320, 3325, -5),
        ("E23000013", "BLACK", 100, 105, -5),
        ("E23000013", "C15", 36, 41, -5),
    ]
    assert result.lads_not_in_lookup == [("E06000099", "Delta", 570)]
    assert "3 differ" in result.summary() and "not in the LAD->PFA lookup" in result.summary()


def test_check_without_files_compares_nothing(con):
    result = census.compare_lad_sum_with_pfa_file(con)
    assert result.passed and not result.available and "nothing compared" in result.summary()


def test_absent_folder_or_file_loads_nothing(con, tmp_path):
    for loader in (census.load_census_lad, census.load_lad_pfa_lookup, census.load_census_pfa_third_party,
                   load_pfa_boundaries):  # fmt: skip
        assert loader(con, None).rows_loaded == 0
        assert loader(con, tmp_path / "nowhere").rows_loaded == 0
        assert loader(con, tmp_path).rows_loaded == 0


# ---------------------------------------------------------------- errors name file, row and field


def test_unknown_lad_code_named_by_file_row_field(public):
    (public / census.LAD_FILE).write_text(lad_csv([("Alpha", "E06000001", ALPHA), ("Beta", "X123", BETA)]))
    with pytest.raises(CensusFileError, match=rf"{census.LAD_FILE}: row 2, field 'geography code': 'X123'"):
        census.read_census_lad(public / census.LAD_FILE)


def test_group_that_does_not_add_up_is_refused(public):
    broken = BETA.replace("80, 40, 30, 10", "80, 40, 31, 10")  # Black 80 but 40 + 31 + 10 = 81
    (public / census.LAD_FILE).write_text(lad_csv([("Beta", "E06000002", broken)]))
    with pytest.raises(CensusFileError, match=r"row 1, field 'Ethnic Group: Black': 80 is not the sum of its 3"):
        census.read_census_lad(public / census.LAD_FILE)


def test_non_numeric_and_unknown_group_refused(public, tmp_path):
    (public / census.LAD_FILE).write_text(lad_csv([("Alpha", "E06000001", ALPHA.replace("1100", "n/a"))]))
    with pytest.raises(CensusFileError, match=r"row 1, field 'Ethnic Group: All categories.*'n/a' is not a whole"):
        census.read_census_lad(public / census.LAD_FILE)
    (public / census.LAD_FILE).write_text(lad_csv().replace("White: Irish;", "White: Irish or Scottish;"))
    with pytest.raises(CensusFileError, match=r"unknown ethnic group 'White: Irish or Scottish'"):
        census.read_census_lad(public / census.LAD_FILE)


def test_lookup_unknown_force_code_named_by_file_row_field(public):
    (public / census.LOOKUP_FILE).write_text(LOOKUP.replace("W15000001", "W15000009"))
    with pytest.raises(CensusFileError, match=rf"{census.LOOKUP_FILE}: row 3, field 'PFA16CD': 'W15000009'"):
        census.read_lad_pfa_lookup(public / census.LOOKUP_FILE)


def test_pfa_file_unknown_force_name_named_by_file_row_field(public):
    (public / census.PFA_FILE).write_text(pfa_csv([("Cleveland", CLEVELAND), ("Atlantis", GAMMA)]))
    with pytest.raises(UnmappedForceName, match=rf"{census.PFA_FILE}: field 'PFA16NM', rows 2: .*'Atlantis'"):
        census.read_census_pfa(public / census.PFA_FILE)


def test_pfa_file_maps_published_name_variants(public):
    (public / census.PFA_FILE).write_text(pfa_csv([("Metropolitan", CLEVELAND), ("Avon & Somerset", GAMMA)]))
    long = census.read_census_pfa(public / census.PFA_FILE)
    assert set(long["force_code"]) == {"E23000001", "E23000036"}


# ---------------------------------------------------------------- boundaries


def test_boundaries_load_one_geometry_per_force(con, public):
    assert load_pfa_boundaries(con, public).rows_loaded == 2
    rows = con.execute(
        "select pfa_code, geometry_geojson, boundary_vintage, area_sq_km from raw.ons_pfa_boundaries order by 1"
    ).fetchall()
    assert {r[0] for r in rows} == {"E23000013", "W15000001"}
    assert json.loads(rows[0][1])["type"] == "Polygon"
    assert rows[0][2] == "Police Force Areas (December 2016) Test"
    assert [r[3] for r in rows] == [2500.0, None]  # ONS Shape__Area in m2 -> km2; a feature without it has none
    assert load_pfa_boundaries(con, public).rows_loaded == 0


@pytest.mark.parametrize(
    "codes, crs, message",
    [
        (("E23000013", "E99999999"), None, r"feature 2, field 'properties.PFA16CD': 'E99999999' is not a known"),
        (("E23000013", "BTP"), None, r"feature 2, field 'properties.PFA16CD': 'BTP' is not a known"),
        (("E23000013", "E23000013"), None, r"feature 2, field 'properties.PFA16CD': 'E23000013' already given"),
        (("E23000013",), "urn:ogc:def:crs:EPSG::27700", r"field 'crs': .*27700' is not WGS84"),
    ],
)
def test_boundaries_unknown_code_or_crs_refused(public, codes, crs, message):
    path = public / BOUNDARY_FILE
    path.write_text(geojson(codes, crs or "urn:ogc:def:crs:OGC:1.3:CRS84"))
    with pytest.raises(BoundaryFileError, match=rf"{BOUNDARY_FILE}: {message}"):
        read_pfa_boundaries(path)


# ---------------------------------------------------------------- integration: real files + dbt


REAL = os.environ.get("MHW_PUBLIC_DATA_DIR")
FORCES = ("E23000001", "E23000014", "E23000034", "E23000002", "BTP")  # Met, West Midlands, City, Cumbria, BTP
BROAD_2011 = {"White": 48_209_395, "Mixed": 1_224_400, "Asian": 4_213_531, "Black": 1_864_890, "Other": 563_696}


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    if not REAL:
        pytest.skip("MHW_PUBLIC_DATA_DIR is not set: the real census, lookup and boundary files are needed")
    from demo.s136 import generate_s136
    from ingestion.gate.load import ingest_source

    tmp = tmp_path_factory.mktemp("census_real")
    wh = tmp / "warehouse.duckdb"
    generate_s136(tmp / "landing", seed=11, years=("2023-24",), forces=FORCES)
    with duckdb.connect(str(wh)) as con:
        ensure_raw_schema(con)
        ingest_source(con, tmp / "landing", source="s136", key=b"test-key-census-" * 2, key_id="test")
        loaded = (*_load_all(con, Path(REAL)), load_pfa_boundaries(con, Path(REAL)).rows_loaded)
        check = census.compare_lad_sum_with_pfa_file(con)
    select = ["+mart_disproportionality", "+dim_force_boundary", "+stg_census__ethnic_group_pfa_third_party",
              "+dim_financial_year"]  # fmt: skip
    proc = run_dbt(["build", "--select", *select, "--indirect-selection", "cautious"], tmp, warehouse=wh)
    con = duckdb.connect(str(wh), read_only=True)
    yield {"con": con, "loaded": loaded, "check": check, "stdout": proc.stdout}
    con.close()


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.mark.slow
def test_real_census_totals(real_build):
    con = real_build["con"]
    assert real_build["loaded"] == (348 * 24, 348, 43 * 24, 43)
    totals = dict(
        con.execute(
            "select ethnic_group, sum(population) from intermediate.int_population_ethnicity_force "
            "where ethnicity_scheme = 'broad_5p1' group by 1"
        ).fetchall()
    )
    assert totals == BROAD_2011 and sum(totals.values()) == 56_075_912
    sde = dict(
        con.execute(
            "select ethnic_group, sum(population) from intermediate.int_population_ethnicity_force "
            "where ethnicity_scheme = 'SDE_2011_18p1' group by 1"
        ).fetchall()
    )
    assert len(sde) == 18 and sum(sde.values()) == 56_075_912
    assert (sde["O2"], sde["A4"], sde["W1"]) == (230_600, 393_141, 45_134_686)  # Arab, Chinese, White British
    forces = dict(
        con.execute(
            "select force_code, max(population_all_groups) from intermediate.int_population_ethnicity_force group by 1"
        ).fetchall()
    )
    assert len(forces) == 43 and "BTP" not in forces
    assert (forces["E23000001"], forces["E23000034"], forces["E23000019"]) == (8_166_566, 7_375, 1_091_482)


@pytest.mark.slow
def test_real_lad_sums_equal_the_by_pfa_file(real_build):
    check = real_build["check"]
    # PROVENANCE §5 expects a handful of recoded LADs; in these files all 348 LAD codes join the 2016 lookup
    assert check.lads_not_in_lookup == [] and check.lookup_lads_without_census == []
    assert check.compared_cells == 43 * 24 and check.differences == []
    assert check.passed
    assert (
        _rows(real_build["con"], "select count(*) as n from staging.stg_census__ethnic_group_pfa_third_party")[0]["n"]
        == 43 * 24
    )
    line = next(x for x in real_build["stdout"].splitlines() if "assert_census2011_pfa_matches_third_party" in x
                and ("PASS" in x or "WARN" in x or "FAIL" in x))  # fmt: skip
    assert "PASS" in line


@pytest.mark.slow
def test_real_disproportionality_black_vs_white_nationally(real_build):
    rows = _rows(
        real_build["con"],
        "select * from marts.mart_disproportionality where geography_code = 'E&W' and ethnicity_scheme = 'broad_5p1'",
    )
    by_group = {r["ethnic_group"]: r for r in rows}
    black, white = by_group["Black"], by_group["White"]
    assert black["rr_status"] == "published" and black["rr_method"] == "log"
    assert black["rate_ratio_vs_white"] > 1 and black["rr_lcl"] > 1 and black["rr_significance"] == "higher"
    assert white["rate_ratio_vs_white"] == 1.0 and white["rr_status"] == "reference"
    assert black["population_vintage"] == "Census 2011" and "Census 2011" in black["population_caveat"]
    assert black["sdc_flag"] == "none" and black["forces_reporting"] == 4  # BTP excluded
    assert black["population"] == sum(
        r[0]
        for r in real_build["con"]
        .execute(
            "select population from intermediate.int_population_ethnicity_force where ethnicity_scheme = 'broad_5p1' "
            f"and ethnic_group = 'Black' and force_code in {tuple(f for f in FORCES if f != 'BTP')}"
        )
        .fetchall()
    )
    # exact E&W numerator: the s136 detentions of Black people in the 4 forces, from the fact
    n_black = (
        real_build["con"]
        .execute(
            "select count(*) from marts.fct_s136_detentions where power = 's136' and ethnicity_broad_5p1 = 'Black' "
            "and force_code <> 'BTP'"
        )
        .fetchone()[0]
    )
    assert black["numerator"] == n_black


@pytest.mark.slow
def test_real_reliability_and_sdc_rules(real_build):
    con = real_build["con"]
    rows = _rows(
        con,
        """
        select m.*, i.n_detentions as n
        from marts.mart_disproportionality m
        left join intermediate.int_s136_ethnicity_force_year i
          on i.force_code = m.force_code and i.fy_label = m.fy_label and i.ethnicity_scheme = m.ethnicity_scheme
         and i.ethnic_group = m.ethnic_group
        """,
    )
    assert {r["geography_code"] for r in rows} == {"E&W", "E23000001", "E23000014", "E23000034", "E23000002"}
    assert len(rows) == 5 * (5 + 18)
    for r in rows:
        if r["geography_level"] == "force":
            n = r["n"]
            if 1 <= n <= 7:
                assert r["numerator"] is None and r["sdc_flag"] == "suppressed_1_7"
                assert r["rate_per_100k"] is None and r["reliability_flag"] == "suppressed_1_7"
            else:
                assert r["numerator"] % 5 == 0 and abs(r["numerator"] - n) <= 2
        else:
            assert r["sdc_flag"] == "none"
        if r["rr_status"] == "published":
            assert r["n"] is None or r["n"] >= 10
            assert r["population"] >= 1000 and r["rr_lcl"] <= r["rate_ratio_vs_white"] <= r["rr_ucl"]
        if r["rate_per_100k"] is not None and r["reliability_flag"] == "ok":
            assert (r["n"] or r["numerator"]) >= 20
    city = [r for r in rows if r["force_code"] == "E23000034"]
    assert {r["reliability_flag"] for r in city} <= {"small_population", "suppressed_1_7"}
    assert all("City of London" in r["population_caveat"] for r in city)
    assert all(r["rr_status"] != "published" for r in city if r["population"] < 1000)
    assert all(r["pct_ethnicity_not_stated"] is not None for r in rows if r["geography_level"] == "national")


@pytest.mark.slow
def test_real_force_boundaries(real_build):
    rows = _rows(real_build["con"], "select * from marts.dim_force_boundary")
    assert len(rows) == 43 and "BTP" not in {r["force_code"] for r in rows}
    assert all(json.loads(r["geometry_geojson"])["type"] in ("Polygon", "MultiPolygon") for r in rows)
    assert all("Crown copyright" in r["attribution"] for r in rows)
    met = next(r for r in rows if r["force_code"] == "E23000001")
    assert -0.6 < met["centroid_lon"] < 0.0 and 51.2 < met["centroid_lat"] < 51.8


# ---------------------------------------------------------------- Dagster: assets and the cross-check


def _materialize(monkeypatch, tmp_path, public: Path | None):
    import dagster as dg

    from orchestration.assets import national_sources as assets
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("MHW_WAREHOUSE", str(tmp_path / "dagster_wh.duckdb"))
    if public is None:
        monkeypatch.delenv("MHW_PUBLIC_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(public))
    tables = {census.CENSUS_LAD.table, census.CENSUS_PFA.table, census.LAD_PFA_LOOKUP.table, "ons_pfa_boundaries"}
    result = dg.materialize(
        [*(a for a in assets.national_source_assets if a.key.path[-1] in tables), assets.census2011_pfa_cross_check],
        resources={"warehouse": WarehouseResource()},
    )
    assert result.success
    meta = {
        e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    [check] = result.get_asset_check_evaluations()
    return meta, check


def test_dagster_assets_and_check_report_a_planted_difference(monkeypatch, tmp_path, public):
    planted = "3325, 3000, 2700, 50, 15, 235, 80, 30, 15, 23, 12, 120, 42, 30, 16, 14, 18, 105, 49, 41, 15, 20, 9, 11"
    (public / census.PFA_FILE).write_text(pfa_csv([("Cleveland", planted), ("North Wales", GAMMA)]))
    meta, check = _materialize(monkeypatch, tmp_path, public)
    assert meta["census2011_ethnic_group_lad"]["rows_loaded"] == 72
    assert meta["ons_pfa_boundaries"]["rows_available"] == 2
    assert all(m["files_loaded"] == 1 and m["note"] == "ok" for m in meta.values())
    assert not check.passed and check.severity.name == "WARN"
    assert check.metadata["differing_cells"].value == 3 and "3 differ" in check.description
    assert "| E23000013 | C15 | 36 | 41 | -5 |" in check.metadata["differences"].value


def test_dagster_assets_without_public_folder_load_nothing_and_say_so(monkeypatch, tmp_path):
    meta, check = _materialize(monkeypatch, tmp_path, None)
    assert {m["note"] for m in meta.values()} == {"MHW_PUBLIC_DATA_DIR is not set: nothing loaded"}
    assert all(m["rows_available"] == 0 for m in meta.values())
    assert check.passed and "nothing compared" in check.description
