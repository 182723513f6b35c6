"""Dagster's event log in SQLite, one run per database file as Dagster keeps it, with connections kept open.

Dagster's own SqliteEventLogStorage builds an engine, opens a connection and closes it again for every event it
stores. Closing the last connection of a WAL database checkpoints the log into the database and syncs the file, so
each of the ~600 events of a month's refresh (one per dbt model and test, asset check and log line, twice for
asset events) paid a file sync while DuckDB and dbt were writing to the same disk. This subclass keeps one pooled
engine per database file for the life of the process and commits with `synchronous=NORMAL`: in WAL mode a commit then
survives the process dying at any moment but not a power cut, which can lose the last few events of the run log (never
the warehouse, whose ledger is in DuckDB). docs/operations.md, "Dagster's storage", and docs/benchmarks.md.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import NullPool

OPEN_SHARDS = 4  # database files kept open: the run's own and the cross-run index, and a few a UI reads


def _on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # Dagster creates its files in WAL mode; files from before may not be
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per database file, kept open (at most OPEN_SHARDS, least recently used
    closed first). `base_dir`: `mhw` writes Dagster's own place, $DAGSTER_HOME/history/runs, into the instance's
    dagster.yaml (mhw.cli.prepare_dagster_home); without it, that place under DAGSTER_HOME."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        base_dir = base_dir or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict:
        from dagster import Field, StringSource

        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: dict) -> SqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        """The open engine of a shard; the first time, Dagster's own set-up of the file (tables, migrations) first."""
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        url = self.conn_string_for_shard(shard)
        if shard not in self._initialized_dbs:
            setup = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            self._initdb(setup)
            setup.dispose()
            self._initialized_dbs.add(shard)
        # SQLAlchemy pools a file database's connections (QueuePool) and lets any thread use them; _db_lock
        # serialises their use as Dagster's own storage does
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        sa.event.listen(engine, "connect", _on_connect)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_SHARDS:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
