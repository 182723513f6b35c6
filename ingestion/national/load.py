"""Loading published files into their raw tables with the ledger: the steps every national loader shares.

A loader declares its `Publication` (ledger source and raw table) and keeps only what is specific to its format:
how its files are named, read and checked. For each file, `Publication.load_file` hashes it, skips it when the ledger
already holds that file for the source, reads and checks it (a malformed file raises before anything is written) and
writes its rows with one ledger entry in one transaction. A changed file of an edition (the ledger period, e.g.
'2019-20') supersedes the earlier load of that edition and replaces its rows. `load_editions` loads every file of a
publication's layouts, each its own edition, so editions sit side by side; `load_latest` loads a publication kept as
one file under a fixed name, one edition at a time (a changed file replaces every earlier load). See
docs/interfaces.md, "National sources".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.gate.ledger import free_load_id
from ingestion.national.formats import PublicFileError
from ingestion.schema import ensure_raw_schema

Read = Callable[[Path], pl.DataFrame]


@dataclass
class FileLoad:
    """One file found: its edition (ledger period), the rows it loaded and a note for the asset's metadata."""

    file: str
    edition: str
    rows_loaded: int  # 0 when the same file was loaded before
    note: str


@dataclass
class PublicLoadReport:
    """What one loader did: files found, rows loaded, and why nothing was loaded when that happened."""

    source: str
    files: list[FileLoad] = field(default_factory=list)
    note: str = ""

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    def metadata(self) -> dict[str, object]:
        return {
            "files_found": len(self.files),
            "files_loaded": sum(1 for f in self.files if f.rows_loaded),
            "rows_loaded": self.rows_loaded,
            "files": "; ".join(f"{f.file} [{f.edition}]: {f.note}" for f in self.files) or "(none)",
            "note": self.note or "ok",
        }


@dataclass(frozen=True)
class Editions:
    """One file layout of a publication whose files each hold one edition (the ledger period).

    `read` checks and shapes one file of an edition into the raw table's columns. `edition` tells the edition from
    the file name (raising the loader's error when it cannot); by default it is what the name holds in place of the
    pattern's '*'. `index`, when the publication puts an index file beside each edition, gives its path: it is hashed
    with the file (a changed index reloads the edition).
    """

    layout: str  # the ledger's layout
    pattern: str  # glob of the file names in MHW_PUBLIC_DATA_DIR, with one '*'
    read: Callable[[Path, str], pl.DataFrame]
    edition: Callable[[Path], str] | None = None
    index: Callable[[Path, str], Path] | None = None

    def edition_of(self, path: Path) -> str:
        if self.edition is not None:
            return self.edition(path)
        prefix, suffix = self.pattern.split("*", 1)
        stem = path.name.removeprefix(prefix).removesuffix(suffix)
        if not stem or stem == path.name:
            raise PublicFileError(f"{path.name}: cannot tell the edition from the file name")
        return stem


def file_sha256(path: Path, index: Path | None = None) -> str:
    """The file's identity in the ledger: sha256 of its bytes, then of '\\0index\\0' and its index's when it has one."""
    digest = hashlib.sha256(path.read_bytes())
    if index is not None:
        digest.update(b"\0index\0" + index.read_bytes())
    return digest.hexdigest()


def find_files(public_dir: Path | str | None, patterns: list[str]) -> tuple[dict[str, list[Path]], str]:
    """Files matching each pattern in public_dir (sorted), and a note saying why nothing is there when that is so."""
    if public_dir is None:
        return {}, "MHW_PUBLIC_DATA_DIR is not set: nothing loaded"
    folder = Path(public_dir)
    if not folder.is_dir():
        return {}, f"public data folder {folder} does not exist: nothing loaded"
    found = {pattern: sorted(p for p in folder.glob(pattern) if p.is_file()) for pattern in patterns}
    if not any(found.values()):
        return found, f"no file matching {' or '.join(patterns)} in {folder}: nothing loaded"
    return found, ""


