"""The ledger and the transactional loader: idempotence, re-deliveries, whole-file rejections, no raw ids stored."""

from __future__ import annotations

import os

import pytest

import ingestion.gate.load as load_module
import ingestion.gate.writer as writer_module
from ingestion.gate.landing import overlapping_periods
from ingestion.gate.load import FileResult, IngestReport, ingest_source

from .helpers import FIXTURES, KEY, KEY_ID, ledger, place, rejects

GOOD = "s136/E23000001/2023-24/s136_good.csv"


def _ingest(con, landing):
    return ingest_source(con, landing, "s136", KEY, KEY_ID)


def _active_rows(con) -> int:
    return con.execute(
        "select count(*) from raw.s136 join raw.load_ledger l using (load_id) where l.status = 'loaded'"
    ).fetchone()[0]


def test_load_id_file_path_and_key_id_recorded(con, landing):
    place(landing, "s136_good.csv")
    report = _ingest(con, landing)
    sha_prefix = report.files[0].load_id.rsplit("/", 1)[1]
    assert report.files[0].load_id == f"s136/E23000001/2023-24/{sha_prefix}" and len(sha_prefix) == 16
    row = con.execute("select file_path, force_code, period, layout, key_id, status from raw.load_ledger").fetchone()
    assert row == (GOOD, "E23000001", "2023-24", "canonical", KEY_ID, "loaded")
    assert con.execute("select distinct person_key_id from raw.s136 where person_token is not null").fetchall() == [
        (KEY_ID,)
    ]


def test_second_run_with_nothing_new_loads_nothing(con, landing):
    place(landing, "s136_good.csv")
    first = _ingest(con, landing)
    assert first.rows_loaded == 5
    again = _ingest(con, landing)
    assert again.files == [] and again.rows_loaded == 0
    assert len(ledger(con)) == 1
    assert con.execute("select count(*) from raw.s136").fetchone()[0] == 5


def test_an_unchanged_file_is_not_read_again_and_a_changed_one_always_is(con, landing, monkeypatch):
    """A file whose signature (size, times, inode) is as when its answered bytes were read is skipped unread; a
    touched file is read (same bytes: nothing loaded, its new signature kept); new bytes under the same size and
    modification time (as `cp -p` or `rsync -t` leave them) are still read, through the change time."""
    path = place(landing, "s136_good.csv")
    _ingest(con, landing)
    seen = "select file_path, sha256 from raw.landing_file_seen"
    assert con.execute(seen).fetchall() == con.execute("select file_path, sha256 from raw.load_ledger").fetchall()
    reads, read = [], load_module.take_delivery
    monkeypatch.setattr(load_module, "take_delivery", lambda where, lf: reads.append(lf.rel_path) or read(where, lf))

    assert _ingest(con, landing).files == [] and reads == []
    os.utime(path)  # touched
    assert _ingest(con, landing).files == [] and reads == [GOOD]
    assert _ingest(con, landing).files == [] and reads == [GOOD], "the touched file's signature was kept"

    before = path.stat()
    path.write_text(path.read_text().replace("public_place,34,M", "public_place,35,M"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    (changed,) = _ingest(con, landing).files
    assert (changed.status, reads) == ("loaded", [GOOD, GOOD])
    assert [r[1] for r in ledger(con)] == ["superseded", "loaded"]


def test_corrected_redelivery_supersedes(con, landing):
    path = place(landing, "s136_good.csv")
    _ingest(con, landing)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:4]) + "\n")  # corrected: three rows, same force and period
    report = _ingest(con, landing)
    (new,) = report.files
    assert (new.status, new.rows_loaded) == ("loaded", 3)
    assert f"replaces {GOOD} (a corrected version of the same file" in new.message
    rows = ledger(con)
    assert [r[1] for r in rows] == ["superseded", "loaded"]
    assert rows[0][5] == rows[1][6]  # superseded_by = the new load_id
    assert _active_rows(con) == 3  # not 5 + 3
    assert con.execute("select count(*) from raw.s136").fetchone()[0] == 8  # old rows kept (append-only)
    assert rejects(con) == []  # the ids of the superseded load do not clash


def test_redelivery_under_new_name_supersedes(con, landing):
    place(landing, "s136_good.csv")
    _ingest(con, landing)
    corrected = place(landing, "s136_good.csv", name="s136_good_v2.csv")
    corrected.write_text(corrected.read_text().replace(",34,M,", ",35,M,"))
    report = _ingest(con, landing)
    assert report.files[0].rows_loaded == 5
    assert _active_rows(con) == 5
    assert con.execute(
        "select age from raw.s136 join raw.load_ledger l using (load_id) "
        "where l.status = 'loaded' and detention_id = 'D-001'"
    ).fetchone() == (35,)


