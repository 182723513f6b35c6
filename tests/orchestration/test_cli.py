"""Operator CLI pieces that need no warehouse: clear errors."""

import os
import re

from typer.testing import CliRunner

from mhw import cli


def test_status_without_warehouse_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["status"])
    assert result.exit_code == 2
    assert f"no warehouse at {tmp_path / 'warehouse.duckdb'}: check MHW_HOME ({tmp_path})" in result.output
    assert "Traceback" not in result.output


def test_publish_in_a_mistyped_home_says_so_and_creates_nothing(tmp_path, monkeypatch):
    home = tmp_path / "hmoe"  # MHW_HOME mistyped: no such folder
    monkeypatch.setenv("MHW_HOME", str(home))
    result = CliRunner().invoke(cli.app, ["publish", "--no-wait"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"no warehouse at {home / 'warehouse.duckdb'}: check MHW_HOME ({home})" in result.output
    assert not home.exists()  # no folder and no warehouse.lock left in the wrong place


def test_a_warehouse_nothing_was_loaded_into_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    import duckdb

    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()  # an empty file (left by an older `mhw docs`)
    for command in (["status"], ["rejects"], ["checks"]):
        result = CliRunner().invoke(cli.app, command)
        assert result.exit_code == 2, command
        assert "holds no load ledger: nothing was ever loaded into it. Build it with `mhw refresh`" in result.output
        assert "Traceback" not in result.output


def test_docs_before_the_first_refresh_leave_no_warehouse_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["docs", "--no-wait"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "docs" / "static_index.html").exists() and not (tmp_path / "warehouse.duckdb").exists()
    assert f"no warehouse at {tmp_path / 'warehouse.duckdb'}: the docs hold the lineage" in result.output


def test_a_refresh_with_a_mistyped_public_data_folder_stops_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(tmp_path / "pubilc"))
    (tmp_path / "landing").mkdir()
    result = CliRunner().invoke(cli.app, ["refresh"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"MHW_PUBLIC_DATA_DIR is {tmp_path / 'pubilc'}, which is not a folder" in result.output
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_a_refresh_with_a_mistyped_worker_count_stops_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.setenv("MHW_INGEST_WORKERS", "abc")
    (tmp_path / "landing").mkdir()
    result = CliRunner().invoke(cli.app, ["refresh"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "MHW_INGEST_WORKERS is 'abc': a whole number of worker processes is expected" in result.output
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_only_error_checks_fail_the_refresh():
    from types import SimpleNamespace

    import dagster as dg

    def evaluation(name, passed, severity, description=None):
        data = dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["raw", "incidents"]),
            check_name=name,
            passed=passed,
            metadata={},
            severity=severity,
            description=description,
        )
        return SimpleNamespace(event_type_value="ASSET_CHECK_EVALUATION", event_specific_data=data)

    events = [
        evaluation("incidents_reconciliation", True, dg.AssetCheckSeverity.ERROR),
        evaluation("incidents_freshness", False, dg.AssetCheckSeverity.WARN, "1 force(s) more than 2 months behind"),
        evaluation("broken", False, dg.AssetCheckSeverity.ERROR),
        SimpleNamespace(event_type_value="STEP_SUCCESS", event_specific_data=None),
    ]
    errors, warnings = cli._failed_checks(events)
    assert errors == ["raw/incidents: broken"]
    assert warnings == ["raw/incidents: incidents_freshness (1 force(s) more than 2 months behind)"]


def test_a_failed_dbt_build_is_summed_up_from_dbts_own_words(tmp_path):
    """dbt's output goes to a file during `mhw refresh` (test_refresh_e2e); a failed build's error message carries
    the end of it, as dbt wrote it (this is what dbt 1.11 prints for a failing test), without its colours."""
    red, plain = "\x1b[31m", "\x1b[0m"
    console = tmp_path / "console.log"
    console.write_text(
        "386 of 387 PASS unique_combination_mart_x .. [\x1b[32mPASS\x1b[0m in 0.08s]\n\n"
        "Finished running 7 incremental models, 13 seeds in 0 hours 0 minutes and 29.25 seconds (29.25s).\n\n"
        f"{red}Completed with 1 error, 0 partial successes, and 0 warnings:{plain}\n\n"
        f"{red}Failure in test not_null_fct_x_id (models/fct_x.yml){plain}\n"
        "  Got 2 results, configured to fail if != 0\n\n"
        "  compiled code at /home/dbt/build-1/compiled/mhw/models/fct_x.yml/not_null_fct_x_id.sql\n\n"
        "Done. PASS=386 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=387\n"
    )
    assert cli.dbt_summary(console) == [
        "dbt said:",
        "  Completed with 1 error, 0 partial successes, and 0 warnings:",
        "  Failure in test not_null_fct_x_id (models/fct_x.yml)",
        "    Got 2 results, configured to fail if != 0",
        "    compiled code at /home/dbt/build-1/compiled/mhw/models/fct_x.yml/not_null_fct_x_id.sql",
        "  Done. PASS=386 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=387",
        f"(the whole of dbt's output: {console})",
    ]
    console.write_text("Encountered an error:\nRuntime Error\n  Could not find profile named 'mhw'\n")
    assert cli.dbt_summary(console)[1:4] == [
        "  Encountered an error:",
        "  Runtime Error",
        "    Could not find profile named 'mhw'",
    ]
    console.write_text("1 of 1 OK created sql view model staging.x\n\nCompleted successfully\n")
    assert cli.dbt_summary(console) == [] and cli.dbt_summary(tmp_path / "no-build-ran.log") == []


def test_dbts_summary_follows_a_failure_of_the_dbt_step_only(tmp_path):
    """A dbt build that passed with warnings is not the cause of a later step's failure (say, the publish): the
    refresh's error then names that step's failure and not dbt's warnings."""
    from types import SimpleNamespace

    console = tmp_path / "console.log"
    console.write_text(
        "Completed with 1 warning:\n\nWarning in test freshness_x (models/x.yml)\n  Got 1 result\n\n"
        "Done. PASS=385 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=386\n"
    )

    def failure(step):
        return SimpleNamespace(event_type_value="STEP_FAILURE", step_key=step, message=f'step "{step}" failed.')

    success = SimpleNamespace(event_type_value="STEP_SUCCESS", step_key="dbt_models", message="")
    assert cli.failure_lines([success, failure("serving_snapshot")], [], console) == ['step "serving_snapshot" failed.']
    dbt_failed = cli.failure_lines([failure("dbt_models")], [], console)
    assert dbt_failed[:3] == ['step "dbt_models" failed.', "dbt said:", "  Completed with 1 warning:"]


def _landing_home(tmp_path, monkeypatch):
    """A warehouse loaded by the gate from a small landing zone (two parts of a month, a stray, a lock file)."""
    import duckdb

    from ingestion.gate.load import ingest_source, ingest_strays
    from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES

    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    header = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing\n"
    month = tmp_path / "landing" / "incidents" / "E23000001" / "2024-05"
    month.mkdir(parents=True)
    (month / "may.csv").write_text(header + "A-1,E23000001,2024-05-01T10:00,Y,N\nA-2,E23000001,2024-05-02T10:00,Y,N\n")
    (month / "may_late.csv").write_text(header + "B-1,E23000001,2024-05-03T10:00,Y,N\n")
    (month / "~$may.xlsx").write_bytes(b"lock")
    (tmp_path / "landing" / ".demo-landing").write_text("mhw synth's mark: not a delivery, not reported\n")
    (tmp_path / "landing" / "incidentz").mkdir()
    (tmp_path / "landing" / "incidentz" / "x.csv").write_text(header)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_source(con, tmp_path / "landing", "incidents", b"k", "k1")
        ingest_strays(con, tmp_path / "landing", {*LANDING_SOURCES, *MONTHLY_SOURCES})
    return tmp_path


def test_status_shows_the_parts_in_force_per_force_and_period(tmp_path, monkeypatch):
    _landing_home(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli.app, ["status", "--force-code", "E23000001"])
    assert result.exit_code == 0, result.output
    assert "incidents E23000001 2024-05: 2 part(s): may.csv (2), may_late.csv (1)" in result.output
    assert "landing_zone" not in result.output, "the stray file has no force: --force-code leaves it out"
    assert "1 file(s) under the landing zone are not data" in result.output
    narrowed = CliRunner().invoke(cli.app, ["status", "--source", "landing_zone"]).output
    assert "rejected, source landing_zone):\n  landing_zone  rejected_file  1" in narrowed
    assert "incidents  loaded" not in narrowed and "incidents E23000001" not in narrowed, "both sections narrowed"


def test_rejects_lists_refused_files_and_what_is_not_data(tmp_path, monkeypatch):
    _landing_home(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli.app, ["rejects"])
    assert "incidentz/x.csv  whole file  'incidentz' is not a source folder" in result.output
    assert "incidents/E23000001/2024-05/~$may.xlsx  not data, left alone: a temporary file" in result.output


def test_status_names_files_in_force_that_left_the_landing_zone(tmp_path, monkeypatch):
    home = _landing_home(tmp_path, monkeypatch)
    (home / "landing" / "incidents" / "E23000001" / "2024-05" / "may_late.csv").unlink()
    out = CliRunner().invoke(cli.app, ["status"]).output
    assert "1 file(s) in force are no longer in the landing zone (their rows still count; `mhw withdraw <path>` " \
        "takes one out of force): incidents/E23000001/2024-05/may_late.csv" in out  # fmt: skip


def test_rejects_narrows_to_a_path_and_names_each_field_once(tmp_path, monkeypatch):
    import duckdb

    from ingestion.gate.load import ingest_source

    home = _landing_home(tmp_path, monkeypatch)
    june = home / "landing" / "incidents" / "E23000001" / "2024-06"
    june.mkdir()
    header = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing\n"
    (june / "june.csv").write_text(header + "C-1,E23000001,2024-06-31T10:00,Y,N\nC-2,E23000001,2024-06-02T10:00,Y,N\n")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ingest_source(con, home / "landing", "incidents", b"k", "k1")
    out = CliRunner().invoke(cli.app, ["rejects", "--file", "incidents/"]).output
    assert "incidents/E23000001/2024-06/june.csv  row 1  created_at: '2024-06-31T10:00' is not a date-time" in out
    assert "created_at: created_at" not in out and "incidentz/x.csv" not in out
    assert "1 rejected row entries under 'incidents/' in all\n" in out
    first = CliRunner().invoke(cli.app, ["rejects", "--limit", "1"]).output
    assert "2 rejected row entries in all; the first 1 shown (--limit, --file)" in first
    absolute = CliRunner().invoke(cli.app, ["rejects", "--file", f"{home / 'landing' / 'incidents'}/"]).output
    assert "1 rejected row entries under 'incidents/' in all\n" in absolute, "a path into the landing zone, as withdraw"
    assert "no ledger entry's path starts with" not in out
    relative = CliRunner().invoke(cli.app, ["rejects", "--file", "data/landing/incidents/"]).output
    assert "0 rejected row entries under 'data/landing/incidents/' in all\n  no ledger entry's path starts with " \
        "'data/landing/incidents/': give it under the landing zone, as `mhw status` shows it" in relative  # fmt: skip
    negative = CliRunner().invoke(cli.app, ["rejects", "--limit", "-1"])
    assert negative.exit_code == 2 and "Traceback" not in negative.output
    nothing = CliRunner().invoke(cli.app, ["status", "--source", "incidentss"]).output
    assert "no ledger entry matches: check the spelling" in nothing
    (june / "june.csv").write_text(header + "C-1,E23000001,2024-06-03T10:00,Y,N\nC-2,E23000001,2024-06-02T10:00,Y,N\n")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ingest_source(con, home / "landing", "incidents", b"k", "k1")
    corrected = CliRunner().invoke(cli.app, ["rejects", "--file", "incidents/"]).output
    assert "0 rejected row entries under 'incidents/' in all\n" in corrected, "the superseded version's are history"


def test_rejects_leaves_out_a_refusal_once_its_file_is_delivered_again(tmp_path, monkeypatch):
    """A file refused whole (cut off in transit) and then delivered whole loads: its refusal ('resend the complete
    file') was listed still, beside the file in force. A refusal delivered again and refused again is listed once."""
    import duckdb

    from ingestion.gate.load import ingest_source

    home = _landing_home(tmp_path, monkeypatch)
    june = home / "landing" / "incidents" / "E23000001" / "2024-06"
    june.mkdir()
    whole = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing\nC-1,E23000001,2024-06-01T10:00,Y,N\n"

    def deliver(text: str) -> str:
        (june / "june.csv").write_text(text)
        with duckdb.connect(str(home / "warehouse.duckdb")) as con:
            ingest_source(con, home / "landing", "incidents", b"k", "k1")
        return CliRunner().invoke(cli.app, ["rejects", "--file", "incidents/E23000001/2024-06/"]).output

    assert "1 rejected row entries under" in deliver(whole[:-8]) and "the file is cut off" in deliver(whole[:-5])
    assert "1 rejected row entries under" in deliver(whole[:-5] + "0"), "the latest refusal only"
    assert "0 rejected row entries under 'incidents/E23000001/2024-06/' in all" in deliver(whole)
    assert "incidents E23000001 2024-06: 1 part(s): june.csv (1)" in CliRunner().invoke(cli.app, ["status"]).output


def test_withdraw_records_the_act_and_forgets_the_last_refresh(tmp_path, monkeypatch):
    home = _landing_home(tmp_path, monkeypatch)
    (home / "last_refresh.json").write_text("{}")
    path = "incidents/E23000001/2024-05/may_late.csv"
    result = CliRunner().invoke(cli.app, ["withdraw", path, "--reason", "sent twice"])
    assert result.exit_code == 0, result.output
    assert f"withdrew {path} (1 rows of incidents E23000001 2024-05)" in result.output
    from mhw.refresh_inputs import last_refresh, unchanged_since_last_refresh
    from mhw.settings import get_settings

    settings = get_settings()
    assert not unchanged_since_last_refresh(settings, "{}"), "the next refresh must run to publish without it"
    assert last_refresh(settings, "code", (0, 0, 0)) == (
        None,
        f"{path} was withdrawn since the last refresh (sent twice)",
    )
    blank = CliRunner().invoke(cli.app, ["withdraw", "incidents/E23000001/2024-05/may.csv", "--reason", "  "])
    assert blank.exit_code == 2 and "--reason: say why the file is withdrawn" in blank.output
    again = CliRunner().invoke(cli.app, ["withdraw", path, "--reason", "again"])
    assert again.exit_code == 2 and "is not in force (its latest ledger entry is 'withdrawn')" in again.output
    status = CliRunner().invoke(cli.app, ["status"]).output
    assert "incidents E23000001 2024-05: 1 part(s): may.csv (2)" in status
    assert re.search(
        rf"files withdrawn \(when, by whom and why\):\n  {path}: \d{{4}}-\d\d-\d\d \d\d:\d\d by \S+: sent twice", status
    )


def test_withdraw_of_a_link_by_its_absolute_path_withdraws_the_link_not_the_file_it_points_to(tmp_path, monkeypatch):
    """A link in the landing zone is a delivery of its own folder: its absolute path named the file it points to, so
    `mhw withdraw` took another force's file out of force."""
    import duckdb

    from ingestion.gate.load import ingest_source

    home = _landing_home(tmp_path, monkeypatch)
    folder = home / "landing" / "incidents" / "E23000002" / "2024-05"
    folder.mkdir(parents=True)
    (folder / "link.csv").symlink_to("../../E23000001/2024-05/may.csv")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ingest_source(con, home / "landing", "incidents", b"k", "k1")
    result = CliRunner().invoke(cli.app, ["withdraw", str(folder / "link.csv"), "--reason", "not ours"])
    assert result.exit_code == 0, result.output
    assert "withdrew incidents/E23000002/2024-05/link.csv (0 rows of incidents E23000002 2024-05)" in result.output
    assert "incidents E23000001 2024-05: 2 part(s): may.csv (2)" in CliRunner().invoke(cli.app, ["status"]).output


def test_a_refresh_of_a_home_without_a_landing_zone_stops_at_once(tmp_path, monkeypatch):
    """A mistyped MHW_HOME used to refresh the national files alone and publish them, exit code 0."""
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "typo"))
    monkeypatch.setenv("MHW_PSEUDONYMISATION_KEY", "k")
    result = CliRunner().invoke(cli.app, ["refresh"])
    assert result.exit_code == 2, result.output
    assert f"no landing zone at {tmp_path / 'typo' / 'landing'}: set MHW_HOME" in result.output
    assert not (tmp_path / "typo").exists(), "nothing is made in the mistyped home"


def test_a_refresh_with_another_key_than_the_warehouses_stops_at_once(tmp_path, monkeypatch):
    """A demo home makes its own key when none is set; its warehouse was made with key 'k1'."""
    _landing_home(tmp_path, monkeypatch)
    monkeypatch.setenv("MHW_DEMO", "1")
    monkeypatch.delenv("MHW_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.delenv("MHW_PSEUDONYMISATION_KEY_ID", raising=False)
    result = CliRunner().invoke(cli.app, ["refresh"])
    assert result.exit_code == 2, result.output
    assert "is not the one this warehouse's person tokens were made with: 'k1' (2 active loads)" in result.output
    assert "nothing was loaded" in result.output and "Traceback" not in result.output


def test_readers_and_writers_say_who_holds_the_warehouse(tmp_path, monkeypatch):
    import subprocess
    import sys

    home = _landing_home(tmp_path, monkeypatch)
    code = (
        "from mhw import writer_claim; from mhw.settings import get_settings; import time; "
        "writer_claim.acquire(get_settings(), 'mhw refresh'); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert holder.stdout.readline().strip() == "held"
        for args in (
            ["status"],
            ["rejects"],
            ["publish", "--no-wait"],
            ["withdraw", "x.csv", "--reason", "r", "--no-wait"],
        ):
            result = CliRunner().invoke(cli.app, args)
            assert result.exit_code == 3, (args, result.output)
            assert f"pid {holder.pid} (mhw refresh, started" in result.output
            assert "Traceback" not in result.output
    finally:
        holder.kill()
        holder.wait()
    assert (home / "warehouse.duckdb").exists()


def test_an_interrupted_run_is_told_from_a_failed_one():
    """Ctrl-C during a refresh (SIGINT: Dagster stops the step) is an interruption, said as such with status 130;
    a step's own error is a failure."""
    import os
    import signal
    import time

    import dagster as dg

    @dg.op
    def interrupted_op():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # Dagster's handler stops the step first

    @dg.op
    def failing_op():
        raise ValueError("a step's own error")

    runs = {}
    for op in (interrupted_op, failing_op):
        job = dg.GraphDefinition(name=f"job_{op.name}", node_defs=[op]).to_job()
        runs[op.name] = job.execute_in_process(raise_on_error=False)
    assert not runs["interrupted_op"].success and cli.interrupted(runs["interrupted_op"].all_events)
    assert not runs["failing_op"].success and not cli.interrupted(runs["failing_op"].all_events)
