"""Cleaning up after a writer that died without finishing (SIGKILL, the OOM killer, a CI timeout).

A killed process leaves its Dagster run marked STARTED and its `warehouse` pool slot claimed; the next run's steps
would wait for that slot for ever. The writer claim (mhw/writer_claim.py) is what makes this safe to clean: every
run takes the claim before any of its steps claims a pool slot (runs execute in process, resources first), so a
process holding the claim knows that any other run holding or waiting for a slot, or named by the dead holder of
the claim, has no live process behind it.
"""

from __future__ import annotations

import dagster as dg

from mhw.writer_claim import Holder

from .resources import WAREHOUSE_POOL


def _slot_run_ids(instance: dg.DagsterInstance) -> set[str]:
    """Runs holding, or waiting for, a slot of the warehouse pool."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return set()
    info = storage.get_concurrency_info(WAREHOUSE_POOL)
    return info.active_run_ids | {step.run_id for step in info.pending_steps}


def release_dead_runs(instance: dg.DagsterInstance, previous: Holder | None, own_run_id: str | None) -> list[str]:
    """Fail the runs a dead writer left in progress and free their pool slots; returns what was done, in words.

    Call only while holding the writer claim. previous: the claim's dead predecessor, if any.
    """
    with_slots = _slot_run_ids(instance) - {own_run_id}
    suspects = with_slots | ({previous.run_id} if previous and previous.run_id else set())
    suspects.discard(own_run_id)
    done = [f"the previous writer, {previous.describe()}, died without finishing (killed?)"] if previous else []
    for run_id in sorted(suspects):
        run = instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            instance.report_run_failed(
                run,
                message="the process running this run died without finishing (killed?); marked failed by the next "
                "writer of the warehouse",
            )
            done.append(f"its Dagster run {run_id} was still {run.status.value}: marked failed")
        if run_id in with_slots:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            done.append(f"the '{WAREHOUSE_POOL}' pool slot held for run {run_id} was freed")
    return done
