"""One writer at a time: the claim every process takes before it writes the warehouse (docs/interfaces.md, "Writers").

The claim is an exclusive `flock` on `$MHW_HOME/warehouse.lock`, whose content names the holder (pid, start time,
command, Dagster run). The kernel drops a flock when its holder dies, even by SIGKILL, so a claim never outlives
its process; the content stays behind, so the next claimant learns that its predecessor died without finishing
and can clean up after it (its Dagster run: orchestration/stale_runs.py). A process holds one claim however many
times it asks, so `mhw refresh` and the Dagster run inside it share one.

Having the claim, a writer also waits until no other process has the DuckDB file open (a DuckDB shell, an orphaned
dbt): DuckDB lets one writing process exclude every other, so nobody ever meets its "Could not set lock" error.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .settings import Settings

CLAIM_FILE = "warehouse.lock"
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the claim."""

    pid: int
    started_at: str
    command: str
    run_id: str | None = None

    def describe(self) -> str:
        run = f", Dagster run {self.run_id}" if self.run_id else ""
        return f"pid {self.pid} ({self.command}, started {self.started_at}{run})"


class WarehouseBusy(RuntimeError):
    """Another process writes the warehouse (and the caller asked not to wait)."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@dataclass
class Claim:
    path: Path
    holder: Holder
    previous: Holder | None  # the holder before, when it died without releasing the claim
    fd: int = field(repr=False, default=-1)
    depth: int = 1

    def set_run(self, run_id: str) -> None:
        """Name the Dagster run writing under this claim (so a successor can fail it if this process dies)."""
        self.holder = replace(self.holder, run_id=run_id)
        _write(self.fd, self.holder)


_held: dict[Path, Claim] = {}  # this process's claims, by lock file


def claim_path(settings: Settings) -> Path:
    return settings.home / CLAIM_FILE


def _write(fd: int, holder: Holder | None) -> None:
    os.ftruncate(fd, 0)
    if holder:
        os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)


def _read(path: Path) -> Holder | None:
    """The holder named in the lock file (None when empty or half-written)."""
    try:
        return Holder(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def current_holder(settings: Settings) -> Holder | None:
    """The live holder of the claim, or None when nobody holds it (never waits, never takes it)."""
    path = claim_path(settings)
    if not path.exists() or claim_path(settings) in _held:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read(path) or Holder(0, "?", "a writer starting up")
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def duckdb_file_holder(path: Path) -> int | None:
    """The pid of another process holding DuckDB's lock on a database file (fcntl F_GETLK), or None.

    DuckDB locks the whole file with a POSIX record lock, which a read-only open holds too. Linux layout of struct
    flock (64-bit offsets); elsewhere the probe answers None and DuckDB's own error stays the last line of defence.
    """
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        probe = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        l_type, _, _, _, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, probe))
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if l_type == fcntl.F_UNLCK else pid


def process_name(pid: int) -> str:
    """The command line of a process, shortened (for messages)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "a process"
    words = [Path(argv[0].decode()).name] + [a.decode() for a in argv[1:3] if a]
    return " ".join(words)


def _wait_for_duckdb(settings: Settings, wait: bool, on_wait: Callable[[str], None]) -> None:
    """Hold on until no other process has the warehouse file open."""
    announced = None
    while (pid := duckdb_file_holder(settings.warehouse)) is not None:
        what = f"the warehouse file is open in pid {pid} ({process_name(pid)}), which does not hold the writer claim"
        if not wait:
            raise WarehouseBusy(what)
        if pid != announced:
            on_wait(f"{what}: waiting for it to close it")
            announced = pid
        time.sleep(POLL_SECONDS)


def acquire(
    settings: Settings,
    command: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] = print,
    run_id: str | None = None,
) -> Claim:
    """Take the writer claim, waiting (and saying for whom, at once) while another process holds it.

    wait=False raises WarehouseBusy instead of waiting. Re-entrant: a process holding the claim gets it again.
    """
    path = claim_path(settings)
    if path in _held:
        claim = _held[path]
        claim.depth += 1
        return claim
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    announced, taken, previous = None, False, None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # the file is empty for a moment while a holder starts or ends: keep the one already announced
                holder = _read(path) or announced or Holder(0, "?", "a writer starting up")
                what = f"another writer holds the warehouse: {holder.describe()}"
                if not wait:
                    raise WarehouseBusy(what) from None
                if holder != announced:
                    on_wait(f"{what}; waiting for it to finish (--no-wait to exit instead)")
                    announced = holder
                time.sleep(POLL_SECONDS)
        taken, previous = True, _read(path)
        holder = Holder(os.getpid(), datetime.now().isoformat(timespec="seconds"), command, run_id)
        _write(fd, holder)
        _wait_for_duckdb(settings, wait, on_wait)
    except BaseException:
        if taken:  # leave the lock file as found: a dead predecessor is still there for the next claimant
            _write(fd, previous)
        os.close(fd)  # closing drops the flock, if taken
        raise
    claim = Claim(path, holder, previous if previous and previous.pid != os.getpid() else None, fd)
    _held[path] = claim
    return claim


def release(claim: Claim) -> None:
    """Give the claim back (the last release of a re-entrant claim clears the holder and unlocks)."""
    claim.depth -= 1
    if claim.depth:
        return
    _held.pop(claim.path, None)
    _write(claim.fd, None)
    os.close(claim.fd)


@contextmanager
def writer_claim(
    settings: Settings, command: str, *, wait: bool = True, on_wait: Callable[[str], None] = print
) -> Iterator[Claim]:
    """The writer claim for the length of a `with` block."""
    claim = acquire(settings, command, wait=wait, on_wait=on_wait)
    try:
        yield claim
    finally:
        release(claim)
