"""Unattended operation: when the refresh runs by itself, what is expected of each source, what a failure does.

- `monthly_national_refresh` (06:00 on the 6th, London time): the full refresh, whatever changed: the monthly
  national publication, once forces have sent the month before.
- `nightly_landing_sweep` (02:30): a refresh only when an input changed since the last successful one (landing
  files, public data, code: mhw.refresh_inputs), and then, as `mhw refresh` does, of what changed since: the
  changed months and sources, and the dbt models they can change (orchestration.refresh.plan_since).
  Both record, when their publish succeeds, what they were planned from (orchestration.refresh.planned_request), as
  `mhw refresh` records its own: the next sweep skips until something changes, and runs only what changed.
- `run_failure_alert`: each failed run is written to the Dagster log and as a JSON line to $MHW_HOME/alerts.log,
  and posted as JSON to MHW_ALERT_WEBHOOK_URL when that is set.
- Freshness expectations per source (orchestration/freshness.yml) become Dagster freshness policies.
docs/operations.md says how to switch them on (`make dev`, or a `dagster-daemon`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import yaml

from mhw.refresh_inputs import inputs_fingerprint, last_refresh_now, unchanged_since_last_refresh
from mhw.settings import get_settings

from .refresh import LONDON, plan_now, planned_request, refresh_job

MONTHLY_CRON = "0 6 6 * *"
NIGHTLY_CRON = "30 2 * * *"
FRESHNESS_FILE = Path(__file__).with_name("freshness.yml")
WEBHOOK_TIMEOUT_SECONDS = 10


def build_schedules(asset_keys: Sequence[dg.AssetKey]) -> list[dg.ScheduleDefinition]:
    """The monthly national refresh and the nightly landing sweep, both over the plan `mhw refresh` uses."""

    @dg.schedule(
        name="monthly_national_refresh",
        job=refresh_job,
        cron_schedule=MONTHLY_CRON,
        execution_timezone=LONDON,
        description="The monthly national refresh and publication: every source, whatever changed.",
    )
    def _monthly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        fingerprint = inputs_fingerprint(get_settings())
        plan, landing = plan_now(None)
        context.log.info(plan.describe())
        return planned_request(asset_keys, plan, landing, fingerprint=fingerprint)

    @dg.schedule(
        name="nightly_landing_sweep",
        job=refresh_job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=LONDON,
        description="Refreshes and publishes when a landing file, public file or the code changed since the last "
        "successful refresh; skips otherwise.",
    )
    def _sweep(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        settings = get_settings()
        fingerprint = inputs_fingerprint(settings)
        if unchanged_since_last_refresh(settings, fingerprint):
            return dg.SkipReason("nothing new since the last successful refresh (landing, public data, code)")
        last, why = last_refresh_now(settings)
        plan, landing = plan_now(last)
        context.log.info(
            plan.describe() + (f" (every month: {why})" if last is None else " (changed since the last refresh)")
        )
        return planned_request(asset_keys, plan, landing, fingerprint=fingerprint)

    return [_monthly, _sweep]


def write_alert(alert: dict) -> str | None:
    """Append the alert to $MHW_HOME/alerts.log and post it to MHW_ALERT_WEBHOOK_URL if set.

    Returns a note on a webhook that could not be reached (the alert is still in the log), else None.
    """
    settings = get_settings()
    settings.alerts_log.parent.mkdir(parents=True, exist_ok=True)
    with settings.alerts_log.open("a", encoding="utf-8") as log:
        log.write(json.dumps(alert, sort_keys=True) + "\n")
    if not settings.alert_webhook_url:
        return None
    request = urllib.request.Request(
        settings.alert_webhook_url,
        data=json.dumps(alert).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS):
            return None
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        return f"the alert webhook could not be reached ({exc}); the alert is in {settings.alerts_log}"


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes an alert for every failed run: Dagster log, $MHW_HOME/alerts.log, MHW_ALERT_WEBHOOK_URL.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    alert = {
        "alert": "run_failed",
        "job": run.job_name,
        "run_id": run.run_id,
        "failed_steps": steps,
        "message": context.failure_event.message,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    context.log.error(f"run {run.run_id} of {run.job_name} failed (steps: {', '.join(steps) or '-'})")
    problem = write_alert(alert)
    if problem:
        context.log.warning(problem)


def freshness_policies(path: Path = FRESHNESS_FILE) -> dict[dg.AssetKey, dg.FreshnessPolicy]:
    """Each source's freshness expectation (warn / fail after so many days without a refresh) as a policy."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    cadences = config["cadences"]
    return {
        dg.AssetKey(["raw", source]): dg.FreshnessPolicy.time_window(
            warn_window=timedelta(days=cadences[cadence]["warn_days"]),
            fail_window=timedelta(days=cadences[cadence]["fail_days"]),
        )
        for source, cadence in config["sources"].items()
    }


def with_freshness(assets: Sequence, policies: dict[dg.AssetKey, dg.FreshnessPolicy]) -> list:
    """The assets with each source's freshness policy attached (other assets unchanged)."""

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        policy = policies.get(spec.key)
        return dg.apply_freshness_policy(spec, policy) if policy else spec

    return list(dg.map_asset_specs(attach, assets))
