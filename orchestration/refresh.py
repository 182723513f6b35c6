"""The refresh job and how a refresh picks what to run: which landing sources, which months.

One job, `refresh`, holds every asset. Its monthly ingestion assets are partitioned by month (single-run
backfill policy); the rest are unpartitioned. Dagster runs such a mixed job when the run carries a partition
range (tags dagster/asset_partition_range_start/end): the monthly assets load the months of the range, the
unpartitioned ones run as usual. Without a range the monthly assets cannot run, so a plan with no monthly
work leaves them out of the run's asset selection.

`mhw refresh`, the schedules (orchestration.operations) and the landing sensor all reduce the landing zone to
buckets 'source/period' and plan a run of what changed since the last successful refresh (plan_since): its
sources and months, and the dbt models they can change. A run a schedule or the sensor plans carries the plan's
id, and its publish records it as `mhw refresh` records its own (mhw.refresh_inputs.save_plan).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import dagster as dg

from ingestion.gate.landing import period_bounds, source_files
from mhw.refresh_inputs import (
    CODE_TAG,
    LEDGER_TAG,
    PLAN_TAG,
    LastRefresh,
    code_fingerprint,
    file_signature,
    inputs_fingerprint,
    last_refresh_now,
    public_data_digest,
    save_plan,
)
from mhw.settings import get_settings

from .assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES
from .assets.national_sources import NATIONAL_SOURCES
from .dbt import models_unaffected_by
from .partitions import key_range, month_span, monthly_partitions, partition_key_of, range_tags

REFRESH_JOB = "refresh"
PUBLIC_BUCKET = "public_data/"  # the bucket of the public data folder among the landing zone's (mhw refresh)
LONDON = "Europe/London"

refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description=(
        "Full refresh: landing -> raw -> dbt build -> serving snapshot. Monthly sources load the run's "
        "partition range; `mhw refresh`, the schedules and the landing sensor choose it."
    ),
    executor_def=dg.in_process_executor,  # one DuckDB writer at a time
)


def landing_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


@dataclass(frozen=True)
class RefreshPlan:
    """What one refresh run loads: the landing sources to run and, per monthly source, the months (partition keys).

    A monthly source can be selected with no months when all its files sit outside the partitions (a misplaced
    file, a folder like 2024-5): the run then gets the latest partition, and the asset takes those stray files too.
    """

    sources: frozenset[str]
    months: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    national: bool = True  # the national sources (MHW_PUBLIC_DATA_DIR) run too
    changed_only: bool = False  # the code is the last refresh's: dbt builds only the models these sources can change
    code: str = ""  # with changed_only, the last refresh's code and ledger totals (mhw.refresh_inputs.stale_plan)
    ledger: tuple[int, ...] = ()

    @property
    def loads_anything(self) -> bool:
        """False for a plan that runs no landing source and no national source."""
        return bool(self.sources) or self.national

    @property
    def monthly_sources(self) -> list[str]:
        return sorted(s for s in self.sources if s in MONTHLY_SOURCES)

    @property
    def partition_range(self) -> tuple[str, str] | None:
        if not self.monthly_sources:
            return None
        keys = [k for s in self.monthly_sources for k in self.months.get(s, ())]
        last = monthly_partitions.get_last_partition_key()
        return key_range(keys) or (last, last)

    @property
    def raw_tables(self) -> frozenset[str]:
        """The raw tables this run can add rows to: each landing source's own, and the national sources' when they
        run (besides the load ledger and the rejected rows, which every source writes)."""
        return self.sources | (frozenset(NATIONAL_SOURCES) if self.national else frozenset())

    def tags(self) -> dict[str, str]:
        span = self.partition_range
        basis = {CODE_TAG: self.code, LEDGER_TAG: json.dumps(list(self.ledger))} if self.changed_only else {}
        return (range_tags(*span) if span else {}) | basis

    @property
    def unaffected_models(self) -> set[dg.AssetKey]:
        """With changed_only, the dbt models and seeds that read none of the raw tables this run can change."""
        return models_unaffected_by(self.raw_tables) if self.changed_only else set()

    def skipped_keys(self) -> set[dg.AssetKey]:
        """Landing assets this run leaves out, the national sources' when they do not run, and the unaffected
        dbt models."""
        skipped = {landing_key(s) for s in (*LANDING_SOURCES, *MONTHLY_SOURCES) if s not in self.sources}
        skipped |= self.unaffected_models
        return skipped if self.national else skipped | {landing_key(t) for t in NATIONAL_SOURCES}

    def asset_selection(self, all_keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey] | None:
        """The run's assets: every asset of the job except the skipped landing assets (None: the whole job)."""
        skipped = self.skipped_keys()
        keys = list(all_keys)
        return None if not skipped & set(keys) else sorted(k for k in keys if k not in skipped)

    def run_request(self, all_keys: Iterable[dg.AssetKey], run_key: str | None = None) -> dg.RunRequest:
        return dg.RunRequest(run_key=run_key, tags=self.tags(), asset_selection=self.asset_selection(all_keys))

    def describe(self) -> str:
        if not self.monthly_sources:
            return "monthly sources: no new or changed landing files, not run"
        parts = []
        for source in self.monthly_sources:
            months = self.months.get(source, ())
            parts.append(f"{source} {month_span(months)}" if months else source)
        first, last = self.partition_range
        over = f"partition {first}" if first == last else f"partitions {first}..{last}"
        return f"monthly sources over {over}: " + "; ".join(parts)


