"""Scheme register inputs: dates as printed (the parser), the published RCRP / street triage files (public files,
read from small fixtures here and from MHW_PUBLIC_DATA_DIR when it is set), the forces' own registers (landing
source `scheme_register`) and the demo's registers.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from demo.force_extracts import RCRP_DEPLOYED_FACTOR, national_parameters, parse_months
from demo.scheme_register import generate_scheme_registers, register_rows
from ingestion.gate.load import ingest_source
from ingestion.national.aliases import UnmappedForceName
from ingestion.national.schemes import (
    MH_SCHEMES_FILE,
    RCRP_FILE,
    SchemesFileError,
    load_mh_schemes_published,
    load_rcrp_published,
    read_printed_date,
)

KEY, KEY_ID = b"test-key-not-secret", "k-test"
RCRP_HEADER = "force,phase_or_event,date_as_printed,note,source"
MH_HEADER = "force,scheme,model_as_described,start_as_printed,detail,source"


@pytest.mark.parametrize(
    ("text", "window", "precision", "supplied", "planned"),
    [
        ("8 January 2024", (date(2024, 1, 8), date(2024, 1, 8)), "day", False, False),
        ("Wednesday, 15 May 2024", (date(2024, 5, 15), date(2024, 5, 15)), "day", False, False),
        ("14th May 2024", (date(2024, 5, 14), date(2024, 5, 14)), "day", False, False),
        ("January 31 2023", (date(2023, 1, 31), date(2023, 1, 31)), "day", False, False),
        ("from Monday 6 January 20[25]", (date(2025, 1, 6), date(2025, 1, 6)), "day", True, False),
        ("April [2023]", (date(2023, 4, 1), date(2023, 4, 30)), "month", True, False),
        ("February 2024 (force news item)", (date(2024, 2, 1), date(2024, 2, 29)), "month", False, False),
        ("proposed to commence December 2013", (date(2013, 12, 1), date(2013, 12, 31)), "month", False, True),
        ("Launching in August [2018]", (date(2018, 8, 1), date(2018, 8, 31)), "month", True, True),
        ("autumn 2014 work begins on funding; evaluated 2017", (date(2014, 9, 1), date(2014, 11, 30)), "season",
         False, False),
        ("2013 (announced 21 August 2013)", (date(2013, 1, 1), date(2013, 12, 31)), "year", False, False),
        ("initiated by Humberside Police in 2019", (date(2019, 1, 1), date(2019, 12, 31)), "year", False, False),
        ("introduced in four phases during 2020 and 2021", (date(2020, 1, 1), date(2021, 12, 31)), "year_range",
         False, False),
        ("before 4 February 2023 ('Similar schemes...')", (None, date(2023, 2, 4)), "before", False, False),
        ("not stated in source excerpt", (None, None), "not_stated", False, False),
        ("'Last December' (PCC release, 10 December [2014])", (None, None), "not_stated", False, False),
        ("between Monday 12th and Monday 26th September (year not in excerpt)", (None, None), "not_stated", False,
         False),
        ("paused (announced 2nd Feb 2024)", (None, None), "not_stated", False, False),
    ],
)  # fmt: skip
def test_printed_dates_are_read_as_a_window_with_their_precision(text, window, precision, supplied, planned):
    read = read_printed_date(text)
    assert (read.start_from, read.start_to) == window
    assert (read.precision, read.is_year_supplied, read.is_planned) == (precision, supplied, planned)


@pytest.mark.parametrize("text", ["1 Ocotber 2023", "next spring", "31 February 2024", "Q3 2023"])
def test_a_date_form_the_parser_does_not_know_is_an_error_not_a_guess(text):
    with pytest.raises(ValueError, match="is not a"):
        read_printed_date(text)


def _public(tmp_path: Path, rcrp: list[str], schemes: list[str]) -> Path:
    folder = tmp_path / "public"
    folder.mkdir(exist_ok=True)
    (folder / RCRP_FILE).write_text("\n".join([RCRP_HEADER, *rcrp]) + "\n")
    (folder / MH_SCHEMES_FILE).write_text("\n".join([MH_HEADER, *schemes]) + "\n")
    return folder


RCRP_ROWS = [
    "Cheshire,go-live,8 January 2024,,Mersey Care - https://example.org/a",
    "Sussex,Phase 1 launch,2 April 2024,\"Sussex Police page: 'In April'\",SECAmb - https://example.org/b",
    'Sussex,Phase 2 (abscond),"Wednesday, 15 May 2024",,Sussex Police - https://example.org/c',
    "Warwickshire,adoption announced,February 2024 (filed under 2024/february),,Warwickshire - https://example.org/d",
    "National (England and Wales),National Partnership Agreement,July 2023,,LGA - https://example.org/e",
]
SCHEME_ROWS = [
    "Cleveland,street triage (trial),mental health professional with police,August 2012,,MHT - https://example.org/f",
    "Greater Manchester,24-7 Control Room Triage,control room: professionals,Launching in August [2018],,PC - x",
    "South Wales,PSC triage,control room triage,not stated; second evaluation 2019,,docslib - y",
    "England and Wales (42 of 43 forces),coverage,,as of November 2018,,HMICFRS - z",
]


def test_published_files_load_every_row_with_force_codes_kinds_and_windows(con, tmp_path):
    public = _public(tmp_path, RCRP_ROWS, SCHEME_ROWS)
    assert load_rcrp_published(con, public).rows_loaded == 5
    assert load_mh_schemes_published(con, public).rows_loaded == 4
    rcrp = con.execute(
        "select force_code, event_kind, start_from, start_to, date_precision from raw.rcrp_go_live_published "
        "order by row_number"
    ).fetchall()
    assert rcrp == [
        ("E23000006", "start", date(2024, 1, 8), date(2024, 1, 8), "day"),
        ("E23000033", "start", date(2024, 4, 2), date(2024, 4, 2), "day"),
        ("E23000033", "start", date(2024, 5, 15), date(2024, 5, 15), "day"),
        ("E23000017", "announced", date(2024, 2, 1), date(2024, 2, 29), "month"),
        (None, "national_agreement", date(2023, 7, 1), date(2023, 7, 31), "month"),
    ]
    schemes = con.execute(
        "select force_code, scheme_type, event_kind, date_precision, is_year_supplied, is_planned "
        "from raw.mh_schemes_published order by row_number"
    ).fetchall()
    assert schemes == [
        ("E23000013", "street_triage", "start", "month", False, False),
        ("E23000005", "control_room_mh_practitioner", "start", "month", True, True),
        ("W15000003", "control_room_mh_practitioner", "start", "not_stated", False, False),
        (None, "street_triage", "coverage", "month", False, False),
    ]
    again = load_rcrp_published(con, public)
    assert again.rows_loaded == 0 and again.files[0].note == "already loaded (unchanged)"


def test_a_changed_published_file_replaces_the_earlier_one(con, tmp_path):
    public = _public(tmp_path, RCRP_ROWS, SCHEME_ROWS)
    load_rcrp_published(con, public)
    _public(tmp_path, RCRP_ROWS[:2], SCHEME_ROWS)
    assert load_rcrp_published(con, public).rows_loaded == 2
    active = con.execute(
        "select count(*) from raw.rcrp_go_live_published r join raw.load_ledger l using (load_id) "
        "where l.status = 'loaded'"
    ).fetchone()
    assert active == (2,)


def test_an_unreadable_date_fails_the_load_naming_file_row_and_field(con, tmp_path):
    public = _public(tmp_path, [*RCRP_ROWS[:2], "Kent,go-live,2 Aprl 2024,,SECAmb - x"], SCHEME_ROWS)
    with pytest.raises(SchemesFileError, match=rf"{RCRP_FILE}: row 3, field date_as_printed: '2 Aprl 2024'"):
        load_rcrp_published(con, public)
    assert con.execute("select count(*) from raw.rcrp_go_live_published").fetchone() == (0,)


def test_an_unknown_force_name_fails_the_load(con, tmp_path):
    public = _public(tmp_path, ["Gotham,go-live,8 January 2024,,x"], SCHEME_ROWS)
    with pytest.raises(UnmappedForceName, match="row.* 1.*Gotham"):
        load_rcrp_published(con, public)


@pytest.mark.skipif(not os.environ.get("MHW_PUBLIC_DATA_DIR"), reason="MHW_PUBLIC_DATA_DIR not set")
def test_the_real_published_files_load_whole(con):
    public = os.environ["MHW_PUBLIC_DATA_DIR"]
    rcrp, schemes = load_rcrp_published(con, public), load_mh_schemes_published(con, public)
    read = con.execute("select count(*) from raw.rcrp_go_live_published").fetchone()[0]
    assert rcrp.rows_loaded == read == 37 and schemes.rows_loaded == 26
    met = con.execute(
        "select start_from from raw.rcrp_go_live_published where force_code = 'E23000001' and event_kind = 'start'"
    ).fetchall()
    assert met == [(date(2023, 11, 1),)]  # 'Londoners getting better police service with RCRP', 1 November 2023


def _register(landing: Path, force: str, period: str, rows: list[str]) -> None:
    folder = landing / "scheme_register" / force / period
    folder.mkdir(parents=True, exist_ok=True)
    header = "scheme_id,force_code,scheme_type,scheme_name,model_type,start_date,start_precision,date_basis,end_date"
    (folder / "register.csv").write_text("\n".join([header, *rows]) + "\n")


def test_a_force_register_loads_through_the_gate_with_row_level_rejects(con, tmp_path):
    landing = tmp_path / "landing"
    _register(
        landing,
        "E23000002",
        "2024-06",
        [
            "C-RCRP,E23000002,rcrp,RCRP,,2024-05-14,day,force_record,",
            "C-ST1,E23000002,street_triage,Carlisle car,co_response,2016-04-01,month,published,2019-03-31",
            "C-X,E23000002,drone,?,,2024-01-01,day,assumed,",
            "C-END,E23000002,street_triage,?,,2024-01-01,day,assumed,2023-01-01",
            "C-RCRP,E23000002,rcrp,again,,2024-05-14,day,force_record,",
        ],
    )
    report = ingest_source(con, landing, "scheme_register", KEY, KEY_ID, now=datetime(2024, 7, 1))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 2, 3)
    reasons = con.execute("select row_number, field, reason from raw.rejected_rows order by row_number").fetchall()
    assert [(r, f) for r, f, _ in reasons] == [(3, "scheme_type"), (4, "end_date"), (5, "scheme_id")]
    assert "expected one of rcrp, street_triage" in reasons[0][2]
    assert "is before start_date" in reasons[1][2]


def test_the_demo_registers_hold_the_dates_the_demo_plants_its_effects_at(tmp_path):
    months = parse_months("2023-04:2025-03")
    nat = national_parameters(42, months)
    assert RCRP_DEPLOYED_FACTOR == 0.71
    rows = {r["scheme_id"]: r for f in nat.forces for r in register_rows(nat, f, months[0])}
    for force, go_live in nat.go_live.items():
        assert rows[f"{force}-RCRP"]["start_date"] == go_live
    assert rows["E23000014-RCRP"]["date_basis"] == "assumed"  # assumed_demo in the seed
    assert rows["E23000001-RCRP"]["date_basis"] == "published"
    late = [s for f in nat.forces for s in nat.schemes.get(f, []) if s.start > months[0]]
    assert late and all(rows[s.scheme_id]["start_date"] == datetime.fromisoformat(f"{s.start}-01") for s in late)
    landing = tmp_path / "landing"
    written = generate_scheme_registers(landing, 42, months, forces=("E23000001", "E23000014", "E23000034"))
    assert written == 2  # the City of London runs no demo scheme
    con = duckdb.connect()
    report = ingest_source(con, landing, "scheme_register", KEY, KEY_ID)
    assert report.rows_rejected == 0 and report.rows_loaded == 2


def test_the_dagster_assets_load_the_published_files_once_and_fail_cleanly_on_a_bad_date(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.assets.national_sources import national_source_assets
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("MHW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(_public(tmp_path, RCRP_ROWS, SCHEME_ROWS)))
    keys = {dg.AssetKey(["raw", "rcrp_go_live_published"]), dg.AssetKey(["raw", "mh_schemes_published"])}
    assets = [a for a in national_source_assets if a.key in keys]
    loaded = []
    for _ in range(2):
        result = dg.materialize(assets, resources={"warehouse": WarehouseResource()})
        loaded.append(
            sorted((e.asset_key.path[-1], e.materialization.metadata["rows_loaded"].value)
                   for e in result.get_asset_materialization_events())
        )  # fmt: skip
    assert loaded == [[("mh_schemes_published", 4), ("rcrp_go_live_published", 5)]] + [
        [("mh_schemes_published", 0), ("rcrp_go_live_published", 0)]
    ]
    _public(tmp_path, ["Kent,go-live,2 Aprl 2024,,x"], SCHEME_ROWS)
    rcrp = [a for a in assets if a.key.path[-1] == "rcrp_go_live_published"]
    failed = dg.materialize(rcrp, resources={"warehouse": WarehouseResource()}, raise_on_error=False)
    assert not failed.success
    failure = failed.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert f"{RCRP_FILE}: row 1, field date_as_printed: '2 Aprl 2024'" in failure.description