def test_identical_file_under_another_name_is_a_duplicate(con, landing):
    place(landing, "s136_good.csv")
    _ingest(con, landing)
    place(landing, "s136_good.csv", name="copy_of_return.csv")
    report = _ingest(con, landing)
    (dup,) = report.files
    assert (dup.status, dup.rows_read, dup.rows_loaded) == ("duplicate", 0, 0)
    assert GOOD in dup.message
    assert [r[1] for r in ledger(con)] == ["loaded", "duplicate"]
    assert len({r[6] for r in ledger(con)}) == 2  # distinct load ids
    assert _active_rows(con) == 5
    assert _ingest(con, landing).files == []


@pytest.mark.parametrize(
    ("content", "rows_read", "reason"),
    [
        (b"", 0, "the file is empty"),
        (b"\n \n", 0, "the file is empty"),
        ((FIXTURES / "s136_missing_column.csv").read_bytes(), 2, "required column(s) missing: power, sex"),
        (
            "detention_id,force_code,power,detained_at,age,sex\nA,E23000001,s136,2023-05-01T10:00,30,Ma\xefle\n".encode(
                "latin-1"
            ),
            1,
            "the file is not UTF-8 text",
        ),
        (
            b"X-1,E23000001,s136,2023-05-01T10:00,30,M\nX-2,E23000001,s136,2023-05-01T11:00,30,F\n",
            2,
            "no header row recognised",
        ),
        (
            b"detention_id,force_code,power,detained_at,age,sex\nA,E23000001,s136,2023-05-01T10:00,30,M\nB,E2300",
            2,
            "the file is cut off: its last row (data row 2) has 2 of 6 fields and no line ending",
        ),
        (
            "detention_id,force_code,power,detained_at,age,sex\nA,E23000001,s136,2023-05-01T10:00,30,M\n".encode(
                "utf-16"
            ),
            1,
            "contains NUL bytes (UTF-16 or a binary file?)",
        ),
    ],
    ids=["empty", "blank", "missing_column", "not_utf8", "no_header", "truncated", "utf16"],
)
def test_whole_file_rejections(con, landing, content, rows_read, reason):
    path = landing / "s136" / "E23000001" / "2023-24" / "bad.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    (result,) = _ingest(con, landing).files
    assert result.status == "rejected_file"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (rows_read, 0, rows_read)
    assert reason in result.message
    (row,) = rejects(con)
    assert row[0] is None and row[1] is None and reason in row[2]
    assert ledger(con)[0][1:5] == ("rejected_file", rows_read, 0, rows_read)
    assert con.execute("select count(*) from raw.s136").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("s136/E23000001/return.csv", "expected <source>/<force_code>/<period>/<file>"),
        ("s136/E99999999/2023-24/return.csv", "'E99999999' is not a known force code"),
        ("s136/E23000001/2023-25/return.csv", "'2023-25' is not a period"),
        ("s136/E23000001/2023-24/return.xlsx", "could not be read as an Excel workbook"),
    ],
)
def test_bad_path_or_unreadable_file_rejected(con, landing, relative, reason):
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((FIXTURES / "s136_good.csv").read_bytes())
    (result,) = _ingest(con, landing).files
    assert result.status == "rejected_file" and reason in result.message
    assert rejects(con)[0][2] == result.message