def bucket_of(source: str, period: str | None) -> str:
    return f"{source}/{period or ''}"


def plan_from_buckets(buckets: Iterable[str], *, all_unpartitioned: bool = False) -> RefreshPlan:
    """A plan loading these 'source/period' buckets; all_unpartitioned also runs every unpartitioned landing
    source whether or not it has files (what a full refresh does)."""
    sources = set(LANDING_SOURCES) if all_unpartitioned else set()
    months: dict[str, set[str]] = {}
    for bucket in buckets:
        source, _, period = bucket.partition("/")
        if source in LANDING_SOURCES:
            sources.add(source)
        elif source in MONTHLY_SOURCES:
            sources.add(source)
            key = partition_key_of(period)
            months.setdefault(source, set())
            if key:
                months[source].add(key)
    return RefreshPlan(frozenset(sources), {s: tuple(sorted(m)) for s, m in months.items()})


def landing_state(landing_dir: Path, *, settled_before_ns: int | None = None) -> tuple[dict[str, str], set[str]]:
    """The landing zone as buckets 'source/period' -> a digest of its files' (path, file_signature); no file is read.

    Buckets holding a file modified at or after settled_before_ns (still being written, perhaps) are returned
    apart, as unsettled, without a digest. Only files the loader would take count (same listing as ingestion).
    """
    files: dict[str, list[str]] = {}
    unsettled: set[str] = set()
    for source in (*LANDING_SOURCES, *MONTHLY_SOURCES):
        for lf in source_files(landing_dir, source):
            try:
                stat = lf.path.lstat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            bucket = bucket_of(source, lf.period)
            files.setdefault(bucket, []).append(f"{lf.rel_path}\t{file_signature(stat)}")
            if settled_before_ns is not None and stat.st_mtime_ns >= settled_before_ns:
                unsettled.add(bucket)
    digests = {
        bucket: hashlib.sha1("\n".join(sorted(lines)).encode()).hexdigest()[:16]
        for bucket, lines in files.items()
        if bucket not in unsettled
    }
    return digests, unsettled


def plan_since(digests: Mapping[str, str], last: LastRefresh | None) -> RefreshPlan:
    """The landing sources with files (landing_state digests) that are new or changed since the last successful
    refresh, or whose period began after it (a file of a period not yet begun was refused for that, and is answered
    again once it has), each monthly source over those months only; without a last refresh, every landing source
    and every month. The gate skips the files it has loaded, so what is left out would load nothing: leaving it out
    spares a ten-year refresh some 120 partitions of Dagster events per monthly source, and (changed_only) the dbt
    build leaves out the models that read none of the sources that run (orchestration.dbt.models_unaffected_by). The
    national sources run unless the digest of the public data folder (bucket PUBLIC_BUCKET, when given) is the one
    the last refresh saw: their loaders, too, skip the files they have loaded."""
    if last is None:
        return plan_from_buckets(digests, all_unpartitioned=True)
    public = digests.get(PUBLIC_BUCKET)
    changed = [
        bucket
        for bucket, digest in digests.items()
        if bucket != PUBLIC_BUCKET
        and (last.landing.get(bucket) != digest or _began_after(bucket.partition("/")[2], last.day))
    ]
    national = public is None or last.landing.get(PUBLIC_BUCKET) != public
    return replace(plan_from_buckets(changed), national=national, changed_only=True, code=last.code, ledger=last.ledger)


def with_public_data(landing: Mapping[str, str]) -> dict[str, str]:
    """Landing digests (landing_state) and the public data folder's as PUBLIC_BUCKET: what a refresh is planned
    from, and what a successful one records as its own."""
    return {**landing, PUBLIC_BUCKET: public_data_digest(get_settings())}


