"""`make bench`'s memory measure: the peak of a process tree, split by what each process is."""

from __future__ import annotations

import subprocess
import sys

from tests.bench.measure import PeakRss

# a parent that starts one gate-like worker ('spawn', as ingestion/gate/workers.py does) and waits for it
PARENT = """
import multiprocessing, time
if __name__ == "__main__":
    worker = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(1.5,))
    worker.start()
    worker.join()
"""


def test_the_peak_counts_every_process_of_the_tree_by_its_role():
    proc = subprocess.Popen([sys.executable, "-c", PARENT])
    with PeakRss(proc.pid, every=0.05) as rss:
        assert proc.wait(timeout=60) == 0
    assert set(rss.roles) == {"refresh", "workers", "other"}  # other: multiprocessing's resource tracker
    assert rss.peak == sum(rss.roles.values())
    assert all(n > 5 * 2**20 for n in rss.roles.values()), rss.roles  # each a Python process of its own
