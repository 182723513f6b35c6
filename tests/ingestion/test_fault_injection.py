"""Fault injection at the gate: awkward and hostile files and deliveries dropped into a landing zone.

Each case drops its files beside a good delivery of another force, runs the gate over the whole landing zone (every
source and the files outside them, as a refresh does) and checks what the force sees (the ledger entry: status
and message), what the operator sees (`raw.rejected_rows`, as `mhw rejects` lists it) and, for every case, the
invariants: every file answered, rows read = loaded + rejected file by file, the ledger's loaded rows are the rows
in raw, and the other force's delivery untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import duckdb
import pytest

import ingestion.gate.contract as contract_module
import ingestion.gate.load as load_module
import ingestion.gate.read as read_module
from ingestion.gate.contract import load_contract
from ingestion.gate.landing import UNKNOWN_SOURCE, scan_landing
from ingestion.gate.ledger import withdraw
from ingestion.gate.load import held_by_files_out_of_force, ingest_source, ingest_strays
from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES

from .helpers import FIXTURES, KEY, KEY_ID

SOURCES = {*LANDING_SOURCES, *MONTHLY_SOURCES}
NOW = datetime(2024, 7, 1, 12, 0)
FORCE, OTHER, MONTH = "E23000001", "E23000036", "2024-05"
HEADER = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing"
BASELINE = f"incidents/{OTHER}/{MONTH}/other_force.csv"


def rows(ids, force: str = FORCE, month: str = MONTH, flag: str = "Y") -> str:
    """Canonical incident rows (one per id), created on the id's day of the month."""
    return "".join(f"{i},{force},{month}-{n % 28 + 1:02d}T10:00,{flag},N\n" for n, i in enumerate(ids))


def incidents(ids, **kw) -> bytes:
    return (HEADER + "\n" + rows(ids, **kw)).encode()


def at(name: str, force: str = FORCE, month: str = MONTH, source: str = "incidents") -> str:
    return f"{source}/{force}/{month}/{name}"


def run_gate(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """What one refresh does at the gate: every landing source, then the files outside them."""
    for source in sorted(SOURCES):
        ingest_source(con, landing, source, KEY, KEY_ID, now=NOW)
    ingest_strays(con, landing, SOURCES)


def drop(landing: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@dataclass
class Seen:
    """What a case shows: the latest ledger entry of each path, and the rejects."""

    con: duckdb.DuckDBPyConnection

    def entry(self, path: str) -> dict:
        cur = self.con.execute(
            "select status, rows_read, rows_loaded, rows_rejected, message, force_code, period, source, superseded_by, "
            "load_id from raw.load_ledger where file_path = ? order by loaded_at desc limit 1",
            [path],
        )
        found = cur.fetchone()
        assert found, f"no ledger entry for {path}"
        return dict(zip([d[0] for d in cur.description], found, strict=True))

    def status(self, path: str) -> str:
        return self.entry(path)["status"]

    def rejects(self, path: str) -> list[tuple]:
        return self.con.execute(
            "select row_number, field, reason from raw.rejected_rows where file_path = ? "
            "order by row_number nulls first, field",
            [path],
        ).fetchall()

    def active_ids(self, force: str = FORCE) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "select incident_id from raw.incidents join raw.load_ledger l using (load_id) "
                "where l.status = 'loaded' and l.force_code = ? order by 1",
                [force],
            ).fetchall()
        ]


