"""ONS population loader: the published file format, idempotence, replacement, absent folder, clear errors."""

from __future__ import annotations

import shutil

import pytest

from ingestion.national.population import FILE_NAME, VINTAGE, PopulationFileError, load_ons_population

from .helpers import FIXTURES


@pytest.fixture
def public(tmp_path):
    folder = tmp_path / "public"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "ons_population_tiny.csv", folder / FILE_NAME)
    return folder


def test_loads_fixture_with_vintage_and_ledger(con, public):
    assert load_ons_population(con, public).rows_loaded == 4
    rows = con.execute(
        "select geo_code, geo_name, mid_year, population, population_vintage, source_file "
        "from raw.ons_population_pfa order by 1, 3"
    ).fetchall()
    assert rows[0] == ("E23000001", "Metropolitan Police", 2019, 8950000, VINTAGE, FILE_NAME)
    assert len(rows) == 4
    ledger = con.execute("select source, force_code, period, status, rows_loaded, file_path from raw.load_ledger")
    assert ledger.fetchall() == [("ons_population", "national", "2019-2020", "loaded", 4, FILE_NAME)]


def test_same_file_again_loads_nothing(con, public):
    load_ons_population(con, public)
    assert load_ons_population(con, public).rows_loaded == 0
    assert con.execute("select count(*) from raw.load_ledger").fetchone()[0] == 1
    assert con.execute("select count(*) from raw.ons_population_pfa").fetchone()[0] == 4


def test_changed_file_supersedes_and_replaces_rows(con, public):
    load_ons_population(con, public)
    path = public / FILE_NAME
    path.write_text(path.read_text().replace("8960000", "8960500") + "E23000002,Cumbria,2020,500000\n")
    assert load_ons_population(con, public).rows_loaded == 5
    assert con.execute("select count(*) from raw.ons_population_pfa").fetchone()[0] == 5
    assert con.execute(
        "select population from raw.ons_population_pfa where geo_code = 'E23000001' and mid_year = 2020"
    ).fetchone() == (8960500,)
    statuses = con.execute("select status from raw.load_ledger order by loaded_at").fetchall()
    assert statuses == [("superseded",), ("loaded",)]


def test_absent_folder_or_file_loads_nothing(con, tmp_path):
    assert load_ons_population(con, None).rows_loaded == 0
    assert load_ons_population(con, tmp_path / "nowhere").rows_loaded == 0
    assert load_ons_population(con, tmp_path).rows_loaded == 0
    assert con.execute("select count(*) from raw.load_ledger").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("W15000004,Dyfed-Powys,2019", "W15000099,Dyfed-Powys,2019", "row 3, field pfa_code: 'W15000099'"),
        ("2019,517000", "2019,lots", "row 3, field population: 'lots' is not a whole number"),
    ],
)
def test_bad_values_named_by_file_row_and_field(con, public, old, new, message):
    path = public / FILE_NAME
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(PopulationFileError, match=message) as exc:
        load_ons_population(con, public)
    assert FILE_NAME in str(exc.value)
    assert con.execute("select count(*) from raw.ons_population_pfa").fetchone()[0] == 0
