"""raw.load_ledger: one entry per file the gate answered, and every read and write of it the loaders share.

Statuses: loaded (in force: its rows count), superseded (replaced by the file in superseded_by), duplicate (the same
bytes as a file in force), rejected_file (refused whole; the reason in message), withdrawn (taken out by an
operator with `mhw withdraw`). Staging keeps rows whose load is 'loaded' (dbt macro active_loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from ingestion.gate.contract import Contract
from ingestion.gate.delivery import KEY, ActiveIds, ActivePart, key_expr


class LedgerError(ValueError):
    """An operator's request the ledger cannot carry out; the message says why."""


@dataclass(frozen=True)
class Entry:
    load_id: str
    source: str
    force_code: str | None
    period: str | None
    file_path: str
    sha256: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    layout: str | None = None
    key_id: str | None = None


def free_load_id(con: duckdb.DuckDBPyConnection, base: str) -> str:
    """base, or base~2, base~3 ... when base is taken (same content delivered again, e.g. as a duplicate)."""
    taken = {
        r[0] for r in con.execute("select load_id from raw.load_ledger where load_id like ?", [base + "%"]).fetchall()
    }
    n, load_id = 1, base
    while load_id in taken:
        n += 1
        load_id = f"{base}~{n}"
    return load_id


def write_entry(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    con.execute(
        "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, layout, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, status, message, superseded_by, key_id) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [
            entry.load_id,
            entry.source,
            entry.force_code,
            entry.period,
            entry.file_path,
            entry.sha256,
            entry.layout,
            datetime.now(),
            entry.rows_read,
            entry.rows_loaded,
            entry.rows_rejected,
            entry.status,
            entry.message,
            entry.key_id,
        ],
    )


def latest_versions(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str | None, str | None]]:
    """{file path: (sha256, force_code, period) of its latest ledger entry} for a source."""
    rows = con.execute(
        "select file_path, sha256, force_code, period from raw.load_ledger where source = ? "
        "qualify row_number() over (partition by file_path order by loaded_at desc) = 1",
        [source],
    ).fetchall()
    return {path: (sha, force, period) for path, sha, force, period in rows}