def check_invariants(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """Nothing lost, nothing double counted, every file answered, the other force untouched."""
    unbalanced = con.execute(
        "select file_path from raw.load_ledger where rows_read <> rows_loaded + rows_rejected"
    ).fetchall()
    assert unbalanced == []
    for source in SOURCES:
        mismatched = con.execute(
            f"select l.load_id, l.rows_loaded, count(s.load_id) from raw.load_ledger l "
            f"left join raw.{source} s using (load_id) where l.source = ? and l.status <> 'duplicate' "
            "group by all having l.rows_loaded <> count(s.load_id)",
            [source],
        ).fetchall()
        assert mismatched == [], source
        refused_rows = con.execute(
            "select l.load_id, l.rows_rejected, count(distinct r.row_number) from raw.load_ledger l "
            "left join raw.rejected_rows r on r.load_id = l.load_id and r.row_number is not null "
            "where l.source = ? and l.status in ('loaded', 'superseded', 'withdrawn') "
            "group by all having l.rows_rejected <> count(distinct r.row_number)",
            [source],
        ).fetchall()
        assert refused_rows == [], source
    # ids in force are unique per force: nothing double counted
    assert (
        con.execute(
            "select incident_id from raw.incidents join raw.load_ledger l using (load_id) where l.status = 'loaded' "
            "group by l.force_code, incident_id having count(*) > 1"
        ).fetchall()
        == []
    )
    answered = {r[0] for r in con.execute("select file_path from raw.load_ledger").fetchall()}
    scan = scan_landing(landing, SOURCES)
    every = [lf.rel_path for files in scan.by_source.values() for lf in files] + [lf.rel_path for lf in scan.strays]
    assert [p for p in every if p not in answered] == [], "every file has a ledger entry, or is listed as not data"
    assert Seen(con).entry(BASELINE)["status"] == "loaded"
    assert Seen(con).active_ids(OTHER) == sorted(f"O-{i}" for i in range(6))


@pytest.fixture
def gate(con, landing):
    """Drop files (a dict of path -> bytes), run the gate, check the invariants; returns what a case sees."""
    drop(landing, {BASELINE: incidents([f"O-{i}" for i in range(6)], force=OTHER)})

    def deliver(files: dict[str, bytes] | None = None) -> Seen:
        drop(landing, files or {})
        run_gate(con, landing)
        check_invariants(con, landing)
        return Seen(con)

    return deliver


def refused_whole(seen: Seen, path: str, reason: str, *, rows_read: int | None = None) -> dict:
    """The force sees a rejected_file entry with the reason; the operator sees one whole-file reject."""
    entry = seen.entry(path)
    assert entry["status"] == "rejected_file", entry
    assert reason in entry["message"], entry["message"]
    assert [(r, f) for r, f, _ in seen.rejects(path)] == [(None, None)]
    assert reason in seen.rejects(path)[0][2]
    if rows_read is not None:
        assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == (rows_read, 0, rows_read)
    assert "Traceback" not in entry["message"]
    return entry


# ---------------------------------------------------------------------------------------------------------------
# whole files refused: encoding, format, size, structure


WHOLE_FILE_CASES: dict[str, tuple[bytes, str, int]] = {
    "utf16": (incidents(["A-1", "A-2"]).decode().encode("utf-16"), "contains NUL bytes (UTF-16", 2),
    "latin1_for_a_utf8_force": (
        HEADER.encode() + b"\nA-1,E23000001,2024-05-01T10:00,Y,N\xe9\n",
        "the file is not UTF-8 text: line 2, byte 35 of the line is the first byte that is not",
        1,
    ),
    "nul_deep_inside": (incidents([f"A-{i}" for i in range(400)]) + b"\x00\n", "contains NUL bytes", 0),
    "empty": (b"", "the file is empty", 0),
    "blank_lines_only": (b"\n \r\n", "the file is empty", 0),
    "cut_off_in_transit": (incidents(["A-1", "A-2"])[:-12], "the file is cut off", 2),
    "quote_never_closed": (
        (HEADER + '\nA-1,E23000001,2024-05-01T10:00,Y,N\nA-2,"E23000001,2024-05-02T10:00,Y,N\nA-3,x,y,Y,N\n').encode(),
        "data row 2 (line 3) opens a quote that is never closed",
        2,
    ),
    "semicolon_separated": (
        incidents(["A-1"]).replace(b",", b";"),
        "the columns seem to be separated by semicolons: save the file as CSV with commas",
        2,
    ),
    "report_title_above_header": (
        b"Incidents report May 2024\n" + incidents(["A-1"]),
        "no header row recognised: the first row (of the first sheet, in a workbook) must name the columns, as "
        "layout 'canonical' does: incident_id, force_code, created_at, mh_flag_opening, mh_flag_closing",
        3,
    ),
    "required_column_missing": (
        b"incident_id,force_code,created_at\nA-1,E23000001,2024-05-01T10:00\n",
        "required column(s) missing: mh_flag_opening, mh_flag_closing",
        1,
    ),
    "column_named_twice": (
        (HEADER + ",created_at\n" + rows(["A-1"]).strip() + ",2024-05-02T10:00\n").encode(),
        "the header names the column 'created_at' twice (columns 3 and 6)",
        1,
    ),
}


@pytest.mark.parametrize("case", list(WHOLE_FILE_CASES))
def test_unreadable_file_is_refused_whole_and_alone(gate, case):
    data, reason, rows_read = WHOLE_FILE_CASES[case]
    seen = gate({at(f"{case}.csv"): data})
    refused_whole(seen, at(f"{case}.csv"), reason, rows_read=rows_read)
    assert seen.active_ids() == []


def test_two_headers_meaning_one_column_are_refused(gate):
    """cad_dmy_yn (E23000002) reads 'Incident Number' as incident_id: a file carrying both is ambiguous."""
    header = "Incident Number,Force,Created Date/Time,MH Flag (Opening),MH Flag (Closing),incident_id"
    path = at("both.csv", force="E23000002")
    seen = gate({path: f"{header}\nB-1,E23000002,01/05/2024 10:00,Y,N,B-9\n".encode()})
    refused_whole(seen, path, "the columns 'Incident Number' and 'incident_id' both mean incident_id", rows_read=1)


REFUSED_UNREAD: dict[str, tuple[str, bytes, str]] = {
    "excel_97": (at("old.xls"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "the format .xls is not read"),
    "zip": (at("may.zip"), b"PK\x03\x04" + b"\x00" * 100, "an archive (.zip) is not read: unpack it"),
    "gzip": (at("may.csv.gz"), b"\x1f\x8b" + b"\x00" * 50, "an archive (.gz) is not read"),
    "text": (at("notes.txt"), b"hello", "the format .txt is not read"),
    "no_extension": (at("README"), b"hello", "a file without an extension is not read"),
    "corrupt_xlsx": (at("broken.xlsx"), b"not a zip at all", "could not be read as an Excel workbook"),
}


@pytest.mark.parametrize("case", list(REFUSED_UNREAD))
def test_unsupported_format_is_refused_with_its_reason(gate, case):
    path, data, reason = REFUSED_UNREAD[case]
    entry = refused_whole(gate({path: data}), path, reason, rows_read=0)
    assert (entry["force_code"], entry["period"]) == (FORCE, MONTH)  # a misformatted file still counts for its cell


def test_oversized_field_refuses_its_row_only(gate):
    body = HEADER + "\n" + rows(["A-1"]) + f"A-2,{FORCE},2024-05-02T10:00,Y,N{'x' * 200_000}\n" + rows(["A-3"])
    seen = gate({at("long.csv"): body.encode()})
    entry = seen.entry(at("long.csv"))
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == ("loaded", 3, 2, 1)
    ((row, field, reason),) = seen.rejects(at("long.csv"))
    assert (row, field) == (2, "row")
    assert "the field 'mh_flag_closing' is 200,001 characters long; the limit is 2,000" in reason
    assert seen.active_ids() == ["A-1", "A-3"]


def test_oversized_file_is_refused_without_being_parsed(gate, monkeypatch):
    monkeypatch.setattr(read_module, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr("ingestion.gate.load.MAX_FILE_BYTES", 1000)
    entry = refused_whole(gate({at("huge.csv"): incidents([f"A-{i}" for i in range(60)])}), at("huge.csv"), "MB")
    assert "split it into several files in the same folder" in entry["message"]


def test_broken_quoting_refuses_that_row_only(gate):
    body = HEADER + "\n" + rows(["A-1"]) + f'A-2,{FORCE},"2024-05-02T10:00"x,Y,N\n' + rows(["A-3"])
    seen = gate({at("quotes.csv"): body.encode()})
    assert seen.entry(at("quotes.csv"))["rows_loaded"] == 2
    ((row, field, reason),) = seen.rejects(at("quotes.csv"))
    assert (row, field) == (2, "row") and "the row's quoting is broken" in reason


def test_a_file_whose_lines_end_with_cr_alone_is_read(gate):
    """Excel's "CSV (Macintosh)" ends every line with a carriage return alone."""
    seen = gate({at("mac.csv"): incidents(["A-1", "A-2"]).replace(b"\n", b"\r")})
    assert (seen.entry(at("mac.csv"))["rows_loaded"], seen.active_ids()) == (2, ["A-1", "A-2"])


def test_a_line_break_in_an_unquoted_field_refuses_that_row_with_its_reason(gate):
    body = HEADER + "\n" + rows(["A-1"]) + f"A-2,{FORCE},2024-05-02T10:00,Y\rY,N\n" + rows(["A-3"])
    seen = gate({at("cr.csv"): body.encode()})
    assert seen.rejects(at("cr.csv")) == [
        (2, "row", "the row holds a line break (a carriage return) in a field that is not quoted: quote the field "
         "or remove the line break")
    ]  # fmt: skip
    assert seen.active_ids() == ["A-1", "A-3"]


def test_ragged_rows_are_refused_row_by_row(gate):
    body = HEADER + "\n" + rows(["A-1"]) + f"A-2,{FORCE},2024-05-02T10:00,Y,N,extra\n" + rows(["A-3"])
    seen = gate({at("ragged.csv"): body.encode()})
    assert seen.rejects(at("ragged.csv")) == [
        (2, "row", "the row has 6 fields but the header has 5: check its quoting and separators")
    ]


def test_well_formed_but_unusual_csv_loads(gate):
    """A BOM, CRLF line ends, quoted fields with commas and line breaks, header case and spaces, an extra column
    and a trailing separator (a blank header cell) are all fine."""
    body = (
        "\ufeff INCIDENT_ID , Force_Code ,created_at,mh_flag_opening,mh_flag_closing,notes,\r\n"
        f'"A-1",{FORCE},2024-05-01T10:00,Y,N,"a note, with a comma",\r\n'
        f'A-2,{FORCE},2024-05-02T10:00,Y,N,"two\r\nlines",\r\n'
    )
    seen = gate({at("unusual.csv"): body.encode()})
    assert seen.entry(at("unusual.csv"))["rows_loaded"] == 2
    assert seen.active_ids() == ["A-1", "A-2"]


def test_header_only_file_is_a_nil_return(gate):
    seen = gate({at("nil.csv"): (HEADER + "\n").encode()})
    entry = seen.entry(at("nil.csv"))
    assert (entry["status"], entry["rows_read"]) == ("loaded", 0)
    assert "no data rows (a nil return)" in entry["message"]


# ---------------------------------------------------------------------------------------------------------------
# rows: ids, dates, spellings


def test_id_problems_are_row_rejects_naming_row_and_field(gate):
    body = HEADER + "\n" + rows(["A-1", "A-2", "A-1"]) + f",{FORCE},2024-05-04T10:00,Y,N\n"
    seen = gate({at("ids.csv"): body.encode()})
    assert seen.rejects(at("ids.csv")) == [
        (3, "incident_id", "incident_id: 'A-1' is repeated in this file; first seen at row 1"),
        (4, "incident_id", "incident_id: is missing; a value is required"),
    ]
    assert seen.active_ids() == ["A-1", "A-2"]


def test_date_problems_are_row_rejects(gate):
    body = (
        HEADER
        + "\n"
        + "".join(
            f"{i},{FORCE},{t},Y,N\n"
            for i, t in [("A-1", "2024-05-03T10:00"), ("A-2", "2024-06-03T10:00"), ("A-3", "31/02/2024"), ("A-4", "")]
        )
    )
    seen = gate({at("dates.csv"): body.encode()})
    reasons = {row: reason for row, _, reason in seen.rejects(at("dates.csv"))}
    assert "is outside the file's period 2024-05" in reasons[2]
    assert "'31/02/2024' is not a date-time; expected ISO 8601" in reasons[3]
    assert reasons[4] == "created_at: is missing; a value is required"
    assert seen.active_ids() == ["A-1"]


def test_row_in_the_future_is_refused(gate):
    body = (
        HEADER
        + "\n"
        + "".join(f"{i},{FORCE},{t},Y,N\n" for i, t in [("A-1", "2024-07-01T09:00"), ("A-2", "2024-07-01T13:00")])
    )
    seen = gate({at("future_rows.csv", month="2024-07"): body.encode()})
    assert [(r, reason) for r, _, reason in seen.rejects(at("future_rows.csv", month="2024-07"))] == [
        (2, "created_at: 2024-07-01 13:00 is in the future")
    ]


def test_canonical_layout_reads_common_spellings(gate, con):
    """Booleans as Y/N, yes/no, true/false, 1/0 in any case; ISO timestamps with a UTC offset or Z become UK local
    time (13:45 BST = 12:45 UTC); seconds with a fraction."""
    body = (
        HEADER
        + "\n"
        + "".join(
            f"{i},{FORCE},{t},{a},{b}\n"
            for i, t, a, b in [
                ("A-1", "2024-05-01T12:45:00Z", "true", "FALSE"),
                ("A-2", "2024-05-01T13:45:00+01:00", "Yes", "no"),
                ("A-3", "2024-05-01T14:45+0200", "1", "0"),
                ("A-4", "2024-05-01T13:45:00.250", "y", "n"),
                ("A-5", "2024-01-15T12:45:00Z", "T", "f"),
            ]
        )
    )
    seen = gate({at("spellings.csv"): body.encode(), at("january.csv", month="2024-01"): b""})
    assert seen.rejects(at("spellings.csv")) == [(5, "created_at", seen.rejects(at("spellings.csv"))[0][2])]
    got = con.execute(
        "select incident_id, strftime(created_at, '%Y-%m-%d %H:%M:%S'), mh_flag_opening, mh_flag_closing "
        "from raw.incidents where incident_id like 'A-%' order by 1"
    ).fetchall()
    assert got == [
        ("A-1", "2024-05-01 13:45:00", True, False),
        ("A-2", "2024-05-01 13:45:00", True, False),
        ("A-3", "2024-05-01 13:45:00", True, False),
        ("A-4", "2024-05-01 13:45:00", True, False),
    ], "12:45 UTC in May is 13:45 in London; A-5 (January, GMT) falls outside the May folder"


def test_columns_the_layout_does_not_read_are_named_in_the_ledger(gate, con):
    """A misspelt optional column (its values would vanish without a word) and an extra column: the rows load, and
    the ledger names both, with the spelling the layout expects."""
    body = f"{HEADER},officer_minute,notes,\nA-1,{FORCE},{MONTH}-01T10:00,Y,N,60,free text,\n"
    seen = gate({at("misspelt.csv"): body.encode()})
    entry = seen.entry(at("misspelt.csv"))
    assert (entry["status"], entry["rows_loaded"]) == ("loaded", 1)
    assert entry["message"].endswith(
        "columns not read (no column of layout 'canonical'): officer_minute (did you mean 'officer_minutes'?), notes"
    ), "the blank trailing column is not named"
    assert con.execute("select officer_minutes from raw.incidents where incident_id = 'A-1'").fetchall() == [(None,)]


def test_a_layout_declared_for_other_forces_is_named_when_a_force_sends_it(gate):
    """E23000001 delivers in the layout of E23000002: the refusal says whose layout it is and where to declare it."""
    header = "Incident Number,Force,Created Date/Time,MH Flag (Opening),MH Flag (Closing),Grade"
    seen = gate({at("theirs.csv"): f"{header}\nB-1,{FORCE},01/05/2024 10:00,Y,N,Emergency\n".encode()})
    assert (
        "the header is that of layout 'cad_dmy_yn', declared for E23000002, " in seen.entry(at("theirs.csv"))["message"]
    )
    assert (
        f"list {FORCE} under that layout's forces in ingestion/contracts/incidents.yml"
        in seen.entry(at("theirs.csv"))["message"]
    )


def test_force_layout_keeps_its_declared_spellings(gate):
    """cad_dmy_yn (E23000002) says Y/N: 'true' stays an error there."""
    header = "Incident Number,Force,Created Date/Time,MH Flag (Opening),MH Flag (Closing)"
    body = f"{header}\nB-1,E23000002,01/05/2024 10:00,Y,N\nB-2,E23000002,02/05/2024 10:00,true,N\n"
    seen = gate({at("dmy.csv", force="E23000002"): body.encode()})
    assert [(r, f) for r, f, _ in seen.rejects(at("dmy.csv", force="E23000002"))] == [(2, "mh_flag_opening")]
    assert "expected Y/N" in seen.rejects(at("dmy.csv", force="E23000002"))[0][2]


@pytest.mark.parametrize("month_value", ["2024-05", "2024-05-17", "2024-05-31T23:00:00"])
def test_month_is_read_as_its_first_day(gate, con, month_value):
    path = at("totals.csv", source="incident_totals")
    seen = gate({path: f"force_code,month,all_incidents\n{FORCE},{month_value},1234\n".encode()})
    assert seen.entry(path)["rows_loaded"] == 1
    assert con.execute("select strftime(month, '%Y-%m-%d') from raw.incident_totals").fetchall() == [("2024-05-01",)]


# ---------------------------------------------------------------------------------------------------------------
# folders: misfiled, unknown, outside the calendar, not data


MISFILED: dict[str, tuple[str, str, str | None, str | None]] = {
    "unknown_force": (at("x.csv", force="E23009999"), "'E23009999' is not a known force code", None, MONTH),
    "not_a_period": (at("x.csv", month="2024-5"), "'2024-5' is not a period", FORCE, None),
    "month_13": (at("x.csv", month="2024-13"), "'2024-13' is not a period", FORCE, None),
    "year_folder_of_a_monthly_source": (
        at("x.csv", month="2023-24"),
        "'2023-24' is a financial year, but this source is delivered by month: expected a month like 2024-05",
        FORCE,
        None,
    ),
    "before_the_calendar": (at("x.csv", month="2009-01"), "outside the warehouse calendar (April 2010", FORCE, None),
    "after_the_calendar": (at("x.csv", month="2035-01"), "outside the warehouse calendar", FORCE, None),
    "period_not_begun": (at("x.csv", month="2024-08"), "the period 2024-08 has not begun yet", FORCE, None),
    "too_deep": (f"incidents/{FORCE}/{MONTH}/extra/x.csv", "the file is not where it should be", None, None),
    "directly_under_source": ("incidents/x.csv", "the file is not where it should be", None, None),
    "force_folder_of_national_source": (
        at("x.csv", source="inspections"),
        "'E23000001' should be 'national': inspections is a national source",
        None,
        MONTH,
    ),
}


@pytest.mark.parametrize("month", ["2010-11", "2011-12"])
def test_a_monthly_source_s_folder_that_also_reads_as_a_financial_year_is_its_month(gate, month):
    """'2010-11' and '2011-12' are November 2010 and December 2011 for a source delivered by month only (they were
    refused as financial years), and a row of another month in them is refused as outside the month."""
    path = at("x.csv", month=month)
    body = (HEADER + "\n" + rows(["A-1", "A-2"], month=month) + rows(["A-3"], month="2011-01")).encode()
    seen = gate({path: body})
    entry = seen.entry(path)
    assert (entry["status"], entry["period"], entry["rows_loaded"]) == ("loaded", month, 2), entry
    assert [(r, f) for r, f, _ in seen.rejects(path)] == [(3, "created_at")]


@pytest.mark.parametrize("case", list(MISFILED))
def test_misfiled_file_is_refused_and_never_reaches_a_force_or_month(gate, case):
    path, reason, force, period = MISFILED[case]
    entry = refused_whole(gate({path: incidents(["A-1", "A-2"])}), path, reason, rows_read=2)  # quarantined, counted
    assert (entry["force_code"], entry["period"]) == (force, period), "only valid folders are recorded"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (f"incidentz/{FORCE}/{MONTH}/x.csv", "'incidentz' is not a source folder: expected one of adr125_published"),
        ("loose.csv", "the file is not in a source folder"),
    ],
)
def test_file_outside_every_source_folder_is_refused(gate, path, reason):
    entry = refused_whole(gate({path: incidents(["A-1"])}), path, reason, rows_read=0)
    assert (entry["source"], entry["force_code"], entry["period"]) == (UNKNOWN_SOURCE, None, None)


def test_a_landing_zone_named_one_folder_too_high_is_answered_file_by_file_in_little_memory(landing, con):
    """Every file of a whole landing zone, one folder down, is outside the source folders: each is refused with
    a ledger entry, within a small memory limit, and the warnings name a few and count the rest."""
    files = 3_000
    drop(landing, {f"landing/{at(f'part_{n}.csv')}": incidents([f"A-{n}"]) for n in range(files)})
    con.execute("set memory_limit = '64MB'")
    report = ingest_strays(con, landing, SOURCES)
    assert report.count("rejected_file") == files
    entries = con.execute("select count(*), count(distinct file_path) from raw.load_ledger").fetchone()
    assert entries == (files, files)
    warnings = report.warnings(named=10)
    assert len(warnings) == 11 and all("rejected_file; 'landing' is not a source folder" in w for w in warnings[:10])
    assert warnings[0].endswith("; a source folder lies within 'landing': is that the landing zone (MHW_LANDING_DIR)?")
    assert warnings[10] == f"{UNKNOWN_SOURCE}: 2,990 more files refused whole (3,000 in all): " + (
        "`mhw rejects` lists each file and row"
    )


def test_hidden_temporary_and_system_files_are_listed_not_loaded(gate, landing, con):
    not_data = {
        at(".hidden.csv"): "a hidden file",
        at("~$open.xlsx"): "a temporary file",
        at("incoming.csv.part"): "a temporary file",
        at("backup.csv~"): "a temporary file",
        f"incidents/{FORCE}/.git/config": "a hidden file or folder",
        at("Thumbs.db"): "a system file",
    }
    gate(dict.fromkeys(not_data, incidents(["A-1"])))
    assert con.execute(
        "select count(*) from raw.load_ledger where file_path like '%A-1%' or status <> 'loaded'"
    ).fetchone() == (0,)
    listed = dict(scan_landing(landing, SOURCES).not_data)
    for path, reason in not_data.items():
        assert listed[path].startswith(reason), path


def test_a_folder_that_cannot_be_listed_is_named_and_the_rest_still_read(landing, monkeypatch):
    """Root lists every folder, so the refusal comes from the listing call itself (PermissionError, as for a folder
    another user owns). The folders beside it are listed, in path order: a folder's own files before its subfolders'."""
    deeper, beside = at("deeper.csv", month="2024-05/sub"), at("ok.csv", force="E23000002")
    drop(landing, {at("may.csv"): incidents(["A-1"]), deeper: incidents(["C-1"]), beside: incidents(["B-1"])})
    order = [lf.rel_path for lf in scan_landing(landing, SOURCES).by_source["incidents"]]
    assert order == [at("may.csv"), deeper, beside]
    locked, listing = str(landing / "incidents" / FORCE), os.scandir

    def scandir(path):
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return listing(path)

    monkeypatch.setattr("ingestion.gate.landing.os.scandir", scandir)
    scan = scan_landing(landing, SOURCES)
    assert dict(scan.not_data)[f"incidents/{FORCE}"].startswith("a folder the loader may not open (Permission denied)")
    assert [lf.rel_path for lf in scan.by_source["incidents"]] == [beside]


def test_a_name_that_is_not_utf8_is_named_and_the_rest_still_loads(gate, landing, con):
    """One Latin-1 name from a Windows share or an old zip stopped every refresh with a UnicodeEncodeError: a file or
    folder so named is left unread, shown with its bytes escaped, and the refresh warns; the rest loads."""
    latin1 = os.fsdecode(b"caf\xe9")  # how Python names it: a surrogate for the byte
    (landing / at("x.csv")).parent.mkdir(parents=True, exist_ok=True)
    (landing / at(f"{latin1}.csv")).write_bytes(incidents(["L-1"]))
    (landing / "incidents" / f"E2300000{latin1}" / "2024-05").mkdir(parents=True)
    (landing / "incidents" / f"E2300000{latin1}" / "2024-05" / "a.csv").write_bytes(incidents(["L-2"]))
    seen = gate({at("ok.csv"): incidents(["K-1"])})
    assert seen.entry(at("ok.csv"))["status"] == "loaded"
    assert not con.execute("select count(*) from raw.load_ledger where file_path like '%caf%'").fetchone()[0]
    listed, shown = dict(scan_landing(landing, SOURCES).not_data), at("caf\\xe9.csv")  # the byte as \\xe9
    assert listed[shown].startswith("its name is not valid UTF-8") and "rename it" in listed[shown]
    assert "incidents/E2300000caf\\xe9" in listed, "a folder so named is not walked"
    warnings = ingest_strays(con, landing, SOURCES).warnings()
    assert f"{shown}: not read; its name is not valid UTF-8" in "\n".join(warnings)


def test_link_leaving_the_landing_zone_is_refused_unread(gate, landing, tmp_path, con):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_bytes(incidents(["SECRET-1"]))
    link = landing / at("link.csv")
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    (landing / "linked_source").symlink_to(secret.parent, target_is_directory=True)
    seen = gate()
    refused_whole(seen, at("link.csv"), "a link pointing outside the landing zone is refused", rows_read=0)
    assert str(secret) not in seen.entry(at("link.csv"))["message"], "where it points may be private"
    refused_whole(seen, "linked_source", "a link pointing outside the landing zone", rows_read=0)
    assert "SECRET-1" not in str(con.execute("select * from raw.incidents").fetchall())


def test_link_inside_the_landing_zone_is_read(gate, landing):
    drop(landing, {"staging/may.csv": incidents(["A-1"])})  # a stray copy, refused on its own
    (landing / at("link.csv")).parent.mkdir(parents=True)
    (landing / at("link.csv")).symlink_to(landing / "staging" / "may.csv")
    seen = gate()
    assert seen.entry(at("link.csv"))["status"] == "loaded"
    assert seen.status("staging/may.csv") == "rejected_file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipe_is_refused_without_blocking(gate, landing):
    (landing / at("pipe.csv")).parent.mkdir(parents=True)
    os.mkfifo(landing / at("pipe.csv"))
    refused_whole(gate(), at("pipe.csv"), "not a regular file (a pipe, socket or device)", rows_read=0)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_refused(gate, landing):
    drop(landing, {at("locked.csv"): incidents(["A-1"])})
    (landing / at("locked.csv")).chmod(0)
    refused_whole(gate(), at("locked.csv"), "the file cannot be read (permission denied)", rows_read=0)


# ---------------------------------------------------------------------------------------------------------------
# deliveries: parts, corrections, re-sends, duplicates, withdrawal


def test_second_file_is_another_part_and_adds_its_rows(gate):
    gate({at("may.csv"): incidents([f"A-{i}" for i in range(20)])})
    seen = gate({at("may_supplement.csv"): incidents(["S-1", "S-2", "S-3", "S-4", "S-5"])})
    assert seen.status(at("may.csv")) == "loaded" and seen.status(at("may_supplement.csv")) == "loaded"
    assert "another part of E23000001 2024-05, beside may.csv" in seen.entry(at("may_supplement.csv"))["message"]
    assert len(seen.active_ids()) == 25


def test_same_name_new_content_corrects_that_file_only(gate):
    gate({at("part1.csv"): incidents(["A-1", "A-2"]), at("part2.csv"): incidents(["B-1", "B-2"])})
    seen = gate({at("part1.csv"): incidents(["A-1", "A-2", "A-3"], flag="N")})
    assert seen.status(at("part2.csv")) == "loaded"
    new = seen.entry(at("part1.csv"))
    assert new["status"] == "loaded"
    assert (
        f"replaces {at('part1.csv')} (a corrected version of the same file: same name, new content)" in new["message"]
    )
    assert seen.active_ids() == ["A-1", "A-2", "A-3", "B-1", "B-2"]


@pytest.mark.parametrize(
    ("resent_ids", "relation"),
    [
        ([f"A-{i}" for i in range(5)], "the same 5 ids"),
        ([f"A-{i}" for i in range(3)], "3 of its 5 ids and no others"),
        ([f"A-{i}" for i in range(7)], "all its 5 ids and 2 more"),
    ],
)
def test_resend_under_a_new_name_supersedes_that_part_only(gate, con, resent_ids, relation):
    gate({at("part1.csv"): incidents([f"A-{i}" for i in range(5)]), at("part2.csv"): incidents(["B-1"])})
    seen = gate({at("part1_v2.csv"): incidents(resent_ids, flag="N")})
    old = seen.entry(at("part1.csv"))
    assert old["status"] == "superseded" and old["superseded_by"] == seen.entry(at("part1_v2.csv"))["load_id"]
    assert (
        f"superseded by {at('part1_v2.csv')}: a corrected re-send under a new name: it holds {relation}"
        in (old["message"])
    )
    assert f"replaces {at('part1.csv')} (a corrected re-send" in seen.entry(at("part1_v2.csv"))["message"]
    assert seen.status(at("part2.csv")) == "loaded"
    assert seen.active_ids() == sorted([*resent_ids, "B-1"])


@pytest.mark.parametrize(("a3", "active"), [("fixed", ["A-1", "A-3"]), ("still refused", ["A-1"])])
def test_a_resend_is_matched_on_every_id_its_part_was_sent_with_refused_rows_too(gate, a3, active):
    """A part's ids are those it was delivered with, its refused rows' too, as a new file's are: a re-send that drops
    a record, with a row that was refused fixed or not, replaces that part (it was taken for another part, every row
    refused as already in force, and the record dropped stayed in force)."""
    bad = f"A-3,{FORCE},2024-05-32T10:00,Y,N\n".encode()
    gate({at("may.csv"): incidents(["A-1", "A-2"]) + bad})
    seen = gate(
        {at("may_v2.csv"): incidents(["A-1"]) + (incidents(["A-3"])[len(HEADER) + 1 :] if a3 == "fixed" else bad)}
    )
    assert seen.status(at("may.csv")) == "superseded"
    assert (
        "a corrected re-send under a new name: it holds 2 of its 3 ids and no others"
        in (seen.entry(at("may_v2.csv"))["message"])
    )
    assert seen.active_ids() == active


def test_the_refused_rows_alone_fixed_under_a_new_name_are_another_part(gate):
    """A file of only the rows a part had refused, fixed, re-sends none of its rows in force: it adds to them."""
    gate({at("may.csv"): incidents(["A-1", "A-2"]) + f"A-3,{FORCE},2024-05-32T10:00,Y,N\n".encode()})
    seen = gate({at("may_fixes.csv"): incidents(["A-3"])})
    assert seen.status(at("may.csv")) == "loaded" and seen.active_ids() == ["A-1", "A-2", "A-3"]


def test_overlapping_new_file_keeps_both_and_refuses_repeated_ids_naming_the_file(gate):
    gate({at("part1.csv"): incidents(["A-1", "A-2", "A-3"])})
    seen = gate({at("part2.csv"): incidents(["A-3", "B-1", "B-2"])})
    assert seen.status(at("part1.csv")) == "loaded"
    assert seen.rejects(at("part2.csv")) == [
        (1, "incident_id", f"incident_id: 'A-3' is already loaded for this force from {at('part1.csv')}")
    ]
    assert seen.active_ids() == ["A-1", "A-2", "A-3", "B-1", "B-2"]
    assert "1 row(s) whose ids are already in force were refused (see " in seen.entry(at("part2.csv"))["message"]


def test_a_misfiled_copy_is_refused_for_its_dates_not_for_ids_held_elsewhere(gate):
    """May's file copied into April's folder: every row is outside April. The ledger says so, and does not blame
    the ids that May's file holds (rows refused already are not refused again)."""
    gate({at("may.csv"): incidents(["A-1", "A-2"])})
    seen = gate({at("may.csv", month="2024-04"): incidents(["A-1", "A-2"])})
    entry = seen.entry(at("may.csv", month="2024-04"))
    assert (entry["rows_loaded"], entry["rows_rejected"]) == (0, 2)
    assert "already in force" not in entry["message"]
    assert all(
        "outside the file's period 2024-04" in reason for _, _, reason in seen.rejects(at("may.csv", month="2024-04"))
    )


def test_id_active_in_another_month_is_refused(gate):
    gate({at("april.csv", month="2024-04"): incidents(["A-1"], month="2024-04")})
    seen = gate({at("may.csv"): incidents(["A-1", "A-2"])})
    assert seen.rejects(at("may.csv"))[0][2].endswith(f"from {at('april.csv', month='2024-04')}")


def test_files_of_one_refresh_meet_each_other_as_files_of_separate_refreshes(tmp_path):
    """The writer keeps the ids in force as it goes (ActiveIndex): deliveries met in one refresh are answered as
    they are when each comes in a refresh of its own (re-sends, supersedes, ids held in other months)."""
    april, june = (partial(at, month=m) for m in ("2024-04", "2024-06"))
    files = {
        april("a.csv"): incidents(["A-1", "A-2"], month="2024-04"),
        april("b.csv"): incidents(["A-1", "A-2", "A-3"], month="2024-04", flag="N"),  # re-sends a.csv, and more
        at("c.csv"): incidents(["A-3", "B-1"]),  # A-3 is held by b.csv in April
        at("d.csv"): incidents(["B-1", "B-2", "A-1"]),  # re-sends c.csv (its one loaded id); A-1 is April's
        june("e.csv"): incidents(["B-2", "C-1"], month="2024-06"),  # B-2 is held by d.csv in May
    }

    def answers(one_refresh: bool) -> tuple[list, list, list]:
        landing, con = tmp_path / f"landing_{one_refresh}", duckdb.connect(str(tmp_path / f"{one_refresh}.duckdb"))
        for batch in [files] if one_refresh else [{path: data} for path, data in sorted(files.items())]:
            drop(landing, batch)
            run_gate(con, landing)
        ledger = con.execute(
            "select file_path, status, rows_read, rows_loaded, rows_rejected, message, superseded_by "
            "from raw.load_ledger order by file_path"
        ).fetchall()
        rejects = con.execute("select file_path, row_number, reason from raw.rejected_rows order by all").fetchall()
        return ledger, rejects, Seen(con).active_ids()

    together, apart = answers(one_refresh=True), answers(one_refresh=False)
    assert together == apart
    ledger, rejects, active = together
    assert [status for _, status, *_ in ledger] == ["superseded", "loaded", "superseded", "loaded", "loaded"]
    assert [(path, row) for path, row, _ in rejects] == [(at("c.csv"), 1), (at("d.csv"), 3), (june("e.csv"), 1)]
    assert active == ["A-1", "A-2", "A-3", "B-1", "B-2", "C-1"]


def test_month_sent_in_parts_then_whole_replaces_the_parts(gate):
    gate({at("week1.csv"): incidents(["A-1", "A-2"]), at("week2.csv"): incidents(["A-3", "A-4"])})
    seen = gate({at("whole_month.csv"): incidents(["A-1", "A-2", "A-3", "A-4", "A-5"])})
    assert seen.status(at("week1.csv")) == seen.status(at("week2.csv")) == "superseded"
    assert "a re-send of 2 parts as one file" in seen.entry(at("whole_month.csv"))["message"]
    assert seen.active_ids() == ["A-1", "A-2", "A-3", "A-4", "A-5"]


def test_identical_bytes_are_a_duplicate_and_the_same_file_again_is_nothing(gate, con):
    gate({at("may.csv"): incidents(["A-1", "A-2"])})
    seen = gate({at("copy of may.csv"): incidents(["A-1", "A-2"])})
    entry = seen.entry(at("copy of may.csv"))
    assert (entry["status"], entry["rows_read"]) == ("duplicate", 0)
    assert f"identical to {at('may.csv')}, already loaded" in entry["message"]
    before = con.execute("select count(*) from raw.load_ledger").fetchone()
    gate()
    assert con.execute("select count(*) from raw.load_ledger").fetchone() == before


def test_a_misfiled_copy_is_checked_in_its_own_folder_and_never_stands_in_for_the_right_file(gate):
    """The same bytes in another period's or force's folder are not a duplicate: the copy's rows are refused there
    (outside the file's period, another force's rows), and the file in the right folder loads whichever came first."""
    june = incidents(["J-1", "J-2"], month="2024-06")
    gwent = incidents(["K-1"], force="W15000002")
    seen = gate({at("june.csv"): june, at("june.csv", month="2024-06"): june, at("k.csv"): gwent,
                 at("k.csv", force="W15000002"): gwent})  # fmt: skip
    assert seen.status(at("june.csv", month="2024-06")) == seen.status(at("k.csv", force="W15000002")) == "loaded"
    misfiled = seen.entry(at("june.csv"))
    assert (misfiled["status"], misfiled["rows_loaded"], misfiled["rows_rejected"]) == ("loaded", 0, 2)
    assert (seen.entry(at("k.csv"))["rows_loaded"], seen.entry(at("k.csv"))["rows_rejected"]) == (0, 1)
    assert seen.active_ids() == ["J-1", "J-2"] and seen.active_ids("W15000002") == ["K-1"]


def test_the_same_nil_return_in_two_months_covers_both(gate):
    nil = (HEADER + "\n").encode()
    seen = gate({at("nil.csv"): nil, at("nil.csv", month="2024-06"): nil})
    assert seen.status(at("nil.csv")) == seen.status(at("nil.csv", month="2024-06")) == "loaded"


def test_unreadable_new_version_leaves_the_earlier_one_in_force(gate):
    gate({at("may.csv"): incidents(["A-1", "A-2"])})
    seen = gate({at("may.csv"): b""})
    entry = refused_whole(seen, at("may.csv"), "the file is empty")
    assert "the earlier version of this file stays in force" in entry["message"]
    assert seen.active_ids() == ["A-1", "A-2"]


def day_first(data: bytes) -> bytes:
    """The file with its dates written dd-mm-yyyy hh:mm, a format no incidents layout reads: every row fails."""
    return re.sub(rb"(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d)", rb"\3-\2-\1 \4", data)


@pytest.mark.parametrize(
    ("name", "kept"), [("may.csv", "the earlier version of this file"), ("may_v2.csv", at("may.csv"))]
)
def test_a_new_version_of_which_no_row_loads_is_refused_and_the_earlier_one_stays_in_force(gate, con, name, kept):
    """Under the same name or as a re-send under a new name, a version whose every row fails replaces nothing: it is
    refused whole naming the file that stays in force and its first row's reason, and every row's reject is kept.
    A version with one row that loads still replaces the earlier one (its other rows refused)."""
    gate({at("may.csv"): incidents(["A-1", "A-2"])})
    seen = gate({at(name): day_first(incidents(["A-1", "A-2"]))})
    entry = seen.entry(at(name))
    assert (entry["status"], entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == (
        "rejected_file", 2, 0, 2,
    )  # fmt: skip
    assert entry["message"] == (
        "not one of its 2 data rows can be loaded (row 1, created_at: '01-05-2024 10:00' is not a date-time; "
        f"expected ISO 8601 like 2024-05-01T13:45; `mhw rejects` lists every row), so it replaces nothing; {kept} "
        "stays in force"
    )
    assert [(row, field) for row, field, _ in seen.rejects(at(name))] == [
        (None, None), (1, "created_at"), (2, "created_at"),
    ]  # fmt: skip
    assert seen.active_ids() == ["A-1", "A-2"]
    in_force = "select file_path, rows_loaded from raw.load_ledger where status = 'loaded' and force_code = ?"
    assert con.execute(in_force, [FORCE]).fetchall() == [(at("may.csv"), 2)]

    seen = gate({at(name): incidents(["A-1"], flag="N") + day_first(rows(["A-2"]).encode())})
    assert (seen.status(at(name)), seen.entry(at(name))["rows_loaded"]) == ("loaded", 1)
    assert f"replaces {at('may.csv')}" in seen.entry(at(name))["message"]
    assert seen.active_ids() == ["A-1"]


def test_reverting_a_file_to_earlier_content_loads_it_again(gate):
    first = incidents(["A-1", "A-2"])
    gate({at("may.csv"): first})
    gate({at("may.csv"): incidents(["A-1"])})
    seen = gate({at("may.csv"): first})
    assert seen.active_ids() == ["A-1", "A-2"]


def test_withdrawal_is_an_operator_act_recorded_in_the_ledger(gate, con):
    gate({at("part1.csv"): incidents(["A-1"]), at("part2.csv"): incidents(["B-1"])})
    done = withdraw(con, at("part2.csv"), "sent to the wrong force", "operator")
    assert (done.source, done.force_code, done.period, done.rows_loaded) == ("incidents", FORCE, MONTH, 1)
    seen = gate()  # the same bytes stay withdrawn
    entry = seen.entry(at("part2.csv"))
    assert entry["status"] == "withdrawn" and "by operator: sent to the wrong force" in entry["message"]
    assert seen.active_ids() == ["A-1"]
    seen = gate({at("part2.csv"): incidents(["B-1", "B-2"])})  # new content under its name is a new delivery
    assert seen.active_ids() == ["A-1", "B-1", "B-2"]


def test_the_bytes_of_a_file_taken_out_of_force_under_a_new_name_load_with_a_warning(gate, con, landing):
    """A copy of an old version ('part1 (1).csv') or of a withdrawn file puts that version back: it loads (a force
    may mean to revert), but its entry and the refresh's warnings say which file it restores."""
    old = incidents(["A-1", "A-2"])
    gate({at("part1.csv"): old, at("part2.csv"): incidents(["B-1"])})
    gate({at("part1.csv"): incidents(["A-1", "A-2"], flag="N")})  # corrected: the old version superseded
    withdraw(con, at("part2.csv"), "sent twice", "operator")
    seen = gate({at("part1 (1).csv"): old, at("part2_resend.csv"): incidents(["B-1"])})
    assert seen.status(at("part1 (1).csv")) == "loaded"
    assert f"its bytes are those of {at('part1.csv')}, superseded before" in seen.entry(at("part1 (1).csv"))["message"]
    assert f"those of {at('part2.csv')}, withdrawn before" in seen.entry(at("part2_resend.csv"))["message"]
    (landing / at("part3.csv")).write_bytes(incidents(["C-1"]))
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID)
    assert not [w for w in report.warnings() if "taken out of force" in w], "only files that restore one"


def test_a_row_refused_for_an_id_held_by_a_file_corrected_without_it_loads_in_that_refresh(gate, con, landing):
    """part2's A-3 was refused while part1 held A-3; part1 is corrected without A-3: part2 is read again in the same
    refresh and A-3 loads from it (a new version of part2 replaces the one in force), so the row is not lost."""
    gate({at("part1.csv"): incidents(["A-1", "A-2", "A-3"]), at("part2.csv"): incidents(["A-3", "B-1"])})
    before = Seen(con).entry(at("part2.csv"))
    seen = gate({at("part1.csv"): incidents(["A-1", "A-2"])})
    assert seen.active_ids() == ["A-1", "A-2", "A-3", "B-1"]
    now = seen.entry(at("part2.csv"))
    assert (now["status"], now["rows_read"], now["rows_loaded"], now["rows_rejected"]) == ("loaded", 2, 2, 0)
    assert now["message"].startswith(
        "read again: the ids of 1 of its 1 row(s) refused for ids held elsewhere are no longer held by a file in "
        f"force; 2 of 2 rows loaded; replaces {at('part2.csv')} (the same bytes, read again)"
    )
    old = con.execute("select status, superseded_by, message from raw.load_ledger where load_id = ?",
                      [before["load_id"]]).fetchone()  # fmt: skip
    assert old[:2] == ("superseded", now["load_id"]) and "superseded by" in old[2] and "read again" in old[2]
    assert seen.rejects(at("part2.csv")) == [
        (1, "incident_id", f"incident_id: 'A-3' is already loaded for this force from {at('part1.csv')}")
    ], "the superseded version keeps its reject (ledger history)"
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert report.files == [], "the next refresh has nothing to read again"


def test_a_withdrawn_holder_frees_the_ids_it_held_in_another_month_whatever_months_the_refresh_runs(gate, con, landing):
    """April's file held A-1, so May's A-1 was refused; April's file is withdrawn: the next refresh, even one over
    June only, reads May's file again and loads A-1."""
    april = at("april.csv", month="2024-04")
    gate({april: incidents(["A-1"], month="2024-04"), at("may.csv"): incidents(["A-1", "A-2"])})
    assert Seen(con).active_ids() == ["A-1", "A-2"]
    withdraw(con, april, "sent in error", "operator")
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW, periods=lambda p: p == "2024-06")
    assert [(f.path, f.rows_loaded, f.read_again) for f in report.files] == [(at("may.csv"), 2, True)]
    assert any(w.startswith(f"{at('may.csv')}: loaded; read again") for w in report.warnings())
    check_invariants(con, landing)
    assert Seen(con).active_ids() == ["A-1", "A-2"]
    assert Seen(con).rejects(at("may.csv"))[-1][2].endswith(april), "the old version's reject is kept"


