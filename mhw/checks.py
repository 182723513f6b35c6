"""Checks on a built warehouse before it is published (`make checks`; the column check also blocks in Dagster).

- Each published table has exactly the columns its dbt `.yml` declares: a column may change only together with that
  contract, so a renamed or dropped column never reaches the app or analysts unannounced (the revisions report then
  lists it). The types are dbt's to check (`contract: enforced` on every published model).
- Each published model has a grain (a unique or unique_combination test): the revisions report compares on it.
- The load ledger balances: every row read was loaded or rejected.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from .catalog import table_columns
from .published import PUBLISHED_SCHEMA, PublishedModel


def contract_problems(built: Mapping[str, str], model: PublishedModel) -> list[str]:
    """How the built columns differ from the model's declared ones (empty: they match)."""
    if not built:
        return [f"{model.name} is not in the warehouse's {PUBLISHED_SCHEMA} schema"]
    problems = []
    undeclared = [c for c in built if c not in model.columns]
    missing = [c for c in model.columns if c not in built]
    if undeclared:
        problems.append(f"{model.name} has column(s) {', '.join(undeclared)} that its .yml does not declare")
    if missing:
        problems.append(f"{model.name} lacks column(s) {', '.join(missing)} that its .yml declares")
    return problems


def warehouse_problems(con: duckdb.DuckDBPyConnection, models: Mapping[str, PublishedModel]) -> dict[str, list[str]]:
    """Every check of this module on an open warehouse: check name -> problems (empty lists pass)."""
    contract = [p for m in models.values() for p in contract_problems(table_columns(con, m.name, PUBLISHED_SCHEMA), m)]
    grain = [
        f"{m.name} has no unique or unique_combination test, so its revisions cannot be compared row by row"
        for m in models.values()
        if not m.key
    ]
    unbalanced = con.execute(
        "select file_path, rows_read, rows_loaded, rows_rejected from raw.load_ledger "
        "where rows_read <> rows_loaded + rows_rejected order by file_path"
    ).fetchall()
    ledger = [f"{f}: {r} rows read but {lo} loaded + {rj} rejected" for f, r, lo, rj in unbalanced]
    return {"published columns match their contracts": contract, "published models have a grain": grain,
            "the load ledger balances": ledger}  # fmt: skip
