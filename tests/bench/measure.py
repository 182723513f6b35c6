"""What `make bench` measures besides wall time: peak memory of a process tree, a refresh's steps, one file's cost.

- `PeakRss` samples the resident memory of a process and all its descendants (the refresh, its gate workers, dbt)
  every 0.2 s and keeps the largest sum, with its split by process role at that moment (so a bench says whether
  the peak came while loading or in dbt's build).
- `step_seconds` reads a Dagster run's step durations from its event log, so a refresh splits into ingestion, dbt and
  publish.
- `file_costs` times the gate on files against warehouses as they stand (read, check, pseudonymise, then decide
  and write inside a transaction that is rolled back), so a force's file of month 1 can be timed against an empty
  warehouse and its file of month 120 against ten years of history, in turn, in the same minute.
"""

from __future__ import annotations

import statistics
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ingestion.gate.contract import load_contract
from ingestion.gate.landing import landing_file
from ingestion.gate.ledger import ActiveIndex, LedgerView
from ingestion.gate.load import commit_file, prepare_file, take_delivery
from ingestion.gate.writer import Transaction
from ingestion.schema import ensure_raw_schema


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * 4096
    except (OSError, ValueError, IndexError):
        return 0


def process_role(pid: int, root: int) -> str:
    """What a process of a refresh's tree is: the refresh itself, dbt's build, a gate worker or other (Dagster's
    log tails, multiprocessing's resource tracker)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if pid == root:
        return "refresh"
    if "dbt" in cmdline:
        return "dbt"
    if "multiprocessing" in cmdline and "resource_tracker" not in cmdline:
        return "workers"
    return "other"


class PeakRss:
    """The largest total resident memory of a process and its descendants while the context is open, and how it
    split by process role at that moment (`roles`: role -> bytes)."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every, self.peak = pid, every, 0
        self.roles: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            tree, todo, roles = _children(), [self.pid], {}
            while todo:
                pid = todo.pop()
                role = process_role(pid, self.pid)
                roles[role] = roles.get(role, 0) + _rss_bytes(pid)
                todo.extend(tree.get(pid, ()))
            if sum(roles.values()) > self.peak:
                self.peak, self.roles = sum(roles.values()), roles
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds per step of the latest Dagster run in this instance (step start to success or failure)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_runs(limit=1)[0]
        started: dict[str, float] = {}
        seconds: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or not event.step_key:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                seconds[event.step_key] = entry.timestamp - started.get(event.step_key, entry.timestamp)
    return seconds


@dataclass(frozen=True)
class FileCost:
    rows: int
    prepare: float  # median seconds: read, check, pseudonymise (touches no warehouse)
    commit: float  # median seconds: ledger look-ups, the id checks against the force's history, the writes

    @property
    def total(self) -> float:
        return self.prepare + self.commit


def file_costs(cases: list[tuple[Path, Path]], landing: Path, key: bytes, rounds: int = 5) -> list[FileCost]:
    """Median cost of loading each (warehouse, file) case as the warehouse stands; nothing is kept (rolled back).

    The cases are measured in turn, round after round, each on its own open connection: a change in the machine's
    speed meanwhile (this machine is shared) falls on every case alike, and each case's median is of warm runs. The
    source's ledger view (ledger.LedgerView) is read before the clock starts: a refresh reads it once per source, not
    per file (16 ms for custody's 5,282 entries on the ten-year demo)."""
    now = datetime.now()
    samples: list[tuple[list[float], list[float]]] = [([], []) for _ in cases]
    rows = [0] * len(cases)
    with ExitStack() as stack:
        cons = [stack.enter_context(duckdb.connect(str(warehouse))) for warehouse, _ in cases]
        for con in cons:
            ensure_raw_schema(con)
            con.execute("select ?", [1])  # the first parameterised query imports pandas: not the gate's cost
        for _ in range(rounds):
            for n, ((_, path), con) in enumerate(zip(cases, cons, strict=True)):
                lf = landing_file(landing, path)
                contract = load_contract(lf.source)
                start = time.perf_counter()
                prepared = prepare_file(take_delivery(landing, lf), contract, key=key, key_id="bench", now=now)
                samples[n][0].append(time.perf_counter() - start)
                con.execute("begin transaction")
                ledger = LedgerView(con, contract.source)  # read once per source and refresh, not per file
                start = time.perf_counter()
                tx = Transaction(con, commit_seconds=0)
                index = ActiveIndex(con, contract, ledger, tx.flush)  # a force's first file asks the warehouse
                rows[n] = commit_file(tx, ledger, prepared, contract, "bench", index).rows_read
                tx.flush()
                samples[n][1].append(time.perf_counter() - start)
                con.execute("rollback")
    return [
        FileCost(n, statistics.median(prepares), statistics.median(commits))
        for n, (prepares, commits) in zip(rows, samples, strict=True)
    ]
