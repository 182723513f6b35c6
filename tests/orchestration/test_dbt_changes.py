"""What a dbt build runs: the models downstream of the raw tables whose loads changed since the last build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.gate.ledger import withdraw
from ingestion.gate.load import ingest_source
from ingestion.schema import ensure_raw_schema
from mhw.published import load_manifest
from mhw.settings import DBT_MANIFEST
from orchestration.dbt_changes import (
    BuildInputs,
    Changes,
    build_inputs,
    changes,
    last_build,
    ledger_readers,
    raw_tables,
    record_build,
    unaffected,
)
from tests.orchestration.conftest import write_custody, write_incidents

KEY, KEY_ID = b"test-key-not-secret", "k-test"


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_raw_schema(con)
    yield con
    con.close()


def _load(con, landing: Path) -> None:
    for source in ("incidents", "custody"):
        ingest_source(con, landing, source, KEY, KEY_ID)


def test_the_manifest_names_the_raw_tables_and_the_models_reading_the_whole_ledger():
    manifest = load_manifest(DBT_MANIFEST)
    assert {"custody", "incidents", "s136", "ons_population_pfa"} <= set(raw_tables(manifest))
    assert "load_ledger" not in raw_tables(manifest)
    assert {"mart_data_quality", "stg_ingestion__loads"} <= set(ledger_readers(manifest))
    assert "stg_custody__detentions" not in ledger_readers(manifest), "it joins the ledger to its own loads"


def test_only_the_loads_that_changed_count(warehouse, tmp_path):
    landing, path, tables = tmp_path / "landing", tmp_path / "warehouse.duckdb", ["custody", "incidents", "s136"]
    write_incidents(landing, "E23000001", "2024-05")
    write_custody(landing, "E23000001", "2024-05")
    _load(warehouse, landing)
    first = build_inputs(warehouse, path, tables)
    assert changes(None, first) is None, "no earlier build: everything"
    assert changes(first, first) == Changes((), False) and changes(first, first).nothing

    write_custody(landing, "E23000001", "2024-06")  # a new month of one source
    _load(warehouse, landing)
    second = build_inputs(warehouse, path, tables)
    assert changes(first, second) == Changes(("custody",), True)

    withdraw(warehouse, "incidents/E23000001/2024-05/incidents.csv", "sent in error", "test")  # a status alone
    third = build_inputs(warehouse, path, tables)
    assert changes(second, third) == Changes(("incidents",), True)
    assert changes(third, BuildInputs(third.warehouse, "other code", third.ledger, third.tables)) is None
    assert changes(third, build_inputs(warehouse, tmp_path / "other.duckdb", tables)) is None, "another warehouse"


def test_what_no_change_reaches_is_left_out():
    manifest = load_manifest(DBT_MANIFEST)
    custody = set(unaffected(manifest, Changes(("custody",), False)))
    assert "fct_custody_mh" not in custody and "mart_outcomes_force_year" not in custody
    assert {"mart_iopc_deaths", "fct_mh_incidents", "mart_data_quality", "ref_force"} <= custody
    assert "not_null_fct_custody_mh_custody_key" not in custody, "the tests of what is rebuilt run"
    with_ledger = set(unaffected(manifest, Changes(("custody",), True)))
    assert "mart_data_quality" not in with_ledger and "mart_iopc_deaths" in with_ledger
    everything = set(unaffected(manifest, Changes((), False)))
    assert len(everything) > 700 and "int_person_contact_flags_thresholds_at_boundaries" in everything


def test_the_record_of_the_last_build_round_trips(warehouse, tmp_path):
    inputs = build_inputs(warehouse, tmp_path / "warehouse.duckdb", ["custody"])
    assert last_build(tmp_path / "dbt") is None
    record_build(tmp_path / "dbt", inputs)
    assert last_build(tmp_path / "dbt") == inputs
    (tmp_path / "dbt" / "last_build.json").write_text("{not json")
    assert last_build(tmp_path / "dbt") is None, "an unreadable record means: build everything"
