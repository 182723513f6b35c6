"""Progress reports: at most every few seconds, always at the end, with the time left estimated from the rate."""

from __future__ import annotations

from mhw.progress import Reporter, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reports_are_spaced_and_the_last_one_always_said():
    clock, said = Clock(), []
    reporter = Reporter(said.append, "custody", every=5, clock=clock)
    clock.now += 10
    reporter.update(10, 100, "10 files")  # the first update: the rate is measured from here
    clock.now += 2
    reporter.update(20, 100, "20 files")  # too soon after the last line
    clock.now += 4
    reporter.update(30, 100, "30 files")
    clock.now += 1
    reporter.update(100, 100, "100 files")  # the end is always said
    assert said == [
        "custody: 10 files; 10% done, 10 s elapsed",
        "custody: 30 files; 30% done, 16 s elapsed, about 21 s left",
        "custody: 100 files; 100% done, 17 s elapsed",
    ]


def test_durations_read_as_people_write_them():
    assert [duration(s) for s in (4.4, 59.6, 185, 3725)] == ["4 s", "1 min 00 s", "3 min 05 s", "1 h 02 min"]