def seen_files(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """{file path: (signature, sha256)} of the source's landing files as the gate last read them."""
    rows = con.execute(
        "select file_path, signature, sha256 from raw.landing_file_seen where starts_with(file_path, ?)",
        [source + "/"],
    ).fetchall()
    return {path: (signature, sha) for path, signature, sha in rows}


def record_seen(con: duckdb.DuckDBPyConnection, file_path: str, signature: str, sha: str) -> None:
    """Remember how a landing file looked when it was read (raw.landing_file_seen)."""
    con.execute("insert or replace into raw.landing_file_seen values (?, ?, ?)", [file_path, signature, sha])


def active_copy(con: duckdb.DuckDBPyConnection, source: str, sha: str) -> str | None:
    """The path of a file in force holding exactly these bytes, if any."""
    row = con.execute(
        "select file_path from raw.load_ledger where source = ? and sha256 = ? and status = 'loaded' "
        "order by loaded_at limit 1",
        [source, sha],
    ).fetchone()
    return row[0] if row else None


def active_ids(
    con: duckdb.DuckDBPyConnection, contract: Contract, force_code: str, period: str | None, keys: frozenset[str]
) -> ActiveIds:
    """The files in force of this force and period, each with the ids it holds, and which of `keys` (a new file's
    ids) are already in force in the force's other periods (when the contract's ids are unique per force).

    The other periods are asked only about `keys`, inside the warehouse: a file's cost does not grow with the
    force's history (the raw table is scanned for the force's rows, never read out)."""
    scoped = {"source": contract.source, "force": force_code}
    ledger = con.execute(
        "select load_id, file_path from raw.load_ledger "
        "where status = 'loaded' and source = $source and force_code = $force and period is not distinct from $period",
        {**scoped, "period": period},
    ).fetchall()
    if not contract.id_fields or not ledger:
        parts = [ActivePart(load_id, path, frozenset()) for load_id, path in ledger]
        elsewhere = _held_elsewhere(con, contract, force_code, period, keys) if contract.id_fields else {}
        return ActiveIds(parts, elsewhere)
    columns = ", ".join(f"s.{c}" for c in contract.id_fields)
    ids = (
        con.execute(
            f"select s.load_id, {columns} from raw.{contract.source} s where s.load_id in (select unnest($loads))",
            {"loads": [load_id for load_id, _ in ledger]},
        )
        .pl()
        .select("load_id", key_expr(contract.id_fields).alias(KEY))
        .drop_nulls(KEY)
    )
    by_load = {load_id: frozenset(k) for load_id, k in ids.group_by("load_id").agg(KEY).iter_rows()}
    parts = [ActivePart(load_id, path, by_load.get(load_id, frozenset())) for load_id, path in ledger]
    return ActiveIds(parts, _held_elsewhere(con, contract, force_code, period, keys))


def _held_elsewhere(
    con: duckdb.DuckDBPyConnection, contract: Contract, force_code: str, period: str | None, keys: frozenset[str]
) -> dict[str, str]:
    """{id: file} for the ids among `keys` in force in the force's other periods. Ids unique per force are text
    (load_contract checks), so a row's id is its id column as it is stored."""
    if contract.id_unique_within != "force" or not keys:
        return {}
    (id_column,) = contract.id_fields
    con.register("_mhw_keys", pl.DataFrame({KEY: sorted(keys)}, schema={KEY: pl.String}).to_arrow())
    try:
        found = con.execute(
            f"""
            select k.{KEY}, any_value(l.file_path)
            from _mhw_keys k
            join raw.{contract.source} s on s.{id_column} = k.{KEY}
            join raw.load_ledger l on l.load_id = s.load_id
            where s.force_code = $force and l.status = 'loaded' and l.source = $source and l.force_code = $force
              and l.period is distinct from $period
            group by all
            """,
            {"source": contract.source, "force": force_code, "period": period},
        ).fetchall()
    finally:
        con.unregister("_mhw_keys")
    return dict(found)


def supersede(con: duckdb.DuckDBPyConnection, part: ActivePart, by_load_id: str, by_path: str, why: str) -> None:
    """Take an earlier file out of force, saying by which file and why."""
    con.execute(
        "update raw.load_ledger set status = 'superseded', superseded_by = ?, "
        "message = concat_ws('; ', message, ?) where load_id = ?",
        [by_load_id, f"superseded by {by_path}: {why}", part.load_id],
    )


@dataclass(frozen=True)
class Withdrawal:
    load_id: str
    source: str
    force_code: str | None
    period: str | None
    rows_loaded: int


def withdraw(con: duckdb.DuckDBPyConnection, file_path: str, reason: str, by: str) -> Withdrawal:
    """Take a file in force out of force (status 'withdrawn'), recording when, by whom and why."""
    found = con.execute(
        "select load_id, source, force_code, period, rows_loaded from raw.load_ledger "
        "where file_path = ? and status = 'loaded'",
        [file_path],
    ).fetchone()
    if found is None:
        latest = con.execute(
            "select arg_max(status, loaded_at) from raw.load_ledger where file_path = ?", [file_path]
        ).fetchone()[0]
        if latest is None:
            raise LedgerError(f"no delivery {file_path} in the ledger (give the path under the landing zone)")
        raise LedgerError(f"{file_path} is not in force (its latest ledger entry is '{latest}'): nothing to withdraw")
    load_id, source, force_code, period, rows = found
    note = f"withdrawn {datetime.now():%Y-%m-%d %H:%M} by {by}: {reason}"
    con.execute(
        "update raw.load_ledger set status = 'withdrawn', message = concat_ws('; ', message, ?) where load_id = ?",
        [note, load_id],
    )
    return Withdrawal(load_id, source, force_code, period, rows)


def active_parts_by_period(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Files in force per source, force and period (for `mhw status`): path, rows loaded and rejected."""
    return con.execute(
        "select source, force_code, period, file_path, rows_loaded, rows_rejected from raw.load_ledger "
        "where status = 'loaded' order by source, force_code, period, file_path"
    ).pl()
