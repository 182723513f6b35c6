"""Force layouts are contract data: Windows-1252 text, Excel serial dates, local codes and name + date of birth."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from ingestion.gate.contract import load_contract
from ingestion.gate.load import ingest_source

from .helpers import KEY, KEY_ID, ledger, rejects

WEST_MIDLANDS, MET, GMP = "E23000014", "E23000001", "E23000005"  # cp1252 / canonical / xlsx layouts of incidents
CP1252_HEADER = (
    "Log Number,Force Code,Log Created,Log Closed,Mental Health at Opening,Mental Health at Closing,Subject Name,"
    "Subject Date of Birth,Subject Sex\n"
)


def _write(landing, source, force, period, name, content: bytes):
    path = landing / source / force / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_every_contract_has_six_force_layouts_between_them_and_each_force_one_layout_per_source():
    layouts = {
        (source, lay.name)
        for source in ("incidents", "custody", "street_triage", "incident_totals")
        for lay in load_contract(source).layouts[1:]
    }
    assert len({name for source, name in layouts if source == "incidents"}) >= 6
    for source in ("incidents", "custody", "street_triage", "incident_totals"):
        contract = load_contract(source)
        owners = [force for lay in contract.layouts for force in lay.forces]
        assert len(owners) == len(set(owners)), f"{source}: a force is listed under two layouts"


def test_windows_1252_file_with_names_and_dates_of_birth(con, landing):
    rows = (
        "WM-1,E23000014,01/05/2024 13:45:00,01/05/2024 15:00:00,TRUE,FALSE,Siân O'Neil,03/02/1990,Female\n"
        "WM-2,E23000014,02/05/2024 09:05:10,,FALSE,TRUE,SIAN ONEIL,1990-02-03,Not specified\n"
        "WM-3,E23000014,03/05/2024 22:10:00,03/05/2024 21:00:00,TRUE,TRUE,Zoë Brown,not known,Male\n"
    )
    _write(landing, "incidents", WEST_MIDLANDS, "2024-05", "log.csv", (CP1252_HEADER + rows).encode("cp1252"))
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID)
    (result,) = report.files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 2, 1)
    assert ledger(con)[0][1] == "loaded"
    loaded = con.execute(
        "select incident_id, created_at, mh_flag_opening, person_sex, person_match_method, person_token "
        "from raw.incidents order by incident_id"
    ).fetchall()
    assert [r[:5] for r in loaded] == [
        ("WM-1", datetime(2024, 5, 1, 13, 45), True, "F", "deterministic_name_dob"),
        ("WM-2", datetime(2024, 5, 2, 9, 5, 10), False, "X", "deterministic_name_dob"),
    ]
    assert loaded[0][5] == loaded[1][5]  # the same person, written two ways
    reasons = {(r[0], r[1]): r[2] for r in rejects(con)}
    assert set(reasons) == {(3, "closed_at"), (3, "person_dob")}
    assert "not known" not in reasons[(3, "person_dob")] and "Zoë" not in str(reasons)
    layout = con.execute("select layout from raw.load_ledger").fetchone()[0]
    assert layout == "cad_cp1252_name_dob"


def test_windows_1252_from_a_force_without_that_layout_is_rejected_whole(con, landing):
    header = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing,person_id\n"
    body = "M-1,E23000001,2024-05-01T10:00,Y,Y,Zoë\n"
    _write(landing, "incidents", MET, "2024-05", "cad.csv", (header + body).encode("cp1252"))
    (result,) = ingest_source(con, landing, "incidents", KEY, KEY_ID).files
    assert result.status == "rejected_file" and "is not UTF-8 text" in result.message


def test_xlsx_with_excel_serial_times_and_local_codes(con, landing, tmp_path):
    frame = pl.DataFrame(
        {
            "INC_REF": ["G-1", "G-2"],
            "FORCE_CODE": [GMP, GMP],
            "CREATED": [45413.5625, 45414.0],
            "CLOSED": [45413.75, None],
            "MH_OPEN": [1, 0],
            "MH_CLOSE": [1, 1],
            "GRADE": ["G1", "G9"],
            "DISPOSAL": ["S136", "NFA"],
            "OFFICER_MINS": [95, 0],
        }
    )
    path = landing / "incidents" / GMP / "2024-05" / "cad.xlsx"
    path.parent.mkdir(parents=True)
    frame.write_excel(path)
    (result,) = ingest_source(con, landing, "incidents", KEY, KEY_ID).files
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    loaded = con.execute("select created_at, closed_at, grade, outcome, officer_minutes from raw.incidents")
    assert loaded.fetchall() == [(datetime(2024, 5, 1, 13, 30), datetime(2024, 5, 1, 18, 0), "emergency", "s136", 95)]
    ((row, field, reason),) = rejects(con)
    assert (row, field) == (2, "grade") and "'G9' is not an allowed code" in reason


def test_a_workbook_rows_number_is_its_sheet_row_with_blank_rows_between(con, landing):
    """Rejects name the row as the sheet shows it (the header is row 1, so data row n is sheet row n + 1): blank
    rows are counted, then left out, as in a CSV."""
    frame = pl.DataFrame(
        {"INC_REF": ["G-1", None, None, "G-2"], "FORCE_CODE": [GMP, None, None, GMP],
         "CREATED": [45413.5625, None, None, 45414.0], "MH_OPEN": [1, None, None, 0], "MH_CLOSE": [1, None, None, 1],
         "GRADE": ["G1", None, None, "G9"]}
    )  # fmt: skip
    path = landing / "incidents" / GMP / "2024-05" / "cad.xlsx"
    path.parent.mkdir(parents=True)
    frame.write_excel(path)
    (result,) = ingest_source(con, landing, "incidents", KEY, KEY_ID).files
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    ((row, field, _),) = rejects(con)
    assert (row, field) == (4, "grade")


def test_a_workbook_whose_first_sheet_is_empty_is_refused_saying_so(con, landing):
    import xlsxwriter

    path = landing / "incidents" / GMP / "2024-05" / "cad.xlsx"
    path.parent.mkdir(parents=True)
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("Notes")
        book.add_worksheet("Data").write_row(0, 0, ["INC_REF", "FORCE_CODE"])
    (result,) = ingest_source(con, landing, "incidents", KEY, KEY_ID).files
    assert result.status == "rejected_file" and "the workbook's first sheet is empty" in result.message


def test_a_workbook_with_rows_under_the_same_header_on_another_sheet_is_refused_naming_it(con, landing):
    """Only the first sheet is read: a month split across sheets would lose the other sheets' rows without a word,
    so such a workbook is refused whole, naming the sheets; a sheet of notes beside the data is no such sheet."""
    import xlsxwriter

    header = ["INC_REF", "FORCE_CODE", "CREATED", "MH_OPEN", "MH_CLOSE"]
    split = landing / "incidents" / GMP / "2024-05" / "split.xlsx"
    notes = landing / "incidents" / GMP / "2024-06" / "notes.xlsx"
    split.parent.mkdir(parents=True)
    notes.parent.mkdir(parents=True)
    with xlsxwriter.Workbook(split) as book:
        for sheet, refs in (("Week 1-2", ["G-1", "G-2"]), ("Week 3-4", ["G-3", "G-4", "G-5"])):
            cells = book.add_worksheet(sheet)
            cells.write_row(0, 0, header)
            for row, ref in enumerate(refs, start=1):
                cells.write_row(row, 0, [ref, GMP, 45413.5 + row, 1, 0])
    with xlsxwriter.Workbook(notes) as book:
        book.add_worksheet("Data").write_row(0, 0, header)
        book.get_worksheet_by_name("Data").write_row(1, 0, ["G-6", GMP, 45444.5, 1, 0])
        book.add_worksheet("Notes").write_row(0, 0, ["Extract run by the control room, June 2024"])
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID)
    by_name = {result.path.rsplit("/", 1)[-1]: result for result in report.files}
    refused = by_name["split.xlsx"]
    assert refused.status == "rejected_file" and (refused.rows_read, refused.rows_rejected) == (5, 5)
    assert "'Week 3-4' (3 rows)" in refused.message and "only the first sheet is read" in refused.message
    assert (by_name["notes.xlsx"].status, by_name["notes.xlsx"].rows_loaded) == ("loaded", 1)


@pytest.mark.parametrize(
    ("force", "content", "message"),
    [
        (MET, b"", "the file is empty"),
        (MET, b"incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing\nM-1,E23", "the file is cut off"),
        (MET, b"incident_id,created_at\nM-1,2024-05-01T10:00\n", "required column(s) missing"),
    ],
    ids=["empty", "truncated", "wrong_header"],
)
def test_bad_files_rejected_whole_while_the_good_file_loads(con, landing, force, content, message):
    good = (
        "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing\n"
        f"M-1,{force},2024-05-01T10:00,Y,N\nM-2,{force},2024-05-02T11:00,N,Y\n"
    )
    _write(landing, "incidents", force, "2024-05", "cad.csv", good.encode())
    _write(landing, "incidents", force, "2024-05", "cad_resend.csv", content)
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID)
    by_path = {r.path.rsplit("/", 1)[1]: r for r in report.files}
    assert by_path["cad.csv"].rows_loaded == 2
    assert by_path["cad_resend.csv"].status == "rejected_file" and message in by_path["cad_resend.csv"].message
    assert con.execute("select count(*) from raw.incidents").fetchone()[0] == 2


def test_canonical_file_from_a_force_with_its_own_layout_is_read_as_canonical(con, landing):
    # GMP's custody layout aliases AGE/SEX, which equal canonical names: that must not make it win over canonical
    body = "custody_id,force_code,arrived_at,age,sex,mh_risk_identified\nC-1,E23000005,2024-05-01T10:00,30,M,Y\n"
    _write(landing, "custody", GMP, "2024-05", "custody.csv", body.encode())
    (result,) = ingest_source(con, landing, "custody", KEY, KEY_ID).files
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert con.execute("select layout from raw.load_ledger").fetchone()[0] == "canonical"


def test_incident_totals_load_without_person_columns(con, landing):
    _write(
        landing,
        "incident_totals",
        MET,
        "2024-05",
        "t.csv",
        b"force_code,month,all_incidents\nE23000001,2024-05-01,91234\n",
    )
    (result,) = ingest_source(con, landing, "incident_totals", KEY, KEY_ID).files
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert con.execute("select month, all_incidents from raw.incident_totals").fetchall() == [
        (datetime(2024, 5, 1), 91234)
    ]


def test_a_windows_1252_layouts_file_in_utf_8_with_one_stray_byte_keeps_its_utf_8_names(con, landing):
    """A force whose layout names Windows-1252 sends UTF-8 (its system moved on) with one Windows-1252 byte. Read
    as Windows-1252 whole, 'Zoë' became 'ZoÃ«' and the person's token changed without a word. Each line is read as
    what it is; the line that holds both is refused, saying why."""
    rows = [
        "WM-1,E23000014,01/05/2024 13:45:00,,TRUE,FALSE,Zoë Brown,03/02/1990,Female\n".encode(),
        "WM-2,E23000014,02/05/2024 09:05:10,,FALSE,TRUE,Sian O'Neil,1990-02-03,Female\n".encode("cp1252"),
        b"WM-3,E23000014,02/05/2024 10:00:00,,TRUE,TRUE," + "Zoë ".encode() + "Siân".encode("cp1252") + b",,Male\n",
        "WM-4,E23000014,03/05/2024 11:00:00,,TRUE,TRUE,Zoë Brown,03/02/1990,Female\n".encode("cp1252"),
    ]
    _write(landing, "incidents", WEST_MIDLANDS, "2024-05", "log.csv", CP1252_HEADER.encode() + b"".join(rows))
    (result,) = ingest_source(con, landing, "incidents", KEY, KEY_ID).files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 4, 3, 1)
    tokens = dict(con.execute("select incident_id, person_token from raw.incidents").fetchall())
    assert tokens["WM-1"] == tokens["WM-4"], "Zoë in UTF-8 and in Windows-1252 is the same person"
    ((row, _, reason),) = rejects(con)
    assert row == 3 and "mixes two text encodings" in reason and "'ë'" in reason and "line 4" in reason
