"""Unattended operation: schedules, the run-failure alert, freshness per source, NPCC tags, the published models'
manifest facts (grain, contract, objective) that revisions and the blocking column check rely on."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from mhw.published import published_models


@pytest.fixture
def home(tmp_path, monkeypatch):
    for name in ("MHW_WAREHOUSE", "MHW_LANDING_DIR", "MHW_SERVING_DIR", "MHW_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_every_published_model_has_a_grain_a_full_contract_and_an_objective(defs):
    models = published_models()
    assert "mart_s136_force_year" in models and not any(name.startswith("fct_") for name in models)
    assert models["mart_s136_force_year"].key == ("force_code", "fy_label")
    for name, model in models.items():
        assert model.key, f"{name}: add a unique or unique_combination test (its grain)"
        assert model.columns, f"{name}: declare its columns in its .yml"
        assert model.npcc_objectives, f"{name}: add meta npcc_objectives (dbt_project.yml, marts)"
        assert set(model.key) <= set(model.columns), name


def test_published_marts_are_tagged_with_their_npcc_objectives_and_sources_have_freshness(defs):
    graph = defs.resolve_asset_graph()
    tags = graph.get(dg.AssetKey(["marts", "mart_outcomes_force_year"])).tags
    assert tags["npcc_objective_4"] == "benchmarking_and_good_practice"
    assert tags["npcc_objective_5"] == "criminal_justice_and_diversion"
    sources = [k for k in graph.get_all_asset_keys() if k.path[0] == "raw"]
    missing = [k.to_user_string() for k in sources if graph.get(k).freshness_policy is None]
    assert sources and not missing, f"add these sources to orchestration/freshness.yml: {missing}"
    monthly = graph.get(dg.AssetKey(["raw", "incidents"])).freshness_policy
    annual = graph.get(dg.AssetKey(["raw", "s136"])).freshness_policy
    assert monthly.fail_window.to_timedelta().days < annual.warn_window.to_timedelta().days
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert {
        ("marts/mart_s136_force_year", "columns_match_contract"),
        ("marts/dim_force", "columns_match_contract"),
    } <= checks


def test_the_nightly_sweep_skips_until_an_input_changes(defs, home):
    from mhw.refresh_inputs import CODE_TAG, PLAN_TAG, inputs_fingerprint, record_planned_refresh
    from mhw.settings import get_settings

    settings = get_settings()
    sweep = defs.resolve_schedule_def("nightly_landing_sweep")
    request = sweep.evaluate_tick(dg.build_schedule_context()).run_requests[0]
    assert CODE_TAG not in request.tags  # no refresh on record: a full refresh, every dbt model
    plan = json.loads((settings.home / "refresh_plans" / f"{request.tags[PLAN_TAG]}.json").read_text())
    assert plan["fingerprint"] == inputs_fingerprint(settings)  # the publish records it when the run succeeds
    settings.serving_dir.mkdir(parents=True)
    settings.warehouse.touch()
    settings.current_snapshot.touch()
    assert record_planned_refresh(settings, request.tags[PLAN_TAG], (0, 0, 0, 0))
    skipped = sweep.evaluate_tick(dg.build_schedule_context())
    assert not skipped.run_requests and "nothing new" in skipped.skip_message
    monthly = defs.resolve_schedule_def("monthly_national_refresh")
    (full,) = monthly.evaluate_tick(dg.build_schedule_context()).run_requests  # the monthly refresh always runs
    assert CODE_TAG not in full.tags and PLAN_TAG in full.tags  # every model, and recorded when it publishes
    assert monthly.cron_schedule == "0 6 6 * *" and monthly.execution_timezone == "Europe/London"


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@dg.op
def fails():
    raise RuntimeError("the warehouse is unreadable")


@dg.job
def failing_job():
    fails()


def _failure_context(instance):
    from orchestration.operations import run_failure_alert

    result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_alert.name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    return context, result.dagster_run.run_id


def test_a_failed_run_writes_an_alert_and_posts_it_to_the_webhook(home, monkeypatch):
    from orchestration.operations import run_failure_alert

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("MHW_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/alerts")
        with dg.DagsterInstance.ephemeral() as instance:
            context, run_id = _failure_context(instance)
            run_failure_alert(context)
    finally:
        server.shutdown()
    (logged,) = [json.loads(line) for line in (home / "alerts.log").read_text().splitlines()]
    assert logged["run_id"] == run_id and logged["job"] == "failing_job" and logged["failed_steps"] == ["fails"]
    assert _Hook.received == [logged]


def test_an_unreachable_webhook_still_leaves_the_alert_in_the_log(home, monkeypatch):
    from orchestration.operations import run_failure_alert

    monkeypatch.setenv("MHW_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    with dg.DagsterInstance.ephemeral() as instance:
        context, run_id = _failure_context(instance)
        run_failure_alert(context)  # does not raise
    assert json.loads((home / "alerts.log").read_text())["run_id"] == run_id
