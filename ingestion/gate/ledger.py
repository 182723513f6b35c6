"""raw.load_ledger: one entry per file the gate answered, and every read and write of it the loaders share.

Statuses: loaded (in force: its rows count), superseded (replaced by the file in superseded_by), duplicate (the same
bytes as a file in force in the same force and period folders), rejected_file (refused whole; the reason in message),
withdrawn (taken out by an operator with `mhw withdraw`). Staging keeps rows whose load is 'loaded' (dbt macro
active_loads).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from ingestion.gate.contract import Contract
from ingestion.gate.delivery import KEY, ActiveIds, ActivePart, Holder, key_expr


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
    contract_sha256: str | None = None  # of a refusal its source's contract governs: that contract's digest
    token_scheme: int | None = None  # pseudonymise.TOKEN_SCHEME of the rows' person tokens (with key_id)


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


LEDGER_COLUMNS = {
    "load_id": pl.String, "source": pl.String, "force_code": pl.String, "period": pl.String, "file_path": pl.String,
    "sha256": pl.String, "layout": pl.String, "loaded_at": pl.Datetime("us"), "rows_read": pl.Int64,
    "rows_loaded": pl.Int64, "rows_rejected": pl.Int64, "status": pl.String, "message": pl.String,
    "key_id": pl.String, "contract_sha256": pl.String, "token_scheme": pl.Int32,
}  # fmt: skip


def entries_frame(entries: list[tuple[Entry, datetime]]) -> pl.DataFrame:
    """Ledger entries, each with the time it was written, as rows of raw.load_ledger (superseded_by left NULL)."""
    return pl.DataFrame(
        [
            (
                e.load_id,
                e.source,
                e.force_code,
                e.period,
                e.file_path,
                e.sha256,
                e.layout,
                at,
                e.rows_read,
                e.rows_loaded,
                e.rows_rejected,
                e.status,
                e.message,
                e.key_id,
                e.contract_sha256,
                e.token_scheme,
            )
            for e, at in entries
        ],
        schema=LEDGER_COLUMNS,
        orient="row",
    )


def latest_versions(
    con: duckdb.DuckDBPyConnection, source: str, contract_sha256: str | None
) -> dict[str, tuple[str, str | None, str | None]]:
    """{file path: (sha256, force_code, period) of its latest ledger entry} for a source, leaving out a file whose
    latest entry is a refusal that the source's contract governs, made under another contract than the one whose
    digest is `contract_sha256`: the contract may answer it now."""
    rows = con.execute(
        "select file_path, sha256, force_code, period from raw.load_ledger where source = ? "
        "qualify row_number() over (partition by file_path order by loaded_at desc) = 1 "
        "and coalesce(contract_sha256 = ?, true)",
        [source, contract_sha256],
    ).fetchall()
    return {path: (sha, force, period) for path, sha, force, period in rows}


def seen_files(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, tuple[str, str]]:
    """{file path: (signature, sha256)} of the source's landing files as the gate last read them."""
    rows = con.execute(
        "select file_path, signature, sha256 from raw.landing_file_seen where starts_with(file_path, ?)",
        [source + "/"],
    ).fetchall()
    return {path: (signature, sha) for path, signature, sha in rows}


