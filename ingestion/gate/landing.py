"""The landing zone: which files are there, where each belongs, and why one is not data (docs/interfaces.md).

Every file under `$MHW_LANDING_DIR` gets an answer. A file under a source folder is a delivery of that source (the
source's asset reads it or refuses it with a reason in the ledger); a file outside every source folder is refused
with a reason in the ledger too; only hidden, temporary and system files are left alone, and they are listed with
the reason (`mhw rejects`). Links are never followed out of the landing zone and only regular files are read, so
a pipe, a device or a link to elsewhere cannot stall or leak into a refresh. Nothing here reads a file's contents.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from ingestion.forces import known_force_codes
from ingestion.gate.contract import PERIOD_KINDS, Contract
from ingestion.gate.read import SUFFIXES, FileRejected
from mhw.settings import DEMO_MARKER, SEEDS_DIR

NATIONAL = "national"  # the force folder of national sources (contract scope 'national')
UNKNOWN_SOURCE = "landing_zone"  # ledger source of a file outside every source folder
ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
TEMPORARY = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock")
SYSTEM_FILES = {"thumbs.db", "desktop.ini", "__macosx", ".ds_store"}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
PERIOD_EXAMPLES = {"month": "a month like 2024-05", "financial_year": "a financial year like 2024-25"}


@dataclass(frozen=True)
class LandingFile:
    """A file under the landing zone, split along <source>/<force_code>/<period>/<file> (folders as delivered)."""

    path: Path
    rel_path: str  # relative to the landing zone, with forward slashes: the delivery's identity with its name
    source: str | None
    force_code: str | None
    period: str | None


def landing_file(landing_dir: Path, path: Path) -> LandingFile:
    """Split <source>/<force_code>/<period>/<file> (whatever the path, so a bad one can be reported)."""
    return _split(path, path.relative_to(landing_dir).as_posix())


def _split(path: Path, rel: str) -> LandingFile:
    parts = rel.split("/")
    source, force, period = (parts + [None, None, None])[:3] if len(parts) == 4 else (parts[0], None, None)
    if len(parts) == 1:
        source = None
    return LandingFile(path, rel, source, force, period)


def period_kind(period: str, kinds: tuple[str, ...] = PERIOD_KINDS) -> str | None:
    """'financial_year' for a 'YYYY-YY' folder (April-March), 'month' for 'YYYY-MM', else None. Two folders are
    both ('2010-11' and '2011-12': November 2010 and December 2011, or those financial years): a financial year,
    unless the source is delivered by month only (`kinds`: its contract's `periods`)."""
    m = _PERIOD.match(period)
    if not m:
        return None
    year, tail = int(m.group(1)), int(m.group(2))
    is_month = 1 <= tail <= 12
    if tail == (year + 1) % 100 and not (is_month and "financial_year" not in kinds):
        return "financial_year"
    return "month" if is_month else None


def period_bounds(period: str, kinds: tuple[str, ...] = PERIOD_KINDS) -> tuple[datetime, datetime] | None:
    """[start, end) of a period folder: 'YYYY-YY' financial year (April-March) or 'YYYY-MM' month (period_kind);
    else None."""
    kind = period_kind(period, kinds)
    if kind is None:
        return None
    year, tail = int(period[:4]), int(period[5:])
    if kind == "financial_year":
        return datetime(year, 4, 1), datetime(year + 1, 4, 1)
    return datetime(year, tail, 1), datetime(year + tail // 12, tail % 12 + 1, 1)


def overlapping_periods(period: str | None) -> frozenset[str]:
    """The period folders of the other kind that share months with this one: a month's financial year, or a
    financial year's twelve months (a source that takes both, s136, can receive one month twice)."""
    kind = period_kind(period or "")
    if kind == "month":
        year, month = int(period[:4]), int(period[5:])
        start = year if month >= 4 else year - 1
        return frozenset({f"{start}-{(start + 1) % 100:02d}"})
    if kind == "financial_year":
        year = int(period[:4])
        return frozenset(f"{year + (m < 4)}-{m:02d}" for m in range(1, 13))
    return frozenset()


@cache
def calendar_bounds() -> tuple[date, date]:
    """[first day, day after the last] of the warehouse calendar: the financial years of seeds/ref_financial_year.csv.

    dim_month and dim_financial_year cover exactly these years, so a period outside them could not be joined.
    """
    with open(SEEDS_DIR / "ref_financial_year.csv", encoding="utf-8") as fh:
        years = list(csv.DictReader(fh))
    first = min(date.fromisoformat(y["start_date"]) for y in years)
    last = max(date.fromisoformat(y["end_date"]) for y in years)
    return first, date.fromordinal(last.toordinal() + 1)


def not_data_reason(rel_path: str) -> str | None:
    """Why a path is not a delivery at all (hidden, temporary or system file), or None when it is one."""
    parts = rel_path.split("/")
    name = parts[-1].lower()
    if any(part.lower() in SYSTEM_FILES for part in parts):
        return "a system file (made by the operating system, not a delivery)"
    if any(part.startswith(".") for part in parts):
        return "a hidden file or folder (its name starts with '.')"
    if name.startswith("~") or name.endswith("~") or name.endswith(TEMPORARY):
        return "a temporary file (an editor's lock file or a copy still being written)"
    return None


def refusal_before_reading(landing_dir: Path, lf: LandingFile) -> str | None:
    """Why a file is refused before its contents are opened (a link out, not a regular file, wrong format)."""
    path = lf.path
    if path.is_symlink():
        target = os.path.realpath(path)
        if not Path(target).is_relative_to(os.path.realpath(landing_dir)):  # its target is not named: it may be private
            return "a link pointing outside the landing zone is refused (it is never followed): deliver the file itself"
        if not os.path.exists(target):
            return "a link to a file that does not exist"
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = "folder" if stat.S_ISDIR(mode) else "pipe, socket or device"
        return f"not a regular file (a {kind}): only files are read"
    suffix = path.suffix.lower()
    if suffix in ARCHIVES:
        return f"an archive ({suffix}) is not read: unpack it and deliver the .csv or .xlsx files inside"
    if suffix not in SUFFIXES:
        found = f"the format {suffix}" if suffix else "a file without an extension"
        return f"{found} is not read: save it as .csv (UTF-8) or .xlsx and deliver that"
    return None


def force_problem(lf: LandingFile, *, national: bool = False) -> str | None:
    """Why the folder after the source is not a force this source accepts, or None."""
    if lf.force_code is None:
        folder = NATIONAL if national else "<force_code>"
        return f"the file is not where it should be: expected <source>/{folder}/<period>/<file>, got {lf.rel_path}"
    if national:
        if lf.force_code != NATIONAL:
            return (
                f"'{lf.force_code}' should be '{NATIONAL}': {lf.source} is a national source, delivered under "
                f"{lf.source}/{NATIONAL}/<period>/"
            )
    elif lf.force_code not in known_force_codes():
        return f"'{lf.force_code}' is not a known force code (an ONS police force area code like E23000001, or BTP)"
    return None


def period_problem(period: str | None, today: date, kinds: tuple[str, ...] = PERIOD_KINDS) -> str | None:
    """Why a period folder is not a period of the warehouse calendar that has begun, of a kind the source is
    delivered by (`kinds`: its contract's `periods`), or None."""
    bounds = period_bounds(period or "", kinds)
    expected = " or ".join(PERIOD_EXAMPLES[kind] for kind in kinds)
    if bounds is None:
        return f"'{period}' is not a period: expected {expected}"
    kind = period_kind(period or "", kinds)
    if kind not in kinds:
        name, by = (k.replace("_", " ") for k in (kind, kinds[0]))
        return f"'{period}' is a {name}, but this source is delivered by {by}: expected {expected}"
    first, end = calendar_bounds()
    if not (first <= bounds[0].date() and bounds[1].date() <= end):
        last = date.fromordinal(end.toordinal() - 1)
        return (
            f"the period {period} is outside the warehouse calendar ({first:%B %Y} to {last:%B %Y}): "
            "check the folder name"
        )
    if bounds[0].date() > today:
        return f"the period {period} has not begun yet (today is {today:%d %B %Y}): check the folder name"
    return None


def check_landing_path(lf: LandingFile, contract: Contract, today: date | None = None) -> None:
    """Raise FileRejected unless the path is <source>/<force_code>/<period>/<file> with a known force (or
    'national' for a national source) and a period of the warehouse calendar that has begun, of a kind the source's
    contract accepts."""
    national = contract.scope == NATIONAL
    problem = force_problem(lf, national=national) or period_problem(lf.period, today or date.today(), contract.periods)
    if problem:
        raise FileRejected(problem)


def ledger_force_and_period(lf: LandingFile, contract: Contract, today: date) -> tuple[str | None, str | None]:
    """The force and period the ledger records for a file: each only when valid, so that nothing downstream ever
    meets a force or month outside the reference tables, or a period its source is not delivered by (the path
    itself is kept in file_path)."""
    national = contract.scope == NATIONAL
    force = None if lf.force_code is None or force_problem(lf, national=national) else lf.force_code
    period = None if period_problem(lf.period, today, contract.periods) else lf.period
    return force, period


@dataclass(frozen=True)
class LandingScan:
    """Every file under the landing zone, sorted into deliveries by source, strays and files that are not data."""

    by_source: dict[str, list[LandingFile]]  # deliveries under a known source folder (read or refused there)
    strays: list[LandingFile]  # files outside every known source folder (refused with a ledger entry)
    not_data: list[tuple[str, str]]  # (path, reason): hidden, temporary and system files, left alone
    unreadable: list[tuple[str, str]]  # (path, reason) of not_data that an operator must see to (no refresh reads it)


NOT_UTF8 = (
    "its name is not valid UTF-8 (a Windows share or an old zip tool can write 'é' as one Latin-1 byte), so it is not "
    "read: rename it (plain letters, digits, '-' and '_' are safest) and the next refresh reads it"
)


def _is_utf8(name: str) -> bool:
    """Python decodes a name that is not UTF-8 with surrogates standing for its bytes."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(path: str) -> str:
    """A path as text that can be shown and stored: the bytes of a name that is not UTF-8 written as \\xNN."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def scan_landing(landing_dir: Path, sources: set[str] | frozenset[str], within: str | None = None) -> LandingScan:
    """Walk the landing zone (or only its folder `within`) without following links (a link is itself an entry),
    in path order: a folder's own entries first, then its subfolders'.

    One scandir per folder and no other call per entry (a ten-year landing zone holds some 18,000 files, and every
    monthly run lists its source)."""
    by_source: dict[str, list[LandingFile]] = {}
    strays: list[LandingFile] = []
    not_data: list[tuple[str, str]] = []
    root = landing_dir / within if within else landing_dir
    unreadable: list[tuple[str, str]] = []  # also in not_data
    if not root.is_dir() or root.is_symlink():
        return LandingScan(by_source, strays, not_data, unreadable)

    todo = [(str(root), within or "")]  # folders still to list, the next on top (a walk of any depth)
    while todo:
        folder, rel = todo.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError as error:
            reason = f"a folder the loader may not open ({error.strerror}): its files cannot be answered"
            unreadable.append((printable(rel or "."), reason))
            not_data.append(unreadable[-1])
            continue
        folders = []
        for entry in entries:
            rel_path = f"{rel}/{entry.name}" if rel else entry.name
            if not _is_utf8(entry.name):  # neither read nor walked: the ledger keeps paths as text
                unreadable.append((printable(rel_path), NOT_UTF8))
                not_data.append(unreadable[-1])
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, rel_path))
                continue
            if rel_path == DEMO_MARKER:  # the project's own mark of a demo landing zone
                continue
            lf = _split(Path(entry.path), rel_path)
            reason = not_data_reason(rel_path)
            if reason:
                not_data.append((rel_path, reason))
            elif lf.source in sources:
                by_source.setdefault(lf.source, []).append(lf)
            else:
                strays.append(lf)
        todo.extend(reversed(folders))
    return LandingScan(by_source, strays, not_data, unreadable)


def stray_reason(lf: LandingFile, sources: set[str] | frozenset[str]) -> str:
    """Why a file outside every source folder is refused."""
    known = ", ".join(sorted(sources))
    if lf.source is None:
        return (
            f"the file is not in a source folder: expected <source>/<force_code>/<period>/<file>, source one of {known}"
        )
    reason = f"'{lf.source}' is not a source folder: expected one of {known}"
    folders = lf.rel_path.split("/")[1:-1]
    deeper = next((n for n, folder in enumerate(folders, start=1) if folder in sources), None)
    if deeper is not None:  # e.g. <landing>/landing/incidents/...: the landing zone is set too high
        inside = "/".join(lf.rel_path.split("/")[:deeper])
        reason += f"; a source folder lies within '{inside}': is that the landing zone (MHW_LANDING_DIR)?"
    return reason


def source_files(landing_dir: Path, source: str) -> list[LandingFile]:
    """The deliveries under landing/<source>/ (hidden, temporary and system files left out), in path order."""
    return scan_landing(landing_dir, {source}, within=source).by_source.get(source, [])
