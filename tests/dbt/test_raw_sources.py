"""The raw sources dbt reads are guarded by the raw layer's own DDL (ingestion/ddl), which DuckDB enforces on every
insert: the columns the sources list as required are NOT NULL there, and a load's id is the ledger's primary key, so
no dbt data test re-reads raw tables for them (read from the dbt manifest and the DDL; no build)."""

from __future__ import annotations

import json

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema
from mhw.cli import prepare_manifest
from mhw.settings import DBT_MANIFEST


@pytest.fixture(scope="module")
def raw_columns() -> dict[tuple[str, str], bool]:
    """(table, column) -> nullable, for every column the raw DDL creates."""
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        rows = con.execute(
            "select table_name, column_name, is_nullable = 'YES' from information_schema.columns "
            "where table_schema = 'raw'"
        ).fetchall()
    return {(table, column): nullable for table, column, nullable in rows}


def test_every_column_a_raw_source_lists_is_not_null_in_the_ddl(raw_columns):
    prepare_manifest()  # a no-op when target/manifest.json is newer than the project
    sources = json.loads(DBT_MANIFEST.read_text())["sources"].values()
    listed = [(s["name"], col) for s in sources if s["schema"] == "raw" for col in s["columns"]]
    assert len(listed) > 30
    assert [key for key in listed if raw_columns.get(key, True)] == []  # missing from the DDL, or nullable there


def test_a_load_id_is_the_ledgers_primary_key():
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        con.execute(
            "insert into raw.load_ledger (load_id, source, file_path, sha256, loaded_at, rows_read, rows_loaded, "
            "rows_rejected, status) values ('s136/x', 's136', 'x.csv', '0', now(), 0, 0, 0, 'loaded')"
        )
        with pytest.raises(duckdb.ConstraintException, match="s136/x"):
            con.execute("insert into raw.load_ledger select * from raw.load_ledger")
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            con.execute("update raw.load_ledger set load_id = null")