def test_a_refused_id_still_held_after_its_holder_is_corrected_names_the_new_holder_and_loads_nothing(gate, con):
    gate({at("part1.csv"): incidents(["A-1", "A-2"]), at("part2.csv"): incidents(["A-2", "B-1"])})
    before = Seen(con).entry(at("part2.csv"))
    seen = gate({at("part1_v2.csv"): incidents(["A-1", "A-2", "A-3"])})  # a re-send of part1: A-2 still held
    assert seen.entry(at("part2.csv")) == before, "no new version of part2"
    assert seen.rejects(at("part2.csv")) == [
        (1, "incident_id", f"incident_id: 'A-2' is already loaded for this force from {at('part1_v2.csv')}")
    ]
    held_by = con.execute("select held_by from raw.rejected_rows where file_path = ?", [at("part2.csv")]).fetchall()
    assert held_by == [(seen.entry(at("part1_v2.csv"))["load_id"],)]
    assert seen.active_ids() == ["A-1", "A-2", "A-3", "B-1"]


def test_two_files_refusing_each_others_ids_are_not_read_again_forever(gate, con, landing):
    """b refused A-2 (held by a); a is corrected with B-1, which b holds, so a's new version refuses it: b is read
    again once (its holder left force), finds A-2 held by a's new version, and only names it."""
    gate({at("a.csv"): incidents(["A-1", "A-2"]), at("b.csv"): incidents(["A-2", "B-1"])})
    seen = gate({at("a.csv"): incidents(["A-1", "A-2", "B-1"])})
    versions = dict(con.execute("select file_path, count(*) from raw.load_ledger group by all").fetchall())
    assert (versions[at("a.csv")], versions[at("b.csv")]) == (2, 1)
    assert seen.active_ids() == ["A-1", "A-2", "B-1"]
    held_by = dict(con.execute(
        "select r.file_path, (l.file_path, l.status) from raw.rejected_rows r join raw.load_ledger l "
        "on l.load_id = r.held_by where r.load_id in (select load_id from raw.load_ledger where status = 'loaded')"
    ).fetchall())  # fmt: skip
    assert held_by == {at("a.csv"): (at("b.csv"), "loaded"), at("b.csv"): (at("a.csv"), "loaded")}
    assert seen.entry(at("b.csv"))["status"] == "loaded"
    again = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert again.files == [] and again.unreadable == []