class LedgerView:
    """What the writer asks the ledger of one source: which load ids are taken, which file in force in given folders
    holds given bytes, whether a path has a file in force, a force's files in force. Read once for an ingestion, then
    told of every entry the writer makes and every file it supersedes (nothing else writes the ledger while the
    writer holds the claim), so a file's questions cost no query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str):
        rows = con.execute(
            "select load_id, status, force_code, period, file_path, sha256 from raw.load_ledger "
            "where source = $source or starts_with(load_id, $prefix) order by loaded_at",
            {"source": source, "prefix": source + "/"},
        ).fetchall()
        self._taken = {load_id for load_id, *_ in rows}
        self._in_force: dict[str, tuple[str | None, str | None, str, str]] = {}  # load_id -> force, period, path, sha
        self._by_sha: dict[str, dict[str, str]] = {}  # sha256 -> {load_id: path}, oldest first
        self._by_force: dict[str | None, dict[str, tuple[str | None, str]]] = {}  # force -> {load_id: (period, path)}
        # (sha256, force, period) -> (path, status) of the latest file put out of force holding those bytes
        self._out_of_force: dict[tuple[str, str | None, str | None], tuple[str, str]] = {}
        for load_id, status, force_code, period, path, sha in rows:
            if status == "loaded":
                self._add(load_id, force_code, period, path, sha)
            elif status in ("superseded", "withdrawn"):
                self._out_of_force[(sha, force_code, period)] = (path, status)

    def _add(self, load_id: str, force_code: str | None, period: str | None, path: str, sha: str) -> None:
        self._in_force[load_id] = (force_code, period, path, sha)
        self._by_sha.setdefault(sha, {})[load_id] = path
        self._by_force.setdefault(force_code, {})[load_id] = (period, path)

    def free_load_id(self, base: str) -> str:
        """base, or base~2, base~3 ... when base is taken (same content delivered again, e.g. as a duplicate)."""
        n, load_id = 1, base
        while load_id in self._taken:
            n += 1
            load_id = f"{base}~{n}"
        return load_id

    def active_copy(self, sha: str, force_code: str | None, period: str | None) -> str | None:
        """The path of the oldest file in force for this force and period holding exactly these bytes, if any. The
        same bytes in another force's or period's folder are not a copy: that file's rows are checked against its
        own folders (a misfiled copy's rows are refused there, and must not stand in for the right file)."""
        copies = self._by_sha.get(sha, {})
        return next((p for load_id, p in copies.items() if self._in_force[load_id][:2] == (force_code, period)), None)

    def out_of_force_copy(self, sha: str, force_code: str | None, period: str | None) -> tuple[str, str] | None:
        """(path, 'superseded' or 'withdrawn') of the latest file of this force and period taken out of force that
        held exactly these bytes: a new file holding them puts that version back, which may not be meant."""
        return self._out_of_force.get((sha, force_code, period))

    def path_in_force(self, path: str) -> bool:
        return any(path == in_force for _, _, in_force, _ in self._in_force.values())

    def files_in_force(self, force_code: str | None) -> dict[str, tuple[str | None, str]]:
        """load_id -> (period, path) of the force's files in force, oldest first (read only: the view's own)."""
        return self._by_force.get(force_code, {})

    def written(self, entry: Entry) -> None:
        self._taken.add(entry.load_id)
        if entry.status == "loaded":
            self._add(entry.load_id, entry.force_code, entry.period, entry.file_path, entry.sha256)

    def superseded(self, load_id: str) -> None:
        if load_id in self._in_force:
            force_code, period, path, sha = self._in_force.pop(load_id)
            self._by_sha[sha].pop(load_id, None)
            self._by_force[force_code].pop(load_id, None)
            self._out_of_force[(sha, force_code, period)] = (path, "superseded")


class ActiveIndex:
    """The ids in force of one source, a force at a time: what a new delivery can meet (delivery.ActiveIds).

    A force's first file in a refresh is answered by the warehouse about that file's ids only (a refresh that brings
    one file per force never reads a force's history out). From its second file the force is held here: the ids of
    its files in force are read once, then kept up to date by the writer as it loads (`loaded`) and supersedes
    (`superseded`) files. While the writer holds the claim nothing else changes raw.<source> or the ledger, and what
    it writes in an open transaction is seen here as in the warehouse. So a file's check does not re-read the
    force's history: the held ids are one polars frame (file number, id), which a new file's ids are looked up in.
    One force is held at a time; the landing zone is listed in path order (force, then period). Which files are in
    force comes from the writer's ledger view; `before_reading` is called before a read of raw.<source> that may
    meet rows the writer holds back for one insert (a force's rows loaded in this ingestion).
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        contract: Contract,
        ledger: LedgerView,
        before_reading: Callable[[], None] = lambda: None,
    ):
        self._con, self._contract, self._ledger, self._before_reading = con, contract, ledger, before_reading
        self._asked: str | None = None  # the force whose first file was answered by the warehouse
        self._force: str | None = None  # the force held here
        self._written: set[str | None] = set()  # forces with files loaded in this ingestion
        self._loads: list[str] = []  # the held force's files, numbered
        self._ids = _held_ids([], [])  # (file number, id) of the held force's files in force

    @property
    def _unique_in_force(self) -> bool:
        return self._contract.id_unique_within == "force"

    def _rows(self, force_code: str, loads: list[str], keys: frozenset[str] | None = None) -> dict[str, set[str]]:
        """load_id -> ids of the rows of these loads of the force; only the ids among `keys` when given (ids unique
        per force are one text column: load_contract checks)."""
        contract = self._contract
        if not contract.id_fields or not loads:
            return {}
        where, params = ["load_id in (select unnest($loads))"], {"loads": loads}
        if contract.scope == "force" and "force_code" in contract.names:
            # a force's rows carry its code (validate_rows), which lets DuckDB skip other forces' row groups
            where.append("force_code = $force")
            params["force"] = force_code
        if keys is not None:
            where.append(f"{contract.id_fields[0]} in (select unnest($keys))")
            params["keys"] = sorted(keys)
        if force_code in self._written:  # its rows written in this ingestion may be held back still
            self._before_reading()
        rows = self._con.execute(
            f"select load_id, {', '.join(contract.id_fields)} from raw.{contract.source} where {' and '.join(where)}",
            params,
        ).pl()
        ids = rows.select("load_id", key_expr(contract.id_fields).alias(KEY)).drop_nulls(KEY)
        return {load_id: set(found) for load_id, found in ids.group_by("load_id").agg(KEY).iter_rows()}

    def _refused(self, force_code: str, loads: list[str]) -> dict[str, set[str]]:
        """load_id -> ids of the refused rows of these loads (they were sent with them too: delivery.ActivePart). Asked
        only about files of a new file's own period, which seldom holds one yet."""
        if not self._contract.id_fields or not loads:
            return {}
        if force_code in self._written:  # its rejects written in this ingestion may be held back still
            self._before_reading()
        found = self._con.execute(
            "select load_id, list(distinct row_id) from raw.rejected_rows "
            "where load_id in (select unnest($loads)) and row_id is not null group by load_id",
            {"loads": loads},
        ).fetchall()
        return {load_id: set(ids) for load_id, ids in found}

    def _hold(self, force_code: str) -> None:
        """Read the ids of the force's files in force, and keep them here from now on."""
        self._force, self._loads, self._ids = force_code, [], _held_ids([], [])
        for load_id, ids in self._rows(force_code, list(self._ledger.files_in_force(force_code))).items():
            self._remember(load_id, list(ids))

    def _remember(self, load_id: str, ids: list[str]) -> None:
        self._loads.append(load_id)
        self._ids = pl.concat([self._ids, _held_ids([len(self._loads) - 1] * len(ids), ids)], rechunk=False)

    def _held(self, here: list[str], keys: frozenset[str]) -> tuple[dict[str, set[str]], dict[str, str]]:
        """From the held ids: the ids of the files `here`, and which of `keys` a file holds (id -> load_id)."""
        loads = self._loads
        by_load: dict[str, set[str]] = {}
        if here:
            numbers = [n for n, load_id in enumerate(loads) if load_id in here]
            found = self._ids.filter(pl.col("file").is_in(numbers)).group_by("file").agg(KEY)
            by_load = {loads[n]: set(found) for n, found in found.iter_rows()}
        holders: dict[str, str] = {}
        if self._unique_in_force and keys:
            found = self._ids.filter(pl.col(KEY).is_in(pl.Series(list(keys), dtype=pl.String).implode()))
            holders = {key: loads[n] for n, key in found.unique(KEY, keep="first", maintain_order=True).iter_rows()}
        return by_load, holders

    def active(self, force_code: str, period: str | None, keys: frozenset[str]) -> ActiveIds:
        """The files in force of this force and period, each with its ids, and which of `keys` (a new file's ids)
        are in force in the force's other periods (id -> file; only when the contract's ids are unique per force)."""
        if force_code != self._force and force_code == self._asked:  # its second file: hold the force from now on
            self._hold(force_code)
        files = self._ledger.files_in_force(force_code)
        here = [load_id for load_id, (p, _) in files.items() if p == period]
        if force_code == self._force:
            by_load, holders = self._held(here, keys)
        else:  # its first file: the warehouse answers about this file's ids only
            self._asked = force_code
            by_load = self._rows(force_code, here)
            holders = {}
            if self._unique_in_force and keys:
                others = [load_id for load_id in files if load_id not in here]
                for load_id, ids in self._rows(force_code, others, keys).items():
                    holders |= dict.fromkeys(ids, load_id)
        refused = self._refused(force_code, here)
        parts = [
            ActivePart(
                load_id, files[load_id][1], frozenset(by_load.get(load_id, ())), frozenset(refused.get(load_id, ()))
            )
            for load_id in here
        ]
        elsewhere = {key: Holder(h, files[h][1]) for key, h in holders.items() if h not in here}
        return ActiveIds(parts, elsewhere)

    def loaded(self, load_id: str, force_code: str, rows: pl.DataFrame) -> None:
        """A file's rows went into force (rows: as written to raw.<source>)."""
        self._written.add(force_code)
        if force_code != self._force:
            return  # not held: read from the warehouse, these rows with it, when it is
        if self._contract.id_fields:
            self._remember(load_id, rows.select(key_expr(self._contract.id_fields)).to_series().drop_nulls().to_list())

    def superseded(self, load_id: str) -> None:
        """A file went out of force."""
        if load_id in self._loads:
            self._ids = self._ids.filter(pl.col("file") != self._loads.index(load_id))


def _held_ids(files: list[int], ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"file": files, KEY: ids}, schema={"file": pl.UInt32, KEY: pl.String})


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


WITHDRAWN = "withdrawn"  # withdraw's note, appended to the entry's message: 'withdrawn <when> by <whom>: <why>'


def withdrawal_note(message: str | None) -> str | None:
    """'<when> by <whom>: <why>' from a withdrawn entry's message (the note withdraw appended), if it holds one."""
    found = re.search(rf"{WITHDRAWN} (\d{{4}}-\d\d-\d\d \d\d:\d\d by .*)", message or "", re.S)
    return found.group(1) if found else None


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
    note = f"{WITHDRAWN} {datetime.now():%Y-%m-%d %H:%M} by {by}: {reason}"
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
