"""The whole graph through Dagster on a small landing zone: `mhw refresh` as an operator runs it.

Covers: materialisation of every asset, the serving snapshot's contents, a no-op re-run, a corrected
re-delivery that replaces (never duplicates), a file with bad rows, and the missing-key stop. Monthly sources:
the first refreshes have no monthly files (their assets are left out); the second delivery round adds a few
incidents, custody and triage files, which load as one run over their month range and reach the published marts.
The published snapshot is scanned for disclosure-control leaks by the rules the dbt models declare.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from demo.s136 import generate_s136
from mhw.disclosure_scan import load_rules, scan_disclosure
from mhw.identifier_scan import scan_identifiers
from mhw.published import load_manifest
from mhw.settings import DBT_MANIFEST, get_settings
from tests.orchestration.conftest import write_custody, write_triage

pytestmark = pytest.mark.slow

MHW = str(Path(sys.executable).parent / "mhw")
FORCES = ("E23000001", "E23000034", "W15000002", "BTP")
YEARS = ("2022-23", "2023-24")
INCIDENT_MONTHS = {"E23000001": ("2024-01", "2024-02", "2024-03", "2024-04"), "W15000002": ("2024-01",)}
CUSTODY_MONTHS = {"E23000001": ("2024-01", "2024-02"), "E23000034": ("2024-01",)}  # City of London: small cells
TRIAGE_MONTHS = {"W15000002": ("2024-01",)}


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHW_", "DAGSTER_"))}
    env.update(MHW_HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", **extra)
    return env


def _refresh(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([MHW, "refresh"], env=env, capture_output=True, text=True, timeout=1500)  # a hang guard


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("mhw-home")
    generate_s136(home / "landing", seed=11, years=YEARS, forces=FORCES)
    env = _env(home, MHW_PSEUDONYMISATION_KEY="test-key-not-secret")
    done = _refresh(env)
    assert done.returncode == 0, done.stdout + done.stderr
    return home


@pytest.fixture
def env(home):
    return _env(home, MHW_PSEUDONYMISATION_KEY="test-key-not-secret")


def _loaded_rows(home: Path) -> int:
    sql = "select sum(rows_loaded) from raw.load_ledger where status = 'loaded' and source = 's136'"
    return _query(home / "warehouse.duckdb", sql)[0][0]


def _fact_counts(home: Path) -> dict[str, int]:
    return dict(
        _query(home / "warehouse.duckdb", "select fy_label, count(*) from marts.fct_s136_detentions group by 1")
    )


def test_refresh_publishes_snapshot(home):
    current = home / "serving" / "current.duckdb"
    assert current.is_symlink()
    assert _query(current, "select count(*) from dim_force")[0][0] == 44
    rows = _query(current, "select force_code, fy_label from mart_s136_force_year where s136_detentions is not null")
    assert {(f, y) for f, y in rows} >= {(f, y) for f in FORCES if f != "E23000034" for y in YEARS}
    national = dict(_query(current, "select fy_label, s136_detentions + s135_detentions from mart_s136_national_year"))
    assert national == _fact_counts(home), "national s136 and s135 totals are exact counts of the loaded detentions"
    s136_only = "select fy_label, count(*) from marts.fct_s136_detentions where power = 's136' group by 1"
    assert dict(_query(current, "select fy_label, s136_detentions from mart_s136_national_year")) == dict(
        _query(home / "warehouse.duckdb", s136_only)
    )
    tables = {r[0] for r in _query(current, "select table_name from duckdb_tables()")}
    assert not any(t.startswith("fct_") for t in tables)
    assert (home / "dagster_home" / "dagster.yaml").exists()


def test_the_refresh_reports_each_models_dbt_tests_as_one_passed_check(home, monkeypatch):
    import dagster as dg

    from orchestration.dbt import TESTS_BY_ASSET

    monkeypatch.setenv("MHW_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        (run,) = instance.get_runs()
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        built = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    evaluations = [e.dagster_event.event_specific_data for e in events]
    dbt_checks = {e.asset_key: e for e in evaluations if e.check_name == "dbt_tests"}
    built_keys = {e.dagster_event.asset_key for e in built}  # no monthly files here: their raw assets are skipped
    assert dg.AssetKey(["marts", "mart_s136_force_year"]) in built_keys
    assert set(dbt_checks) == set(TESTS_BY_ASSET) & built_keys, "every built model's tests, each model once"
    failed = {k.to_user_string(): e.description for k, e in dbt_checks.items() if not e.passed}
    assert not failed
    ran = sum(e.metadata["passed"].value for e in dbt_checks.values())
    assert ran >= 0.9 * sum(len(TESTS_BY_ASSET[key]) for key in dbt_checks)
    assert len(evaluations) - len(dbt_checks) < len(dbt_checks), "no Dagster check per dbt test"


def test_the_dbt_builds_progress_counts_to_the_total_it_announced(home):
    import re

    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        (run,) = instance.get_runs()
        said = [e.user_message for e in instance.all_logs(run.run_id) if e.user_message.startswith("dbt build: ")]
    totals = {int(n.replace(",", "")) for n in re.findall(r"of about ([\d,]+) results", " ".join(said))}
    finished = re.match(r"dbt build: ([\d,]+) results \(models, seeds and tests\); 100% done", said[-1])
    assert finished and totals == {int(finished[1].replace(",", ""))}, said


def test_the_first_build_in_a_new_home_starts_from_the_projects_parse(home):
    """mhw-dbt gives every warehouse the same dbt profile, so a new home's first build reuses the parse `make
    manifest` made rather than parsing the whole project again (orchestration/dbt_child.py)."""
    (log,) = (home / "dbt").glob("build-*/dbt.log")  # the fixture's refresh: the only build so far
    events = [json.loads(line)["info"] for line in log.read_text().splitlines() if line.startswith("{")]
    assert "FoundStats" in {e["name"] for e in events}
    assert not [e["msg"] for e in events if e["name"] == "UnableToPartialParse"]


def test_second_refresh_with_nothing_new_stops_at_once(home, env):
    before = _query(home / "warehouse.duckdb", "select count(*), sum(rows_loaded) from raw.load_ledger")[0]
    snapshot = (home / "serving" / "current.duckdb").resolve()
    done = _refresh(env)
    assert done.returncode == 0, done.stderr
    assert "nothing new since the last successful refresh" in done.stdout
    after = _query(home / "warehouse.duckdb", "select count(*), sum(rows_loaded) from raw.load_ledger")[0]
    assert before == after and (home / "serving" / "current.duckdb").resolve() == snapshot


GWENT_2324 = "%W15000002/2023-24%"
BAD_FILE = (
    "detention_id,force_code,power,detained_at,age,sex,ethnicity_self_defined,transport_method,"
    "first_place_of_safety,arrived_first_pos_at,detention_ended_at,outcome"
    "\nG-OK-1,W15000002,s136,2024-06-01T10:00,30,F,W1,ambulance,hbpos,2024-06-01T11:00,2024-06-01T19:00,nfa"
    "\nG-BAD-2,W15000002,s136,31/02/2024,30,F,W1,ambulance,hbpos,,,nfa"
    "\nG-BAD-3,W15000002,s136,2024-07-01T10:00,150,Q,W1,teleport,hbpos,,,nfa"
    "\nG-OK-4,W15000002,s136,2024-08-01T10:00,41,M,B1,police_vehicle,ae,2024-08-01T10:30,2024-08-01T16:00,nfa\n"
)


@pytest.fixture(scope="module")
def changed(home, incidents_file):
    """One more delivery round, refreshed once: Gwent corrects its 2023-24 return (20 records fewer) and sends
    a 2024-25 file with two bad rows; two forces send their first monthly incidents files (Gwent only January, so
    it lags), and a few custody and triage files. Returns the state before it, and the refresh's output."""
    warehouse = home / "warehouse.duckdb"
    before = {
        "facts": _fact_counts(home),
        "loaded": _loaded_rows(home),
        "gwent": _query(
            warehouse,
            f"select rows_loaded from raw.load_ledger where file_path like '{GWENT_2324}' and status = 'loaded'",
        )[0][0],
    }
    path = next((home / "landing" / "s136" / "W15000002" / "2023-24").glob("*.csv"))
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows[:-20])
    folder = home / "landing" / "s136" / "W15000002" / "2024-25"
    folder.mkdir(parents=True)
    (folder / "gwent_2024-25.csv").write_text(BAD_FILE)
    for force, months in INCIDENT_MONTHS.items():
        for month in months:
            incidents_file(home / "landing", force, month, n=10)
    for force, months in CUSTODY_MONTHS.items():
        for month in months:
            write_custody(home / "landing", force, month, n=40 if force == "E23000001" else 9)
    for force, months in TRIAGE_MONTHS.items():
        for month in months:
            write_triage(home / "landing", force, month, n=13)
    done = _refresh(_env(home, MHW_PSEUDONYMISATION_KEY="test-key-not-secret"))
    assert done.returncode == 0, done.stderr
    return {**before, "stdout": done.stdout, "stderr": done.stderr}


def test_the_terminal_shows_the_refreshs_progress_and_dbts_own_lines_go_to_a_file(home, changed):
    """dagster-dbt echoes every line dbt prints; `mhw refresh` keeps them out of the terminal, in the home's dbt
    folder, beside the progress lines its log gives (a failed build's summary: test_cli)."""
    from mhw.cli import DBT_CONSOLE

    assert "dbt build: " in changed["stderr"] and "this refresh: " in changed["stdout"]
    assert not re.search(r"\d+ of \d+ (START|OK created|PASS)", changed["stdout"] + changed["stderr"])
    console = (home / "dbt" / DBT_CONSOLE).read_text()
    assert re.search(r"\d+ of \d+ OK created sql", console) and "Completed successfully" in console


def test_corrected_redelivery_replaces(home, changed):
    statuses = _query(
        home / "warehouse.duckdb",
        f"select status, rows_loaded from raw.load_ledger where file_path like '{GWENT_2324}' order by loaded_at",
    )
    assert [s for s, _ in statuses] == ["superseded", "loaded"]
    removed = changed["gwent"] - statuses[-1][1]
    assert 0 <= removed <= 20, "20 records fewer, less any of them that had been rejected"
    assert _fact_counts(home)["2023-24"] == changed["facts"]["2023-24"] - removed
    assert _loaded_rows(home) == changed["loaded"] - removed + 2  # + the two good rows of the 2024-25 file


def test_bad_rows_are_named_and_good_rows_kept(home, env, changed):
    ledger = _query(
        home / "warehouse.duckdb",
        "select rows_read, rows_loaded, rows_rejected from raw.load_ledger where file_path like '%2024-25%'",
    )
    assert ledger == [(4, 2, 2)]
    out = subprocess.run([MHW, "rejects", "--limit", "500"], env=env, capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if "gwent_2024-25.csv" in line]
    assert any("row 2" in line and "detained_at" in line for line in lines)
    assert any("row 3" in line and "age" in line for line in lines)
    assert any("row 3" in line and "sex" in line for line in lines)
    assert any("row 3" in line and "transport_method" in line for line in lines)
    assert _fact_counts(home).get("2024-25") == 2


def test_monthly_source_loads_its_months_in_one_run_and_is_published(home, changed, monkeypatch):
    assert (
        "monthly sources over partitions 2024-01..2024-04: custody 2024-01..2024-02 (2 months); "
        "incidents 2024-01..2024-04 (4 months); street_triage 2024-01 "
        "(months new or changed since the last refresh)" in changed["stdout"]
    )
    ledger = _query(
        home / "warehouse.duckdb",
        "select force_code, period, status, rows_loaded from raw.load_ledger where source = 'incidents' order by all",
    )
    assert ledger == [(f, m, "loaded", 10) for f, months in sorted(INCIDENT_MONTHS.items()) for m in months]
    # the public data folder (unset here) is as the first refresh found it: the national sources do not run again
    assert "national sources: the public data folder is as the last refresh found it, not run" in changed["stdout"]
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_materialized_partitions(dg.AssetKey(["raw", "incidents"])) == set(
            INCIDENT_MONTHS["E23000001"]
        )
        runs = {
            key: instance.get_latest_materialization_event(dg.AssetKey(["raw", key])).run_id
            for key in ("incidents", "s136", "ons_population_pfa")
        }
        assert runs["incidents"] == runs["s136"] != runs["ons_population_pfa"]
        # dbt rebuilt what reads the changed sources, and left the models reading only unchanged ones as they were
        built = {
            key: instance.get_latest_materialization_event(dg.AssetKey(["marts", key])).run_id
            for key in ("mart_demand_force_month", "fct_s136_detentions", "mart_inspection_recommendations")
        }
        assert built["mart_demand_force_month"] == built["fct_s136_detentions"] == runs["incidents"]
        assert built["mart_inspection_recommendations"] != runs["incidents"]
        assert not instance.get_materialized_partitions(dg.AssetKey(["raw", "incident_totals"]))  # no files
    assert re.search(r"^dbt: \d+ models and seeds read none of the sources this refresh runs", changed["stdout"], re.M)
    # Gwent delivered only January: a WARN freshness check, reported, and the refresh still succeeds
    assert "warning: check raw/incidents: incidents_freshness" in changed["stderr"]
    published = _query(
        home / "serving" / "current.duckdb",
        "select force_code, strftime(month_start, '%Y-%m'), mh_incidents from mart_demand_force_month "
        "where mh_incidents > 0 and force_code in ('E23000001', 'W15000002')",
    )
    assert sorted(published) == [(f, m, 10) for f, months in sorted(INCIDENT_MONTHS.items()) for m in months]


def test_the_months_refresh_tests_the_rows_loaded_since_the_last_refresh_and_the_first_every_row(home, changed):
    """The first refresh tested every row; the month's, planned on the warehouse it left, passes dbt the time of
    its latest load, so the data tests marked __loaded_since_tested__ read the new loads' rows (and their keys'
    clashes) only (dbt_project/macros/get_where_subquery.sql)."""
    said = re.search(r"__loaded_since_tested__ read the rows of loads made after (\S+ \S+):", changed["stderr"])
    assert said
    [(latest,)] = _query(home / "warehouse.duckdb", "select max(loaded_at) from raw.load_ledger where source = 's136'")
    assert said[1] < str(latest)  # before this refresh's corrected s136 return
    compiled = next((home / "dbt").glob("build-*/run/**/unique_stg_custody__detentions_custody_key.sql")).read_text()
    assert f"where loaded_at > cast('{said[1]}' as timestamp)" in compiled


def test_key_field_completeness_counts_each_active_loads_rows_once_across_refreshes(home, changed):
    """int_load_field_completeness appends each new load once (the first refresh's s136 returns, this refresh's
    custody files and Gwent's corrected return); the active loads' counts are those of their raw rows (ethnicity 'NS',
    not stated, is not recorded), and the superseded return's stay in the table, unread by the marts."""
    warehouse = home / "warehouse.duckdb"
    recorded = {
        "ethnicity_self_defined": "count(nullif(r.ethnicity_self_defined, 'NS'))",
        "released_at": "count(r.released_at)",
    }
    for source, field in (("s136", "ethnicity_self_defined"), ("custody", "released_at")):
        direct = _query(
            warehouse,
            f"select l.force_code, l.period, count(*), {recorded[field]} from raw.{source} r "
            "join raw.load_ledger l using (load_id) where l.status = 'loaded' group by all order by all",
        )
        kept = _query(
            warehouse,
            "select l.force_code, l.period, sum(c.rows_loaded), sum(c.rows_recorded) "
            "from intermediate.int_load_field_completeness c join raw.load_ledger l using (load_id) "
            f"where l.status = 'loaded' and c.field = '{field}' group by all order by all",
        )
        assert direct and kept == direct
    [(superseded,)] = _query(
        warehouse,
        "select count(*) from intermediate.int_load_field_completeness c join raw.load_ledger l using (load_id) "
        "where l.status = 'superseded'",
    )
    assert superseded > 0


def test_refresh_without_key_stops_with_clear_message(tmp_path):
    generate_s136(tmp_path / "landing", seed=1, years=("2023-24",), forces=("E23000034",))
    done = _refresh(_env(tmp_path))
    assert done.returncode == 2
    assert "MHW_PSEUDONYMISATION_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_no_identifier_shaped_value_in_warehouse_or_snapshot(home, changed):
    """Synthetic s136 people carry NHS numbers and PNC IDs; none of them reaches any text column."""
    for path in (home / "warehouse.duckdb", home / "serving" / "current.duckdb"):
        with duckdb.connect(str(path), read_only=True) as con:
            assert scan_identifiers(con) == [], path.name


def test_snapshot_meets_disclosure_control_and_the_scan_finds_planted_leaks(home, changed, tmp_path):
    """Every sub-national count of people is 0 or a multiple of 5 (not 1-7), and nothing derived from a withheld
    count is shown, by the column classes the dbt models declare; a leak planted in a copy is found."""
    current = (home / "serving" / "current.duckdb").resolve()
    rules = load_rules(load_manifest(DBT_MANIFEST))
    with duckdb.connect(str(current), read_only=True) as con:
        assert scan_disclosure(con, rules) == []
        # the fixture has real small cells, withheld: the scan ran over something that needed control
        withheld = "select count(*) from mart_s136_force_year where s136_detentions_sdc_flag = 'suppressed_1_7'"
        assert con.execute(withheld).fetchone()[0] > 0
        outcomes = con.execute(
            "select force_code, is_partial_year, custody_months_covered, triage_contacts is null "
            "from mart_outcomes_force_year where fy_label = '2023-24' order by force_code"
        ).fetchall()
    # January-February custody and January triage only: partial years; no triage file -> NULL, never 0
    assert outcomes == [("E23000001", True, 2, True), ("E23000034", True, 1, True), ("W15000002", True, 0, False)]
    leak = tmp_path / "leak.duckdb"
    shutil.copy(current, leak)
    with duckdb.connect(str(leak)) as con:
        con.execute("update mart_s136_force_year set s136_detentions = 3 where force_code = 'E23000001'")
        con.execute("update mart_demand_force_month set mh_incidents = 12 where force_code = 'W15000002'")
        con.execute(
            "update mart_outcomes_force_year set pct_mh_identified = 37.5, mh_identified = null "
            "where force_code = 'E23000001'"
        )
        found = {(f.table, f.column, f.rule) for f in scan_disclosure(con, rules)}
    assert found == {
        ("mart_s136_force_year", "s136_detentions", "small_count"),
        ("mart_s136_force_year", "s136_detentions", "not_rounded"),
        ("mart_demand_force_month", "mh_incidents", "not_rounded"),
        *{
            ("mart_outcomes_force_year", c, "shown_while_withheld")
            for c in ("pct_mh_identified", "pct_mh_identified_lcl95", "pct_mh_identified_ucl95")
        },
    }


def _revisions(path: Path, where: str = "true") -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute(f"select * from mart_revisions where {where}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_the_corrected_delivery_is_published_as_revisions_with_its_cause(home, changed):
    current = home / "serving" / "current.duckdb"
    gwent = _revisions(current, "table_name = 'mart_s136_force_year' and force_code = 'W15000002'")
    detentions = next(r for r in gwent if r["measure"] == "s136_detentions" and r["period"] == "2023-24")
    assert detentions["change_type"] == "revised" and int(detentions["new_value"]) < int(detentions["old_value"])
    assert "corrected_delivery" in detentions["cause"] and "W15000002/2023-24" in detentions["cause_detail"]
    met = _revisions(current, "table_name = 'mart_s136_force_year' and force_code = 'E23000001'")
    assert met == [], "the Met sent no s136 file: none of its s136 figures is revised"
    demand = _revisions(current, "table_name = 'mart_demand_force_month'")
    delivered = [r for r in demand if r["period"] in INCIDENT_MONTHS.get(r["force_code"], ())]
    assert delivered and all("delivery" in (r["cause"] or "") for r in delivered), "the incidents files are causes"


def test_the_nightly_sweep_refreshes_what_changed_since_and_records_it(home, changed, incidents_file, monkeypatch):
    """After `mhw refresh`, a new month: the sweep plans as `mhw refresh` would (that month, the dbt models reading
    incidents), its run through Dagster builds those and publishes, and the publish records the refresh, so the
    next sweep skips."""
    from mhw.refresh_inputs import CODE_TAG, PLAN_TAG, last_refresh_now
    from orchestration.definitions import defs

    monkeypatch.setenv("MHW_HOME", str(home))
    monkeypatch.setenv("MHW_PSEUDONYMISATION_KEY", "test-key-not-secret")
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    for name in ("MHW_WAREHOUSE", "MHW_DBT_PARENT_PID"):  # the dbt step sets them in this process: restored after
        monkeypatch.setenv(name, os.environ.get(name, ""))
        monkeypatch.delenv(name)
    incidents_file(home / "landing", "E23000001", "2024-05", n=10)
    sweep = defs.resolve_schedule_def("nightly_landing_sweep")
    with dg.DagsterInstance.get() as instance:
        (request,) = sweep.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests
        assert CODE_TAG in request.tags and request.tags["dagster/asset_partition_range_start"] == "2024-05"
        selected = set(request.asset_selection)
        assert dg.AssetKey(["marts", "mart_demand_force_month"]) in selected
        assert dg.AssetKey(["marts", "mart_inspection_recommendations"]) not in selected
        assert dg.AssetKey(["raw", "s136"]) not in selected
        result = defs.resolve_job_def("refresh").execute_in_process(
            instance=instance, tags=request.tags, asset_selection=request.asset_selection, raise_on_error=False
        )
        assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    months = _query(home / "serving" / "current.duckdb", "select distinct month_start from mart_demand_force_month")
    assert "2024-05" in {str(m)[:7] for (m,) in months}
    last, why = last_refresh_now(get_settings())
    assert last is not None, why
    assert (
        "incidents/2024-05" in last.landing and not (home / "refresh_plans" / f"{request.tags[PLAN_TAG]}.json").exists()
    )
    skipped = sweep.evaluate_tick(dg.build_schedule_context())
    assert not skipped.run_requests and "nothing new" in skipped.skip_message


@pytest.fixture(scope="module")
def workflow_run(home, changed, tmp_path_factory):
    """The scheduled refresh's make steps (.github/workflows/refresh.yml), in order, as CI runs them, on this
    landing zone once more: the stamp of the last refresh is removed, so the refresh rebuilds everything from the
    same inputs (an identical refresh), then checks, publishes, builds the dbt docs and writes the artefacts."""
    from tests.workflow_steps import REFRESH_WORKFLOW, make_steps

    tmp_path = tmp_path_factory.mktemp("workflow")
    (home / "last_refresh.json").unlink()
    before = (home / "serving" / "current.duckdb").resolve()
    env = _env(home, MHW_PSEUDONYMISATION_KEY="test-key-not-secret", ARTEFACTS=str(tmp_path / "artefacts"))
    repo = Path(__file__).resolve().parents[2]
    outputs = {}
    for command in make_steps(REFRESH_WORKFLOW):
        done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        outputs[command.split()[1]] = done.stdout
    return {"before": before, "after": (home / "serving" / "current.duckdb").resolve(), "out": outputs, "dir": tmp_path}


def test_an_identical_refresh_publishes_no_revision(home, workflow_run):
    assert "not published (--no-publish)" in workflow_run["out"]["refresh"]
    refresh = workflow_run["out"]["refresh"]
    assert "(every month: no record of an earlier refresh's landing zone in this home)" in refresh
    assert "ok   published columns match their contracts" in workflow_run["out"]["checks"]
    assert workflow_run["after"] != workflow_run["before"], "make publish wrote a new snapshot"
    # the unpublished refresh is recorded for planning (the next one runs only what changed since, not every month
    # for "the load ledger changed outside a refresh"), but never as "nothing new"
    stamp = json.loads((home / "last_refresh.json").read_text())
    assert "landing" in stamp and "fingerprint" not in stamp
    assert _revisions(workflow_run["after"]) == []
    with duckdb.connect(str(workflow_run["after"]), read_only=True) as con:
        assert con.execute("select previous_snapshot, revisions from publication").fetchone() == (
            workflow_run["before"].stem,
            0,
        )


def test_the_artefacts_hold_the_snapshot_the_revisions_and_the_dbt_docs(workflow_run):
    import json

    from mhw.published import published_models

    artefacts = workflow_run["dir"] / "artefacts"
    assert (artefacts / "serving" / workflow_run["after"].name).is_file()
    (report,) = (artefacts / "revisions").glob("revisions_*.csv")
    assert report.read_text().startswith("table_name,change_type,measure,force_code,period")
    site = artefacts / "dbt-docs"
    assert (site / "static_index.html").stat().st_size > 100_000
    manifest = json.loads((site / "manifest.json").read_text())
    catalog = json.loads((site / "catalog.json").read_text())
    parents = manifest["parent_map"]
    for name, model in published_models(manifest).items():  # lineage reaches a source or seed from every mart
        seen, todo = set(), [model.unique_id]
        while todo:
            for parent in parents[todo.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        assert any(p.startswith(("source.", "seed.")) for p in seen), name
        assert model.unique_id in catalog["nodes"], f"{name}: no column types in the docs catalog"
    columns = {c.lower() for c in catalog["nodes"]["model.mhw.mart_s136_force_year"]["columns"]}  # and their docs
    assert {"s136_detentions", "s135_detentions", "is_partial_year", "pct_police_station_pos"} <= columns
    docs = manifest["nodes"]["model.mhw.mart_s136_force_year"]["columns"]["s135_detentions"]["description"]
    assert "published apart from s136" in docs
