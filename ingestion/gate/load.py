"""The gate's loader: landing files -> raw.<source>, raw.rejected_rows, raw.load_ledger, whole files per transaction.

Two steps per file, so that files are prepared side by side while one writer commits: `prepare_files` reads,
maps, validates and pseudonymises (no writes, no warehouse) a batch of files, each read on its own and then checked
together with the others of its layout, in worker processes when there are enough files
(ingestion/gate/workers.py); `commit_file` decides what the delivery does to the files in force
(ingestion/gate/delivery.py) and writes the ledger entry, rows and rejects together, in listing order.
A file whose latest ledger entry has the same bytes is already answered and skipped, unless that entry is a refusal
its source's contract governs and the contract has changed since (ledger.latest_versions); identical bytes to a file
in force are a 'duplicate' (nothing loaded again). A file whose signature (file_signature) is as it was when those
bytes were read is not read again at all.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from ingestion.gate.contract import Contract, Layout, load_contract
from ingestion.gate.delivery import KEY, ActiveIds, Decision, Holder, decide, key_expr
from ingestion.gate.landing import (
    UNKNOWN_SOURCE,
    LandingFile,
    check_landing_path,
    ledger_force_and_period,
    overlapping_periods,
    refusal_before_reading,
    scan_landing,
    source_files,
    stray_reason,
)
from ingestion.gate.ledger import ActiveIndex, Entry, LedgerView, latest_versions, seen_files, supersede
from ingestion.gate.pseudonymise import (
    TOKEN_SCHEME,
    check_key_matches,
    key_id_for,
    pseudonymise_frame,
    record_key_check,
    resolve_key,
)
from ingestion.gate.read import MAX_FILE_BYTES, FileRejected, file_too_big, parse_table, to_canonical
from ingestion.gate.validate import REJECT_SCHEMA, FileRows, validate_files
from ingestion.gate.workers import in_order, worker_count
from ingestion.gate.writer import Transaction, transactions
from ingestion.schema import ensure_raw_schema
from mhw.refresh_inputs import file_signature

LONDON = ZoneInfo("Europe/London")
NAMED_PER_KIND = 10  # files a refresh's log names one by one per outcome (IngestReport.warnings); the rest are counted


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str  # loaded | duplicate | rejected_file
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    message: str | None = None
    load_id: str | None = None
    unread: tuple[str, ...] = ()  # header cells that are no column of the layout (named in the message)
    restores: str | None = None  # the file taken out of force (superseded or withdrawn) whose bytes this one holds
    read_again: bool = False  # a file in force read again: ids its rows were refused for are free (reread_file)
    retokenised: bool = False  # a file in force read again: its person tokens were made by an earlier rule
    overlaps: tuple[str, ...] = ()  # files in force of the force whose period shares months with this file's


@dataclass
class IngestReport:
    source: str
    files: list[FileResult] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, why): entries no refresh can read

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def warnings(self, named: int = NAMED_PER_KIND) -> list[str]:
        """The files a data engineer must look at, in a few lines: those refused whole, the duplicates and those
        with refused rows, each kind file by file up to `named` files, then counted. Every file's entry is in
        raw.load_ledger, and `mhw rejects` lists each refused file and row (one log line per file cost a refresh of
        ten national years about a minute: docs/benchmarks.md)."""
        kinds = {
            "refused whole": [f for f in self.files if f.status == "rejected_file"],
            "identical to files already loaded": [f for f in self.files if f.status == "duplicate"],
            "loaded with rows refused": [f for f in self.files if f.status == "loaded" and f.rows_rejected],
            "loaded with columns not read": [f for f in self.files if f.status == "loaded" and f.unread],
            "loaded with the bytes of a file taken out of force": [f for f in self.files if f.restores],
            "read again, rows refused for ids no file in force holds now loaded": [
                f for f in self.files if f.read_again and not f.retokenised
            ],
            "read again to make their person tokens by the current rule (local ids within their force)": [
                f for f in self.files if f.retokenised
            ],
            "loaded beside files in force of an overlapping period": [f for f in self.files if f.overlaps],
        }
        listing = "`mhw rejects`" if self.source == UNKNOWN_SOURCE else f"`mhw rejects --file {self.source}/`"
        lines = [f"{path}: not read; {why}" for path, why in self.unreadable]
        for kind, found in kinds.items():
            lines += [f"{f.path}: {f.status}; {f.message or ''}" for f in found[:named]]
            if len(found) > named:
                rest = found[named:]
                refused = sum(f.rows_rejected for f in rest)
                rows = f", {refused:,} rows refused" if refused else ""
                lines.append(
                    f"{self.source}: {len(rest):,} more files {kind} ({len(found):,} in all{rows}): "
                    f"{listing} lists each file and row"
                )
        return lines

    def summary(self) -> str:
        return (
            f"{self.source}: {len(self.files)} new file(s) ({self.count('loaded')} loaded, "
            f"{self.count('duplicate')} duplicate, {self.count('rejected_file')} rejected); rows read "
            f"{self.rows_read}, loaded {self.rows_loaded}, rejected {self.rows_rejected}"
        )


@dataclass(frozen=True)
class Delivered:
    """One version of a landing file: its bytes (read once, so the sha256 is of exactly what is parsed), or the
    reason it is refused before reading; sha256 identifies the version either way."""

    lf: LandingFile
    sha: str
    raw: bytes | None = None
    refusal: str | None = None
    signature: str | None = None  # file_signature, taken before reading


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def take_delivery(landing_dir: Path, lf: LandingFile) -> Delivered:
    """Read a landing file once, unless it must not be read (a link out, a pipe, a format we do not read) or is too
    big. Raises FileNotFoundError when it vanished since the landing zone was listed."""
    stat = os.lstat(lf.path)
    delivered = partial(Delivered, lf, signature=file_signature(stat))
    refusal = refusal_before_reading(landing_dir, lf)
    if refusal:
        target = os.readlink(lf.path) if lf.path.is_symlink() else ""
        unread = f"not read\t{refusal}\t{target}\t{stat.st_size}\t{stat.st_mtime_ns}"
        return delivered(_sha(unread.encode()), None, refusal)
    size = os.stat(lf.path).st_size
    if size > MAX_FILE_BYTES:
        return delivered(sha256_file(lf.path), None, file_too_big(size))
    try:
        raw = lf.path.read_bytes()
    except PermissionError:
        stat = os.stat(lf.path)
        reason = "the file cannot be read (permission denied): give the loader read access"
        return delivered(_sha(f"unreadable\t{stat.st_size}\t{stat.st_mtime_ns}".encode()), None, reason)
    return delivered(_sha(raw), raw)


@dataclass(frozen=True)
class Prepared:
    """A delivered file checked against its contract, ready to commit: nothing in it has touched the warehouse."""

    delivered: Delivered
    source: str
    force_code: str | None  # as the ledger records it: None unless a known force ('national' for national sources)
    period: str | None  # None unless a period of the calendar that has begun
    rejection: FileRejected | None = None
    layout: str | None = None
    rows: pl.DataFrame | None = None  # good rows, typed and pseudonymised
    rejects: pl.DataFrame | None = None  # row_number, field, reason
    rows_read: int = 0
    keys: frozenset[str] = frozenset()
    unread: tuple[str, ...] = ()  # header cells that are no column of the layout (read.Canonical)

    @property
    def path(self) -> str:
        return self.delivered.lf.rel_path


def prepare_file(delivered: Delivered, contract: Contract, *, key: bytes, key_id: str, now: datetime) -> Prepared:
    """Read, map, validate and pseudonymise one delivered file (no writes). A whole-file problem is kept as its
    rejection; every row is either in `rows` or named in `rejects`."""
    return prepare_files([delivered], contract, key=key, key_id=key_id, now=now)[0]


def _rows_of_misfiled(delivered: Delivered) -> int:
    """The data rows of a file refused for the folder it lies in, quarantined with it (0 when no table can be read)."""
    try:
        return parse_table(delivered.raw, delivered.lf.path.suffix).height
    except FileRejected as exc:
        return exc.rows_read


def prepare_files(
    delivered: list[Delivered], contract: Contract, *, key: bytes, key_id: str, now: datetime
) -> list[Prepared]:
    """prepare_file of each file: read and mapped one by one, then the files of one layout validated and
    pseudonymised together (validate.validate_files: a file gets what it would get alone, at a fraction of the
    cost of a polars query per file)."""
    prepared: list[Prepared | None] = [None] * len(delivered)
    layouts: dict[str, tuple[Layout, list[tuple[int, str | None, str | None, tuple[str, ...]]], list[FileRows]]] = {}
    for n, one in enumerate(delivered):
        lf = one.lf
        force, period = ledger_force_and_period(lf, contract, now.date())
        try:
            if one.refusal:
                raise FileRejected(one.refusal)
            try:
                check_landing_path(lf, contract, now.date())
            except FileRejected as misfiled:
                misfiled.rows_read = _rows_of_misfiled(one)
                raise
            table = parse_table(one.raw, lf.path.suffix, contract.encodings_for(lf.force_code))
            canonical, layout, unread = to_canonical(table, contract, lf.force_code)
        except FileRejected as exc:
            prepared[n] = Prepared(one, contract.source, force, period, rejection=exc, rows_read=exc.rows_read)
            continue
        _, numbers, files = layouts.setdefault(layout.name, (layout, [], []))
        numbers.append((n, force, period, unread))
        files.append(FileRows(canonical, lf.force_code, lf.period))
    for layout, numbers, files in layouts.values():
        checked = validate_files(files, contract, layout, now=now)
        good = pl.concat([v.good.with_columns(pl.lit(i, pl.UInt32).alias("__file")) for i, v in enumerate(checked)])
        tokens = pseudonymise_frame(good, key, key_id)
        by_file = tokens.partition_by("__file", as_dict=True, include_key=False)
        empty = tokens.clear().drop("__file")
        for i, ((n, force, period, unread), valid) in enumerate(zip(numbers, checked, strict=True)):
            prepared[n] = Prepared(
                delivered[n],
                contract.source,
                force,
                period,
                layout=layout.name,
                rows=by_file.get((i,), empty),
                rejects=valid.rejects,
                rows_read=valid.rows_read,
                keys=valid.keys,
                unread=unread,
            )
    return prepared


def _load_id(ledger: LedgerView, prepared: Prepared) -> str:
    lf = prepared.delivered.lf
    return ledger.free_load_id(
        f"{prepared.source}/{lf.force_code or 'unknown'}/{lf.period or 'unknown'}/{prepared.delivered.sha[:16]}"
    )


def _entry(
    prepared: Prepared, load_id: str, status: str, rows=(0, 0, 0), message=None, key_id=None, contract_sha=None
) -> Entry:
    """The ledger entry of a prepared file; rows = (read, loaded, rejected)."""
    return Entry(
        load_id, prepared.source, prepared.force_code, prepared.period, prepared.path, prepared.delivered.sha,
        status, *rows, message, prepared.layout, key_id, contract_sha, TOKEN_SCHEME if key_id else None,
    )  # fmt: skip


def _write(tx: Transaction, ledger: LedgerView, entry: Entry) -> None:
    tx.entry(entry)
    ledger.written(entry)


def _reject_file(
    tx: Transaction,
    ledger: LedgerView,
    prepared: Prepared,
    reason: str,
    kept: Sequence[str] | None = None,
    row_rejects: pl.DataFrame | None = None,
    contract_sha: str | None = None,
) -> FileResult:
    """The ledger entry and the file-level reject of a file refused whole, and its rows' rejects when it has any.
    `kept`: the files in force it would have replaced (by default the earlier version at its path), named as staying
    in force. `contract_sha`: the digest of the contract that decided the refusal, if one did (read again when the
    contract changes: ledger.latest_versions)."""
    load_id = _load_id(ledger, prepared)
    if kept is None:
        kept = [prepared.path] if ledger.path_in_force(prepared.path) else []
    named = ", ".join("the earlier version of this file" if path == prepared.path else path for path in kept)
    message = reason + (f"; {named} {'stays' if len(kept) == 1 else 'stay'} in force" if kept else "")
    read = prepared.rows_read
    _write(tx, ledger, _entry(prepared, load_id, "rejected_file", (read, 0, read), message, contract_sha=contract_sha))
    rejects = pl.DataFrame({"reason": [reason]}, schema={"reason": pl.String})
    if row_rejects is not None:
        rejects = pl.concat([rejects, row_rejects], how="diagonal")
    _insert_rejects(tx, prepared, load_id, rejects)
    return FileResult(prepared.path, "rejected_file", read, 0, read, message, load_id)


def _insert_rejects(tx: Transaction, prepared: Prepared, load_id: str, rejects: pl.DataFrame) -> None:
    """A file's rejects into raw.rejected_rows, under its load."""
    named = {"load_id": load_id, "source": prepared.source, "file_path": prepared.path}
    tx.insert("raw.rejected_rows", rejects.with_columns([pl.lit(v).alias(k) for k, v in named.items()]))