def test_a_file_re_pointed_to_a_holder_read_again_later_in_the_same_pass_is_re_pointed_again(gate, con, landing):
    """a refused Y while c held it. In one refresh c is corrected (now also holding W, which d holds) and d drops
    W: the pass re-points a to c's new version, then reads c again (W is free) into a third version. a names that
    one before the refresh ends, so the next refresh has nothing to do (found by a reviewer's fuzzing)."""
    gate({at("c.csv"): incidents(["Y", "G1"]), at("d.csv"): incidents(["W", "D1"])})
    gate({at("a.csv"): incidents(["Y", "A1"])})
    seen = gate({at("c.csv"): incidents(["Y", "G1", "W"]), at("d.csv"): incidents(["D1"])})
    assert held_by_files_out_of_force(con, "incidents") == []
    c_now = seen.entry(at("c.csv"))["load_id"]
    a_held_by = con.execute(
        "select held_by from raw.rejected_rows r join raw.load_ledger l using (load_id) "
        "where r.file_path = ? and l.status = 'loaded'",
        [at("a.csv")],
    ).fetchall()
    assert a_held_by == [(c_now,)]
    before = con.execute("select * from raw.rejected_rows order by all").fetchall()
    again = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert again.files == [] and con.execute("select * from raw.rejected_rows order by all").fetchall() == before
    assert seen.active_ids() == ["A1", "D1", "G1", "W", "Y"]


