"""Files prepared in a batch (load.prepare_files, validate.validate_files) get exactly what each gets alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ingestion.gate.load as load_module
from demo.force_extracts import SOURCES, generate_national
from ingestion.gate.contract import load_contract
from ingestion.gate.landing import source_files
from ingestion.gate.load import Prepared, prepare_file, prepare_files, take_delivery

from .helpers import KEY, KEY_ID

NOW = datetime(2026, 1, 1)
FORCES = ("E23000001", "E23000005", "E23000014", "W15000002", "E23000016")  # canonical, xlsx, cp1252, Welsh, ...
HEADER = "incident_id,force_code,created_at,closed_at,mh_flag_opening,mh_flag_closing,person_id,person_sex\n"


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Two months of five forces' extracts with dirty rows and bad files, and a few awkward files of our own."""
    root = tmp_path_factory.mktemp("batches") / "landing"
    generate_national(
        root, seed=5, years=("2023-24",), months="2023-10:2023-11", dirt=0.03, bad_files=40, forces=FORCES,
        progress=False, now=NOW,
    )  # fmt: skip
    folder = root / "incidents" / "E23000001" / "2023-10"
    rows = [
        "A-1,E23000001,2023-10-02T10:00,,Y,N,,F",
        "A-1,E23000001,2023-10-03T10:00,,Y,N,,F",  # repeated within this file
        "A-2,E23000016,2023-10-04T10:00,,Y,N,,M",  # another force's code
        "A-3,E23000001,2023-11-04T10:00,,Y,N,9434765919,M",  # outside the file's month
        "A-4,E23000001,2023-10-05T10:00,,Y",  # ragged
    ]
    (folder / "ours_a.csv").write_text(HEADER + "\n".join(rows) + "\n")
    (folder / "ours_b.csv").write_text(HEADER + "\n".join(rows[:2]) + "\n")  # the same ids as ours_a: per file
    (folder / "ours_empty.csv").write_text("")
    (folder / "ours_header_only.csv").write_text(HEADER)
    return root


def _same(batch: Prepared, alone: Prepared) -> None:
    assert (batch.path, batch.source, batch.force_code, batch.period) == (
        alone.path, alone.source, alone.force_code, alone.period,
    )  # fmt: skip
    assert (batch.layout, batch.rows_read, batch.keys) == (alone.layout, alone.rows_read, alone.keys), alone.path
    assert (batch.rejection and str(batch.rejection)) == (alone.rejection and str(alone.rejection)), alone.path
    for mine, theirs in ((batch.rows, alone.rows), (batch.rejects, alone.rejects)):
        assert (mine is None) == (theirs is None), alone.path
        if theirs is not None:
            assert_frame_equal(mine, theirs, check_dtypes=theirs.height > 0)


@pytest.mark.parametrize("source", SOURCES)
def test_a_batch_of_files_prepares_each_file_as_it_would_alone(landing, source):
    contract = load_contract(source)
    delivered = [take_delivery(landing, lf) for lf in source_files(landing, source)]
    alone = [prepare_file(d, contract, key=KEY, key_id=KEY_ID, now=NOW) for d in delivered]
    batch = prepare_files(delivered, contract, key=KEY, key_id=KEY_ID, now=NOW)
    assert len(batch) == len(alone) >= 4
    for mine, theirs in zip(batch, alone, strict=True):
        _same(mine, theirs)
    # the batch met what this test is for: rejected rows (a month's one total row is seldom dirty) and layouts
    assert source == "incident_totals" or sum(p.rejects.height for p in alone if p.rejects is not None) > 0
    assert len({p.layout for p in alone if p.layout}) > 1
    if source == "incidents":
        ours = {p.path.rsplit("/", 1)[-1]: p for p in batch if "/ours_" in p.path}
        assert {"ours_empty.csv"} == {name for name, p in ours.items() if p.rejection}
        reasons = ours["ours_a.csv"].rejects.get_column("reason").to_list()
        assert any("is repeated in this file; first seen at row 1" in r for r in reasons)
        assert any("does not match the force folder E23000001" in r for r in reasons)
        assert any("is outside the file's period 2023-10 (2023-10-01 to 2023-11-01 exclusive)" in r for r in reasons)
        assert ours["ours_b.csv"].rejects.height == 1, "ids repeat within a file, not across a batch"
        assert ours["ours_header_only.csv"].rows.height == 0


def test_files_in_no_period_folder_are_checked_beside_files_with_one(tmp_path):
    """A file whose folder is no period is never out of period; its batch neighbours still are."""
    contract = load_contract("incidents")
    rows = HEADER + "A-9,E23000001,2023-11-04T10:00,,Y,N,,F\n"
    for period in ("2023-10", "2023-1"):
        folder = tmp_path / "incidents" / "E23000001" / period
        folder.mkdir(parents=True)
        (folder / "x.csv").write_text(rows)
    delivered = [take_delivery(tmp_path, lf) for lf in source_files(tmp_path, "incidents")]
    batch = prepare_files(delivered, contract, key=KEY, key_id=KEY_ID, now=NOW)
    for mine, one in zip(batch, delivered, strict=True):
        _same(mine, prepare_file(one, contract, key=KEY, key_id=KEY_ID, now=NOW))
    by_period = {p.delivered.lf.period: p for p in batch}
    assert by_period["2023-10"].rejects.height == 1
    assert by_period["2023-1"].rejection or by_period["2023-1"].rejects.height == 0
    assert isinstance(by_period["2023-10"].rows, pl.DataFrame)


def test_batches_hold_a_few_files_and_bytes_and_a_big_file_alone(monkeypatch):
    monkeypatch.setattr(load_module, "BATCH_FILES", 3)
    monkeypatch.setattr(load_module, "BATCH_BYTES", 100)
    sizes = [10, 10, 10, 10, 150, 90, 20, 5]
    batches = load_module._batches(list(range(len(sizes))), sizes)
    assert batches == [[0, 1, 2], [3], [4], [5], [6, 7]]
    assert [n for batch in batches for n in batch] == list(range(len(sizes))), "in listing order, each once"
