"""Resources: the warehouse connection (single writer) and the dbt CLI."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from mhw.settings import get_settings

WAREHOUSE_POOL = "warehouse"  # every asset that writes the DuckDB file runs in this pool (limit 1)


class WarehouseResource(dg.ConfigurableResource):
    """Opens the DuckDB warehouse named by MHW_WAREHOUSE for one asset at a time."""

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path = get_settings().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
