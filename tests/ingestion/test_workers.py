"""Files prepared side by side in worker processes load exactly as when prepared one by one, in listing order."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.gate import workers as workers_module
from ingestion.gate.load import ingest_source
from ingestion.gate.workers import WORKERS_ENV, worker_count
from ingestion.schema import ensure_raw_schema

from .helpers import KEY, KEY_ID

NOW = datetime(2024, 7, 1, 12, 0)
HEADER = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing,person_id"
FORCES = ("E23000001", "E23000002", "W15000002")


def _incidents(prefix: str, force: str, month: str, n: int) -> str:
    rows = (f"{prefix}-{i},{force},{month}-{i % 28 + 1:02d}T10:00,Y,N,L-{i % 7}\n" for i in range(n))
    return HEADER + "\n" + "".join(rows)


def _landing(root: Path) -> Path:
    """22 deliveries: parts, a re-send, a duplicate, a repeated id across months, bad rows and a bad file."""
    files = {}
    for force in FORCES:
        for month in ("2024-03", "2024-04", "2024-05", "2024-06"):
            files[f"incidents/{force}/{month}/main.csv"] = _incidents(f"{force[-2:]}{month}", force, month, 40)
        files[f"incidents/{force}/2024-05/late.csv"] = _incidents(f"L{force[-2:]}", force, "2024-05", 5)
        files[f"incidents/{force}/2024-05/copy of main.csv"] = files[f"incidents/{force}/2024-05/main.csv"]
    files["incidents/E23000001/2024-06/resend.csv"] = _incidents("012024-06", "E23000001", "2024-06", 30)
    files["incidents/E23000002/2024-06/again.csv"] = _incidents("022024-03", "E23000002", "2024-06", 3)
    files["incidents/E23000002/2024-04/bad_rows.csv"] = (
        HEADER + "\nB-1,E23000002,31/02/2024,Y,N,\nB-2,X,2024-04-02,Y,N,\n"
    )
    files["incidents/W15000002/2024-04/cut.csv"] = _incidents("C", "W15000002", "2024-04", 3)[:-9]
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _state(con) -> dict[str, list[tuple]]:
    return {
        "ledger": con.execute(
            "select load_id, file_path, status, rows_read, rows_loaded, rows_rejected, message, superseded_by "
            "from raw.load_ledger order by load_id"
        ).fetchall(),
        "rows": con.execute("select * exclude (load_id) from raw.incidents order by all").fetchall(),
        "rejects": con.execute("select * from raw.rejected_rows order by all").fetchall(),
    }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The same landing zone loaded by the pool of workers and in the loading process alone."""
    landing = _landing(tmp_path_factory.mktemp("landing"))
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workers_module, "MIN_BYTES_PER_WORKER", 1)  # a pool for these few small files
        for workers in ("2", "0"):
            mp.setenv(WORKERS_ENV, workers)
            con = duckdb.connect(str(tmp_path_factory.mktemp(f"w{workers}") / "warehouse.duckdb"))
            ensure_raw_schema(con)
            seen = []
            report = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW, progress=seen.append)
            out[workers] = {"report": report, "progress": seen, "state": _state(con)}
            con.close()
    return out


def test_workers_load_exactly_what_one_process_loads(loaded):
    pooled, alone = loaded["2"]["state"], loaded["0"]["state"]
    assert pooled == alone
    statuses = {status for _, _, status, *_ in pooled["ledger"]}
    assert statuses == {"loaded", "superseded", "duplicate", "rejected_file"}, "the deliveries meet each other"
    assert [f.path for f in loaded["2"]["report"].files] == [f.path for f in loaded["0"]["report"].files]


def test_progress_is_told_after_every_file(loaded):
    progress, report = loaded["2"]["progress"], loaded["2"]["report"]
    assert [p.files_done for p in progress] == list(range(1, 23))
    last = progress[-1]
    assert (last.files_total, last.bytes_done, last.new_files, last.rows_read) == (
        22,
        last.bytes_total,
        len(report.files),
        report.rows_read,
    )
    assert "22 of 22 files (22 new" in last.describe()


def test_little_to_read_is_prepared_in_the_loading_process(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "2")
    per_worker = workers_module.MIN_BYTES_PER_WORKER
    assert worker_count(2 * per_worker - 1, 100) == 0 and worker_count(2 * per_worker, 100) == 2
    assert worker_count(100 * per_worker, 1) == 0, "one batch: nothing to share"
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert worker_count(100 * per_worker, 100) == 0
    monkeypatch.setenv(WORKERS_ENV, "two")
    with pytest.raises(ValueError, match="MHW_INGEST_WORKERS is 'two': a whole number of worker processes"):
        worker_count(100 * per_worker, 100)
