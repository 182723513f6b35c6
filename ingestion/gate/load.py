"""The load ledger and the transactional loader: landing files -> raw.<source>, raw.rejected_rows, raw.load_ledger.

Each file commits in one transaction. An identical re-delivery is a no-op (or a 'duplicate' ledger row under a new
path); a corrected re-delivery for the same source, force and period supersedes the old load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from ingestion.gate.contract import load_contract
from ingestion.gate.pseudonymise import key_id_for, pseudonymise_frame, resolve_key
from ingestion.gate.read import (
    SUFFIXES,
    FileRejected,
    LandingFile,
    check_landing_path,
    landing_file,
    read_table,
    to_canonical,
)
from ingestion.gate.validate import validate_rows
from ingestion.schema import ensure_raw_schema

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str  # loaded | duplicate | rejected_file
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    message: str | None = None
    load_id: str | None = None


@dataclass
class IngestReport:
    source: str
    files: list[FileResult] = field(default_factory=list)

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

    def summary(self) -> str:
        return (
            f"{self.source}: {len(self.files)} new file(s) ({self.count('loaded')} loaded, "
            f"{self.count('duplicate')} duplicate, {self.count('rejected_file')} rejected); rows read "
            f"{self.rows_read}, loaded {self.rows_loaded}, rejected {self.rows_rejected}"
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """Data files under landing_dir/<source>/, in path order (hidden files ignored)."""
    root = landing_dir / source
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)
    )


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


def _ledger_row(
    con, lf: LandingFile, load_id: str, sha: str, status: str, rows=(0, 0, 0), message=None, layout=None, key_id=None
) -> None:
    """One raw.load_ledger entry; rows = (read, loaded, rejected)."""
    con.execute(
        "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, layout, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, status, message, superseded_by, key_id) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [
            load_id,
            lf.source,
            lf.force_code,
            lf.period,
            lf.rel_path,
            sha,
            layout,
            datetime.now(),
            *rows,
            status,
            message,
            key_id,
        ],
    )


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> None:
    if df.height:
        con.register("_mhw_frame", df.to_arrow())
        try:
            con.execute(f"insert into {table} by name select * from _mhw_frame")
        finally:
            con.unregister("_mhw_frame")


def _active_ids(con, lf: LandingFile, id_field: str, table: str) -> pl.DataFrame:
    """Ids active for this force from other loads (the load a re-delivery would supersede is left out)."""
    return con.execute(
        f"select s.{id_field} as detention_id, l.file_path from raw.{table} s join raw.load_ledger l using (load_id) "
        "where l.status = 'loaded' and l.source = ? and l.force_code = ? and l.period <> ?",
        [lf.source, lf.force_code, lf.period],
    ).pl()


def _ingest_file(con, lf: LandingFile, sha: str, *, key: bytes, key_id: str, now: datetime) -> FileResult:
    """Validate one new file and write its rows, rejects and ledger entry (caller holds the transaction)."""
    source = lf.source or "unknown"
    base_id = f"{source}/{lf.force_code or 'unknown'}/{lf.period or 'unknown'}/{sha[:16]}"
    same = con.execute(
        "select file_path from raw.load_ledger where source = ? and sha256 = ? and status in ('loaded', 'superseded') "
        "order by loaded_at limit 1",
        [source, sha],
    ).fetchone()
    if same:
        load_id = free_load_id(con, base_id)
        message = f"identical to {same[0]}, already loaded: nothing loaded again"
        _ledger_row(con, lf, load_id, sha, "duplicate", message=message)
        return FileResult(lf.rel_path, "duplicate", 0, 0, 0, message, load_id)

    load_id = free_load_id(con, base_id)
    try:
        contract = load_contract(source)
        check_landing_path(lf, national=contract.scope == "national")
        table = read_table(lf.path, contract.encodings_for(lf.force_code))
        canonical, layout = to_canonical(table, contract, lf.force_code)
    except FileRejected as exc:
        _ledger_row(con, lf, load_id, sha, "rejected_file", (exc.rows_read, 0, exc.rows_read), exc.reason)
        con.execute(
            "insert into raw.rejected_rows values (?, ?, ?, NULL, NULL, ?)", [load_id, source, lf.rel_path, exc.reason]
        )
        return FileResult(lf.rel_path, "rejected_file", exc.rows_read, 0, exc.rows_read, exc.reason, load_id)

    by_force = contract.id_field and contract.id_unique_within == "force"
    active = _active_ids(con, lf, contract.id_field, source) if by_force else None
    checked = validate_rows(
        canonical, contract, layout, force_code=lf.force_code, period=lf.period, now=now, active_ids=active
    )
    rows = pseudonymise_frame(checked.good, key, key_id).with_columns(pl.lit(load_id).alias("load_id"))
    rejects = checked.rejects.with_columns(
        pl.lit(load_id).alias("load_id"), pl.lit(source).alias("source"), pl.lit(lf.rel_path).alias("file_path")
    )
    read, loaded = checked.rows_read, rows.height
    old = con.execute(
        "select load_id, file_path from raw.load_ledger where source = ? and force_code = ? and period = ? "
        "and status = 'loaded'",
        [source, lf.force_code, lf.period],
    ).fetchall()
    message = f"{loaded} of {read} rows loaded" if read else "no data rows (a nil return)"
    if old:
        message += "; supersedes " + ", ".join(path for _, path in old)
    _ledger_row(con, lf, load_id, sha, "loaded", (read, loaded, read - loaded), message, layout.name, key_id)
    for old_id, _ in old:
        con.execute(
            "update raw.load_ledger set status = 'superseded', superseded_by = ? where load_id = ?", [load_id, old_id]
        )
    _insert_frame(con, f"raw.{source}", rows)
    _insert_frame(con, "raw.rejected_rows", rejects)
    return FileResult(lf.rel_path, "loaded", read, loaded, read - loaded, message, load_id)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path | str,
    source: str = "s136",
    key: bytes | None = None,
    key_id: str | None = None,
    *,
    now: datetime | None = None,
    periods: Collection[str] | None = None,
) -> IngestReport:
    """Load every new file under landing_dir/<source>/ (one transaction per file) and report what happened.

    A file whose (file_path, sha256) is already in the ledger is skipped. key/key_id default to resolve_key().
    periods: only files in these period folders (e.g. the months of a Dagster partition range); None = all.
    """
    if key is None:
        from mhw.settings import get_settings

        key, key_id = resolve_key(get_settings())
    key_id = key_id or key_id_for(key)
    landing_dir = Path(landing_dir)
    now = now or datetime.now(LONDON).replace(tzinfo=None)
    ensure_raw_schema(con)
    seen = set(con.execute("select file_path, sha256 from raw.load_ledger where source = ?", [source]).fetchall())
    report = IngestReport(source)
    for path in landing_files(landing_dir, source):
        lf = landing_file(landing_dir, path)
        if periods is not None and lf.period not in periods:
            continue
        sha = sha256_file(path)
        if (lf.rel_path, sha) in seen:
            continue
        con.execute("begin transaction")
        try:
            result = _ingest_file(con, lf, sha, key=key, key_id=key_id, now=now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        seen.add((lf.rel_path, sha))
        report.files.append(result)
    return report
