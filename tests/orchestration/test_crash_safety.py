"""Real refreshes killed outright (SIGKILL, as the OOM killer or a CI timeout would), and one writer at a time.

One small landing zone, awkward files included, is refreshed twice: once without interruption (the reference home)
and once through a sequence of kills in another home: a `mhw refresh` killed during ingestion, the next one killed
inside `dbt build` while a third waits for it, then a `mhw publish` killed half-way. Throughout, the serving snapshot
stays readable and the app renders it; a refresh started meanwhile says for whom it waits (or exits with --no-wait);
the refresh that finally runs cleans up after the dead ones and publishes exactly what the uninterrupted run did.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from demo.s136 import generate_s136

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MHW = str(Path(sys.executable).parent / "mhw")
KEY = "test-key-not-secret"
HEADER = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing,deployed,grade,person_id"
VOLATILE = {"publication", "last_delivery_at", "first_raised_at", "status_changed_at"}  # when things were processed


def _incidents(ids, force: str, month: str) -> str:
    return (
        HEADER
        + "\n"
        + "".join(
            f"{i},{force},{month}-{n % 28 + 1:02d}T10:{n % 60:02d},Y,N,Y,priority,P{n % 4}\n" for n, i in enumerate(ids)
        )
    )


def write_landing(landing: Path, outside: Path) -> None:
    """A few forces' deliveries, a month sent in two parts, and a handful of files that must be refused alone."""
    generate_s136(landing, seed=7, years=("2023-24",), forces=("E23000001", "W15000002"))
    files = {
        "incidents/E23000001/2024-05/may.csv": _incidents([f"A-{i}" for i in range(12)], "E23000001", "2024-05"),
        "incidents/E23000001/2024-05/may_late.csv": _incidents(["A-90", "A-91", "A-92"], "E23000001", "2024-05"),
        "incidents/E23000001/2024-06/june.csv": _incidents([f"B-{i}" for i in range(8)], "E23000001", "2024-06")
        + f"B-99,E23000001,2024-06-09T10:00,Y,N{'x' * 200_000},Y,priority,P1\n",
        "incidents/W15000002/2024-05/gwent.csv": _incidents([f"G-{i}" for i in range(10)], "W15000002", "2024-05"),
        "incident_totals/E23000001/2024-05/totals.csv": "force_code,month,all_incidents\nE23000001,2024-05,4100\n",
        "incidents/E23009999/2024-05/unknown_force.csv": _incidents(["X-1"], "E23009999", "2024-05"),
        "incidents/E23000001/2035-01/outside_calendar.csv": _incidents(["X-2"], "E23000001", "2035-01"),
        "incidents/E23000001/2024-07/twice.csv": HEADER + ",grade\n",
        "incidents/E23000001/2024-05/old_export.xls": "\xd0\xcf not really a workbook",
        "incidents/E23000001/2024-05/may.zip": "PK not really an archive",
        "incidentz/E23000001/2024-05/typo.csv": _incidents(["X-3"], "E23000001", "2024-05"),
        "incidents/E23000001/2024-05/.~lock.may.csv#": "editor lock",
    }
    future = date.today().replace(day=1)
    future = f"{future.year + 1}-{future.month:02d}"
    files[f"incidents/E23000001/{future}/future.csv"] = _incidents(["X-4"], "E23000001", future)
    for rel, text in files.items():
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_text(text)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.csv").write_text(_incidents(["SECRET-1"], "E23000001", "2024-05"))
    (landing / "incidents/E23000001/2024-05/link.csv").symlink_to(outside / "secret.csv")


def late_delivery(landing: Path) -> None:
    """A file delivered while a refresh is already past its ingestion."""
    path = landing / "incidents/W15000002/2024-06/gwent_june.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_incidents([f"H-{i}" for i in range(9)], "W15000002", "2024-06"))


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHW_", "DAGSTER_"))}
    return {**env, "MHW_HOME": str(home), "MHW_PSEUDONYMISATION_KEY": KEY, "PYTHONUNBUFFERED": "1"}


