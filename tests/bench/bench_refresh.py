"""`make bench`: the national demo at national scale, refreshed on this machine, recorded in docs/benchmarks.md.

In one run, on ten financial years of monthly extracts for 44 forces (tests/bench/national_demo.py, written once):
1. the gate against DuckDB's own CSV reader on the same files (a year of custody CSV files, each read one at a time
   into a table, all columns as text; tests/bench/native_read.py), twice each, alternating;
2. the full refresh of months 1 to 119 (`mhw refresh`), with its steps and the peak memory of its processes;
3. the cost of one force's custody file in month 1 (against an empty warehouse) and in month 120 (against the
   refreshed months 1 to 119), measured in turn and rolled back each time (tests/bench/measure.py);
4. one new month (month 120 of the four monthly sources) refreshed, as a share of the full refresh: MONTH_RUNS
   times, each from the same home of months 1 to 119 (copied before the first), the median reported, as one month
   on this shared machine varies by a quarter from run to run (docs/benchmarks.md);
5. a refresh with no change (after the last month);
6. the same month MONTH_RUNS times on a home holding only the year before it (months 108 to 119, with every file
   that is not a monthly extract): what a month costs when its whole-series models have one year to rebuild, not
   ten, so the difference from item 4 is the most that rebuilding only the periods a delivery touches could save.
Every run starts from an empty MHW_HOME (MHW_BENCH_HOME, default /tmp/mhw-bench-10y), kept afterwards for the
app's render bench, and the environment it is started in.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.gate.load import ingest_source
from mhw.progress import duration
from tests.bench.measure import PeakRss, file_costs, step_seconds
from tests.bench.national_demo import MONTHS, link_files, link_landing, national_demo
from tests.bench.native_read import read_natively

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "benchmarks.md"
FORCES = ("E23000001", "E23000016")  # the largest force (the Met) and a middle-sized one (West Yorkshire)
KEY = "bench-key-not-secret"
HOME = Path(os.environ.get("MHW_BENCH_HOME", "/tmp/mhw-bench-10y"))  # the refreshed ten-year home, kept
COMPARED_MONTHS = 12  # the gate and DuckDB's reader compared on the custody CSV files of the first year
MONTH_RUNS = 3
SHORT_SINCE = "2024-03"  # the one-year history of item 6: months 108 to 119


@dataclass(frozen=True)
class Refresh:
    seconds: float
    peak_rss: int
    peak_roles: dict[str, int]  # the peak split by process role (measure.process_role)
    steps: dict[str, float]
    ledger: tuple[int, int, int]  # entries, rows read, rows loaded

    def phase(self, prefix: str) -> float:
        return sum(s for step, s in self.steps.items() if step.startswith(prefix))


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 2**20:.0f} GiB, Python {platform.python_version()}; "
        f"load average at the end {load}"
    )


def _ledger(warehouse: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0) from raw.load_ledger"
        ).fetchone()


def _refresh(env: dict[str, str], home: Path) -> Refresh:
    mhw = str(Path(sys.executable).parent / "mhw")
    start = time.perf_counter()
    proc = subprocess.Popen([mhw, "refresh"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as rss:
        _, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"mhw refresh failed:\n{err[-4000:]}")
    steps = step_seconds(home / "dagster_home") if (home / "dagster_home" / "storage").exists() else {}
    return Refresh(seconds, rss.peak, rss.roles, steps, _ledger(home / "warehouse.duckdb"))


def _compare_with_native(demo: Path, work: Path) -> list[tuple[float, float, int]]:
    """(gate rows/s, native rows/s, rows) for each of two rounds on the same custody CSV files."""
    months = sorted({folder.name for folder in (demo / "custody").glob("*/*")})[:COMPARED_MONTHS]
    landing = work / "compare"
    link_files(demo, [p for p in (demo / "custody").glob("*/*/*.csv") if p.parent.name in months], landing)
    rounds = []
    for n in range(2):
        native = read_natively(landing, sorted(landing.rglob("*.csv")))
        warehouse = work / f"compare_{n}.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            con.execute("select ?", [1])  # the first parameterised query imports pandas: not the gate's cost
            start = time.perf_counter()
            report = ingest_source(con, landing, "custody", KEY.encode(), "bench")
            seconds = time.perf_counter() - start
        warehouse.unlink()
        rounds.append((report.rows_read / seconds, native.rows_per_second, native.rows))
    return rounds


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _peak(refresh: Refresh) -> str:
    """The peak and how it split at that moment, e.g. '1,920 MB (refresh 1,356, workers 560, other 4)'."""
    split = ", ".join(f"{role} {n / 2**20:,.0f}" for role, n in sorted(refresh.peak_roles.items(), key=lambda r: -r[1]))
    return f"{_mb(refresh.peak_rss)} ({split})"


def _keep_home(home: Path, kept: Path) -> None:
    """A copy of the home without its landing zone (which _restore_home leaves in place)."""
    shutil.copytree(home, kept, symlinks=True, ignore=lambda folder, names: ["landing"] if Path(folder) == home else [])


def _restore_home(kept: Path, home: Path) -> None:
    """The home as it was before month 120's refresh, its landing zone (month 120 delivered) left as it is: linking
    the files again would change their change time, which a refresh takes for a new version of every file."""
    for entry in home.iterdir():
        if entry.name == "landing":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.copytree(kept, home, symlinks=True, dirs_exist_ok=True)


def _settled() -> None:
    """Written data on disk before a timed refresh, so that it does not wait for the copy before it."""
    os.sync()
    time.sleep(2)


def _month_runs(env: dict[str, str], home: Path, kept: Path, demo: Path) -> tuple[list[Refresh], int]:
    """Month 120 delivered to the refreshed home and refreshed MONTH_RUNS times, each from the same home (kept
    first); the runs and the number of month 120's files."""
    _keep_home(home, kept)
    new = link_landing(demo, home / "landing", last_month=True)
    runs = []
    for n in range(MONTH_RUNS):
        if n:
            _restore_home(kept, home)
        _settled()
        runs.append(_refresh(env, home))
    return runs, len(new)


