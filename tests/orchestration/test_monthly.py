"""Monthly sources in Dagster: month partitions, range runs, refresh planning, the landing sensor, freshness.

No dbt here (fast): the assets and checks run on their own against a temporary warehouse and landing zone.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from datetime import date

import dagster as dg
import duckdb
import pytest

from ingestion.gate.load import ingest_source
from mhw.refresh_inputs import (
    CODE_TAG,
    LEDGER_TAG,
    PLAN_TAG,
    PLANS,
    LastRefresh,
    code_fingerprint,
    forget_last_refresh,
    last_refresh,
    record_planned_refresh,
    record_refresh,
    save_plan,
    stale_plan,
)
from mhw.settings import get_settings
from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES, landing_asset
from orchestration.assets.ingestion_checks import (
    FreshnessConfig,
    freshness_check,
    lagging_forces,
    reconciliation_check,
)
from orchestration.assets.national_sources import NATIONAL_SOURCES
from orchestration.partitions import monthly_partitions, months_of_keys, partition_key_of, range_tags
from orchestration.refresh import (
    PUBLIC_BUCKET,
    build_landing_sensor,
    landing_state,
    plan_from_buckets,
    plan_now,
    plan_since,
)
from orchestration.resources import WarehouseResource

KEY, KEY_ID = b"test-key-not-secret", "k-test"
A, B, C, D = "E23000001", "E23000034", "W15000002", "BTP"
INCIDENTS = dg.AssetKey(["raw", "incidents"])
S136 = dg.AssetKey(["raw", "s136"])
SERVING = dg.AssetKey("serving_snapshot")
ALL_KEYS = [dg.AssetKey(["raw", s]) for s in (*LANDING_SOURCES, *MONTHLY_SOURCES)] + [SERVING]
HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.setenv("MHW_PSEUDONYMISATION_KEY", KEY.decode())
    return tmp_path


def _settled(*paths):
    for n, path in enumerate(paths):
        os.utime(path, ns=(HOUR_AGO_NS + n, HOUR_AGO_NS + n))


def test_partition_keys_are_landing_month_folders():
    assert partition_key_of("2024-05") == "2024-05"
    assert monthly_partitions.get_first_partition_key() == "2015-04"
    for not_a_partition in ("2024-25", "2024-5", "2024-13", "2014-03", "2099-01", None):
        assert partition_key_of(not_a_partition) is None
    assert months_of_keys(["2024-05", "2024-06"]) == {"2024-05", "2024-06"}


def test_monthly_asset_loads_its_partition_range_and_stray_folders(env, incidents_file):
    landing = env / "landing"
    for month in ("2024-01", "2024-02", "2024-03"):
        incidents_file(landing, A, month, n=3)
    incidents_file(landing, A, "2024-5", n=2)  # not a month folder: no partition, but it must get a verdict
    asset = landing_asset("incidents", MONTHLY_SOURCES["incidents"], monthly_partitions)
    assert asset.partitions_def == monthly_partitions
    assert asset.backfill_policy == dg.BackfillPolicy.single_run()

    result = dg.materialize(
        [asset, reconciliation_check("incidents")],
        resources={"warehouse": WarehouseResource()},
        tags=range_tags("2024-01", "2024-02"),
    )
    assert result.success
    events = result.get_asset_materialization_events()
    assert sorted(e.partition for e in events) == ["2024-01", "2024-02"]  # one run, two partitions
    meta = {k: v.value for k, v in events[0].materialization.metadata.items()}
    assert (meta["rows_loaded"], meta["files_rejected"], meta["months"]) == (6, 1, "2024-01..2024-02 (2 months)")
    with duckdb.connect(str(env / "warehouse.duckdb"), read_only=True) as con:
        ledger = con.execute("select file_path, period, status from raw.load_ledger order by file_path").fetchall()
    assert [(p.split("/")[2], period, status) for p, period, status in ledger] == [
        ("2024-01", "2024-01", "loaded"),
        ("2024-02", "2024-02", "loaded"),
        ("2024-5", None, "rejected_file"),  # not a period: the ledger keeps no period for it
    ]  # 2024-03 waits for its partition
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "incidents_reconciliation" and check.passed


def test_a_monthly_asset_run_without_months_says_how_to_give_them(env, incidents_file):
    incidents_file(env / "landing", A, "2024-01", n=3)
    asset = landing_asset("incidents", MONTHLY_SOURCES["incidents"], monthly_partitions)
    single = dg.materialize([asset], resources={"warehouse": WarehouseResource()}, partition_key="2024-01")
    assert single.success  # one month is a range of one
    result = dg.materialize([asset], resources={"warehouse": WarehouseResource()}, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "incidents loads by month: launch the run with a range of months" in str(failure.step_failure_data.error)


def _ledger(env, incidents_file, deliveries):
    landing = env / "landing"
    for force, months in deliveries.items():
        for month in months:
            incidents_file(landing, force, month, n=1)
    con = duckdb.connect(str(env / "warehouse.duckdb"))
    ingest_source(con, landing, "incidents", key=KEY, key_id=KEY_ID)
    return con


def test_freshness_names_the_forces_lagging_the_newest_month(env, incidents_file):
    deliveries = {A: ["2024-03", "2024-04", "2024-05"], B: ["2023-12", "2024-01"], C: ["2024-03"]}
    con = _ledger(env, incidents_file, deliveries)
    bad = env / "landing" / "incidents" / D / "2024-06" / "broken.csv"  # a rejected file is no delivery
    bad.parent.mkdir(parents=True)
    bad.write_text("nothing,useful\n1,2\n")
    ingest_source(con, env / "landing", "incidents", key=KEY, key_id=KEY_ID)
    assert lagging_forces(con, "incidents", 2) == {"newest": "2024-05", "forces": 3, "lagging": {B: ("2024-01", 4)}}
    assert set(lagging_forces(con, "incidents", 1)["lagging"]) == {B, C}
    assert lagging_forces(con, "custody", 2) == {"newest": None, "forces": 0, "lagging": {}}
    con.close()

    check = freshness_check("incidents")
    result = check(config=FreshnessConfig(), warehouse=WarehouseResource())
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["lagging_forces"].value == f"{B} (latest 2024-01, 4 months behind)"
    assert result.metadata["newest_month"].value == "2024-05"
    assert check(config=FreshnessConfig(max_lag_months=4), warehouse=WarehouseResource()).passed
    assert freshness_check("custody")(config=FreshnessConfig(), warehouse=WarehouseResource()).passed


def test_refresh_plan_without_monthly_files_leaves_monthly_assets_out(tmp_path):
    (tmp_path / "s136" / A / "2023-24").mkdir(parents=True)
    (tmp_path / "s136" / A / "2023-24" / "d.csv").write_text("x\n")
    plan = plan_since(landing_state(tmp_path)[0], None)
    assert plan.tags() == {} and plan.partition_range is None
    selection = plan.asset_selection(ALL_KEYS)
    assert S136 in selection and SERVING in selection and dg.AssetKey(["raw", "inspections"]) in selection
    assert not any(key.path[-1] in MONTHLY_SOURCES for key in selection)
    assert plan_since(landing_state(tmp_path / "absent")[0], None).asset_selection(ALL_KEYS) == selection


def test_refresh_plan_spans_the_months_with_files(tmp_path, incidents_file):
    incidents_file(tmp_path, A, "2024-03")
    incidents_file(tmp_path, B, "2023-11")
    street = tmp_path / "street_triage" / A / "2024-01"
    street.mkdir(parents=True)
    (street / "t.csv").write_text("x\n")
    plan = plan_since(landing_state(tmp_path)[0], None)
    assert plan.tags() == range_tags("2023-11", "2024-03")
    selection = plan.asset_selection(ALL_KEYS)
    assert {INCIDENTS, S136, dg.AssetKey(["raw", "street_triage"])} <= set(selection)
    assert dg.AssetKey(["raw", "custody"]) not in selection  # no custody files: left out, not failed
    stray = plan_from_buckets(["incidents/2024-5"])  # only a misplaced folder: the latest partition, to reject it
    last = monthly_partitions.get_last_partition_key()
    assert stray.partition_range == (last, last) and stray.asset_selection(ALL_KEYS) == [INCIDENTS, SERVING]


def _tick(sensor, cursor):
    context = dg.build_sensor_context(cursor=cursor)
    return sensor(context), context.cursor


def test_landing_sensor_requests_changed_months_once(tmp_path, monkeypatch, incidents_file):
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))  # no refresh on record: the changed folders run
    monkeypatch.setenv("MHW_LANDING_DIR", str(tmp_path))
    sensor = build_landing_sensor(ALL_KEYS)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    jan = incidents_file(tmp_path, A, "2024-01")
    _settled(jan, incidents_file(tmp_path, B, "2024-02"))

    first, cursor = _tick(sensor, None)
    assert isinstance(first, dg.RunRequest) and first.job_name in (None, "refresh")
    assert first.tags == range_tags("2024-01", "2024-02")
    assert INCIDENTS in first.asset_selection and SERVING in first.asset_selection
    assert S136 not in first.asset_selection  # no s136 change: its asset is not run
    assert set(json.loads(cursor)) == {"incidents/2024-01", "incidents/2024-02"}
    again, _ = _tick(sensor, None)
    assert again.run_key == first.run_key, "the same change gets the same run_key, so Dagster runs it once"

    quiet, cursor2 = _tick(sensor, cursor)
    assert isinstance(quiet, dg.SkipReason) and cursor2 == cursor

    _settled(incidents_file(tmp_path, C, "2024-04"))
    new, cursor3 = _tick(sensor, cursor2)
    assert new.tags == range_tags("2024-04", "2024-04") and new.run_key != first.run_key

    incidents_file(tmp_path, A, "2024-01", n=20)  # a corrected re-delivery, still being written
    waiting, cursor4 = _tick(sensor, cursor3)
    assert isinstance(waiting, dg.SkipReason) and "still being written" in waiting.skip_message
    _settled(jan)
    corrected, cursor5 = _tick(sensor, cursor4)
    assert corrected.tags == range_tags("2024-01", "2024-01")

    s136 = tmp_path / "s136" / A / "2023-24" / "return.csv"
    s136.parent.mkdir(parents=True)
    s136.write_text("x\n")
    _settled(s136)
    unpartitioned, _ = _tick(sensor, cursor5)
    assert unpartitioned.tags == {}, "an s136 delivery alone runs no monthly partition"
    assert S136 in unpartitioned.asset_selection and INCIDENTS not in unpartitioned.asset_selection


def test_landing_sensor_with_an_empty_landing_zone_skips(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MHW_LANDING_DIR", str(tmp_path / "nothing-here"))
    result, cursor = _tick(build_landing_sensor(ALL_KEYS), None)
    assert isinstance(result, dg.SkipReason) and cursor == "{}"


def _record_refresh_now(ledger=(0, 0, 0, 0)):
    """What `mhw refresh` records after a successful refresh of the landing zone as it is now."""
    settings = get_settings()
    record_refresh(settings, "f", code=code_fingerprint(), landing=plan_now(None)[1], ledger=ledger)


def test_the_sensor_after_a_recorded_refresh_plans_what_changed_since_and_its_publish_records_it(
    tmp_path, monkeypatch, incidents_file
):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    landing = tmp_path / "landing"
    _settled(incidents_file(landing, A, "2024-01"))
    _record_refresh_now()
    sensor = build_landing_sensor(ALL_KEYS)
    quiet, cursor = _tick(
        sensor, None
    )  # the cursor starts empty: every folder is new to the sensor, not to the warehouse
    assert isinstance(quiet, dg.SkipReason) and "none changed since the last refresh" in quiet.skip_message
    _settled(incidents_file(landing, B, "2024-02"))
    new, _ = _tick(sensor, cursor)
    assert new.tags[CODE_TAG] == code_fingerprint() and json.loads(new.tags[LEDGER_TAG]) == [0, 0, 0, 0]
    assert new.tags.items() >= range_tags("2024-02", "2024-02").items()  # the month changed since, not January
    assert INCIDENTS in new.asset_selection and S136 not in new.asset_selection
    settings = get_settings()
    assert record_planned_refresh(settings, new.tags[PLAN_TAG], (2, 20, 0))  # what its publish does
    last, _ = last_refresh(settings, code_fingerprint(), (2, 20, 0))
    assert last.landing["incidents/2024-02"] == landing_state(landing)[0]["incidents/2024-02"]
    assert not list((tmp_path / "refresh_plans").glob("*.json"))  # recorded, so removed
    assert not record_planned_refresh(settings, new.tags[PLAN_TAG], (2, 20, 0))  # a plan is recorded once


def test_plans_of_runs_that_never_published_are_removed_after_a_week(env):
    settings = get_settings()
    folder = settings.home / "refresh_plans"
    folder.mkdir()
    (folder / "never-published.json").write_text("{}")
    week_and_a_day_ago = time.time() - 8 * 86400
    os.utime(folder / "never-published.json", (week_and_a_day_ago, week_and_a_day_ago))
    plan_id = save_plan(settings, "fingerprint", "code", {"incidents/2024-01": "digest"})
    assert sorted(p.name for p in folder.iterdir()) == [f"{plan_id}.json"]
    assert save_plan(settings, "fingerprint", "code", {"incidents/2024-01": "digest"}) == plan_id  # the same plan


def test_a_planned_run_whose_code_or_ledger_changed_since_does_not_run(env):
    @dg.asset
    def writes(warehouse: WarehouseResource) -> None:
        with warehouse.connect() as con:
            con.execute("create table written as select 1 as x")

    current = {CODE_TAG: code_fingerprint(), LEDGER_TAG: "[0, 0, 0, 0]"}
    for tags, stale in (
        ({**current, CODE_TAG: "an older code"}, "the code changed after this refresh was planned"),
        ({**current, LEDGER_TAG: "[5, 100, 2]"}, "the load ledger changed after this refresh was planned"),
    ):
        result = dg.materialize([writes], resources={"warehouse": WarehouseResource()}, tags=tags, raise_on_error=False)
        assert not result.success
        assert stale in str(result.all_events)
    # `mhw withdraw` after the run was queued: the ledger's totals stay, the record of the last refresh is set aside
    forget_last_refresh(get_settings(), "x.csv was withdrawn since the last refresh (sent twice)")
    result = dg.materialize([writes], resources={"warehouse": WarehouseResource()}, tags=current, raise_on_error=False)
    assert not result.success
    assert "the last refresh's record was set aside after this refresh was planned (x.csv was withdrawn" in str(
        result.all_events
    )
    (env / "last_refresh.json").unlink()
    assert (
        not (env / "warehouse.duckdb").exists()
        or not duckdb.connect(str(env / "warehouse.duckdb"))
        .execute("select count(*) from duckdb_tables() where table_name = 'written'")
        .fetchone()[0]
    )
    assert dg.materialize([writes], resources={"warehouse": WarehouseResource()}, tags=current).success


LIMITS_SEEN: list[str] = []


class _LimitSeen(WarehouseResource):
    """The warehouse, noting the DuckDB memory limit of each connection it opens."""

    @contextmanager
    def connect(self, read_only: bool = False, memory_limit: str | None = None):
        with super().connect(read_only, memory_limit) as con:
            LIMITS_SEEN.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
            yield con


def test_landing_files_load_within_the_ingest_memory_limit(env, incidents_file, monkeypatch):
    """The gate's connection has its own, lower limit (MHW_INGEST_MEMORY_LIMIT); others keep the warehouse's."""
    monkeypatch.setenv("MHW_INGEST_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("MHW_DUCKDB_MEMORY_LIMIT", "700MB")
    incidents_file(env / "landing", A, "2024-01", n=3)
    LIMITS_SEEN.clear()
    asset = landing_asset("incidents", MONTHLY_SOURCES["incidents"], monthly_partitions)
    result = dg.materialize([asset], resources={"warehouse": _LimitSeen()}, tags=range_tags("2024-01", "2024-01"))
    assert result.success and len(LIMITS_SEEN) == 1
    assert LIMITS_SEEN[0].startswith("286") and "MiB" in LIMITS_SEEN[0]  # DuckDB shows 300MB as 286.1 MiB
    with WarehouseResource().connect() as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0].startswith("667")  # 700MB


def test_a_refresh_after_a_successful_one_runs_the_months_changed_since(tmp_path, incidents_file):
    for month in ("2024-01", "2024-02", "2024-03"):
        incidents_file(tmp_path, A, month)
    (tmp_path / "s136" / A / "2023-24").mkdir(parents=True)
    (tmp_path / "s136" / A / "2023-24" / "d.csv").write_text("x\n")
    before, _ = landing_state(tmp_path)
    last = LastRefresh(before, date(2024, 4, 10))
    nothing = plan_since(before, last)
    assert nothing.partition_range is None and S136 not in nothing.asset_selection(ALL_KEYS)
    (tmp_path / "s136" / A / "2023-24" / "d.csv").write_text("x,y\n")  # a corrected return
    corrected = plan_since(landing_state(tmp_path)[0], last)
    assert corrected.sources == {"s136"} and corrected.partition_range is None
    assert "s136" in corrected.raw_tables and "incidents" not in corrected.raw_tables
    incidents_file(tmp_path, B, "2024-02")  # a new force's file in an old month
    incidents_file(tmp_path, A, "2024-04")  # a new month
    (tmp_path / "incidents" / A / "2024-03" / "late_part.csv").write_text("x\n")  # another part of a month
    after, _ = landing_state(tmp_path)
    plan = plan_since(after, last)
    assert plan.months == {"incidents": ("2024-02", "2024-03", "2024-04")}
    assert plan.tags() == range_tags("2024-02", "2024-04") | {CODE_TAG: "", LEDGER_TAG: "[]"}  # and the plan's basis
    # a month that began after the last refresh runs again even unchanged: its files were refused as not begun then
    assert plan_since(after, LastRefresh(after, date(2024, 3, 20))).months == {"incidents": ("2024-04",)}
    assert plan_since(after, None).months == {"incidents": ("2024-01", "2024-02", "2024-03", "2024-04")}


def test_the_national_sources_run_only_when_the_public_data_changed(tmp_path, incidents_file):
    national = {dg.AssetKey(["raw", t]) for t in NATIONAL_SOURCES}
    keys = [*ALL_KEYS, *sorted(national, key=str)]
    incidents_file(tmp_path, A, "2024-01")
    landing, _ = landing_state(tmp_path)
    seen = {**landing, PUBLIC_BUCKET: "public-1"}
    last = LastRefresh(seen, date(2024, 2, 10))
    unchanged = plan_since(seen, last)
    assert not unchanged.national and not national & set(unchanged.asset_selection(keys))
    assert unchanged.raw_tables == set()
    for plan in (
        plan_since({**landing, PUBLIC_BUCKET: "public-2"}, last),  # a file added, changed or removed
        plan_since(seen, LastRefresh(landing, date(2024, 2, 10))),  # a stamp from before the public digest
        plan_since(landing, last),  # a caller that does not say
        plan_since(seen, None),  # no last refresh
    ):
        assert plan.national and national <= set(plan.asset_selection(keys) or keys)
        assert set(NATIONAL_SOURCES) <= plan.raw_tables


ATTEMPTS: list[str] = []


@dg.asset
def loads_then_fails(warehouse: WarehouseResource) -> None:
    """A ledger entry written, then (on the first attempt only) a failure: a planned run stopped half-way."""
    with warehouse.connect() as con:
        con.execute("create schema if not exists raw")
        con.execute(
            "create table if not exists raw.load_ledger (rows_loaded bigint, rows_rejected bigint, loaded_at timestamp)"
        )
        if not ATTEMPTS:
            con.execute("insert into raw.load_ledger values (10, 1, now())")
    ATTEMPTS.append("ran")
    if len(ATTEMPTS) == 1:
        raise RuntimeError("stopped half-way")


def _half_way_job() -> dg.JobDefinition:
    return dg.define_asset_job("half_way", [loads_then_fails], executor_def=dg.in_process_executor).resolve(
        asset_graph=dg.Definitions(
            assets=[loads_then_fails], resources={"warehouse": WarehouseResource()}
        ).resolve_asset_graph()
    )


def test_a_failed_planned_run_re_executed_runs_on_from_where_it_stopped_unless_someone_else_wrote(env, dagster_home):
    """Re-executing a failed schedule's run from the Dagster UI (which keeps the run's tags): its first attempt loaded
    a file, so the ledger is no longer the planned one, but it is as that attempt left it, so the re-execution runs;
    a new run with the same tags, or a re-execution after another writer, does not."""
    ATTEMPTS.clear()
    settings = get_settings()
    tags = {CODE_TAG: code_fingerprint(), LEDGER_TAG: "[0, 0, 0, 0]"}
    with dg.DagsterInstance.get() as instance:
        job = dg.reconstructable(_half_way_job)
        first = dg.execute_job(job, instance, tags=tags, raise_on_error=False)
        assert not first.success and ATTEMPTS == ["ran"]
        assert stale_plan(settings, tags) and stale_plan(settings, tags, first.run_id) is None
        again = dg.execute_job(
            job, instance, tags=tags, reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance)
        )
        assert again.success and ATTEMPTS == ["ran", "ran"]
        assert instance.get_run_by_id(again.run_id).parent_run_id == first.run_id

        with duckdb.connect(str(settings.warehouse)) as con:  # another writer, after the first attempt
            con.execute("insert into raw.load_ledger values (5, 0, now())")
        assert "the load ledger changed" in stale_plan(settings, tags, first.run_id)
        refused = dg.execute_job(
            job, instance, tags=tags, reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance),
            raise_on_error=False,
        )  # fmt: skip
        assert not refused.success and ATTEMPTS == ["ran", "ran"]
        assert not (env / PLANS / f"attempt-{refused.run_id}.json").exists()  # its check failed: nothing to run on