class Proc:
    """An `mhw` command in its own process; its output (stdout and stderr) read as it comes."""

    def __init__(self, home: Path, *args: str):
        self.p = subprocess.Popen(
            [MHW, *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.p.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 600) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.output):
                return True
            if self.p.poll() is not None:
                self.reader.join(10)  # the last lines may still be in the pipe when the process has ended
                return bool(re.search(pattern, self.output))
            time.sleep(0.05)
        return False

    def children(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.p.pid:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found

    def kill(self) -> None:
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def finish(self, timeout: float = 900) -> int:
        """The exit status, once the process has ended and its output has been read to the end (a child that
        outlives it and holds the pipe open is waited for 10 s at most)."""
        status = self.p.wait(timeout=timeout)
        self.reader.join(10)
        return status


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def published(home: Path) -> dict[str, list[tuple]]:
    """Every published table of the current snapshot, rows sorted, without the columns that say when."""
    with duckdb.connect(str(home / "serving" / "current.duckdb"), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        out = {}
        for table in tables:
            if table in VOLATILE:
                continue
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? order by column_index", [table]
                ).fetchall()
                if c not in VOLATILE
            ]
            out[table] = sorted(con.execute(f'select {", ".join(cols)} from "{table}"').fetchall(), key=repr)
    return out


