"""Row-level validation through the loader: every reason names its file, row and field in plain English."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from ingestion.gate.load import ingest_source

from .helpers import KEY, KEY_ID, ledger, place, rejects

MIXED = "s136/E23000001/2023-24/s136_mixed.csv"


def _ingest(con, landing, **kw):
    return ingest_source(con, landing, "s136", KEY, KEY_ID, **kw)


def test_each_reason_names_row_field_and_expectation(con, landing):
    place(landing, "s136_mixed.csv")
    report = _ingest(con, landing)
    found = rejects(con, MIXED)
    assert (
        2,
        "detained_at",
        "detained_at: '31/02/2024' is not a date-time; expected ISO 8601 like 2024-05-01T13:45",
    ) in found
    assert (3, "power", "power: 's999' is not an allowed code; expected one of s136, s135(1), s135(2)") in found
    assert (3, "age", "age: 150 is outside the allowed range 0 to 110") in found
    assert (
        3,
        "detention_ended_at",
        "detention_ended_at: 2023-05-02 12:00 is before arrived_first_pos_at 2023-05-02 14:30; it cannot be earlier",
    ) in found
    assert (4, "sex", "sex: is missing; a value is required") in found
    expected = "expected Y/N or YES/NO or TRUE/FALSE or 1/0 or T/F (any case)"  # the canonical layout's spellings
    assert (4, "arrested_for_offence", f"arrested_for_offence: 'maybe' is not a yes/no value; {expected}") in found
    assert (5, "person_id", "person_id: looks like an NHS number but fails the Modulus 11 check") in found
    assert (
        5,
        "force_code",
        "force_code: 'E23000002' does not match the force folder E23000001 the file was delivered in",
    ) in found
    assert (
        5,
        "detained_at",
        "detained_at: 2022-05-03 13:45 is outside the file's period 2023-24 (2023-04-01 to 2024-04-01 exclusive)",
    ) in found
    assert (6, "detention_id", "detention_id: 'M-001' is repeated in this file; first seen at row 1") in found
    assert len(found) == 10
    # the file is named on every reject, and no reason echoes the person identifier
    assert con.execute("select distinct file_path from raw.rejected_rows").fetchall() == [(MIXED,)]
    assert not [r for r in found if "5918" in r[2]]
    (result,) = report.files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 7, 2, 5)


def test_good_rows_kept_when_bad_rows_exist(con, landing):
    place(landing, "s136_mixed.csv")
    _ingest(con, landing)
    rows = con.execute("select row_number, detention_id, age, detained_at from raw.s136 order by 1").fetchall()
    assert rows == [(1, "M-001", 34, datetime(2023, 5, 1, 13, 45)), (7, "M-006", 61, datetime(2023, 7, 1, 8, 0))]


def test_reconciliation_rows_read_equals_loaded_plus_rejected(con, landing):
    place(landing, "s136_mixed.csv")
    place(landing, "s136_good.csv", force="E23000002")  # every row names another force
    place(landing, "s136_legacy.csv", force="E23000005")
    _ingest(con, landing)
    for path, _status, read, loaded, rejected, _sup, load_id in ledger(con):
        assert read == loaded + rejected, path
        active = con.execute("select count(*) from raw.s136 where load_id = ?", [load_id]).fetchone()[0]
        bad_rows = con.execute(
            "select count(distinct row_number) from raw.rejected_rows where load_id = ?", [load_id]
        ).fetchone()[0]
        assert (active, bad_rows) == (loaded, rejected), path


def test_future_detention_rejected(con, landing):
    place(landing, "s136_good.csv")
    _ingest(con, landing, now=datetime(2023, 6, 1))
    future = [r for r in rejects(con) if r[1] == "detained_at"]
    assert [r[0] for r in future] == [2, 3, 4, 5]
    assert future[0][2] == "detained_at: 2023-06-12 02:10 is in the future"


def test_an_end_in_the_future_is_refused_as_a_start_would_be(con, landing):
    """A detention that had not ended when its file was loaded cannot have an end time: its row is refused and says
    why, as a detention that had not begun is (before, a future end passed and lengthened the published durations)."""
    place(landing, "s136_good.csv")
    _ingest(con, landing, now=datetime(2023, 5, 1, 20, 0))
    assert [r for r in rejects(con) if r[0] == 1] == [
        (1, "detention_ended_at", "detention_ended_at: 2023-05-01 21:10 is in the future")
    ]


def test_detention_id_active_from_another_load_rejected(con, landing):
    place(landing, "s136_good.csv")
    _ingest(con, landing)
    monthly = landing / "s136" / "E23000001" / "2023-05" / "may.csv"
    monthly.parent.mkdir(parents=True)
    lines = (landing / "s136/E23000001/2023-24/s136_good.csv").read_text().splitlines()
    monthly.write_text("\n".join([lines[0], lines[1]]) + "\n")
    report = _ingest(con, landing)
    assert report.files[0].rows_rejected == 1
    assert rejects(con, "s136/E23000001/2023-05/may.csv") == [
        (
            1,
            "detention_id",
            "detention_id: 'D-001' is already loaded for this force from s136/E23000001/2023-24/s136_good.csv",
        )
    ]


def test_legacy_layout_values_mapped(con, landing):
    place(landing, "s136_legacy.csv", force="E23000005")
    report = _ingest(con, landing)
    assert report.rows_rejected == 0
    df = con.execute("select * from raw.s136 order by row_number").pl()
    assert df["sex"].to_list() == ["M", "F", "U"]
    assert df["power"].to_list() == ["s136", "s136", "s135(1)"]
    assert df["first_place_of_safety"].to_list() == ["hbpos", "ae", "hbpos"]
    assert df["arrested_for_offence"].to_list() == [False, True, False]
    assert df["detained_at"].to_list()[:2] == [datetime(2023, 5, 1, 13, 45), datetime(2023, 5, 2, 9, 5)]
    assert con.execute("select layout from raw.load_ledger").fetchone()[0] == "legacy_dmy"


def test_legacy_bad_date_reason_uses_layout_format(con, landing):
    path = place(landing, "s136_legacy.csv", force="E23000005")
    path.write_text(path.read_text().replace("01/05/2023 13:45", "31/02/2023 13:45"))
    _ingest(con, landing)
    assert (
        rejects(con)[0][2]
        == "detained_at: '31/02/2023 13:45' is not a date-time; expected dd/mm/yyyy hh:mm like 01/05/2024 13:45"
    )


def test_bom_and_xlsx_read(con, landing):
    place(landing, "s136_bom.csv")
    frame = pl.read_csv(landing / "s136/E23000001/2023-24/s136_bom.csv", infer_schema=False)
    xlsx = landing / "s136" / "E23000002" / "2023-24" / "return.xlsx"
    xlsx.parent.mkdir(parents=True)
    frame.with_columns(pl.lit("E23000002").alias("force_code"), pl.col("age").cast(pl.Int32)).write_excel(xlsx)
    report = _ingest(con, landing)
    assert [(f.status, f.rows_loaded, f.rows_rejected) for f in report.files] == [("loaded", 2, 0), ("loaded", 2, 0)]
