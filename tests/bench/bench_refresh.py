"""`make bench`: time the national demo end to end on this machine and record it in docs/benchmarks.md.

Steps, in a fresh MHW_HOME under /tmp: synthetic data (`mhw synth` defaults: s136 for 6 financial years and 24 months
of incidents, totals, custody and triage for 44 forces), the first full refresh, a second refresh with nothing new
(stops at once), and a forced refresh with nothing new (the whole pipeline, 0 new rows). Then, on that warehouse, the
benchmarking core (int_benchmark_counts, the peer groups and everything after them: mart_benchmark, mart_spc,
mart_escalations) as a share of running every dbt model, both measured here.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "benchmarks.md"


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _ledger(warehouse: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) from raw.load_ledger"
        ).fetchone()


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    return f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


BENCHMARK_CORE = ["int_benchmark_counts+", "dim_force_peer_covariate+"]


def _dbt_seconds(args: list[str], env: dict[str, str]) -> float:
    """dbt's own running time (its 'Finished running ... (Ns)' line: the models, not dbt's start-up and parse)."""
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return float(re.findall(r"Finished running .*\(([0-9.]+)s\)", out)[-1])


def _benchmark_core(env: dict[str, str], warehouse: Path) -> list[tuple[str, float, str]]:
    """`dbt run` of the benchmarking core against `dbt run` of every model, on the warehouse just refreshed."""
    dbt = str(Path(sys.executable).parent / "dbt")
    env = {**env, "MHW_WAREHOUSE": str(warehouse)}
    project = ["--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project")]
    everything = _dbt_seconds([dbt, "run", *project], env)
    core = _dbt_seconds([dbt, "run", *project, "--select", *BENCHMARK_CORE], env)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        benchmark_rows, spc_rows, items = con.execute(
            "select (select count(*) from marts.mart_benchmark), (select count(*) from marts.mart_spc), "
            "(select count(*) from marts.mart_escalations)"
        ).fetchone()
    return [
        ("`dbt run`, every model (reference; dbt's running time)", everything, ""),
        (
            "`dbt run` of the benchmarking core",
            core,
            f"{core / everything:.0%} of the reference; mart_benchmark {benchmark_rows:,} rows, "
            f"mart_spc {spc_rows:,}, mart_escalations {items:,}",
        ),
    ]


def main() -> None:
    mhw = str(Path(sys.executable).parent / "mhw")
    with tempfile.TemporaryDirectory(prefix="mhw-bench-") as home:
        env = {**os.environ, "MHW_HOME": home, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        env.pop("MHW_WAREHOUSE", None)
        warehouse = Path(home) / "warehouse.duckdb"
        rows = []
        rows.append(
            ("synthetic data, 44 forces (`mhw synth`, defaults)", _run([mhw, "synth", "--no-progress"], env), "")
        )
        t = _run([mhw, "refresh"], env)
        files, loaded, rejected = _ledger(warehouse)
        rows.append(
            ("first full refresh (`mhw refresh`)", t, f"{files} files, {loaded:,} rows loaded, {rejected} rejected")
        )
        t = _run([mhw, "refresh"], env)
        files2, loaded2, _ = _ledger(warehouse)
        rows.append(("second refresh, nothing new", t, f"{files2 - files} new files, {loaded2 - loaded} new rows"))
        t = _run([mhw, "refresh", "--force"], env)
        files3, loaded3, _ = _ledger(warehouse)
        rows.append(("forced refresh, nothing new", t, f"{files3 - files2} new files, {loaded3 - loaded2} new rows"))
        rows += _benchmark_core(env, warehouse)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = "\n".join(f"| {name} | {secs:.1f} | {note} |" for name, secs, note in rows)
    section = f"\n## {stamp}\nMachine: {_machine()}.\n\n| step | seconds | result |\n|---|---|---|\n{table}\n"
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmarks\n\nWritten by `make bench` (tests/bench/bench_refresh.py); newest last.\n")
    with RESULTS.open("a") as fh:
        fh.write(section)
    print(section)


if __name__ == "__main__":
    main()
