"""Fingerprint of everything a refresh reads, so a refresh with nothing new can stop in seconds.

Inputs: the landing zone, the public data folder, and the code that turns them into tables (ingestion contracts and
code, the dbt project, seeds). Each file counts by path and signature (size, modification and change times, inode;
contents are not read), except
that the code's own fingerprint (which decides whether a refresh may run only the changed months) is of its files'
contents, so that a checkout of the same code is not a change, and a change is named. After a
successful refresh the fingerprint taken at its start is stored in $MHW_HOME/last_refresh.json; the next refresh
compares and, when equal and the warehouse and current snapshot still exist, does nothing.

`mhw refresh` also stores the landing zone as it found it (a digest per source and period folder), the code's own
fingerprint, the day, and the ledger's totals after it; the next `mhw refresh` runs the monthly sources over the
months that changed since (`last_refresh`), as long as neither the code nor the warehouse changed in between, and
runs the national sources only when the public data folder changed (its digest is stored beside the landing zone's).
A refresh the Dagster schedules or the landing sensor plan is recorded the same way when it publishes (save_plan,
record_planned_refresh), and checks at its start that it still runs on the code and warehouse it was planned for
(stale_plan).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from . import atomic
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
# a run building only the dbt models its sources change: the code and ledger totals it was planned with (stale_plan)
CODE_TAG = "mhw/planned_with_code"
LEDGER_TAG = "mhw/planned_with_ledger"
TESTED_THROUGH_ENV = "MHW_TESTED_THROUGH"  # for dbt: data_tested_through() of the run
PLAN_TAG = "mhw/refresh_plan"  # a schedule's or the sensor's run: the id of the plan its publish records
PLANS = "refresh_plans"  # what each Dagster-launched refresh was planned from, until it publishes


def file_signature(stat: os.stat_result) -> str:
    """What changes when a file is written, replaced, renamed onto or re-permissioned: size, modification and change
    times, inode. Equal signatures mean the bytes read last time are still the file's (the rsync quick check, with
    the change time and inode as well: a correction written back with its old size and modification time, as
    `touch -r` or a copy keeping times can leave it, still changes them)."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


def _files(root: Path) -> Iterator[tuple[str, str]]:
    """(path under root, file_signature) of each file, in path order; one stat per file (a landing zone of ten years
    holds some 18,000 files, and a refresh with nothing new should take seconds)."""
    if root.is_file():
        yield root.name, file_signature(root.stat())
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
                found.append(((*parts, name), file_signature(stat)))
    for parts, signature in sorted(found):
        yield "/".join(parts), signature