def _median(runs: list[Refresh]) -> Refresh:
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def _month_line(what: str, runs: list[Refresh], full: Refresh) -> str:
    month = _median(runs)
    return (
        f"| {what}, median of {len(runs)} runs from the same home | {duration(month.seconds)} ({month.seconds:.0f} s) "
        f"= {month.seconds / full.seconds:.1%} of the ten-year full refresh (runs: "
        f"{', '.join(f'{m.seconds:.0f} s' for m in runs)}); that run: ingestion {month.phase('raw__'):.0f} s, "
        f"dbt {month.phase('dbt_models'):.0f} s, publish {month.phase('serving_snapshot'):.0f} s; "
        f"peak RSS {_peak(month)} |"
    )


def main() -> None:
    demo = national_demo()
    with tempfile.TemporaryDirectory(prefix="mhw-bench-", dir=demo.parents[2]) as tmp:
        home = HOME  # kept: the app's render bench (tests/bench/bench_app.py) serves its snapshot
        shutil.rmtree(home, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MHW_", "DAGSTER_"))}
        env.update(
            MHW_HOME=str(home), MHW_PSEUDONYMISATION_KEY=KEY, PATH=f"{Path(sys.executable).parent}:{env['PATH']}"
        )
        if os.environ.get("MHW_PUBLIC_DATA_DIR"):
            env["MHW_PUBLIC_DATA_DIR"] = os.environ["MHW_PUBLIC_DATA_DIR"]
        compared = _compare_with_native(demo, Path(tmp))

        files = link_landing(demo, home / "landing", last_month=False)
        first = {f: next((demo / "custody" / f / MONTHS[0]).glob("*")) for f in FORCES}
        last = {f: next((demo / "custody" / f / MONTHS[1]).glob("*")) for f in FORCES}

        full = _refresh(env, home)
        empty, warehouse = Path(tmp) / "empty.duckdb", home / "warehouse.duckdb"
        cases = [case for f in FORCES for case in ((empty, first[f]), (warehouse, last[f]))]
        costs = file_costs(cases, demo, KEY.encode())
        month1, month120 = dict(zip(FORCES, costs[0::2], strict=True)), dict(zip(FORCES, costs[1::2], strict=True))
        months, new = _month_runs(env, home, Path(tmp) / "months-1-119", demo)
        unchanged = _refresh(env, home)

        short = Path(tmp) / "one-year"
        link_landing(demo, short / "landing", last_month=False, since=SHORT_SINCE)
        short_env = {**env, "MHW_HOME": str(short)}
        short_history = _refresh(short_env, short)
        short_months, _ = _month_runs(short_env, short, Path(tmp) / "one-year-kept", demo)
    one_month, short_month = _median(months), _median(short_months)

    gate = [round(g) for g, _, _ in compared]
    native = [round(n) for _, n, _ in compared]
    ratios = [g / n for g, n, _ in compared]
    full_rows = full.ledger[1]
    lines = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: ten years, 44 forces",
        f"Machine: {_machine()}. `MHW_PUBLIC_DATA_DIR` {'set' if 'MHW_PUBLIC_DATA_DIR' in env else 'not set'}. "
        f"Data: `mhw synth --months {':'.join(MONTHS)}` (seed 42; s136 for the default six years), "
        f"{len(files):,} files for months 1 to 119, then {new:,} files of month 120.",
        "",
        "| measure | result |",
        "|---|---|",
        f"| gate vs DuckDB `read_csv` (same {compared[0][2]:,} rows of custody CSV, {COMPARED_MONTHS} months, "
        f"two rounds) | gate {gate[0]:,} and {gate[1]:,} rows/s; DuckDB {native[0]:,} and {native[1]:,} rows/s; "
        f"ratio {ratios[0]:.2f} and {ratios[1]:.2f} |",
        f"| full refresh, months 1-119 | {duration(full.seconds)} ({full.seconds:.0f} s): ingestion "
        f"{full.phase('raw__'):.0f} s ({full_rows / max(full.phase('raw__'), 1):,.0f} rows/s over {full_rows:,} rows "
        f"read), dbt {full.phase('dbt_models'):.0f} s, publish {full.phase('serving_snapshot'):.0f} s; "
        f"peak RSS {_peak(full)} |",
        _month_line(f"one new month (month 120, {one_month.ledger[1] - full_rows:,} rows read)", months, full),
        f"| refresh with no change | {unchanged.seconds:.1f} s; peak RSS {_mb(unchanged.peak_rss)} |",
        _month_line(
            f"the same month on one year of history (months {SHORT_SINCE} on, and every file that is not a monthly "
            f"extract; that home's own refresh {short_history.seconds:.0f} s)",
            short_months,
            full,
        ),
        f"| what grows with history (the month on ten years less the month on one year) | "
        f"{one_month.seconds - short_month.seconds:.0f} s of {one_month.seconds:.0f} s |",
    ]
    for force in FORCES:
        a, b = month1[force], month120[force]
        growth = (b.total / b.rows) / (a.total / a.rows)
        lines.append(
            f"| one custody file of {force}, month 1 vs month 120 (measured in turn, median of 5, rolled back) | "
            f"month 1: {a.rows:,} rows, {a.total * 1000:.0f} ms (prepare {a.prepare * 1000:.0f}, commit "
            f"{a.commit * 1000:.0f}); month 120: {b.rows:,} rows, {b.total * 1000:.0f} ms (prepare "
            f"{b.prepare * 1000:.0f}, commit {b.commit * 1000:.0f}); month 120 / month 1 per row: {growth:.2f} |"
        )
    section = "\n".join(lines) + "\n"
    with RESULTS.open("a") as fh:
        fh.write(section)
    print(section)


if __name__ == "__main__":
    main()