def test_refused_ids_still_held_by_the_holders_new_version_are_re_pointed_without_reading_the_file(gate, con, landing):
    """part2's A-2 was refused while part1 held it; part1 is re-sent as part1_v2, still holding A-2. Nothing is free,
    so part2 is not read at all (it may even be gone from the landing zone): its reject names part1_v2."""
    gate({at("part1.csv"): incidents(["A-1", "A-2"]), at("part2.csv"): incidents(["A-2", "B-1"])})
    (landing / at("part2.csv")).unlink()
    drop(landing, {at("part1_v2.csv"): incidents(["A-1", "A-2", "A-3"])})
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert [f.path for f in report.files] == [at("part1_v2.csv")] and report.unreadable == []
    assert Seen(con).rejects(at("part2.csv")) == [
        (1, "incident_id", f"incident_id: 'A-2' is already loaded for this force from {at('part1_v2.csv')}")
    ]
    assert held_by_files_out_of_force(con, "incidents") == []


def test_a_file_gone_from_the_landing_zone_cannot_be_read_again_and_the_refresh_says_so(gate, con, landing):
    gate({at("part1.csv"): incidents(["A-1", "A-2"]), at("part2.csv"): incidents(["A-2", "B-1"])})
    (landing / at("part2.csv")).unlink()
    drop(landing, {at("part1.csv"): incidents(["A-1"])})
    report = ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert [w for w in report.warnings() if w.startswith(at("part2.csv"))] == [
        f"{at('part2.csv')}: not read; 1 of its rows were refused for ids held by a file no longer in force, and it "
        "could not be read again (it is no longer in the landing zone): deliver it again to load them"
    ]
    assert Seen(con).active_ids() == ["A-1", "B-1"]


