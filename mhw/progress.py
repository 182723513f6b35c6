"""Progress of a long step in words, every few seconds: so a first refresh never looks hung.

`Reporter` is told how far a step has come (done of total, in whatever unit the step counts, plus what is worth
saying beside it) and says it at most every `every` seconds, and always at the end: what is done of the total, the
time elapsed and an estimate of the time left (from the rate so far). The refresh passes Dagster's run log, so the
same lines reach the terminal of `mhw refresh` and the run's log in the Dagster UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def duration(seconds: float) -> str:
    """'45 s', '3 min 05 s', '1 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Reporter:
    """Says where a step stands, at most every `every` seconds (and when it is done)."""

    def __init__(self, say: Callable[[str], None], step: str, every: float = 5.0, clock=time.monotonic):
        self.say, self.step, self.every, self.clock = say, step, every, clock
        self.started = clock()
        self.said = self.started
        self.first: tuple[float, float] | None = None  # (when, done) of the first update: the rate is measured from it

    def update(self, done: float, total: float, what: str = "") -> None:
        now = self.clock()
        if self.first is None:
            self.first = (now, done)
        finished = total > 0 and done >= total
        if not finished and now - self.said < self.every:
            return
        self.said = now
        share = done / total if total else 1.0
        line = f"{self.step}: {what}{'; ' if what else ''}{share:.0%} done, {duration(now - self.started)} elapsed"
        since, done_then = self.first
        if not finished and done > done_then:
            line += f", about {duration((now - since) * (total - done) / (done - done_then))} left"
        self.say(line)
