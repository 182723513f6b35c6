"""Fingerprint of everything a refresh reads, so a refresh with nothing new can stop in seconds.

Inputs: the landing zone, the public data folder, and the code that turns them into tables (ingestion contracts and
code, the dbt project, seeds). Each file counts by path, size and modification time (contents are not read). After a
successful refresh the fingerprint taken at its start is stored in $MHW_HOME/last_refresh.json; the next refresh
compares and, when equal and the warehouse and current snapshot still exist, does nothing.

`mhw refresh` also stores the landing zone as it found it (a digest per source and period folder), the code's own
fingerprint, the day, and the ledger's totals after it; the next `mhw refresh` runs the monthly sources over the
months that changed since (`last_refresh`), as long as neither the code nor the warehouse changed in between, and
runs the national sources only when the public data folder changed (its digest is stored beside the landing zone's).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from stat import S_ISREG

from .settings import DBT_PROJECT_DIR, PROJECT_ROOT, SEEDS_DIR, Settings

CODE = (
    PROJECT_ROOT / "ingestion",
    DBT_PROJECT_DIR / "models",
    DBT_PROJECT_DIR / "macros",
    DBT_PROJECT_DIR / "tests",
    DBT_PROJECT_DIR / "dbt_project.yml",
    SEEDS_DIR,
    PROJECT_ROOT / "orchestration",
    PROJECT_ROOT / "mhw" / "its.py",  # called by the dbt Python models of the scheme evaluation
    PROJECT_ROOT / "mhw" / "scheme_evaluation.py",
    # the packages' versions (DuckDB, dbt, statsmodels): a refresh leaves the models its sources do not touch as they
    # are (orchestration.dbt.models_unaffected_by), so an upgrade must rebuild everything once
    PROJECT_ROOT / "uv.lock",
)
STAMP = "last_refresh.json"


def _files(root: Path) -> Iterator[tuple[str, int, int]]:
    """(path under root, size, mtime) of each file, in path order; one stat per file (a landing zone of ten years
    holds some 18,000 files, and a refresh with nothing new should take seconds)."""
    if root.is_file():
        stat = root.stat()
        yield root.name, stat.st_size, stat.st_mtime_ns
        return
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        parts = Path(folder).relative_to(root).parts
        for name in names:
            if name.startswith("."):
                continue
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:  # a broken link, or gone since it was listed
                continue
            if S_ISREG(stat.st_mode):
                found.append(((*parts, name), stat.st_size, stat.st_mtime_ns))
    for parts, size, mtime in sorted(found):
        yield "/".join(parts), size, mtime


def _digest(digest, roots: Sequence[tuple[str, Path]]) -> str:
    for label, root in roots:
        for name, size, mtime in _files(root):
            digest.update(f"{label}\t{name}\t{size}\t{mtime}\n".encode())
    return digest.hexdigest()


def _code_roots() -> list[tuple[str, Path]]:
    return [(f"code:{p.name}", p) for p in CODE]


def inputs_fingerprint(settings: Settings) -> str:
    """sha256 over (place, file, size, mtime) of every input, plus the warehouse and serving paths."""
    digest = hashlib.sha256(f"{settings.warehouse}\n{settings.serving_dir}\n".encode())
    roots = [("landing", settings.landing_dir), *_code_roots()]
    if settings.public_data_dir:
        roots.append(("public", Path(settings.public_data_dir)))
    return _digest(digest, roots)


def public_data_digest(settings: Settings) -> str:
    """sha256 over (file, size, mtime) of the public data folder (of nothing when MHW_PUBLIC_DATA_DIR is unset)."""
    public = settings.public_data_dir
    return _digest(hashlib.sha256(f"set: {public is not None}\n".encode()), [("public", public)] if public else [])


def code_fingerprint() -> str:
    """sha256 over (file, size, mtime) of the code alone: what decides which files are loaded, and how."""
    return _digest(hashlib.sha256(), _code_roots())


def unchanged_since_last_refresh(settings: Settings, fingerprint: str) -> bool:
    """True when the last successful refresh saw exactly these inputs and its outputs are still there."""
    stamp = settings.home / STAMP
    if not (stamp.exists() and settings.warehouse.exists() and settings.current_snapshot.exists()):
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class LastRefresh:
    """The landing zone as the last successful `mhw refresh` found it at its start, and the day it ran."""

    landing: Mapping[str, str]  # 'source/period' -> digest of its files (orchestration.refresh.landing_state)
    day: date


def record_refresh(
    settings: Settings,
    fingerprint: str,
    *,
    code: str | None = None,
    landing: Mapping[str, str] | None = None,
    ledger: Sequence[int] | None = None,
) -> None:
    """Remember the inputs of a successful refresh (written atomically); with the code's fingerprint, the landing
    zone and the ledger's totals after it, also what the next refresh needs to run only the months that changed."""
    stamp: dict = {"fingerprint": fingerprint}
    if code is not None and landing is not None and ledger is not None:
        stamp |= {"code": code, "landing": dict(landing), "ledger": list(ledger), "day": date.today().isoformat()}
    settings.home.mkdir(parents=True, exist_ok=True)
    tmp = settings.home / f".{STAMP}.tmp"
    tmp.write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    tmp.replace(settings.home / STAMP)


def last_refresh(settings: Settings, code: str, ledger: Sequence[int]) -> tuple[LastRefresh | None, str]:
    """The landing zone the last successful refresh found, if the code is the same and the ledger's totals are
    those it left (no other writer, withdrawal or restored warehouse since); else None (every month runs) and why."""
    try:
        stamp = json.loads((settings.home / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if "landing" not in stamp:
        return None, "no record of an earlier refresh's landing zone in this home"
    if stamp.get("code") != code:
        return None, "the code that builds the warehouse changed since the last refresh"
    if stamp.get("ledger") != list(ledger):
        return None, "the load ledger changed outside a refresh (another writer, a withdrawal or a restored warehouse)"
    return LastRefresh(stamp["landing"], date.fromisoformat(stamp["day"])), ""


def forget_last_refresh(settings: Settings) -> None:
    """Make the next refresh run in full (the warehouse changed outside a refresh, or a writer died mid-way)."""
    (settings.home / STAMP).unlink(missing_ok=True)