# ---------------------------------------------------------------------------------------------------------------
# deliveries that change while the gate reads the landing zone


def _while_listing(monkeypatch, act: Callable[[], None]) -> None:
    """Let another writer act on the landing zone right after the gate has listed it, before it reads any file."""
    import ingestion.gate.load as load

    listed = load.source_files

    def listing_then_act(landing_dir, source):
        files = listed(landing_dir, source)
        if source == "incidents":
            act()
        return files

    monkeypatch.setattr(load, "source_files", listing_then_act)


def test_file_removed_during_the_refresh_is_skipped_quietly(gate, landing, monkeypatch, con):
    drop(landing, {at("gone.csv"): incidents(["A-1"])})
    _while_listing(monkeypatch, lambda: (landing / at("gone.csv")).unlink())
    gate()
    assert con.execute("select count(*) from raw.load_ledger where file_path = ?", [at("gone.csv")]).fetchone() == (0,)


def test_file_rewritten_during_the_refresh_is_loaded_as_read(gate, landing, monkeypatch, con):
    drop(landing, {at("may.csv"): incidents(["A-1"])})
    _while_listing(monkeypatch, lambda: drop(landing, {at("may.csv"): incidents(["A-1", "A-2"])}))
    seen = gate()
    assert seen.active_ids() == ["A-1", "A-2"]
    monkeypatch.undo()
    before = con.execute("select count(*) from raw.load_ledger").fetchone()
    gate()  # the ledger's sha256 is of the bytes that were loaded: nothing new
    assert con.execute("select count(*) from raw.load_ledger").fetchone() == before


