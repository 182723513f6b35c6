"""DDL of the raw layer: what ingestion writes and dbt reads as sources (docs/interfaces.md, "Raw layer").

One SQL file per source in ingestion/ddl/, applied in name order (00_core first); every statement is
idempotent (`CREATE ... IF NOT EXISTS`), so adding a source means adding a file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

DDL_DIR = Path(__file__).with_name("ddl")


def raw_ddl() -> str:
    return "\n".join(path.read_text() for path in sorted(DDL_DIR.glob("*.sql")))


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its tables if they do not exist yet (idempotent)."""
    con.execute(raw_ddl())