@pytest.mark.parametrize("commit_seconds", [0, 3600])
def test_crash_mid_file_rolls_back(con, landing, monkeypatch, commit_seconds):
    """Files commit together every COMMIT_SECONDS (0: one by one); a failure rolls back what is not committed yet,
    never part of a file, and the next run loads what was rolled back."""
    place(landing, "s136_good.csv")
    place(landing, "s136_legacy.csv", force="E23000005")
    monkeypatch.setattr(writer_module, "COMMIT_SECONDS", commit_seconds)

    def boom(con_, table, df):
        original(con_, table, df)
        if table == "raw.s136" and (df["force_code"] == "E23000005").any():  # after the rows went in, before commit
            raise RuntimeError("disk full")

    original = writer_module.insert_frame
    monkeypatch.setattr(writer_module, "insert_frame", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _ingest(con, landing)
    committed = [GOOD] if commit_seconds == 0 else []  # the first file alone, or with the second
    assert [r[0] for r in ledger(con)] == committed
    assert con.execute("select count(*) from raw.s136").fetchone()[0] == 5 * len(committed)
    monkeypatch.setattr(writer_module, "insert_frame", original)
    report = _ingest(con, landing)
    assert [f.path for f in report.files] == [
        *([] if committed else [GOOD]),
        "s136/E23000005/2023-24/s136_legacy.csv",
    ]


def test_no_raw_person_id_anywhere_in_the_warehouse(con, landing):
    place(landing, "s136_good.csv")
    place(landing, "s136_mixed.csv", period="2023-05")  # rejects mention person_id
    place(landing, "s136_legacy.csv", force="E23000005")
    _ingest(con, landing)
    raw_ids = [
        "9434765919",
        "943 476 5919",
        "9434765918",
        "2004/123A",
        "2004/0000123A",
        "LOCAL-77",
        "4000079190",
        "2010/45B",
        "2010/0000045B",
    ]
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
    ).fetchall()
    assert columns
    for schema, table, column in columns:
        values = {v for (v,) in con.execute(f'select distinct "{column}" from {schema}.{table}').fetchall() if v}
        for raw in raw_ids:
            assert not any(raw.upper() in v.upper() for v in values), (schema, table, column, raw)
    assert "person_id" not in {c for _, _, c in columns}


def test_header_only_file_is_a_nil_return(con, landing):
    path = landing / "s136" / "E23000001" / "2023-04" / "april.csv"
    path.parent.mkdir(parents=True)
    path.write_text((FIXTURES / "s136_good.csv").read_text().splitlines()[0] + "\n")
    (result,) = _ingest(con, landing).files
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)
    assert "nil return" in result.message


def test_ragged_rows_are_refused_row_by_row(con, landing):
    path = landing / "s136" / "E23000001" / "2023-24" / "ragged.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"detention_id,force_code,power,detained_at,age,sex\n"
        b"A,E23000001,s136,2023-05-01T10:00,30,M,extra\n"
        b"B,E23000001,s136,2023-05-02T10:00,30,F\n"
        b"C,E23000001\n"
        b"D,E23000001,s136,2023-05-03T10:00,41,M\n"
    )
    (result,) = _ingest(con, landing).files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 4, 2, 2)
    found = [r for r in rejects(con) if r[1] == "row"]
    assert found == [
        (1, "row", "the row has 7 fields but the header has 6: check its quoting and separators"),
        (3, "row", "the row has 2 fields but the header has 6: check its quoting and separators"),
    ]
    assert sorted(r[0] for r in con.execute("select detention_id from raw.s136").fetchall()) == ["B", "D"]


def test_the_warnings_name_the_files_to_look_at_and_count_the_rest():
    def loaded(n: int, refused: int) -> FileResult:
        return FileResult(f"s136/E23000001/2023-24/{n}.csv", "loaded", 10, 10 - refused, refused, f"{n}: rows")

    report = IngestReport("s136")
    report.files += [loaded(n, refused=n % 3) for n in range(9)]  # 6 with refused rows (1 + 2 rows each, by turns)
    report.files.append(FileResult("s136/E23000001/2023-24/bad.csv", "rejected_file", 4, 0, 4, "no header"))
    report.files.append(FileResult("s136/E23000001/2023-24/copy.csv", "duplicate", 0, 0, 0, "identical to 1.csv"))
    assert report.warnings(named=4) == [
        "s136/E23000001/2023-24/bad.csv: rejected_file; no header",
        "s136/E23000001/2023-24/copy.csv: duplicate; identical to 1.csv",
        *(f"s136/E23000001/2023-24/{n}.csv: loaded; {n}: rows" for n in (1, 2, 4, 5)),
        "s136: 2 more files loaded with rows refused (6 in all, 3 rows refused): `mhw rejects --file s136/` lists "
        "each file and row",
    ]
    assert IngestReport("s136", [loaded(0, refused=0)]).warnings() == [], "a clean file is not a warning"


@pytest.mark.parametrize(
    ("period", "overlapping"),
    [
        ("2023-05", {"2023-24"}),
        ("2024-03", {"2023-24"}),
        ("2024-04", {"2024-25"}),
        ("2023-24", {f"2023-{m:02d}" for m in range(4, 13)} | {f"2024-{m:02d}" for m in range(1, 4)}),
        ("2023-13", set()),
        (None, set()),
    ],
)
def test_the_periods_of_the_other_kind_that_share_months(period, overlapping):
    assert overlapping_periods(period) == overlapping