def test_file_arriving_half_written_is_refused_then_loads_when_complete(gate, landing):
    whole = incidents(["A-1", "A-2", "A-3"])
    seen = gate({at("arriving.csv"): whole[: len(whole) - 15]})
    refused_whole(seen, at("arriving.csv"), "the file is cut off")
    seen = gate({at("arriving.csv"): whole})
    assert seen.status(at("arriving.csv")) == "loaded" and seen.active_ids() == ["A-1", "A-2", "A-3"]


@pytest.fixture
def contracts(tmp_path, monkeypatch) -> Path:
    """A copy of the contracts that a test may edit, read in place of ingestion/contracts/."""
    copy = tmp_path / "contracts"
    shutil.copytree(contract_module.CONTRACTS_DIR, copy)
    monkeypatch.setattr(contract_module, "CONTRACTS_DIR", copy)
    load_contract.cache_clear()
    yield copy
    load_contract.cache_clear()


THEIRS = "Incident Number,Force,Created Date/Time,MH Flag (Opening),MH Flag (Closing)"
COMPACT_FORCES = "forces: [E23000029, E23000030, E23000031, E23000032, E23000033]"
CONTRACT_FIXES = {  # the file E23000031 sends, what its refusal says, and the fix it asks for in incidents.yml
    "another_force_layout": (
        f"{THEIRS}\nB-1,E23000031,01/04/2024 10:00,Y,N\n".encode(),
        "list E23000031 under that layout's forces in ingestion/contracts/incidents.yml",
        ("forces: [E23000002, ", "forces: [E23000031, E23000002, "),
    ),
    "windows_1252": (
        f"{HEADER}\nB-1,E23000031,2024-04-01T10:00,Y,N\n".encode().replace(b"B-1", b"B-\xe9"),
        "the file is not UTF-8 text",
        (COMPACT_FORCES, f"{COMPACT_FORCES}\n    encoding: cp1252"),
    ),
}