def plan_now(last: LastRefresh | None) -> tuple[RefreshPlan, dict[str, str]]:
    """plan_since() the landing zone and public data folder as they are now, and that state."""
    landing = with_public_data(landing_state(get_settings().landing_dir)[0])
    return plan_since(landing, last), landing


def planned_request(
    asset_keys: Iterable[dg.AssetKey],
    plan: RefreshPlan,
    landing: Mapping[str, str],
    *,
    fingerprint: str,
    run_key: str | None = None,
) -> dg.RunRequest:
    """The run of a schedule's or the sensor's plan (made from `landing`), tagged with the plan saved for its
    publish to record (mhw.refresh_inputs.save_plan): the next refresh then skips until an input changes
    (`fingerprint`, the inputs' fingerprint taken before `landing`) and runs only what changed since."""
    request = plan.run_request(asset_keys, run_key=run_key)
    plan_id = save_plan(get_settings(), fingerprint, code_fingerprint(), landing)
    return request.with_replaced_attrs(tags={**request.tags, PLAN_TAG: plan_id})


def _began_after(period: str, day: date) -> bool:
    bounds = period_bounds(period)
    return bounds is None or bounds[0].date() > day


# ------------------------------------------------------------------------------------------------------------
# the landing sensor

SETTLE_SECONDS = 60  # a file modified more recently than this may still be being written: wait for it


def build_landing_sensor(
    asset_keys: Sequence[dg.AssetKey], settle_seconds: int = SETTLE_SECONDS
) -> dg.SensorDefinition:
    """A sensor requesting a refresh over what changed in MHW_LANDING_DIR since it last looked.

    Cursor: JSON {'source/period': digest of (path, size, mtime_ns) of its files} -- one short entry per source
    and month, whatever the number of files; contents are never hashed here (the loader does that). New or
    changed buckets make one run: when the last successful refresh is on record (mhw.refresh_inputs.last_refresh),
    of what changed since it as `mhw refresh` plans it (plan_since: the sources and months, and the dbt models they
    can change), recorded in turn when it publishes; else the changed monthly sources over the changed months (as
    one partition range) and the changed unpartitioned sources, then every dbt model, and publish. Folders still
    being written wait for a later tick either way. The run_key is a digest of the changed buckets'
    new state, so the same change is never requested twice. Removed files request nothing (the ledger keeps
    what was loaded). Stopped by default: turn it on in the Dagster UI (the schedules do not need it).
    """

    @dg.sensor(
        name="landing_sensor",
        job=refresh_job,
        minimum_interval_seconds=120,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Refreshes the months and sources whose landing files are new or changed.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        landing_dir = get_settings().landing_dir
        previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        settled_before = time.time_ns() - settle_seconds * 1_000_000_000
        digests, unsettled = landing_state(landing_dir, settled_before_ns=settled_before)
        changed = {b: d for b, d in digests.items() if previous.get(b) != d}
        # unsettled buckets keep their old digest, so they count as changed once their files settle
        cursor = {**digests, **{b: previous[b] for b in unsettled if b in previous}}
        context.update_cursor(json.dumps(cursor, sort_keys=True, separators=(",", ":")))
        if not changed:
            waiting = f" ({len(unsettled)} folder(s) still being written)" if unsettled else ""
            return dg.SkipReason(f"no new or changed files under {landing_dir}{waiting}")
        run_key = hashlib.sha1(json.dumps(changed, sort_keys=True).encode()).hexdigest()[:20]
        settings = get_settings()
        last, why = last_refresh_now(settings)
        if last is None:  # the changed folders, and every dbt model
            plan = plan_from_buckets(changed)
            request = plan.run_request(asset_keys, run_key=run_key)
        else:  # what changed since the last refresh (settled folders only), and the dbt models it can change
            landing = with_public_data(digests)
            plan = plan_since(landing, last)
            if not plan.loads_anything:  # new to the sensor (just switched on), not to the data
                return dg.SkipReason(f"{len(changed)} folder(s) new to the sensor; none changed since the last refresh")
            fingerprint = inputs_fingerprint(settings)
            # the inputs' fingerprint describes the plan only if every folder had settled and none moved while it
            # was taken; else none is recorded, and the next refresh plans from the recorded landing zone
            if unsettled or with_public_data(landing_state(landing_dir)[0]) != landing:
                fingerprint = ""
            request = planned_request(asset_keys, plan, landing, fingerprint=fingerprint, run_key=run_key)
        context.log.info(f"{len(changed)} changed folder(s): {plan.describe()}" + (f" ({why})" if why else ""))
        return request

    return _sensor
