"""Resources: the warehouse (one writer at a time, through the writer claim) and the dbt CLI (orchestration.dbt)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from mhw import writer_claim
from mhw.refresh_inputs import CODE_TAG, record_attempt, stale_plan
from mhw.settings import get_settings

WAREHOUSE_POOL = "warehouse"  # every asset that writes the DuckDB file runs in this pool (limit 1)


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse named by MHW_WAREHOUSE. Every asset that reads or writes it requires this resource, so a
    run takes the writer claim (mhw/writer_claim.py) before its first step, waiting, and saying for whom, while
    another process holds it; it then cleans up after a predecessor that died (orchestration/stale_runs.py)."""

    _claim: writer_claim.Claim | None = PrivateAttr(default=None)
    _planned_run: str | None = PrivateAttr(default=None)  # a planned run's id, once its check passed

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from .stale_runs import release_dead_runs

        run = context.run
        command = f"Dagster run of {run.job_name}" if run else "Dagster"
        self._claim = writer_claim.acquire(
            get_settings(), command, on_wait=context.log.warning, run_id=run.run_id if run else None
        )
        if self._claim.depth == 1 and context.instance is not None:  # taken now, not shared with `mhw refresh`
            for note in release_dead_runs(context.instance, self._claim.previous, run.run_id if run else None):
                context.log.warning(note)
        stale = stale_plan(get_settings(), run.tags, run.parent_run_id) if run else None
        if stale:  # before any step writes: the run's selection no longer holds
            self.teardown_after_execution(context)
            raise dg.Failure(
                f"{stale}: this run would build only the dbt models its sources change, from a warehouse no longer "
                "the one it was planned on, so it does not run. The next refresh plans afresh (every model).",
                allow_retries=False,
            )
        self._planned_run = run.run_id if run and CODE_TAG in run.tags else None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._planned_run is not None:  # still under the claim: where a re-execution may run on from
            try:
                record_attempt(get_settings(), self._planned_run)
            except (OSError, duckdb.Error) as exc:  # never hides how the run ended; a re-execution then stops
                context.log.warning(f"the load ledger after this run could not be noted: {exc}")
            self._planned_run = None
        if self._claim is not None:
            writer_claim.release(self._claim)
            self._claim = None

    @property
    def path(self) -> Path:
        return get_settings().warehouse

    @contextmanager
    def connect(self, read_only: bool = False, memory_limit: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse, within memory_limit (default MHW_DUCKDB_MEMORY_LIMIT); DuckDB spills beyond it."""
        settings = get_settings()
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": memory_limit or settings.duckdb_memory_limit}  # docs/operations.md
        con = duckdb.connect(str(settings.warehouse), read_only=read_only, config=config)
        try:
            yield con
        finally:
            con.close()