@pytest.mark.parametrize("case", list(CONTRACT_FIXES))
def test_a_file_refused_for_what_its_contract_says_is_read_again_once_the_contract_changes(
    gate, contracts, monkeypatch, case
):
    """A refusal that a contract fix answers (a layout declared for other forces, an encoding) is read again once
    the source's contract has changed, and loads; a refusal the contract does not govern (an empty file) is not."""
    body, reason, (before, after) = CONTRACT_FIXES[case]
    path, empty = at("inc.csv", force="E23000031", month="2024-04"), at("empty.csv", force="E23000031")
    refused_whole(gate({path: body, empty: b""}), path, reason, rows_read=1)
    reads, read = [], load_module.take_delivery
    monkeypatch.setattr(load_module, "take_delivery", lambda where, lf: reads.append(lf.rel_path) or read(where, lf))
    gate()
    assert reads == [], "nothing changed: nothing read again"
    yml = contracts / "incidents.yml"
    yml.write_text(f"# a comment added, nothing else\n{yml.read_text()}")
    load_contract.cache_clear()
    gate()
    assert reads == [], "a comment changes nothing the contract says: nothing read again"

    assert before in yml.read_text()
    yml.write_text(yml.read_text().replace(before, after, 1))
    load_contract.cache_clear()
    seen = gate()
    assert (seen.status(path), seen.entry(path)["rows_loaded"]) == ("loaded", 1)
    assert seen.entry(empty)["status"] == "rejected_file" and path in reads and empty not in reads
    assert len(seen.active_ids("E23000031")) == 1
    entries = "select count(*) from raw.load_ledger"
    before_count = seen.con.execute(entries).fetchone()
    gate()
    assert seen.con.execute(entries).fetchone() == before_count


def test_file_refused_as_not_begun_loads_once_its_month_begins(con, landing):
    """A month folder from the future is refused; when the month has begun, the same file is answered again."""
    drop(landing, {at("early.csv", month="2024-08"): incidents(["E-1"], month="2024-08")})
    ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert Seen(con).status(at("early.csv", month="2024-08")) == "rejected_file"
    ingest_source(con, landing, "incidents", KEY, KEY_ID, now=NOW)
    assert con.execute("select count(*) from raw.load_ledger").fetchone() == (1,), "nothing new on the same day"
    ingest_source(con, landing, "incidents", KEY, KEY_ID, now=datetime(2024, 9, 2))
    assert Seen(con).status(at("early.csv", month="2024-08")) == "loaded"


def test_a_month_beside_its_financial_year_loads_and_says_its_rows_may_count_twice(con, landing):
    """s136 takes a financial year's folder or a month's: a force's May sent again on its own, beside the year in
    force, under other ids, would count May's detentions twice. It loads (the ids differ: nothing says the events
    are the same) and the ledger and the refresh's warnings name the year's file."""
    rows = (FIXTURES / "s136_good.csv").read_text().splitlines()
    may = [rows[0], *(r.replace("D-", "M-", 1) for r in rows[1:] if ",2023-05-" in r)]
    assert len(may) == 2, "the fixture's one May detention"
    drop(landing, {"s136/E23000001/2023-24/year.csv": (FIXTURES / "s136_good.csv").read_bytes()})
    ingest_source(con, landing, "s136", KEY, KEY_ID, now=NOW)
    drop(landing, {"s136/E23000001/2023-05/may.csv": ("\n".join(may) + "\n").encode()})
    report = ingest_source(con, landing, "s136", KEY, KEY_ID, now=NOW)
    (month,) = report.files
    assert month.status == "loaded" and month.overlaps == ("s136/E23000001/2023-24/year.csv",)
    assert "its period 2023-05 shares months with files in force of E23000001 (s136/E23000001/2023-24/year.csv)" in (
        month.message
    )
    assert any(w.startswith("s136/E23000001/2023-05/may.csv: loaded;") for w in report.warnings())
    drop(landing, {"s136/E23000001/2024-05/may.csv": ("\n".join(may) + "\n").replace("2023-05", "2024-05").encode()})
    (next_year,) = ingest_source(con, landing, "s136", KEY, KEY_ID, now=datetime(2024, 7, 1)).files
    assert next_year.overlaps == () and "shares months" not in next_year.message
