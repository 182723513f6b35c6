"""Inspections tracker (landing source `inspections`) and the coroners' PFD index (public file): ingestion, the
synthetic tracker, the Dagster asset, and (slow) the dbt marts built on both.

Fixtures are tiny and hand-written here; the real PFD index is read only from MHW_PUBLIC_DATA_DIR, never copied.
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from demo.inspections import (
    DEFAULT_MONTHS,
    generate_inspections,
    inspection_findings,
    review_date,
    territorial_forces,
)
from ingestion.gate.load import ingest_source
from ingestion.national.coroners import FILE_NAME, CoronersFileError, load_coroners_pfd, read_pfd_index
from ingestion.schema import ensure_raw_schema
from tests.dbt_runner import run_dbt

REPO = Path(__file__).resolve().parents[2]
KEY, KEY_ID = b"test-key-not-secret", "k-test"
NOW = datetime(2024, 8, 1, 12, 0)
HEADER = (
    "finding_id,inspectorate,report_id,report_title,published_on,inspection_type,force_code,pillar,finding_type,"
    "grade,text,npcc_objective,status,status_on,evidence_url"
)
# 2024-05 snapshot: rows 1-3 good (row 3 uses the readable spellings the code maps accept), rows 4-9 each break one
# rule, row 10 repeats the id of row 1.
MAY = [
    "T-R1,HMICFRS,T,Thematic (test),2023-11-01,thematic,,,recommendation,,national item,2,open,2024-05-28,",
    "P-AFI1,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,force item,4,in_progress,2024-05-28,",
    "P-G,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,grade,Requires improvement,g,1,complete,2024-05-28,",
    "P-AFI2,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,x,4,closed,2024-05-28,",
    "P-AFI3,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,x,6,open,2024-05-28,",
    "P-AFI4,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,x,3,open,2024-06-03,",
    "P-AFI5,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E99999999,pv,AFI,,x,3,open,2024-05-28,",
    "P-AFI6,HMICFRS,P,PEEL (test),2024-05-30,PEEL,E23000002,pv,AFI,,x,3,open,2024-05-28,",
    "P-AFI7,Ofsted,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,x,3,open,2024-05-28,",
    "T-R1,HMICFRS,T,Thematic (test),2023-11-01,thematic,,,recommendation,,national item,2,open,2024-05-29,",
]
JUNE = [
    "T-R1,HMICFRS,T,Thematic (test),2023-11-01,thematic,,,recommendation,,national item,2,in_progress,2024-06-28,",
    "P-AFI1,HMICFRS,P,PEEL (test),2024-01-15,PEEL,E23000002,pv,AFI,,force item,4,complete,2024-06-28,",
]


def _write(landing: Path, folder: str, period: str, rows: list[str], name: str = "tracker.csv") -> Path:
    path = landing / "inspections" / folder / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _ingest(con, landing: Path):
    return ingest_source(con, landing, source="inspections", key=KEY, key_id=KEY_ID, now=NOW)


# ---------------------------------------------------------------- inspections through the generic contract loader


def test_inspections_contract_good_and_bad_rows(con, tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "national", "2024-05", MAY)
    report = _ingest(con, landing)
    (result,) = report.files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 10, 3, 7)
    loaded = con.execute(
        "select finding_id, force_code, finding_type, grade, npcc_objective, status, status_on from raw.inspections "
        "order by row_number"
    ).fetchall()
    assert loaded == [
        ("T-R1", None, "recommendation", None, 2, "open", datetime(2024, 5, 28)),
        ("P-AFI1", "E23000002", "AFI", None, 4, "in_progress", datetime(2024, 5, 28)),
        ("P-G", "E23000002", "grade", "requires_improvement", 1, "complete", datetime(2024, 5, 28)),
    ]
    rejects = con.execute("select row_number, field, reason from raw.rejected_rows order by row_number").fetchall()
    by_row = {row: (field, reason) for row, field, reason in rejects}
    assert set(by_row) == {4, 5, 6, 7, 8, 9, 10}
    assert by_row[4][0] == "status" and "'closed' is not an allowed code" in by_row[4][1]
    assert by_row[5][0] == "npcc_objective" and "outside the allowed range 1 to 5" in by_row[5][1]
    assert by_row[6][0] == "status_on" and "outside the file's period 2024-05" in by_row[6][1]
    assert by_row[7][0] == "force_code" and "'E99999999' is not an allowed code" in by_row[7][1]
    assert by_row[8][0] == "status_on" and "is before published_on" in by_row[8][1]
    assert by_row[9][0] == "inspectorate" and "HMICFRS, CQC, HMIP, joint" in by_row[9][1]
    assert by_row[10][0] == "finding_id" and "repeated in this file; first seen at row 1" in by_row[10][1]


def test_inspections_status_history_across_periods_and_path_rules(con, tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "national", "2024-05", MAY[:3])
    _write(landing, "national", "2024-06", JUNE)  # the same ids a month later: history, not a clash
    _write(landing, "E23000002", "2024-06", JUNE)  # a national source under a force folder
    report = _ingest(con, landing)
    by_path = {f.path: f for f in report.files}
    assert by_path["inspections/national/2024-05/tracker.csv"].rows_loaded == 3
    assert by_path["inspections/national/2024-06/tracker.csv"].rows_loaded == 2
    wrong = by_path["inspections/E23000002/2024-06/tracker.csv"]
    assert wrong.status == "rejected_file" and "should be 'national'" in wrong.message
    history = con.execute(
        "select l.period, i.status from raw.inspections i join raw.load_ledger l using (load_id) "
        "where i.finding_id = 'T-R1' order by l.period"
    ).fetchall()
    assert history == [("2024-05", "open"), ("2024-06", "in_progress")]
    # a corrected June snapshot supersedes the first June delivery only
    _write(landing, "national", "2024-06", JUNE[:1], name="tracker_v2.csv")
    (again,) = _ingest(con, landing).files
    assert again.status == "loaded" and "replaces inspections/national/2024-06/tracker.csv" in again.message
    active = con.execute(
        "select l.period, count(*) from raw.inspections i join raw.load_ledger l using (load_id) "
        "where l.status = 'loaded' group by 1 order by 1"
    ).fetchall()
    assert active == [("2024-05", 3), ("2024-06", 1)]


# ---------------------------------------------------------------- the synthetic tracker


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_synthetic_inspections_deterministic_and_covering(con, tmp_path):
    assert generate_inspections(tmp_path / "a", seed=7) == len(DEFAULT_MONTHS)
    generate_inspections(tmp_path / "b", seed=7)
    generate_inspections(tmp_path / "c", seed=8)
    first = _tree(tmp_path / "a")
    assert first == _tree(tmp_path / "b")
    assert first != _tree(tmp_path / "c")
    assert sorted(first) == [f"inspections/national/{m}/inspections_national_{m}.csv" for m in DEFAULT_MONTHS]

    findings = inspection_findings(7)
    forces = {code for code, _ in territorial_forces()}
    assert len(forces) == 43
    assert {f.force_code for f in findings if f.finding_type == "grade"} == forces
    assert {f.force_code for f in findings if f.finding_type == "AFI"} == forces  # every force has an AFI
    assert {f.npcc_objective for f in findings} == {1, 2, 3, 4, 5}
    national = [f for f in findings if not f.force_code]
    assert national and all(f.finding_type == "recommendation" for f in national)
    assert {f.npcc_objective for f in national} == {1, 2, 3, 4, 5}
    assert all("synthetic" in f.text and "synthetic sample" in f.report_title for f in findings)
    # status over time: some items move open -> in_progress -> complete inside the window, some stay open
    months = [review_date(m) for m in DEFAULT_MONTHS]
    paths = [tuple(f.status_at(d) for d in months if d >= f.published_on) for f in findings]
    assert any("open" in p and "in_progress" in p and "complete" in p for p in paths)
    assert any(p and set(p) == {"open"} and len(p) == len(months) for p in paths)  # ageing open items
    assert any("superseded" in p for p in paths)

    report = _ingest_all(con, tmp_path / "a")
    assert report.rows_rejected == 0 and report.count("loaded") == len(DEFAULT_MONTHS)
    latest = con.execute(
        "select count(*), count(distinct i.force_code) from raw.inspections i join raw.load_ledger l using (load_id) "
        "where l.period = ?",
        [DEFAULT_MONTHS[-1]],
    ).fetchone()
    assert latest == (len(findings), 43)


def _ingest_all(con, landing: Path):
    return ingest_source(con, landing, source="inspections", key=KEY, key_id=KEY_ID)


# ---------------------------------------------------------------- coroners' PFD index

PFD_HEADER = (
    "date_of_report,ref,coroner_area,category,sent_to,sent_to_police,text_mentions_police,"
    "text_mentions_s136_or_place_of_safety,report_url"
)
PFD_ROWS = [
    '27/03/2024,2024-0001,Area One,"Suicide (from 2015) | Mental Health related deaths",A Police | B Trust,1,1,0,'
    "https://example.org/pfd/a",
    "02/04/2023,2023-0002,Area One,Police related deaths,B Trust,0,1,1,https://example.org/pfd/b",
    "15/07/2019,,Area Two,Mental Health related deaths,C Constabulary,1,0,0,https://example.org/pfd/c",
]


def _pfd(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    path.write_text("\n".join([PFD_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_coroners_loader_tiny_file(con, tmp_path):
    public = tmp_path / "public"
    _pfd(public, PFD_ROWS)
    assert load_coroners_pfd(con, public).rows_loaded == 3
    assert load_coroners_pfd(con, public).rows_loaded == 0  # the same file again loads nothing
    rows = con.execute(
        "select row_number, report_date, ref, coroner_area, sent_to_police, text_mentions_police, "
        "text_mentions_s136_or_place_of_safety, source_file from raw.coroners_pfd_reports order by row_number"
    ).fetchall()
    assert rows == [
        (1, date(2024, 3, 27), "2024-0001", "Area One", True, True, False, FILE_NAME),
        (2, date(2023, 4, 2), "2023-0002", "Area One", False, True, True, FILE_NAME),
        (3, date(2019, 7, 15), None, "Area Two", True, False, False, FILE_NAME),
    ]
    # a new edition replaces the old one
    _pfd(public, PFD_ROWS[:2])
    assert load_coroners_pfd(con, public).rows_loaded == 2
    assert con.execute("select count(*) from raw.coroners_pfd_reports").fetchone()[0] == 2
    statuses = con.execute("select status from raw.load_ledger order by loaded_at").fetchall()
    assert statuses == [("superseded",), ("loaded",)]


def test_coroners_loader_absent_folder_or_file(con, tmp_path):
    assert load_coroners_pfd(con, None).rows_loaded == 0
    assert load_coroners_pfd(con, tmp_path / "empty").rows_loaded == 0


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (PFD_ROWS[1].replace("02/04/2023", "2023-04-02"), "row 2, field date_of_report: '2023-04-02' is not a date"),
        (PFD_ROWS[1].replace("02/04/2023", "31/02/2023"), "row 2, field date_of_report: '31/02/2023' is not a date"),
        (PFD_ROWS[1].replace(",0,1,1,", ",yes,1,1,"), "row 2, field sent_to_police: 'yes' is not a 0/1 flag"),
        (PFD_ROWS[1].replace("Area One", ""), "row 2, field coroner_area: is missing"),
        (PFD_ROWS[0], "row 2, field report_url: 'https://example.org/pfd/a' is repeated; first seen at row 1"),
    ],
)
def test_coroners_loader_bad_values_name_file_row_field(con, tmp_path, bad_row, expected):
    path = _pfd(tmp_path / "public", [PFD_ROWS[0], bad_row, PFD_ROWS[2]])
    with pytest.raises(CoronersFileError) as err:
        read_pfd_index(path)
    assert str(err.value).startswith(FILE_NAME + ": ")
    assert expected in str(err.value)
    with pytest.raises(CoronersFileError):
        load_coroners_pfd(con, tmp_path / "public")
    assert con.execute("select count(*) from raw.load_ledger").fetchone()[0] == 0  # nothing written


def test_coroners_asset_loads_the_index_once(tmp_path, monkeypatch):
    from orchestration.assets.national_sources import national_source_assets
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("MHW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(tmp_path / "public"))
    _pfd(tmp_path / "public", PFD_ROWS)
    [asset] = [a for a in national_source_assets if a.key == dg.AssetKey(["raw", "coroners_pfd_reports"])]
    loaded = []
    for _ in range(2):
        result = dg.materialize([asset], resources={"warehouse": WarehouseResource()})
        (event,) = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
        loaded.append((metadata["rows_loaded"].value, metadata["rows_available"].value))
    assert loaded == [(3, 3), (0, 3)]  # the same file again loads nothing and leaves the rows in place
    assert f"{FILE_NAME} [2019-2024]: already loaded (unchanged)" == metadata["files"].value


# ---------------------------------------------------------------- slow: dbt marts on the sample and the real file


@pytest.mark.slow
def test_marts_built_from_sample_and_real_pfd_index(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    landing = tmp_path / "landing"
    seed = 11
    generate_inspections(landing, seed=seed)
    con = duckdb.connect(str(warehouse))
    ensure_raw_schema(con)
    assert _ingest_all(con, landing).rows_rejected == 0
    public = os.environ.get("MHW_PUBLIC_DATA_DIR")
    real = Path(public) / FILE_NAME if public else None
    has_real = real is not None and real.is_file()
    if has_real:
        assert load_coroners_pfd(con, Path(public)).rows_loaded > 0
    con.close()

    select = ["+mart_inspection_recommendations", "+mart_inspection_force_summary", "+mart_coroner_pfd_learning"]
    run_dbt(["build", "--select", *select, "--indirect-selection", "cautious"], tmp_path, warehouse=warehouse)

    findings = inspection_findings(seed)
    as_of = review_date(DEFAULT_MONTHS[-1])
    outstanding = {"open", "in_progress"}
    expected = {
        f.finding_id: (f.status_at(as_of), (as_of - f.published_on).days if f.status_at(as_of) in outstanding else None)
        for f in findings
        if f.finding_type in {"recommendation", "AFI"}
    }
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        mart = con.execute(
            "select finding_id, status, age_days, force_code, status_on from marts.mart_inspection_recommendations"
        ).fetchall()
        assert {r[0]: (r[1], r[2]) for r in mart} == expected
        assert all(r[4] == as_of for r in mart)
        assert {r[3] for r in mart} == {code for code, _ in territorial_forces()} | {"national"}
        summary = con.execute(
            "select force_code, items, n_open, n_in_progress, n_complete, n_superseded, oldest_outstanding_age_days "
            "from marts.mart_inspection_force_summary"
        ).fetchall()
        assert len(summary) == 44  # 43 territorial forces + national
        assert sum(r[1] for r in summary) == len(expected)
        for status, col in (("open", 2), ("in_progress", 3), ("complete", 4), ("superseded", 5)):
            assert sum(r[col] for r in summary) == sum(1 for s, _ in expected.values() if s == status)
        oldest = max(age for _, age in expected.values() if age is not None)
        assert max(r[6] or 0 for r in summary) == oldest

        pfd = con.execute(
            "select period_type, sum(reports), sum(sent_to_police), sum(mentions_s136_or_place_of_safety) "
            "from marts.mart_coroner_pfd_learning group by 1 order by 1"
        ).fetchall()
        if not has_real:  # the real-file part needs MHW_PUBLIC_DATA_DIR holding the PFD index
            assert pfd == []
            return
        with open(real, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        totals = (len(rows), sum(r["sent_to_police"] == "1" for r in rows),
                  sum(r["text_mentions_s136_or_place_of_safety"] == "1" for r in rows))  # fmt: skip
        assert pfd == [("calendar_year", *totals), ("financial_year", *totals)]
        per_area_year = con.execute(
            "select coroner_area, period_label, reports, report_urls from marts.mart_coroner_pfd_learning "
            "where period_type = 'calendar_year'"
        ).fetchall()
        for area, year, n, urls in per_area_year:
            mine = [r for r in rows if r["coroner_area"] == area and r["date_of_report"].endswith(year)]
            assert n == len(mine) and sorted(urls.split(" | ")) == sorted(r["report_url"] for r in mine)
    finally:
        con.close()