def readable(home: Path) -> int:
    """The current snapshot opens read-only and answers (what the app and analysts do)."""
    with duckdb.connect(str(home / "serving" / "current.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from mart_s136_force_year").fetchone()[0]


def app_renders(home: Path) -> bool:
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[2] / "apps" / "views" / "data-quality.py"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MHW_HOME", str(home))
        at = AppTest.from_file(str(page), default_timeout=120).run()
    return not at.exception and not at.error


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run: the same landing zone (late delivery included), refreshed once."""
    home = tmp_path_factory.mktemp("reference")
    write_landing(home / "landing", home / "outside")
    late_delivery(home / "landing")
    run = Proc(home, "refresh")
    assert run.finish() == 0, run.output
    return home


@pytest.fixture(scope="module")
def crashes(reference, tmp_path_factory):
    """The kill sequence in its own home; returns what each step showed."""
    home = tmp_path_factory.mktemp("killed")
    write_landing(home / "landing", home / "outside")
    # an earlier snapshot already being served (the reference's), so every kill can show it stays readable
    (home / "serving").mkdir()
    served = shutil.copy(reference / "serving" / "current.duckdb", home / "serving" / "20000101T000000000000Z.duckdb")
    (home / "serving" / "current.duckdb").symlink_to(Path(served).name)
    seen: dict = {"before": readable(home)}

    # 1. killed during ingestion: as soon as the incidents asset starts reading the landing zone
    first = Proc(home, "refresh")
    seen["first_reached_ingestion"] = first.wait_for(r"raw__incidents - incidents: reading new and changed files")
    first.kill()
    seen["after_first"] = readable(home)

    # 2. killed inside dbt build, with a file arriving meanwhile and two more refreshes started
    second = Proc(home, "refresh")
    seen["second_reached_dbt"] = second.wait_for(r"Running dbt command: `\S*mhw-dbt [^`]*\bbuild") and second.wait_for(
        r"dbt build: [1-9][\d,]+ of about"  # ten results or more: models made, more to come
    )
    late_delivery(home / "landing")
    dbt = [pid for pid in second.children() if b"build" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    no_wait = Proc(home, "refresh", "--no-wait")
    seen["no_wait"] = (no_wait.finish(120), no_wait.output)
    status = Proc(home, "status")
    seen["status"] = (status.finish(120), status.output)
    waiter = Proc(home, "refresh")
    seen["waiter_said_at_once"] = waiter.wait_for(r"waiting for it to finish", timeout=30)
    seen["during_dbt"], seen["app_during_dbt"] = readable(home), app_renders(home)
    second.kill()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in dbt) and time.monotonic() < deadline:
        time.sleep(0.2)
    seen["dbt"] = dbt
    seen["dbt_outlived_refresh"] = [pid for pid in dbt if _alive(pid)]
    seen["after_second"] = readable(home)

    # 3. the waiting refresh now runs to the end
    seen["waiter"] = (waiter.finish(), waiter.output)
    seen["pids"] = {"first": first.p.pid, "second": second.p.pid}
    seen["second_output"] = second.output

    # 4. a publish killed half-way (its temporary snapshot file exists), then published again
    snapshot_before = os.path.realpath(home / "serving" / "current.duckdb")
    publish = Proc(home, "publish")
    deadline = time.monotonic() + 300
    while not list((home / "serving").glob(".*.duckdb.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    publish.kill()
    seen["publish_killed_midway"] = bool(list((home / "serving").glob(".*.tmp*")))
    seen["after_publish_kill"] = (
        os.path.realpath(home / "serving" / "current.duckdb") == snapshot_before,
        readable(home),
    )
    seen["published_before"] = published(home)
    again = Proc(home, "publish")
    seen["publish_again"] = (again.finish(300), again.output, publish.p.pid)
    seen["leftovers"] = list((home / "serving").glob(".*.tmp*"))
    seen["home"] = home
    return seen


def test_uninterrupted_refresh_with_awkward_files_completes_and_refuses_each_alone(reference):
    with duckdb.connect(str(reference / "warehouse.duckdb"), read_only=True) as con:
        ledger = dict(con.execute("select file_path, status from raw.load_ledger").fetchall())
        active = con.execute(
            "select count(*) from raw.incidents join raw.load_ledger using (load_id) where status = 'loaded'"
        ).fetchone()[0]
    for name in (
        "unknown_force.csv",
        "outside_calendar.csv",
        "twice.csv",
        "old_export.xls",
        "may.zip",
        "link.csv",
        "typo.csv",
        "future.csv",
    ):
        assert [s for p, s in ledger.items() if p.endswith(name)] == ["rejected_file"], name
    assert (
        ledger["incidents/E23000001/2024-05/may.csv"]
        == ledger["incidents/E23000001/2024-05/may_late.csv"]
        == ("loaded")
    ), "a month in two parts keeps both"
    assert active == 12 + 3 + 8 + 10 + 9, "every good row in force; the row with a 200,000-character field refused"
    assert not any("lock" in p for p in ledger), "an editor's lock file is not data"
    assert "SECRET-1" not in str(published(reference))


def test_snapshot_stays_readable_and_app_serves_it_through_every_kill(crashes):
    assert crashes["first_reached_ingestion"] and crashes["second_reached_dbt"]
    served = crashes["before"]
    assert served > 0
    assert crashes["after_first"] == crashes["during_dbt"] == crashes["after_second"] == served
    assert crashes["app_during_dbt"]
    assert crashes["after_publish_kill"] == (True, crashes["after_publish_kill"][1])
    assert crashes["publish_killed_midway"]


def test_refresh_started_meanwhile_waits_visibly_or_exits(crashes):
    second = crashes["pids"]["second"]
    status, output = crashes["no_wait"]
    assert status == 3 and f"another writer holds the warehouse: pid {second} (mhw refresh, started" in output
    assert "not waiting (--no-wait)" in output and "Traceback" not in output and "Could not set lock" not in output
    status, output = crashes["status"]
    assert status == 3 and f"the warehouse is being written by pid {second} (mhw refresh" in output
    assert crashes["waiter_said_at_once"]
    first = crashes["pids"]["first"]
    assert f"note: the previous writer, pid {first} (mhw refresh" in crashes["second_output"]


def test_dbt_never_outlives_a_killed_refresh(crashes):
    assert crashes["dbt"], "dbt build was running when the refresh was killed"
    assert crashes["dbt_outlived_refresh"] == []


def test_next_refresh_cleans_up_after_the_dead_ones_and_converges(crashes, reference):
    status, output = crashes["waiter"]
    assert status == 0, output
    second = crashes["pids"]["second"]
    assert f"note: the previous writer, pid {second} (mhw refresh, started" in output
    assert "died without finishing (killed?)" in output
    assert re.search(r"its Dagster run \S+ was still STARTED: marked failed", output)
    assert "Could not set lock" not in output and "Traceback" not in output
    converged, uninterrupted = published(crashes["home"]), published(reference)
    assert converged.keys() == uninterrupted.keys()
    for table, rows in uninterrupted.items():
        assert converged[table] == rows, table
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(crashes["home"] / "dagster_home"))
        with dg.DagsterInstance.get() as instance:
            statuses = [r.status for r in instance.get_runs()]
            assert dg.DagsterRunStatus.STARTED not in statuses and statuses.count(dg.DagsterRunStatus.FAILURE) == 2
            info = instance.event_log_storage.get_concurrency_info("warehouse")
            assert info.active_run_ids == set() and info.pending_steps == []


def test_publish_killed_half_way_is_cleaned_up_and_published_again(crashes):
    status, output, killed = crashes["publish_again"]
    assert status == 0, output
    assert f"note: the previous writer, pid {killed} (mhw publish" in output
    assert crashes["leftovers"] == []
    again, before = published(crashes["home"]), crashes["published_before"]
    # the same warehouse published again: every table as before, and (nothing changed) no revision
    assert again.pop("mart_revisions") == []
    before.pop("mart_revisions")
    assert again == before