@dataclass(frozen=True)
class Publication:
    """A national source as the ledger and the warehouse know it: its ledger `source` and its raw.<table>."""

    source: str
    table: str

    def load_editions(
        self, con: duckdb.DuckDBPyConnection, public_dir: Path | str | None, *layouts: Editions
    ) -> PublicLoadReport:
        """Every file of the layouts in public_dir, in edition order (layout by layout); editions sit side by side.

        Every file name is checked for its edition before anything is loaded.
        """
        found, note = find_files(public_dir, [layout.pattern for layout in layouts])
        report = PublicLoadReport(self.source, note=note)
        files = [
            (layout, path, edition)
            for layout in layouts
            for edition, path in sorted((layout.edition_of(path), path) for path in found.get(layout.pattern, []))
        ]
        for layout, path, edition in files:
            report.files.append(self._load_edition(con, Path(public_dir), layout, path, edition))
        return report

    def _load_edition(self, con, public_dir: Path, layout: Editions, path: Path, edition: str) -> FileLoad:
        index = layout.index(path, edition) if layout.index else None
        return self.load_file(
            con, path, public_dir, layout=layout.layout, read=lambda p: layout.read(p, edition), period=edition,
            index=index if index and index.is_file() else None,
            missing=f"no index file {index.name}" if index and not index.is_file() else "",
        )  # fmt: skip

    def load_latest(
        self, con: duckdb.DuckDBPyConnection, public_dir: Path | str | None, file_name: str, *, layout: str, read: Read,
        period: str | Callable[[pl.DataFrame], str],
    ) -> PublicLoadReport:  # fmt: skip
        """The file `file_name` in public_dir, one edition at a time: a changed file replaces every earlier load.

        period: the ledger period, or how to tell it from the rows (e.g. the years they cover).
        """
        found, note = find_files(public_dir, [file_name])
        report = PublicLoadReport(self.source, note=note)
        for path in found.get(file_name, []):
            report.files.append(
                self.load_file(con, path, Path(public_dir), layout=layout, read=read, period=period, replaces_all=True)
            )
        return report

    def load_file(
        self, con: duckdb.DuckDBPyConnection, path: Path, public_dir: Path, *, layout: str, read: Read,
        period: str | Callable[[pl.DataFrame], str], index: Path | None = None, replaces_all: bool = False,
        missing: str = "",
    ) -> FileLoad:  # fmt: skip
        """Hash the file (with its index), skip it when already loaded with this layout, else read, check and write it
        with the ledger (superseding the earlier load of its edition).

        replaces_all: the file supersedes every earlier load of the source, not only its own period's.
        missing: what the file came without (said in the note when it loads).
        """
        ensure_raw_schema(con)
        sha = file_sha256(path, index)
        loaded = con.execute(  # read with this layout: a reader that now keeps more (a new layout name) reloads it
            "select period from raw.load_ledger where source = ? and sha256 = ? and layout = ? and status = 'loaded'",
            [self.source, sha, layout],
        ).fetchone()
        if loaded:
            return FileLoad(path.name, loaded[0], 0, "already loaded (unchanged)")
        frame = read(path)
        edition = period if isinstance(period, str) else period(frame)
        rows = self._write(con, path, public_dir, frame, edition, layout, sha, replaces_all)
        return FileLoad(path.name, edition, rows, f"{rows} rows" + (f"; {missing}" if missing else ""))

    def _write(self, con, path, public_dir, frame, period, layout, sha, replaces_all) -> int:
        """Rows (plus load_id, source_file), ledger entry and supersession of earlier loads, in one transaction."""
        load_id = free_load_id(con, f"{self.source}/national/{period}/{sha[:16]}")
        rel = path.relative_to(public_dir).as_posix() if path.is_relative_to(public_dir) else path.name
        rows = frame.with_columns(pl.lit(load_id).alias("load_id"), pl.lit(rel).alias("source_file"))
        old = [
            r[0]
            for r in con.execute(
                "select load_id from raw.load_ledger where source = ? and (period = ? or ?) and status = 'loaded'",
                [self.source, period, replaces_all],
            ).fetchall()
        ]
        message = f"{rows.height} rows" + (f"; replaces {', '.join(old)}" if old else "")
        con.execute("begin transaction")
        try:
            con.execute(
                "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, layout, "
                "loaded_at, rows_read, rows_loaded, rows_rejected, status, message) "
                "values (?, ?, 'national', ?, ?, ?, ?, ?, ?, ?, 0, 'loaded', ?)",
                [load_id, self.source, period, rel, sha, layout, datetime.now(), rows.height, rows.height, message],
            )
            for old_id in old:
                con.execute(f"delete from raw.{self.table} where load_id = ?", [old_id])
                con.execute(
                    "update raw.load_ledger set status = 'superseded', superseded_by = ? where load_id = ?",
                    [load_id, old_id],
                )
            con.register("_mhw_public", rows.to_arrow())
            con.execute(f"insert into raw.{self.table} by name select * from _mhw_public")
            con.unregister("_mhw_public")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return rows.height
