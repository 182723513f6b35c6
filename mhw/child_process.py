"""Child processes that end with the process that started them.

A refresh killed outright (SIGKILL: the OOM killer, a CI timeout) must not leave its helpers running: dbt would keep
the warehouse open, and the gate's worker processes would wait for work for ever. On Linux a child asks the kernel
to kill it when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere nothing is asked and the writer claim waits for
an orphan instead (mhw/writer_claim.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int | None = None) -> bool:
    """Ask to be killed when the parent dies; False when the parent (parent_pid, if given) has already gone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    return parent_pid is None or os.getppid() == parent_pid