def _refuse_unloadable(
    tx: Transaction, ledger: LedgerView, prepared: Prepared, kept: Sequence[str], contract: Contract
) -> FileResult:
    """A new version with data rows of which not one passes its contract, that would replace the files `kept`:
    refused whole, so they stay in force (its rows' rejects are kept with it)."""
    first = prepared.rejects.row(0, named=True)
    reason = (
        f"not one of its {prepared.rows_read} data rows can be loaded (row {first['row_number']}, {first['reason']}; "
        "`mhw rejects` lists every row), so it replaces nothing"
    )
    return _reject_file(tx, ledger, prepared, reason, kept, prepared.rejects, contract.digest)


def _id_field(contract: Contract) -> str:
    return contract.id_fields[0] if len(contract.id_fields) == 1 else "+".join(contract.id_fields)


HELD_REASON = "{}: '{}' is already loaded for this force from {}"  # field, id, the holder's path (polars and SQL)


def _refuse_held_ids(
    rows: pl.DataFrame, rejects: pl.DataFrame, holders: dict[str, Holder], contract: Contract
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Move the rows whose id another file in force holds to the rejects, naming that file (and its load in
    `held_by`)."""
    keyed = rows.with_columns(key_expr(contract.id_fields).alias(KEY))
    held = pl.DataFrame(
        {
            KEY: list(holders),
            "__holder": [h.file_path for h in holders.values()],
            "held_by": [h.load_id for h in holders.values()],
        },
        schema={KEY: pl.String, "__holder": pl.String, "held_by": pl.String},
    )
    field_name = _id_field(contract)
    reason = pl.format(HELD_REASON, pl.lit(field_name), KEY, "__holder")
    refused = keyed.join(held, on=KEY, how="inner").select(
        "row_number",
        pl.lit(field_name).alias("field"),
        reason.alias("reason"),
        pl.col(KEY).alias("row_id"),
        "held_by",
        pl.col(KEY).alias("held_id"),
    )
    refused = refused.cast(REJECT_SCHEMA | {"held_by": pl.String, "held_id": pl.String})
    rejects = pl.concat([rejects, refused], how="diagonal")
    return keyed.filter(~pl.col(KEY).is_in(held[KEY].implode())).drop(KEY), rejects.sort("row_number")


@dataclass(frozen=True)
class _Answer:
    """What a prepared file meets in force: the delivery rule's decision, the rows it loads and its rejects."""

    active: ActiveIds
    decision: Decision
    rows: pl.DataFrame
    rejects: pl.DataFrame
    held: int  # rows refused because another file in force holds their ids
    overlaps: tuple[str, ...]  # files in force of the force whose period shares months with this file's


def _answer(prepared: Prepared, contract: Contract, index: ActiveIndex, ledger: LedgerView) -> _Answer:
    active = index.active(prepared.force_code, prepared.period, prepared.keys)
    decision = decide(prepared.path, prepared.keys, active)
    rows, rejects = prepared.rows, prepared.rejects
    if decision.holders:
        rows, rejects = _refuse_held_ids(rows, rejects, decision.holders, contract)
    overlaps = _overlapping_files(ledger, prepared) if len(contract.periods) > 1 else ()
    return _Answer(active, decision, rows, rejects, prepared.rows.height - rows.height, overlaps)


def commit_file(
    tx: Transaction, ledger: LedgerView, prepared: Prepared, contract: Contract, key_id: str, index: ActiveIndex
) -> FileResult:
    """Write one prepared file in the writer's open transaction (which commits whole files): its ledger entry, what
    it supersedes, its rows and rejects, and tell the source's ledger view and index of ids in force. The id-clash
    and re-send rule is delivery.decide's; a version that would replace files in force while not one of its data
    rows passes its contract is refused whole instead, and they stay in force."""
    if prepared.rejection:
        by_contract = contract.digest if prepared.rejection.by_contract else None
        return _reject_file(tx, ledger, prepared, prepared.rejection.reason, contract_sha=by_contract)
    copy = ledger.active_copy(prepared.delivered.sha, prepared.force_code, prepared.period)
    if copy:
        load_id = _load_id(ledger, prepared)
        message = f"identical to {copy}, already loaded: nothing loaded again"
        _write(tx, ledger, _entry(prepared, load_id, "duplicate", message=message))
        return FileResult(prepared.path, "duplicate", 0, 0, 0, message, load_id)
    answer = _answer(prepared, contract, index, ledger)
    if answer.decision.supersedes and prepared.rows_read and prepared.rows.is_empty():
        return _refuse_unloadable(
            tx, ledger, prepared, [part.file_path for part in answer.decision.supersedes], contract
        )
    return _load_version(tx, ledger, prepared, answer, key_id, index)


def _load_version(
    tx: Transaction,
    ledger: LedgerView,
    prepared: Prepared,
    answer: _Answer,
    key_id: str,
    index: ActiveIndex,
    read_again: str | None = None,
    retokenised: bool = False,
) -> FileResult:
    """A prepared file's rows into force as `answer` says: its entry, what it supersedes, its rows and rejects.
    `read_again`: why a file in force was read again (reread_file, retokenise_old_loads), said first in its entry."""
    decision, rows, rejects, held = answer.decision, answer.rows, answer.rejects, answer.held
    if read_again:  # decide() took the same path for a correction
        decision = replace(decision, why="the same bytes, read again")
    load_id = _load_id(ledger, prepared)
    read, loaded = prepared.rows_read, rows.height
    notes = [read_again, f"{loaded} of {read} rows loaded" if read else "no data rows (a nil return)"]
    notes.append(decision.describe())
    beside = sorted(p.file_path.rsplit("/", 1)[-1] for p in answer.active.parts if p not in decision.supersedes)
    if beside:
        notes.append(f"another part of {prepared.force_code} {prepared.period}, beside {', '.join(beside)}")
    if prepared.unread:
        notes.append(f"columns not read (no column of layout '{prepared.layout}'): {', '.join(prepared.unread)}")
    earlier = (
        None if read_again else ledger.out_of_force_copy(prepared.delivered.sha, prepared.force_code, prepared.period)
    )
    if earlier:
        notes.append(
            f"its bytes are those of {earlier[0]}, {earlier[1]} before: that version is back in force "
            "(`mhw withdraw` this file if that was not meant)"
        )
    overlaps = answer.overlaps
    if overlaps:
        notes.append(
            f"its period {prepared.period} shares months with files in force of {prepared.force_code} "
            f"({', '.join(overlaps)}): their rows count beside its rows, one event twice if it is in both under two "
            "ids (withdraw the one not meant)"
        )
    if held:  # the holders' ids of rows refused for another reason already are not named here
        clashed = sorted({h.file_path for h in decision.holders.values()})
        notes.append(f"{held} row(s) whose ids are already in force were refused (see {', '.join(clashed)})")
    message = "; ".join(n for n in notes if n)
    if decision.supersedes:
        tx.flush()  # the files it supersedes may be held back still
    for part in decision.supersedes:
        supersede(tx.con, part, load_id, prepared.path, read_again or decision.why)
        ledger.superseded(part.load_id)
        index.superseded(part.load_id)
    _write(tx, ledger, _entry(prepared, load_id, "loaded", (read, loaded, read - loaded), message, key_id))
    tx.insert(f"raw.{prepared.source}", rows.with_columns(pl.lit(load_id).alias("load_id")))
    index.loaded(load_id, prepared.force_code, rows)
    _insert_rejects(tx, prepared, load_id, rejects)
    restores = earlier[0] if earlier else None
    return FileResult(
        prepared.path, "loaded", read, loaded, read - loaded, message, load_id, prepared.unread, restores,
        read_again=read_again is not None, overlaps=overlaps, retokenised=retokenised,
    )  # fmt: skip


def _overlapping_files(ledger: LedgerView, prepared: Prepared) -> tuple[str, ...]:
    """The files in force of the prepared file's force whose period folder shares months with its own (a month
    beside its financial year: only a source delivered by both kinds of folder, s136)."""
    periods = overlapping_periods(prepared.period)
    if not periods:
        return ()
    files = ledger.files_in_force(prepared.force_code).values()
    return tuple(sorted(path for period, path in files if period in periods))


@dataclass(frozen=True)
class HeldElsewhere:
    """A file in force some of whose rows were refused for ids held by a file that is no longer in force."""

    file_path: str
    load_id: str
    sha: str
    held: int  # its rows refused for ids other files held
    gone: tuple[str, ...]  # the holders (load ids) its refused rows name that are no longer in force


def held_by_files_out_of_force(con: duckdb.DuckDBPyConnection, source: str) -> list[HeldElsewhere]:
    """The source's files in force whose rows refused for held ids name (held_by) a file no longer in force: the
    withdrawn, or superseded by a version that may not hold those ids."""
    rows = con.execute(
        """
        with refused as (
            select l.file_path, l.load_id, l.sha256, r.held_by,
                r.held_by not in (select load_id from raw.load_ledger where status = 'loaded') as is_gone
            from raw.rejected_rows as r
            inner join raw.load_ledger as l on l.load_id = r.load_id
            where r.source = $source and r.held_by is not null and l.status = 'loaded'
        )
        select file_path, load_id, sha256, count(*), list(distinct held_by) filter (where is_gone)
        from refused
        group by all
        having bool_or(is_gone)
        order by file_path
        """,
        {"source": source},
    ).fetchall()
    return [HeldElsewhere(path, load, sha, held, tuple(sorted(gone))) for path, load, sha, held, gone in rows]


def reread_file(
    tx: Transaction,
    ledger: LedgerView,
    prepared: Prepared,
    contract: Contract,
    key_id: str,
    index: ActiveIndex,
    in_force: HeldElsewhere,
) -> FileResult | None:
    """A file in force, read again with the same bytes because the file holding ids its rows were refused for left
    force: a new version of it, superseding the one in force, when any of those ids is free now (nothing lost);
    otherwise its refused rows name the files holding their ids now, and nothing else changes (None)."""
    answer = _answer(prepared, contract, index, ledger)
    if answer.held >= in_force.held:
        _name_holders(tx, in_force.load_id, answer.rejects)
        return None
    why = f"read again: the ids of {in_force.held - answer.held} of its {in_force.held} row(s) refused for ids held "
    why += "elsewhere are no longer held by a file in force"
    return _load_version(tx, ledger, prepared, answer, key_id, index, read_again=why)


def _point_at_holders(con: duckdb.DuckDBPyConnection, contract: Contract) -> int:
    """Re-point, without reading any file, the refused rows naming a holder out of force whose id another file in
    force of the same force holds now: their reason and held_by name that file. Only for ids unique per force in
    one column (matched here as the gate matches them); the other files are read again (reread_file). Returns how
    many rows were re-pointed."""
    if contract.id_unique_within != "force" or len(contract.id_fields) != 1 or "force_code" not in contract.names:
        return 0
    field = contract.id_fields[0]
    updated = con.execute(
        f"""
        update raw.rejected_rows as r
        set held_by = h.holder,
            reason = format($reason, $field, r.held_id, h.holder_path)
        from (
            with gone as (
                select r.load_id, r.row_number, r.held_id, l.force_code
                from raw.rejected_rows as r
                inner join raw.load_ledger as l on l.load_id = r.load_id and l.status = 'loaded'
                where r.source = $source and r.held_id is not null
                    and r.held_by not in (select load_id from raw.load_ledger where status = 'loaded')
            )
            select g.load_id, g.row_number, min(a.load_id) as holder, arg_min(a.file_path, a.load_id) as holder_path
            from gone as g
            inner join raw.{contract.source} as s on s.{field} = g.held_id and s.force_code = g.force_code
            inner join raw.load_ledger as a on a.load_id = s.load_id and a.status = 'loaded'
            group by g.load_id, g.row_number
        ) as h
        where r.load_id = h.load_id and r.row_number = h.row_number
        """,
        {"source": contract.source, "field": field, "reason": HELD_REASON},
    ).fetchone()
    return updated[0] if updated else 0


def _name_holders(tx: Transaction, load_id: str, rejects: pl.DataFrame) -> None:
    """The refused rows of load `load_id` name the files that hold their ids now (rows read again: same numbers)."""
    tx.flush()
    held = rejects.filter(pl.col("held_by").is_not_null()).select("row_number", "reason", "held_by")
    tx.con.register("_mhw_held", held.to_arrow())
    try:
        tx.con.execute(
            "update raw.rejected_rows as r set reason = h.reason, held_by = h.held_by from _mhw_held as h "
            "where r.load_id = ? and r.row_number = h.row_number and r.held_by is not null",
            [load_id],
        )
    finally:
        tx.con.unregister("_mhw_held")


def _delivered(
    landing_dir: Path, lf: LandingFile, answered: tuple | None, folders: Callable[[LandingFile], tuple]
) -> tuple[Delivered | None, bool]:
    """The file as delivered (None: gone since the listing), and whether its latest ledger entry (`answered`:
    sha256, force, period) already answers it as it is. A file is answered again when it has other bytes, or its
    folders mean something else now (`folders`: the force and period the ledger would record today; e.g. a month
    that has begun since its file was refused as 'not begun')."""
    try:
        delivered = take_delivery(landing_dir, lf)
    except FileNotFoundError:  # removed since the listing: nothing to answer
        return None, True
    return delivered, answered == (delivered.sha, *folders(lf))


def _new_versions(
    con, landing_dir: Path, source: str, files: Iterable[LandingFile], folders: Callable[[LandingFile], tuple]
) -> Iterable[Delivered]:
    """The files not answered yet as they are (_delivered), each read once."""
    latest = latest_versions(con, source, None)
    for lf in files:
        delivered, answered = _delivered(landing_dir, lf, latest.get(lf.rel_path), folders)
        if not answered:
            yield delivered


BATCH_FILES = 16  # files prepared together (prepare_files): some 10-30k rows, a few batches in hand per worker
BATCH_BYTES = 8 * 1024 * 1024  # and no more bytes than this in a batch, unless one file alone is bigger


@dataclass(frozen=True)
class _Task:
    """One listed file for a worker: prepared unless its latest ledger entry already answers it as it is."""

    landing_dir: Path
    lf: LandingFile
    answered: tuple | None  # (sha256, force, period) of its latest ledger entry
    source: str
    key: bytes
    key_id: str
    now: datetime


def _batches(tasks: list[_Task], sizes: list[int]) -> list[list[_Task]]:
    """The tasks in order, cut into batches of at most BATCH_FILES files and BATCH_BYTES (a bigger file alone)."""
    batches: list[list[_Task]] = []
    room = 0
    for task, size in zip(tasks, sizes, strict=True):
        if not batches or len(batches[-1]) == BATCH_FILES or size > room:
            batches.append([])
            room = BATCH_BYTES
        batches[-1].append(task)
        room -= size
    return batches


def _prepare_tasks(tasks: list[_Task]) -> list[tuple[LandingFile, Prepared | None, tuple[str, str] | None]]:
    """Each file, prepared (prepare_files); None when its latest ledger entry already answers it as it is, or it has
    gone. With it, (signature, sha256) of what was read, if it was. The bytes stay here: only what the commit needs
    goes back."""
    if not tasks:
        return []
    first = tasks[0]
    contract = load_contract(first.source)
    folders = partial(ledger_force_and_period, contract=contract, today=first.now.date())
    found = [(task.lf, *_delivered(task.landing_dir, task.lf, task.answered, folders)) for task in tasks]
    new = [delivered for _, delivered, answered in found if not answered]
    prepared = iter(prepare_files(new, contract, key=first.key, key_id=first.key_id, now=first.now))
    out = []
    for lf, delivered, answered in found:
        seen = None if delivered is None else (delivered.signature, delivered.sha)
        done = None if answered else replace(next(prepared), delivered=replace(delivered, raw=None))
        out.append((lf, done, seen))
    return out


@dataclass(frozen=True)
class Progress:
    """Where an ingestion stands, after each file: for a progress report (mhw/progress.py)."""

    source: str
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    rows_read: int
    new_files: int

    def describe(self) -> str:
        return (
            f"{self.files_done:,} of {self.files_total:,} files ({self.new_files:,} new, {self.rows_read:,} rows "
            f"read), {self.bytes_done / 2**20:,.0f} of {self.bytes_total / 2**20:,.0f} MB"
        )


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path | str,
    source: str = "s136",
    key: bytes | None = None,
    key_id: str | None = None,
    *,
    now: datetime | None = None,
    periods: Callable[[str | None], bool] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IngestReport:
    """Load every new file (or new version of a file) under landing_dir/<source>/, one transaction per file.

    key/key_id default to resolve_key(). periods: only files whose period folder (None: none) it says yes to (e.g.
    the months of a Dagster partition range); None = all. progress is told after each file where the source stands.
    """
    if key is None:
        from mhw.settings import get_settings

        key, key_id = resolve_key(get_settings())
    key_id = key_id or key_id_for(key)
    landing_dir = Path(landing_dir)
    now = now or datetime.now(LONDON).replace(tzinfo=None)
    ensure_raw_schema(con)
    check_key_matches(con, key, key_id)
    record_key_check(con, key, key_id, now)
    contract = load_contract(source)
    listed = source_files(landing_dir, source)
    files = [lf for lf in listed if periods is None or periods(lf.period)]
    report = IngestReport(source)
    latest, seen = latest_versions(con, source, contract.digest), seen_files(con, source)
    folders = partial(ledger_force_and_period, contract=contract, today=now.date())
    stats = {lf.rel_path: _lstat(lf.path) for lf in files}
    skipped = {
        lf.rel_path
        for lf in files
        if _unchanged(lf, stats[lf.rel_path], latest.get(lf.rel_path), seen.get(lf.rel_path), folders)
    }
    to_read = [lf for lf in files if lf.rel_path not in skipped]
    tasks = [_Task(landing_dir, lf, latest.get(lf.rel_path), source, key, key_id, now) for lf in to_read]
    sizes = {path: stat.st_size if stat else 0 for path, stat in stats.items()}
    total = sum(sizes.values())
    bytes_done, rows_read = sum(sizes[path] for path in skipped), 0
    batches = _batches(tasks, [sizes[task.lf.rel_path] for task in tasks])
    workers = worker_count(total - bytes_done, len(batches))
    prepared_files = (one for batch in in_order(_prepare_tasks, batches, workers) for one in batch)
    with transactions(con) as tx:
        ledger = LedgerView(con, source)
        index = ActiveIndex(con, contract, ledger, before_reading=tx.flush)
        for done, (lf, prepared, read_as) in enumerate(prepared_files, start=len(skipped) + 1):
            if prepared is not None:
                report.files.append(commit_file(tx, ledger, prepared, contract, key_id, index))
                rows_read += report.files[-1].rows_read
            if read_as is not None and read_as != seen.get(lf.rel_path):
                tx.seen(lf.rel_path, *read_as)
            if prepared is not None:
                tx.file_written()
            bytes_done += sizes[lf.rel_path]
            if progress:
                progress(Progress(source, done, len(files), bytes_done, total, rows_read, len(report.files)))
        tx.flush()
        listing = {lf.rel_path: lf for lf in listed}
        _retokenise_old_loads(tx, ledger, index, report, landing_dir, listing, contract, key, key_id, now)
        _reread_freed(tx, ledger, index, report, landing_dir, listing, contract, key, key_id, now)
    return report


def _reread_freed(
    tx: Transaction,
    ledger: LedgerView,
    index: ActiveIndex,
    report: IngestReport,
    landing_dir: Path,
    listed: dict[str, LandingFile],
    contract: Contract,
    key: bytes,
    key_id: str,
    now: datetime,
) -> None:
    """Read again, whatever their period, the files in force some of whose rows were refused for ids held by a file
    that has left force since (reread_file), until none is left: a row is not lost because the file that held its
    id was corrected without it or withdrawn. A file that cannot be read again as it was loaded (gone from the
    landing zone, changed there, refused whole now) is named in the report instead (_read_again prepares them
    in batches). A file is tried again only when the holders it names that left force are others than when it was
    last tried (a holder read again after the file was re-pointed to it); holders leave force only for new versions
    that load more rows than the ones they replace, so this ends."""
    tried: set[tuple[str, tuple[str, ...]]] = set()

    def pending() -> list[HeldElsewhere]:
        return [f for f in held_by_files_out_of_force(tx.con, contract.source) if (f.load_id, f.gone) not in tried]

    while found := pending():
        if _point_at_holders(tx.con, contract) and not (found := pending()):  # every id still held: none to read
            break
        tried.update((f.load_id, f.gone) for f in found)
        again = _read_again(landing_dir, listed, [(f.file_path, f.sha) for f in found], contract, key, key_id, now)
        for held, one in zip(found, again, strict=True):
            if isinstance(one, str):
                report.unreadable.append(
                    (
                        held.file_path,
                        f"{held.held} of its rows were refused for ids held by a file no longer in force, and it "
                        f"could not be read again ({one}): deliver it again to load them",
                    )
                )
                continue
            result = reread_file(tx, ledger, one, contract, key_id, index, held)
            if result is not None:
                report.files.append(result)
            tx.file_written()
        tx.flush()


def _read_again(
    landing_dir: Path,
    listed: dict[str, LandingFile],
    wanted: Sequence[tuple[str, str]],
    contract: Contract,
    key: bytes,
    key_id: str,
    now: datetime,
) -> Iterator[Prepared | str]:
    """For each (path, sha256) of a version in force, in order: its landing file read again with those bytes and
    prepared (in worker processes when there are enough), or why it cannot be (gone from the landing zone, changed
    there, refused whole now). Lazy: a file's rows are held only until the caller has taken it."""
    source = contract.source
    tasks = [_Task(landing_dir, listed[path], None, source, key, key_id, now) for path, _ in wanted if path in listed]
    sizes = [_size(task.lf.path) for task in tasks]
    batches = _batches(tasks, sizes)
    workers = worker_count(sum(sizes), len(batches))
    prepared = (one for batch in in_order(_prepare_tasks, batches, workers) for _, one, _ in batch)
    for path, sha in wanted:
        one = next(prepared) if path in listed else None
        if one is None:
            yield "it is no longer in the landing zone"
        elif one.delivered.sha != sha:
            yield "it has changed since"
        else:
            yield one.rejection.reason if one.rejection else one


OLD_TOKENS_WHY = (
    "read again: its person tokens were made by an earlier rule (token scheme {old}: a local id had one token whatever "
    "the force that issued it), now made by scheme {new} (a local id within its force)"
)


def old_token_loads(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[tuple[str, str, str, int]]:
    """(file path, load id, sha256, token scheme) of the source's files in force whose person tokens were made by a
    rule before TOKEN_SCHEME (the ledger's token_scheme, NULL = 1) and that hold a token a local id may have made
    (match method deterministic_local, or none recorded: loads from before match methods). Their other tokens (NHS
    number, PNC ID, name + date of birth) are as the current rule makes them, so a file without such a row is
    left as it is."""
    if not any(c.is_person_identifier for c in contract.columns):
        return []
    # the ledger first: once every load in force has the current rule (a new warehouse, or after the re-read) the
    # source's raw table is not scanned at every refresh
    old = con.execute(
        "select load_id from raw.load_ledger where source = $source and status = 'loaded' "
        "and coalesce(token_scheme, 1) < $scheme",
        {"source": contract.source, "scheme": TOKEN_SCHEME},
    ).fetchall()
    if not old:
        return []
    rows = con.execute(
        f"""
        select l.file_path, l.load_id, l.sha256, coalesce(l.token_scheme, 1)
        from raw.load_ledger as l
        where l.load_id in (select unnest($old))
            and l.load_id in (
                select load_id from raw.{contract.source}
                where load_id in (select unnest($old)) and person_token is not null
                    and coalesce(person_match_method, 'deterministic_local') = 'deterministic_local'
            )
        order by l.file_path, l.load_id
        """,
        {"old": [load_id for (load_id,) in old]},
    ).fetchall()
    return [(path, load_id, sha, scheme) for path, load_id, sha, scheme in rows]


def _retokenise_old_loads(
    tx: Transaction,
    ledger: LedgerView,
    index: ActiveIndex,
    report: IngestReport,
    landing_dir: Path,
    listed: dict[str, LandingFile],
    contract: Contract,
    key: bytes,
    key_id: str,
    now: datetime,
) -> None:
    """Read again, whatever their period, the files in force whose local-id person tokens an earlier rule made
    (old_token_loads), each as a new version of itself (the same bytes) that supersedes the one in force: the raw
    identifiers are never stored, so a token can be made again only from the landing file. A file that cannot be
    read again as it was loaded (gone from the landing zone, changed there, refused whole now) is named in the report
    and keeps its old tokens; the next refresh tries it again. Done once per file: its new entry records the
    current rule. The key is the warehouse's (check_key_matches), so NHS, PNC and name + date of birth tokens come
    out as they were."""
    tx.flush()
    found = old_token_loads(tx.con, contract)
    if not found:
        return
    again = _read_again(landing_dir, listed, [(path, sha) for path, _, sha, _ in found], contract, key, key_id, now)
    for (path, _, _, scheme), one in zip(found, again, strict=True):
        if isinstance(one, str):
            report.unreadable.append(
                (
                    path,
                    f"its person tokens were made by an earlier rule (token scheme {scheme}: a local id had one token "
                    f"whatever the force that issued it) and it could not be read again ({one}): its people known by a "
                    "local id do not link with the force's later rows; put the file back as it was loaded, or deliver "
                    "it again (docs/operations.md, 'Person tokens made by an earlier rule')",
                )
            )
            continue
        why = OLD_TOKENS_WHY.format(old=scheme, new=TOKEN_SCHEME)
        answer = _answer(one, contract, index, ledger)
        report.files.append(_load_version(tx, ledger, one, answer, key_id, index, read_again=why, retokenised=True))
        tx.file_written()
    tx.flush()


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _unchanged(
    lf: LandingFile,
    stat: os.stat_result | None,
    answered: tuple | None,
    seen: tuple[str, str] | None,
    folders: Callable[[LandingFile], tuple],
) -> bool:
    """True when the file need not be read: gone since the listing (nothing to answer), or its latest ledger entry
    (sha256, force, period) answers the bytes it was last read with, its folders mean the same today, and its
    signature (from `stat`) has not changed since."""
    if stat is None:
        return True
    if answered is None or seen is None or seen[1] != answered[0] or tuple(answered[1:]) != folders(lf):
        return False
    return file_signature(stat) == seen[0]


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def ingest_strays(con: duckdb.DuckDBPyConnection, landing_dir: Path | str, sources: Collection[str]) -> IngestReport:
    """Answer every file outside the known source folders with a rejected ledger entry naming the sources."""
    landing_dir = Path(landing_dir)
    ensure_raw_schema(con)
    scan = scan_landing(landing_dir, frozenset(sources))
    strays = scan.strays
    report = IngestReport(UNKNOWN_SOURCE, unreadable=scan.unreadable)
    with transactions(con) as tx:
        ledger = LedgerView(con, UNKNOWN_SOURCE)
        for delivered in _new_versions(con, landing_dir, UNKNOWN_SOURCE, strays, lambda _: (None, None)):
            prepared = Prepared(delivered, UNKNOWN_SOURCE, None, None)
            link_out = delivered.refusal if delivered.lf.path.is_symlink() else None
            reason = link_out or stray_reason(delivered.lf, frozenset(sources))
            report.files.append(_reject_file(tx, ledger, prepared, reason))
            tx.file_written()
    return report
