"""Preparing files side by side: a few worker processes read, check and pseudonymise while one writer commits.

Reading, validating and pseudonymising a file is CPU work that touches no warehouse, so it can run on every core;
committing stays with the one process that holds the writer claim. `in_order` hands the work to a pool of worker
processes and gives the results back in the order of the inputs, never holding more than a few finished ones, so
memory does not grow with the number of files. Workers are started fresh ('spawn': nothing of the parent's open
warehouse or threads is copied), use one polars thread each (the pool is the parallelism) and end with the process
that started them (mhw/child_process.py), so a killed refresh leaves nothing behind.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS_ENV = "MHW_INGEST_WORKERS"  # how many worker processes; 0 or 1: prepare in the loading process itself
# less than this to read per worker: starting the pool costs more than it saves (a started worker has imported
# polars and the gate, some 1.5 s; measured in docs/benchmarks.md: one month's incidents, 7 MB, load in 1.5 s in
# the loading process and 2.6 s with two workers; four months, 27 MB, break even; ten, 70 MB, gain a third)
MIN_BYTES_PER_WORKER = 16 * 1024 * 1024


def configured_workers() -> int:
    """The most worker processes a load may start: MHW_INGEST_WORKERS, else the machine's cores (ValueError naming
    the setting when it is not a whole number; `mhw refresh` checks it once before it starts)."""
    setting = os.environ.get(WORKERS_ENV)
    try:
        return int(setting) if setting else os.cpu_count() or 1
    except ValueError:
        raise ValueError(f"{WORKERS_ENV} is '{setting}': a whole number of worker processes is expected") from None


def worker_count(total_bytes: int, batches: int) -> int:
    """Worker processes worth starting to prepare this many bytes in this many batches (0: in the loading process)."""
    workers = min(configured_workers(), batches, total_bytes // MIN_BYTES_PER_WORKER)
    return workers if workers > 1 else 0


def _start_worker(parent: int) -> None:
    """Runs first in each worker, before polars is imported."""
    from mhw.child_process import end_with_parent

    os.environ["POLARS_MAX_THREADS"] = "1"
    end_with_parent(parent)


def in_order(work: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """work(item) for each item, in the order of the items: in `workers` processes (work must be a module-level
    function; items and results are pickled), or here when workers is 0."""
    if workers < 1:
        yield from map(work, items)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
