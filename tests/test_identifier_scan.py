"""The identifier scanner finds NHS numbers, PNC IDs and dates of birth in text columns, and ignores tokens."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from mhw.identifier_scan import scan_identifiers
from mhw.serving import PublishError, publish_snapshot


def test_finds_identifier_shapes_and_ignores_tokens_and_event_times():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.clean (token varchar, reason varchar, seen_at timestamp)")
    tokens = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(500)]
    con.executemany(
        "insert into raw.clean values (?, ?, now())",
        [(t, "created_at: '31/02/2024 10:00' is not a date-time") for t in tokens],
    )
    con.execute("create table raw.leaky (note varchar, other varchar)")
    con.execute("insert into raw.leaky values ('called 943 476 5919 twice', 'fine'), ('PNC 2004/0000123A', 'x')")
    con.execute("insert into raw.leaky values ('born 03/02/1990', 'seen 2024-05-01T10:00')")
    con.execute("insert into raw.clean values ('[[-0.1234567890, 51.9876543210]]', 'ok', now())")  # GeoJSON
    found = {(f.table, f.column, f.shape) for f in scan_identifiers(con)}
    assert found == {
        ("raw.leaky", "note", "nhs_number"),
        ("raw.leaky", "note", "pnc_id"),
        ("raw.leaky", "note", "date_of_birth"),
    }


def test_a_finding_counts_every_row_with_the_shape_repeated_values_and_all():
    con = duckdb.connect()
    con.execute("create table rows_seen (a varchar, b varchar, c varchar)")
    con.executemany(
        "insert into rows_seen values (?, ?, ?)",
        [("943 476 5919", "ok", None)] * 3 + [("9434765870", "ok", None), (None, "ok", None), ("ok", "ok", None)],
    )
    assert [(f.column, f.shape, f.rows) for f in scan_identifiers(con)] == [("a", "nhs_number", 4)]


def test_publish_refuses_a_mart_with_an_identifier_shaped_value(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.load_ledger (status varchar)")
    con.execute("create table marts.mart_notes as select 'E23000001' as force_code, 'ref 2004/123A' as note")
    con.close()
    with pytest.raises(PublishError, match=r"mart_notes.note \(pnc_id, 1 rows\)"):
        publish_snapshot(warehouse, tmp_path / "serving")
    assert not list((tmp_path / "serving").glob("*.duckdb"))


def test_columns_declaring_their_dates_are_of_events_are_not_read_as_dates_of_birth():
    """A scheme's start as its source printed it (street triage began in 2013-15) is a date of an event: the dbt yml
    says so (`meta: {dates_of: events}`), and the scan then looks there for NHS numbers and PNC IDs only."""
    from mhw.identifier_scan import event_date_columns
    from mhw.published import load_manifest
    from mhw.settings import DBT_MANIFEST

    declared = event_date_columns(load_manifest(DBT_MANIFEST))
    assert {("dim_scheme", "start_as_printed"), ("mart_scheme_evaluation", "caveats")} <= declared
    con = duckdb.connect()
    con.execute("create table dim_scheme (start_as_printed varchar, note varchar)")
    con.execute("insert into dim_scheme values ('2014-06-02', 'called 943 476 5919'), ('1 June 2014', '2014-06-02')")
    found = {(f.column, f.shape) for f in scan_identifiers(con, event_dates=declared)}
    assert found == {("note", "nhs_number"), ("note", "date_of_birth")}
    assert ("start_as_printed", "date_of_birth") in {(f.column, f.shape) for f in scan_identifiers(con)}
