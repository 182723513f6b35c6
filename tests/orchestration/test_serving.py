"""Publishing the serving snapshot: only published tables, atomic switch, bounded history, privacy guards."""

from __future__ import annotations

import os

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema
from mhw.serving import PublishError, list_snapshots, publish_snapshot
from tests.revisions_fixture import write_manifest


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        con.execute("create schema marts; create schema staging")
        con.execute(
            "insert into raw.load_ledger (load_id, source, file_path, sha256, loaded_at, rows_read, rows_loaded, "
            "rows_rejected, status) select 'l' || i, 's136', 'f' || i, 'x', now(), 0, 0, 0, s "
            "from (values (1, 'loaded'), (2, 'superseded')) t(i, s)"
        )
        con.execute("create table marts.dim_force as select 'E23000001' force_code, 'Met' force_name")
        con.execute("create table marts.mart_s136_force_year as select 'E23000001' force_code, 10 s136_detentions")
        con.execute("create table marts.fct_s136_detentions as select 'x' person_token")
        con.execute("create table staging.stg_x as select 1 a")
    return path


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.json"
    write_manifest(path, {"dim_force": {}, "mart_s136_force_year": {"s136_detentions": "count"}})
    return path


def test_publish_copies_only_published_tables(warehouse, manifest, tmp_path):
    serving = tmp_path / "serving"
    snap = publish_snapshot(warehouse, serving, manifest=manifest)
    current = serving / "current.duckdb"
    assert current.is_symlink() and os.path.realpath(current) == str(snap.path)
    with duckdb.connect(str(current), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert tables == {"dim_force", "mart_s136_force_year", "publication", "publication_tables", "mart_revisions"}
        assert con.execute("select warehouse_loads from publication").fetchone()[0] == 1
    assert snap.tables == {"dim_force": 1, "mart_s136_force_year": 1}


def test_publish_switches_atomically_and_keeps_history(warehouse, manifest, tmp_path):
    serving = tmp_path / "serving"
    first = publish_snapshot(warehouse, serving, keep=2, manifest=manifest)
    reader = duckdb.connect(str(serving / "current.duckdb"), read_only=True)  # an app holding the old one
    try:
        for _ in range(3):
            last = publish_snapshot(warehouse, serving, keep=2, manifest=manifest)
        assert reader.execute("select count(*) from dim_force").fetchone()[0] == 1
    finally:
        reader.close()
    snapshots = list_snapshots(serving)
    assert len(snapshots) == 2 and first.path not in snapshots
    assert os.path.realpath(serving / "current.duckdb") == str(last.path)
    assert not list(serving.glob(".*tmp"))
    assert first.previous is None and "the first publication here" in first.summary()  # nothing to revise
    assert last.previous == snapshots[0].stem and f"0 revision(s) against the previous snapshot ({last.previous})" in (
        last.summary()
    )


@pytest.mark.parametrize(
    ("plant", "error"),
    [
        ("create table marts.mart_leak as select 'abc' person_token", "mart_leak"),  # a person-level column
        (
            "insert into marts.mart_s136_force_year values ('E23000002', 3)",  # a count of 1-7 people
            r"disclosure control .* mart_s136_force_year.s136_detentions: small_count",
        ),
        ("create table marts.mart_new as select 4 people", r"mart_new\.\*: unclassified"),  # no model declares it
    ],
)
def test_publish_refuses_what_may_not_be_published(warehouse, manifest, tmp_path, plant, error):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(plant)
    with pytest.raises(PublishError, match=error):
        publish_snapshot(warehouse, tmp_path / "serving", manifest=manifest)
    assert not (tmp_path / "serving" / "current.duckdb").exists()
    assert not list((tmp_path / "serving").glob("*.duckdb*"))


def test_publish_without_warehouse_or_manifest_is_a_clear_error(warehouse, tmp_path):
    with pytest.raises(PublishError, match="run the refresh first"):
        publish_snapshot(tmp_path / "missing.duckdb", tmp_path / "serving", manifest=tmp_path / "manifest.json")
    with pytest.raises(PublishError, match="make manifest"):
        publish_snapshot(warehouse, tmp_path / "serving", manifest=tmp_path / "missing.json")


def test_a_previous_that_is_not_a_snapshot_is_refused_before_anything_is_written(warehouse, manifest, tmp_path):
    (tmp_path / "notes.duckdb").write_text("not a database")
    with pytest.raises(PublishError, match="notes.duckdb is not a serving snapshot to compare with: IO Error"):
        publish_snapshot(warehouse, tmp_path / "serving", manifest=manifest, previous=tmp_path / "notes.duckdb")
    with pytest.raises(PublishError, match="is not a serving snapshot to compare with: it holds no publication"):
        publish_snapshot(warehouse, tmp_path / "serving", manifest=manifest, previous=warehouse)
    assert not list((tmp_path / "serving").glob("*.duckdb"))


@pytest.fixture
def off_contract_home(pipeline_snapshot_build, tmp_path, monkeypatch):
    """MHW_HOME with the pipeline's warehouse, whose dim_force has a column its .yml does not declare."""
    import shutil

    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(pipeline_snapshot_build.warehouse, home / "warehouse.duckdb")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("alter table marts.dim_force add column undeclared integer")
    for name in ("MHW_WAREHOUSE", "MHW_SERVING_DIR", "MHW_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MHW_HOME", str(home))
    return home


def _materialize(selection):
    """The published models (as built), their contract checks and the serving snapshot; `selection` runs."""
    import dagster as dg

    from orchestration.assets.publish import contract_checks, published_model_keys, serving_snapshot
    from orchestration.resources import WarehouseResource

    assets = [*(dg.AssetSpec(key) for key in published_model_keys()), contract_checks, serving_snapshot]
    selection = selection(dg.AssetSelection.assets(serving_snapshot), dg.AssetSelection.checks(contract_checks))
    return dg.materialize(
        assets, resources={"warehouse": WarehouseResource()}, selection=selection, raise_on_error=False
    )


def test_a_table_off_its_contract_fails_its_check_and_the_publish_does_not_run(off_contract_home):
    """The published tables' column checks run as one Dagster step; one table off its contract fails its own
    check (the others pass) and stops the serving snapshot, which needs every blocking check to pass."""
    from orchestration.assets.publish import published_model_keys

    result = _materialize(lambda publish, checks: publish | checks)
    evaluations = result.get_asset_check_evaluations()
    failed = {e.asset_key.to_user_string(): e.description for e in evaluations if not e.passed}
    assert failed.keys() == {"marts/dim_force"} and "undeclared" in failed["marts/dim_force"]
    assert len(evaluations) == len(published_model_keys()), "every published table checked"
    steps = {e.step_key for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert len(steps) == 1, steps
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert not result.success and started == steps, "the publish never started (its own guards not reached)"
    assert not (off_contract_home / "serving" / "current.duckdb").exists()


def test_a_publish_without_the_checks_run_before_it_refuses_a_table_off_its_contract(off_contract_home):
    """The Dagster check blocks only the run it runs in: the serving snapshot materialised on its own (the UI's
    Materialize on serving_snapshot) and `mhw publish` check for themselves, and publish nothing. A declared column
    gone is found by nothing else (an undeclared number is, by the disclosure scan)."""
    from typer.testing import CliRunner

    from mhw.cli import app

    with duckdb.connect(str(off_contract_home / "warehouse.duckdb")) as con:
        con.execute("alter table marts.dim_force drop column undeclared")
        con.execute("alter table marts.dim_force drop column peer_group")
    result = _materialize(lambda publish, checks: publish)
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "nothing was published: dim_force lacks column(s) peer_group" in str(failure.event_specific_data.error)
    done = CliRunner().invoke(app, ["publish"])
    assert done.exit_code == 2 and "dim_force lacks column(s) peer_group that its .yml declares" in done.output
    assert not list((off_contract_home / "serving").glob("*.duckdb"))