def _digest(digest, roots: Sequence[tuple[str, Path]]) -> str:
    for label, root in roots:
        for name, signature in _files(root):
            # a name that is not valid UTF-8 (decoded with surrogates by os.walk) counts by its bytes
            digest.update(f"{label}\t{name}\t{signature}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _code_roots() -> list[tuple[str, Path]]:
    return [(f"code:{p.name}", p) for p in CODE]


def inputs_fingerprint(settings: Settings) -> str:
    """sha256 over (place, file, file_signature) of every input, plus the warehouse and serving paths."""
    digest = hashlib.sha256(f"{settings.warehouse}\n{settings.serving_dir}\n".encode())
    roots = [("landing", settings.landing_dir), *_code_roots()]
    if settings.public_data_dir:
        roots.append(("public", Path(settings.public_data_dir)))
    return _digest(digest, roots)


def public_data_digest(settings: Settings) -> str:
    """sha256 over (file, file_signature) of the public data folder (of nothing when MHW_PUBLIC_DATA_DIR is unset)."""
    public = settings.public_data_dir
    return _digest(hashlib.sha256(f"set: {public is not None}\n".encode()), [("public", public)] if public else [])


def code_files() -> dict[str, str]:
    """Each file of the code (what decides which files are loaded, and how) -> a digest of its contents: a checkout
    that rewrites a file as it was does not change the code (some 2 MB, read in milliseconds)."""
    found = {}
    for root in CODE:
        for name, _ in _files(root):
            path = root if root.is_file() else root / name
            where = path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else str(path)
            found[where] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return found


def code_fingerprint(files: Mapping[str, str] | None = None) -> str:
    """sha256 over the code's files and their contents (code_files())."""
    return hashlib.sha256(json.dumps(files or code_files(), sort_keys=True).encode()).hexdigest()


def changed_code(before: Mapping[str, str], now: Mapping[str, str], shown: int = 3) -> str:
    """The code files changed, added or removed between two code_files(), named (the first few) and counted."""
    changed = sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
    more = f" and {len(changed) - shown} more" if len(changed) > shown else ""
    return ", ".join(changed[:shown]) + more


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
    code: str = ""  # the code's fingerprint then (and now: last_refresh checks it)
    ledger: tuple[int, ...] = ()  # the ledger's totals after it (and now)


def record_refresh(
    settings: Settings,
    fingerprint: str | None,
    *,
    code: str | None = None,
    landing: Mapping[str, str] | None = None,
    ledger: Sequence[int] | None = None,
) -> None:
    """Remember the inputs of a successful refresh (written atomically); with the code's fingerprint, the landing
    zone and the ledger's totals after it, also what the next refresh needs to run only the months that changed.
    fingerprint None: the refresh did not publish, so the next one may plan from it but never stops as nothing new."""
    stamp: dict = {} if fingerprint is None else {"fingerprint": fingerprint}
    if code is not None and landing is not None and ledger is not None:
        stamp |= {"code": code, "landing": dict(landing), "ledger": list(ledger), "day": date.today().isoformat()}
        files = code_files()
        if code_fingerprint(files) == code:  # the files as they were when the refresh started, to name changes
            stamp["code_files"] = files
    atomic.write_text(settings.home / STAMP, json.dumps(stamp) + "\n")


def _stamp(settings: Settings) -> dict:
    """What the last successful refresh recorded ({} when nothing, or {"forgotten": why} once set aside)."""
    try:
        return json.loads((settings.home / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def last_refresh(settings: Settings, code: str, ledger: Sequence[int]) -> tuple[LastRefresh | None, str]:
    """The landing zone the last successful refresh found, if the code is the same and the ledger's totals are
    those it left (no other writer, withdrawal or restored warehouse since); else None (every month runs) and why."""
    stamp = _stamp(settings)
    if "landing" not in stamp:
        return None, stamp.get("forgotten") or "no record of an earlier refresh's landing zone in this home"
    if stamp.get("code") != code:
        changed = changed_code(stamp["code_files"], code_files()) if "code_files" in stamp else ""
        named = f" ({changed})" if changed else ""
        return None, f"the code that builds the warehouse changed since the last refresh{named}"
    if stamp.get("ledger") != list(ledger):
        return None, "the load ledger changed outside a refresh (another writer, a withdrawal or a restored warehouse)"
    return LastRefresh(stamp["landing"], date.fromisoformat(stamp["day"]), code, tuple(ledger)), ""


class LedgerTotals(NamedTuple):
    """The load ledger summed up; a refresh records it, and a plan's tags carry it (as a JSON list)."""

    entries: int
    rows_loaded: int
    rows_rejected: int
    latest_load_us: int  # the latest load's time, in microseconds since 1970


def ledger_totals(settings: Settings) -> LedgerTotals:
    """The ledger's totals so far; zeros before the first refresh. Raises duckdb.IOException while another process
    writes the warehouse (its lock)."""
    import duckdb

    if not settings.warehouse.exists():
        return LedgerTotals(0, 0, 0, 0)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        if not con.execute("select count(*) from duckdb_tables() where table_name = 'load_ledger'").fetchone()[0]:
            return LedgerTotals(0, 0, 0, 0)
        return LedgerTotals(
            *con.execute(
                "select count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), "
                "coalesce(epoch_us(max(loaded_at)), 0) from raw.load_ledger"
            ).fetchone()
        )


def data_tested_through(tags: Mapping[str, str], con) -> tuple[str | None, str]:
    """For a run planned to build only the dbt models its sources change (CODE_TAG): the time of the latest load when
    it was planned, as 'YYYY-MM-DD HH:MM:SS.ffffff', with ''; else None, with why every row is tested. The plan stands
    only on the warehouse the last successful refresh left (stale_plan), whose build tested every row then loaded,
    so the data tests marked __loaded_since_tested__ need test only the rows of the loads made since
    (dbt_project/macros/get_where_subquery.sql). Those are the ledger entries added since the plan (entries are never
    deleted); `con` (the warehouse) confirms that every one of them is stamped after that time, as a clock set back
    (a correction, the autumn hour, another process's time zone) could stamp one before it, and then every row is
    tested."""
    if CODE_TAG not in tags:
        return None, "not a run planned on the last refresh's warehouse"
    tagged = json.loads(tags.get(LEDGER_TAG, "[]"))
    planned = LedgerTotals(*tagged) if len(tagged) == len(LedgerTotals._fields) else None
    if planned is None or not planned.latest_load_us:
        return None, "nothing was loaded when the run was planned"
    through = f"{datetime(1970, 1, 1) + timedelta(microseconds=planned.latest_load_us):%Y-%m-%d %H:%M:%S.%f}"
    entries, after = con.execute(
        "select count(*), count(*) filter (where loaded_at > cast(? as timestamp)) from raw.load_ledger", [through]
    ).fetchone()
    made = entries - planned.entries
    if after != made:
        return None, (
            f"{made - after} of the {made} ledger entries made since the run was planned are stamped at or before "
            f"{through} (the clock was set back)"
        )
    return through, ""


def last_refresh_now(settings: Settings) -> tuple[LastRefresh | None, str]:
    """last_refresh() for the code and ledger as they are now; None (and why) while another process writes."""
    import duckdb

    try:
        ledger = ledger_totals(settings)
    except duckdb.IOException:
        return None, "another process is writing the warehouse"
    return last_refresh(settings, code_fingerprint(), ledger)


def stale_plan(settings: Settings, tags: Mapping[str, str], parent_run_id: str | None = None) -> str | None:
    """Why a run planned to build only the dbt models its sources change may not run as planned, or None. The
    models it leaves out were built by the code of the last refresh, from the warehouse it left: a run started
    later (a schedule's or the sensor's waits in Dagster's queue) checks, under the writer claim, that neither the
    code nor the load ledger changed since it was planned. A re-execution of a failed run (`parent_run_id`, from the
    Dagster UI) runs on when the ledger is as that earlier attempt left it (record_attempt): no one else wrote since.
    A record of the last refresh set aside since it was planned (forget_last_refresh: a file withdrawn, a writer
    that died) stops it too: a withdrawal leaves the ledger's totals as they were, and asks for a full refresh."""
    if CODE_TAG not in tags:
        return None
    if tags[CODE_TAG] != code_fingerprint():
        return "the code changed after this refresh was planned"
    if forgotten := _stamp(settings).get("forgotten"):
        return f"the last refresh's record was set aside after this refresh was planned ({forgotten})"
    ledger = list(ledger_totals(settings))
    if json.loads(tags.get(LEDGER_TAG, "null")) == ledger:
        return None
    if parent_run_id is not None and _attempt_ledger(settings, parent_run_id) == ledger:
        return None
    return (
        "the load ledger changed after this refresh was planned (another writer, or an earlier attempt of this run "
        "that did not end cleanly)"
    )


def _attempt_path(settings: Settings, run_id: str) -> Path:
    return settings.home / PLANS / f"attempt-{run_id}.json"


def record_attempt(settings: Settings, run_id: str) -> None:
    """At the end of a planned run whose check passed (it may have loaded files, then failed): the load ledger as it
    left it, so that a re-execution of it runs on from there (stale_plan). Kept a week, as the plans."""
    path = _attempt_path(settings, run_id)
    _remove_week_old(path.parent)
    atomic.write_text(path, json.dumps(list(ledger_totals(settings))) + "\n")


def _attempt_ledger(settings: Settings, run_id: str) -> list[int] | None:
    try:
        return json.loads(_attempt_path(settings, run_id).read_text(encoding="utf-8"))
    except FileNotFoundError:  # the attempt was killed (no record), or was not a planned run
        return None


def save_plan(settings: Settings, fingerprint: str, code: str, landing: Mapping[str, str]) -> str:
    """Keep what a Dagster-launched refresh was planned from (inputs' and code's fingerprints, the landing zone)
    under $MHW_HOME/refresh_plans until its publish records it (record_planned_refresh); returns the plan's id, for
    a run tag. Plans older than a week (of runs that never published) are removed."""
    folder = settings.home / PLANS
    text = json.dumps({"fingerprint": fingerprint, "code": code, "landing": dict(landing)}, sort_keys=True)
    plan_id = hashlib.sha256(text.encode()).hexdigest()[:20]
    _remove_week_old(folder)
    atomic.write_text(folder / f"{plan_id}.json", text + "\n")
    return plan_id


def _remove_week_old(folder: Path) -> None:
    """Plans and attempts of runs that never published, a week on."""
    week_ago = time.time() - 7 * 86400
    for old in folder.glob("*.json"):
        try:
            if old.stat().st_mtime < week_ago:
                old.unlink()
        except FileNotFoundError:  # recorded meanwhile by its run's publish
            pass


def record_planned_refresh(settings: Settings, plan_id: str, ledger: Sequence[int]) -> bool:
    """After a successful publish: record the refresh the plan describes, as `mhw refresh` records its own (the next
    one then runs only what changed since). False when the plan is gone or the code changed since it was made."""
    path = settings.home / PLANS / f"{plan_id}.json"
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if plan["code"] != code_fingerprint():
        return False
    record_refresh(settings, plan["fingerprint"], code=plan["code"], landing=plan["landing"], ledger=ledger)
    path.unlink(missing_ok=True)
    return True


def set_aside_for_other_code(settings: Settings, code: str) -> bool:
    """Before a dbt build with `code`: a record of the last refresh made by other code stops describing the warehouse
    as soon as the build starts (it may rebuild some models, then fail; a rollback of the code would then find the
    record's code again and leave those models as the other code built them), so it is set aside and the next
    refresh builds every model. True when it was."""
    recorded = _stamp(settings).get("code")
    if recorded is None or recorded == code:
        return False
    forget_last_refresh(settings, "a dbt build with other code started after it (it may have rebuilt models)")
    return True


def note_unfinished_refresh(settings: Settings, before: Sequence[int], what: str) -> None:
    """After a refresh that did not finish (`what`: 'was interrupted', 'failed') and had loaded files since it began
    (the ledger's totals are no longer `before`), the next refresh runs in full and says so (without this note it
    blamed 'another writer'); one that loaded nothing leaves the last successful refresh's record as it is."""
    if tuple(ledger_totals(settings)) != tuple(before):
        forget_last_refresh(settings, f"the last refresh {what} after it had loaded files")


def forget_last_refresh(settings: Settings, why: str) -> None:
    """Make the next refresh run in full (the warehouse changed outside a refresh, or a writer died mid-way); the
    next refresh says `why`."""
    atomic.write_text(settings.home / STAMP, json.dumps({"forgotten": why}) + "\n")
