"""A one-asset job in the project's `warehouse` pool, under the project's WarehouseResource (the writer claim): what
test_stale_runs kills outright and then runs again. `python -m tests.orchestration.pool_job SECONDS` runs it, holding
the pool slot for SECONDS."""

import sys
import time

import dagster as dg

from orchestration.resources import WAREHOUSE_POOL, WarehouseResource


@dg.asset(pool=WAREHOUSE_POOL)
def held_write(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    with warehouse.connect() as con:
        con.execute("create table if not exists t as select 1 as x")
    print(f"writing in run {context.run_id}", flush=True)
    time.sleep(float(context.run_tags.get("hold_seconds", "0")))


defs = dg.Definitions(
    assets=[held_write],
    jobs=[dg.define_asset_job("pool_job", executor_def=dg.in_process_executor)],
    resources={"warehouse": WarehouseResource()},
)


def run(hold_seconds: float = 0) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.get() as instance:
        return defs.resolve_job_def("pool_job").execute_in_process(
            instance=instance, tags={"hold_seconds": str(hold_seconds)}, raise_on_error=False
        )


if __name__ == "__main__":
    run(float(sys.argv[1]))
