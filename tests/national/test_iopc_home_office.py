"""National public sources: IOPC deaths tables, Home Office use of force by perceived health condition, officers and
arrests by force (ingestion/national/iopc.py, ingestion/national/use_of_force.py,
ingestion/national/police_denominators.py, the Dagster assets of every national source in
orchestration/assets/national_sources.py, and the dbt marts built on them).

Unit tests run on tiny hand-written fixtures (written to tmp_path below, never copies of the real files). The
integration test (slow) loads the real files from MHW_PUBLIC_DATA_DIR into a temporary warehouse, builds the marts
with dbt and checks them against the publications' own figures.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.national.aliases import UnmappedForceName
from ingestion.national.formats import PublicFileError
from ingestion.national.iopc import IopcFileError, load_iopc_deaths
from ingestion.national.police_denominators import DenominatorFileError, load_arrests, load_police_officers
from ingestion.national.use_of_force import UseOfForceFileError, load_use_of_force
from ingestion.schema import ensure_raw_schema
from tests.dbt_runner import run_dbt

REPO = Path(__file__).resolve().parents[2]

# --- tiny hand-written fixtures (invented numbers, the published layouts) -------------------------------------------

IOPC_2018 = "iopc_deaths_during_or_following_police_contact_2017-18_to_2018-19_long.csv"
IOPC_2019 = "iopc_deaths_during_or_following_police_contact_2017-18_to_2019-20_long.csv"
IOPC_INDEX_2018 = "iopc_deaths_time_series_tables_index_2018-19.csv"
IOPC_HEADER = "table_id,dimension,category,financial_year,value,flag\n"
IOPC_ROWS = """\
3.1,Financial year,Number of fatalities,2017/18,5,
3.1,Financial year,Number of incidents,2017/18,4,
3.1,Financial year,Number of fatalities,2018/19,4,~
3.1,Financial year,Number of incidents,2018/19,4,
3.1,Financial year,Number of fatalities,Total,9,
3.1,Financial year,Number of incidents,Total,8,
3.5,Appropriate authority,Avon & Somerset,2017/18,2,
3.5,Appropriate authority,Metropolitan,2017/18,3,
3.5,Appropriate authority,HMRC,2017/18,0,
3.5,Appropriate authority,Avon & Somerset,2018/19,1,
3.5,Appropriate authority,Metropolitan,2018/19,2,~
3.5,Appropriate authority,HMRC,2018/19,1,
3.5,Appropriate authority,Total FATALITIES,2017/18,5,
3.5,Appropriate authority,Total FATALITIES,2018/19,4,~
5.5,Appropriate authority,Surrey & Sussex,2018/19,1,
5.5,Appropriate authority,Total INCIDENTS,2018/19,1,
"""
IOPC_INDEX = """\
table_id,sheet,table_title,dimension
3.1,Custody,"Table 3.1 Number of fatalities and incidents by financial year, 2017/18 to 2018/19",Financial year
3.5,Custody_By_Force,"Table 3.5 Number of FATALITIES by appropriate authority and financial year",Appropriate authority
5.5,Other_contact_by_force,"Table 5.5 Number of INCIDENTS by appropriate authority",Appropriate authority
"""

UOF = "home_office_use_of_force_by_perceived_health_condition_by_force_2019-20.csv"
UOF_ALL = "Total (excluding not reported and tactical communication)"
UOF_TEXT = f"""\
Police Force,Type of force,Tactic,Mental,Physical,Physical and mental,None,Not reported,Number of times tactic reported
Total England and Wales,{UOF_ALL},*Total Tactics,30.0,2.0,3.0,60.0,5.0,100.0
Total England and Wales,Restraint,"Handcuffing, of which",12.0,1.0,1.0,30.0,2.0,46.0
Total England and Wales,Restraint,Compliant handcuffing,5.0,0.0,1.0,14.0,0.0,20.0
Total England and Wales,Restraint,Ground restraint,4.0,0.0,0.0,6.0,0.0,10.0
Avon & Somerset,{UOF_ALL},*Total Tactics,10.0,1.0,1.0,35.0,3.0,50.0
Avon & Somerset,Restraint,"Handcuffing, of which",6.0,1.0,0.0,15.0,1.0,23.0
Avon & Somerset,Restraint,Compliant handcuffing,,,,,,
Avon & Somerset,Restraint,Ground restraint,2.0,0.0,0.0,3.0,0.0,5.0
"London, City of",{UOF_ALL},*Total Tactics,20.0,1.0,2.0,25.0,2.0,50.0
"""

OFFICERS = "home_office_police_officers_by_force_march_2019-2020_workforce_open_data.csv"
OFFICERS_TEXT = """\
force_name,geo_code,region,as_at,officer_headcount,officer_fte
Avon & Somerset,E23000036,South West,2019-03-01,2700.0,2676.09
Avon & Somerset,E23000036,South West,2020-03-01,2850.0,2803.29
"London, City of",E23000034,London,2020-03-01,770.0,758.5
"""
FTE_TABLE = "home_office_police_officers_fte_by_force_sep2018_mar2019.csv"
FTE_TABLE_TEXT = """\
force_or_region,row_type,home_office_region,fte_30sep2018,fte_31mar2019
West Midlands,region,,10886.6773,10867.57
West Midlands,force,West Midlands,6558.8773,6494.7
Avon & Somerset,force,South West,2642.29,2670.0
Total 43 forces,total,,122406.4508,123170.857
Central Service Secondments,other,,391.4746,312
British Transport Police,other,,3074.4,2844.05
"""
ARRESTS = "home_office_arrests_by_force_2016-17_to_2017-18_totals.csv"
ARRESTS_TEXT = """\
force_name,financial_year,arrests_total,n_source_cells_missing
Avon and Somerset,2016/17,25000,0
Avon and Somerset,2017/18,25857,0
Lancashire,2016/17,20012,0
Lancashire,2017/18,,600
"""


@pytest.fixture
def public(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / IOPC_2018).write_text(IOPC_HEADER + IOPC_ROWS)
    (folder / IOPC_INDEX_2018).write_text(IOPC_INDEX)
    (folder / UOF).write_text(UOF_TEXT)
    (folder / OFFICERS).write_text(OFFICERS_TEXT)
    (folder / FTE_TABLE).write_text(FTE_TABLE_TEXT)
    (folder / ARRESTS).write_text(ARRESTS_TEXT)
    return folder


def _rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


# --- IOPC -----------------------------------------------------------------------------------------------------------


def test_iopc_loads_every_row_with_edition_mapping_and_flags(con, public):
    report = load_iopc_deaths(con, public)
    assert report.rows_loaded == 16 and report.files[0].edition == "2018-19"
    by_name = dict(
        _rows(
            con,
            "select category, (force_code, entity_type) from raw.iopc_deaths_tables "
            "where dimension = 'Appropriate authority' and financial_year = '2018/19'",
        )
    )
    assert by_name["Avon & Somerset"] == ("E23000036", "force")
    assert by_name["Metropolitan"] == ("E23000001", "force")
    assert by_name["HMRC"] == (None, "non_territorial_body")
    assert by_name["Surrey & Sussex"] == ("E23000031|E23000033", "multi_force")
    assert by_name["Total FATALITIES"] == (None, "total")
    row = _rows(
        con,
        "select edition, table_id, sheet, iopc_category, measure, fy_label, value, flag, table_title "
        "from raw.iopc_deaths_tables where table_id = '3.5' and category = 'Metropolitan' and fy_label = '2018-19'",
    )
    assert row == [("2018-19", "3.5", "Custody_By_Force", "custody", "deaths", "2018-19", 2, "~", row[0][-1])]
    assert row[0][-1].startswith("Table 3.5 Number of FATALITIES")
    measures = dict(_rows(con, "select category, measure from raw.iopc_deaths_tables where table_id = '3.1'"))
    assert measures == {"Number of fatalities": "deaths", "Number of incidents": "incidents"}
    assert _rows(con, "select measure from raw.iopc_deaths_tables where table_id = '5.5' limit 1") == [("incidents",)]
    totals = _rows(con, "select fy_label, flag from raw.iopc_deaths_tables where financial_year = 'Total'")
    assert totals == [(None, None), (None, None)]  # the all-years column: no fy_label, empty flag -> NULL
    ledger = _rows(con, "select source, force_code, period, status, rows_loaded from raw.load_ledger")
    assert ledger == [("iopc_deaths", "national", "2018-19", "loaded", 16)]


def test_iopc_same_files_again_load_nothing(con, public):
    load_iopc_deaths(con, public)
    again = load_iopc_deaths(con, public)
    assert again.rows_loaded == 0 and "already loaded" in again.files[0].note
    assert _rows(con, "select count(*) from raw.iopc_deaths_tables") == [(16,)]
    assert _rows(con, "select count(*) from raw.load_ledger") == [(1,)]


def test_iopc_later_edition_loads_beside_the_earlier_one_and_keeps_both_values(con, public):
    load_iopc_deaths(con, public)
    revised = IOPC_ROWS.replace(
        "3.5,Appropriate authority,Metropolitan,2018/19,2,~", "3.5,Appropriate authority,Metropolitan,2018/19,3,~"
    )
    revised = revised.replace(
        "3.1,Financial year,Number of fatalities,2018/19,4,~", "3.1,Financial year,Number of fatalities,2018/19,5,~"
    )
    extra = "3.1,Financial year,Number of fatalities,2019/20,6,\n3.5,Appropriate authority,Metropolitan,2019/20,6,\n"
    (public / IOPC_2019).write_text(IOPC_HEADER + revised + extra)  # no index for this edition: titles NULL
    report = load_iopc_deaths(con, public)
    assert [(f.edition, f.rows_loaded) for f in report.files] == [("2018-19", 0), ("2019-20", 18)]
    assert "no index file" in report.files[1].note
    met = _rows(
        con,
        "select edition, value from raw.iopc_deaths_tables where table_id = '3.5' and category = 'Metropolitan' "
        "and fy_label = '2018-19' order by edition",
    )
    assert met == [("2018-19", 2), ("2019-20", 3)]  # a revision is data: both editions' values stay
    assert _rows(con, "select period, status from raw.load_ledger order by period") == [
        ("2018-19", "loaded"),
        ("2019-20", "loaded"),
    ]
    assert _rows(con, "select count(*) from raw.iopc_deaths_tables where table_title is null") == [(18,)]


def test_iopc_corrected_file_of_the_same_edition_supersedes(con, public):
    load_iopc_deaths(con, public)
    path = public / IOPC_2018
    path.write_text(path.read_text().replace("Avon & Somerset,2017/18,2,", "Avon & Somerset,2017/18,3,"))
    assert load_iopc_deaths(con, public).rows_loaded == 16
    assert _rows(con, "select count(*) from raw.iopc_deaths_tables") == [(16,)]
    assert _rows(con, "select status from raw.load_ledger order by loaded_at") == [("superseded",), ("loaded",)]


def test_iopc_unknown_force_name_fails_naming_file_rows_field_and_name(con, public):
    path = public / IOPC_2018
    path.write_text(path.read_text().replace("Metropolitan,2018/19", "Gotham City,2018/19"))
    with pytest.raises(UnmappedForceName) as exc:
        load_iopc_deaths(con, public)
    message = str(exc.value)
    assert IOPC_2018 in message and "rows 11:" in message  # the file's own data row, not the subset's
    assert "'Gotham City'" in message and "category (Appropriate authority)" in message
    assert "ref_force_alias.csv" in message
    assert _rows(con, "select count(*) from raw.iopc_deaths_tables") == [(0,)]
    assert _rows(con, "select count(*) from raw.load_ledger") == [(0,)]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Avon & Somerset,2017/18,2,", "Avon & Somerset,2017/18,two,", "row 7, field value: 'two'"),
        ("Metropolitan,2017/18,3,", "Metropolitan,2017-18,3,", "row 8, field financial_year: '2017-18'"),
        ("HMRC,2017/18,0,", "HMRC,2017/18,0,#", "row 9, field flag: '#'"),
        (
            "3.1,Financial year,Number of incidents,2017/18",
            "3.1,Year,Number of incidents,2017/18",
            "row 2, field dimension",
        ),
        ("Metropolitan,2018/19,2,~", "Avon & Somerset,2018/19,2,~", "appears more than once"),
    ],
)
def test_iopc_format_errors_name_file_row_and_field(con, public, old, new, message):
    path = public / IOPC_2018
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(IopcFileError, match=message) as exc:
        load_iopc_deaths(con, public)
    assert IOPC_2018 in str(exc.value)
    assert _rows(con, "select count(*) from raw.iopc_deaths_tables") == [(0,)]


def test_iopc_edition_must_be_the_latest_year_in_the_file(con, public):
    (public / IOPC_2018).rename(public / IOPC_2019)
    with pytest.raises(IopcFileError, match="edition 2019-20 but the latest financial year in the file is 2018-19"):
        load_iopc_deaths(con, public)


def test_iopc_changed_index_reloads_its_edition(con, public):
    load_iopc_deaths(con, public)
    index = public / IOPC_INDEX_2018
    index.write_text(index.read_text().replace("Table 3.5 Number", "Table 3.5 Revised number"))
    assert [(f.edition, f.rows_loaded) for f in load_iopc_deaths(con, public).files] == [("2018-19", 16)]
    assert _rows(con, "select status from raw.load_ledger order by loaded_at") == [("superseded",), ("loaded",)]
    titles = _rows(con, "select distinct table_title from raw.iopc_deaths_tables where table_id = '3.5'")
    assert titles == [("Table 3.5 Revised number of FATALITIES by appropriate authority and financial year",)]


@pytest.mark.parametrize(
    ("loader", "bad_name", "message"),
    [
        (load_use_of_force, UOF.replace("2019-20", "2018-19_and_2019-20"), "the file name must name one financial"),
        (load_arrests, "home_office_arrests_by_force__totals.csv", "cannot tell the edition from the file name"),
    ],
)
def test_file_name_without_an_edition_fails_before_any_file_loads(con, public, loader, bad_name, message):
    (public / bad_name).write_text("anything")
    with pytest.raises(PublicFileError, match=re.escape(f"{bad_name}: {message}")):
        loader(con, public)
    assert _rows(con, "select count(*) from raw.load_ledger") == [(0,)]  # the well-named file waits too


# --- Home Office use of force ---------------------------------------------------------------------------------------


def test_use_of_force_loads_counts_mapping_levels_and_blank_cells(con, public):
    assert load_use_of_force(con, public).rows_loaded == 9
    rows = _rows(
        con,
        "select police_force, force_code, entity_type, tactic, tactic_level, parent_tactic, n_mental, "
        "n_physical_and_mental, n_not_reported, n_tactic_reported, fy_label from raw.home_office_use_of_force "
        "order by row_number",
    )
    assert rows[0] == (
        "Total England and Wales",
        None,
        "total",
        "*Total Tactics",
        "all_tactics",
        None,
        30,
        3,
        5,
        100,
        "2019-20",
    )
    assert rows[5][:6] == ("Avon & Somerset", "E23000036", "force", "Handcuffing, of which", "tactic", None)
    # a blank published cell stays NULL (not 0), and a detail row points at its 'of which' parent
    assert rows[6] == ("Avon & Somerset", "E23000036", "force", "Compliant handcuffing", "of_which_detail",
                       "Handcuffing, of which", None, None, None, None, "2019-20")  # fmt: skip
    assert rows[7][4:6] == ("tactic", None)  # Ground restraint is not part of handcuffing
    assert rows[8][:3] == ("London, City of", "E23000034", "force")
    assert load_use_of_force(con, public).rows_loaded == 0  # idempotent


@pytest.mark.parametrize(
    ("old", "new", "error", "message"),
    [
        ("2.0,0.0,0.0,3.0,0.0,5.0", "2.5,0.0,0.0,3.0,0.0,5.0", UseOfForceFileError, "row 8, field 'Mental': '2.5'"),
        ('"London, City of",', "Gotham City,", UnmappedForceName, "field 'Police Force', rows 9: .*'Gotham City'"),
        ('"London, City of",', "North West,", UseOfForceFileError, "row 9, .*'North West' is a region_or_group"),
    ],
)
def test_use_of_force_bad_values_fail_clearly(con, public, old, new, error, message):
    path = public / UOF
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(error, match=message) as exc:
        load_use_of_force(con, public)
    assert UOF in str(exc.value)
    assert _rows(con, "select count(*) from raw.home_office_use_of_force") == [(0,)]


# --- officers and arrests -------------------------------------------------------------------------------------------


def test_officers_both_layouts_load_side_by_side_with_entities_classified(con, public):
    report = load_police_officers(con, public)
    assert sorted((f.edition, f.rows_loaded) for f in report.files) == [
        ("march_2019-2020", 3),
        ("sep2018_mar2019", 12),
    ]
    open_data = _rows(
        con,
        "select force_code, as_at, officer_headcount, officer_fte, edition_last_as_at "
        "from raw.home_office_police_officers where edition = 'march_2019-2020' order by force_code, as_at",
    )
    assert [(r[0], r[1].isoformat(), r[4].isoformat()) for r in open_data][:2] == [
        ("E23000034", "2020-03-31", "2020-03-31"),  # written 2020-03-01: the 31 March snapshot
        ("E23000036", "2019-03-31", "2020-03-31"),
    ]
    table = dict(
        _rows(
            con,
            "select force_name || '/' || entity_type, force_code from raw.home_office_police_officers "
            "where edition = 'sep2018_mar2019' and as_at = date '2019-03-31'",
        )
    )
    assert table == {
        "West Midlands/region_or_group": None,  # the region is not the force of the same name
        "West Midlands/force": "E23000014",
        "Avon & Somerset/force": "E23000036",
        "Total 43 forces/total": None,
        "Central Service Secondments/non_territorial_body": None,
        "British Transport Police/force": "BTP",
    }
    assert load_police_officers(con, public).rows_loaded == 0


def test_officers_geo_code_must_agree_with_the_alias_table(con, public):
    path = public / OFFICERS
    path.write_text(path.read_text().replace('"London, City of",E23000034', '"London, City of",E23000001'))
    with pytest.raises(
        DenominatorFileError, match="row 3, field geo_code: 'E23000001'.*'London, City of' is E23000034"
    ):
        load_police_officers(con, public)


def test_arrests_blank_total_stays_null_with_missing_cells(con, public):
    assert load_arrests(con, public).rows_loaded == 4
    rows = _rows(
        con,
        "select force_code, fy_label, arrests_total, n_source_cells_missing from raw.home_office_arrests "
        "order by force_code, fy_label",
    )
    assert rows == [
        ("E23000003", "2016-17", 20012, 0),
        ("E23000003", "2017-18", None, 600),
        ("E23000036", "2016-17", 25000, 0),
        ("E23000036", "2017-18", 25857, 0),
    ]


def test_absent_folder_or_files_load_nothing_and_say_why(con, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for loader in (load_iopc_deaths, load_use_of_force, load_police_officers, load_arrests):
        unset = loader(con, None)
        assert unset.rows_loaded == 0 and "MHW_PUBLIC_DATA_DIR is not set" in unset.note
        missing = loader(con, tmp_path / "nowhere")
        assert missing.rows_loaded == 0 and "does not exist" in missing.note
        nofile = loader(con, empty)
        assert nofile.rows_loaded == 0 and "no file matching" in nofile.note
    assert _rows(con, "select count(*) from raw.load_ledger") == [(0,)]


# --- Dagster assets -------------------------------------------------------------------------------------------------


@pytest.fixture
def dagster_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_WAREHOUSE", str(tmp_path / "dagster_warehouse.duckdb"))
    from orchestration.assets import national_sources as module
    from orchestration.resources import WarehouseResource

    return module, {"warehouse": WarehouseResource()}


def test_assets_are_keyed_raw_table_in_the_national_sources_group(dagster_env):
    module, _ = dagster_env
    keys = {key.to_user_string() for a in module.national_source_assets for key in a.keys}
    assert keys == {
        "raw/ons_population_pfa",
        "raw/census2011_ethnic_group_lad",
        "raw/ons_lad_pfa_lookup",
        "raw/census2011_ethnic_group_pfa_third_party",
        "raw/ons_pfa_boundaries",
        "raw/iopc_deaths_tables",
        "raw/home_office_use_of_force",
        "raw/home_office_police_officers",
        "raw/home_office_arrests",
        "raw/coroners_pfd_reports",
        "raw/rcrp_go_live_published",
        "raw/mh_schemes_published",
        "raw/s136_published_national",
    }
    for asset in module.national_source_assets:
        assert set(asset.group_names_by_key.values()) == {"national_sources"}


def test_assets_without_public_folder_materialise_and_say_so(dagster_env, monkeypatch):
    module, resources = dagster_env
    monkeypatch.delenv("MHW_PUBLIC_DATA_DIR", raising=False)
    result = dg.materialize(module.national_source_assets, resources=resources)
    assert result.success
    events = result.get_asset_materialization_events()
    assert len(events) == len(module.national_source_assets)
    for event in events:
        metadata = event.materialization.metadata
        assert metadata["rows_loaded"].value == 0 and metadata["rows_available"].value == 0
        assert "MHW_PUBLIC_DATA_DIR is not set" in metadata["note"].value


def test_assets_turn_bad_files_into_clean_failures(dagster_env, public, monkeypatch):
    from ingestion.national.population import FILE_NAME as POPULATION_FILE

    module, resources = dagster_env
    path = public / ARRESTS
    path.write_text(path.read_text().replace("Lancashire,2017/18", "Gotham City,2017/18"))
    (public / POPULATION_FILE).write_text("pfa_code,pfa_name_ons,mid_year,population\nE23000001,Met,2019,lots\n")
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(public))
    result = dg.materialize(module.national_source_assets, resources=resources, raise_on_error=False)
    assert not result.success
    failures = [e.event_specific_data for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 2
    for data in failures:
        assert data.error.cls_name == "Failure" and data.user_failure_data is not None  # no stack trace for a bad file
    messages = sorted(data.user_failure_data.description for data in failures)
    assert ARRESTS in messages[0] and "'Gotham City'" in messages[0]
    assert POPULATION_FILE in messages[1] and "row 1, field population: 'lots' is not a whole number" in messages[1]
    loaded = {
        e.asset_key.to_user_string(): e.materialization.metadata["rows_loaded"].value
        for e in result.get_asset_materialization_events()
    }
    assert {key: rows for key, rows in loaded.items() if rows} == {
        "raw/iopc_deaths_tables": 16,
        "raw/home_office_use_of_force": 9,
        "raw/home_office_police_officers": 15,
    }
    assert len(loaded) == len(module.national_source_assets) - 2  # the sources without a file still materialise


# --- integration: the real files, dbt build, the publications' own figures -----------------------------------------

REAL_FILES = [
    "iopc_deaths_during_or_following_police_contact_2004-05_to_2019-20_long.csv",
    "home_office_use_of_force_by_perceived_health_condition_by_force_2019-20.csv",
    "home_office_police_officers_by_force_march_2007-2022_workforce_open_data.csv",
    "home_office_arrests_by_force_2006-07_to_2017-18_totals.csv",
]


def _real_public_dir() -> Path | None:
    value = os.environ.get("MHW_PUBLIC_DATA_DIR")
    return Path(value) if value else None


@pytest.fixture(scope="module")
def built_marts(tmp_path_factory):
    public_dir = _real_public_dir()
    if public_dir is None:
        pytest.skip("MHW_PUBLIC_DATA_DIR is not set: the real IOPC / Home Office files are needed")
    missing = [name for name in REAL_FILES if not (public_dir / name).is_file()]
    if missing:
        pytest.skip(f"MHW_PUBLIC_DATA_DIR={public_dir} lacks {', '.join(missing)}")
    tmp = tmp_path_factory.mktemp("national_real")
    warehouse = tmp / "warehouse.duckdb"
    started = time.monotonic()
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        loaded = {
            loader.__name__: loader(con, public_dir).rows_loaded
            for loader in (load_iopc_deaths, load_use_of_force, load_police_officers, load_arrests)
        }
    assert loaded == {
        "load_iopc_deaths": 7667,
        "load_use_of_force": 1671,
        "load_police_officers": 688 + 171,
        "load_arrests": 516,
    }
    select = ["+mart_iopc_deaths", "+mart_iopc_deaths_national", "+mart_use_of_force_mh",
              "assert_wilson_matches_reference_values"]  # fmt: skip
    run_dbt(["build", "--select", *select, "--indirect-selection", "cautious"], tmp, warehouse=warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con, time.monotonic() - started
    con.close()


@pytest.mark.slow
def test_real_iopc_by_force_rows_add_up_to_the_national_tables(built_marts):
    con, _ = built_marts
    by_force = dict(
        _rows(
            con,
            "select fy_label || '/' || iopc_category, sum(deaths) from marts.mart_iopc_deaths "
            "where edition = '2019-20' group by 1",
        )
    )
    national = _rows(
        con,
        "select fy_label || '/' || iopc_category, deaths, incidents, incidents_by_force_sum "
        "from marts.mart_iopc_deaths_national where edition = '2019-20'",
    )
    assert len(national) == 16 * 5
    for key, deaths, incidents, incidents_by_force in national:
        if key.endswith("/fatal_shooting"):
            assert by_force[key] >= deaths, key
        else:
            assert by_force[key] == deaths, key  # 3.5 = 3.1, 4.5 = 4.1, 5.6 = 5.1, 1.8 = 1.1
        if incidents_by_force is not None:
            assert incidents_by_force == incidents, key  # 1.7 = 1.1, 5.5 = 5.1
    # the published figures themselves (IOPC time series 2019-20, tables 3.1 and 2.1 / 2.5)
    custody = dict(
        _rows(con, "select fy_label, deaths from marts.mart_iopc_deaths_national where iopc_category = 'custody'")
    )
    assert (custody["2017-18"], custody["2018-19"], custody["2019-20"], sum(custody.values())) == (23, 17, 18, 311)
    shootings = _rows(
        con,
        "select fy_label, deaths, deaths_by_force_sum from marts.mart_iopc_deaths_national "
        "where iopc_category = 'fatal_shooting' and not deaths_by_force_reconciles order by 1",
    )
    assert shootings == [("2017-18", 4, 7), ("2019-20", 3, 4)]  # joint Met / City of London operations
    met = _rows(
        con,
        "select sum(deaths) from marts.mart_iopc_deaths where force_code = 'E23000001' and iopc_category = 'custody'",
    )
    assert met == [(53,)]  # table 3.5 'Metropolitan', Total column
    flags = _rows(
        con,
        "select entity_type, count(distinct entity_key), bool_or(is_territorial_force) from marts.mart_iopc_deaths "
        "group by 1 order by 1",
    )
    assert flags == [("force", 44, True), ("multi_force", 15, False), ("non_territorial_body", 4, False)]
    assert _rows(con, "select bool_and(is_latest_edition) from marts.mart_iopc_deaths") == [(True,)]


@pytest.mark.slow
def test_real_use_of_force_national_rows_equal_the_sum_of_forces(built_marts):
    con, _ = built_marts
    row = _rows(
        con,
        """
        select
            sum(case when is_national then n_mental end), sum(case when not is_national then n_mental end),
            sum(case when is_national then n_tactic_reported end),
            sum(case when not is_national then n_tactic_reported end),
            count(case when not is_national then 1 end)
        from marts.mart_use_of_force_mh where tactic_level = 'all_tactics'
        """,
    )[0]
    assert row == (106_575, 106_575, 715_276, 715_276, 43)
    e_w = _rows(
        con,
        "select n_mental_health, n_condition_reported, pct_mental_health, pct_mental_health_lcl95, "
        "pct_mental_health_ucl95, officers_fte, officers_fy_label, officers_denominator_status, "
        "arrests_denominator_status from marts.mart_use_of_force_mh where is_national and tactic = '*Total Tactics'",
    )[0]
    x, n = 106_575 + 2_942, 715_276 - 28_840  # (Mental + Physical and mental) / (all - Not reported)
    assert e_w[:2] == (x, n)
    z = 1.959964
    lower = (2 * x + z * z - z * math.sqrt(z * z + 4 * x * (1 - x / n))) / (2 * (n + z * z))
    upper = (2 * x + z * z + z * math.sqrt(z * z + 4 * x * (1 - x / n))) / (2 * (n + z * z))
    assert e_w[2:5] == (round(100 * x / n, 2), round(100 * lower, 2), round(100 * upper, 2)) == (15.95, 15.87, 16.04)
    assert e_w[5:] == (129_110.02, "2019-20", "same_year", "carried_forward")  # 43 forces' FTE at 31 March 2020
    # tactical communication: the national row keeps the published total although Wiltshire has no row
    tc = _rows(
        con,
        "select sum(case when is_national then n_tactic_reported end), sum(case when not is_national "
        "then n_tactic_reported end) from marts.mart_use_of_force_mh where tactic = 'Tactical communication'",
    )
    assert tc == [(215_559, 215_149)]


@pytest.mark.slow
def test_real_denominators_are_labelled_never_invented(built_marts):
    con, elapsed = built_marts
    denominators = dict(
        _rows(
            con,
            "select force_code || '/' || fy_label, officers_fte from intermediate.int_force_denominators_year "
            "where force_code in ('E23000026', 'BTP') and fy_label = '2018-19'",
        )
    )
    # 31 March 2019: the July 2022 open data (revised, 1,180.92) wins over the Sep 2019 tables (1,163.92);
    # BTP is only in the Sep 2019 tables
    assert denominators == {"E23000026/2018-19": 1180.92, "BTP/2018-19": 2844.05}
    arrests = dict(
        _rows(
            con,
            "select fy_label, sum(arrests) from intermediate.int_force_denominators_year "
            "where fy_label in ('2006-07', '2016-17', '2017-18') group by 1",
        )
    )
    assert arrests == {"2006-07": 1_474_843, "2016-17": 781_250, "2017-18": 698_737}  # PROVENANCE §14 sums
    lancashire = _rows(
        con,
        "select arrests, arrests_fy_label, arrests_denominator_status, officers_fy_label "
        "from marts.mart_use_of_force_mh where force_code = 'E23000003' and tactic = '*Total Tactics'",
    )
    assert lancashire == [(20_012, "2016-17", "carried_forward", "2019-20")]  # no 2017-18 data from Lancashire
    statuses = _rows(
        con,
        "select arrests_fy_label, arrests_denominator_status, count(*) from marts.mart_use_of_force_mh "
        "where tactic = '*Total Tactics' group by all order by 1",
    )
    assert statuses == [
        ("2016-17", "carried_forward", 1),
        ("2016-17 to 2017-18", "carried_forward", 1),
        ("2017-18", "carried_forward", 42),
    ]
    assert elapsed < 90, f"integration build took {elapsed:.0f} s"
