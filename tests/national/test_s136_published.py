"""Published England and Wales s136 totals (ingestion/national/s136_national.py): the two transcribed texts read
from small fixtures here and from MHW_PUBLIC_DATA_DIR when it is set, and the mart that sets them beside the
warehouse's own totals in the session's pipeline snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from ingestion.national.aliases import UnmappedForceName
from ingestion.national.s136_national import S136PublishedFileError, load_s136_published

HAC_FILE = "hac_2015_s136_detentions_police_cell_vs_health_2011-12_to_2013-14_transcribed.csv"
PQ_FILE = "pq_190083_mha_s136_s135_detentions_2020-21_2021-22_transcribed.csv"
HAC_HEADER = "financial_year,total_s136_detentions_taken_to_place_of_safety,police_cell,health_based"
PQ_HEADER = "year_ending,section_136_detentions,section_135_detentions,note"
HAC_ROWS = ["2011-12,25000,9000,16000", "2012-13,22834,7761,15073"]
PQ_ROWS = ['March 2021,33883,2691,"s136 excludes Dyfed-Powys"', "March 2022,36529,,"]


def _public(tmp_path: Path, hac: list[str], pq: list[str]) -> Path:
    folder = tmp_path / "public"
    folder.mkdir(exist_ok=True)
    (folder / HAC_FILE).write_text("\n".join([HAC_HEADER, *hac]) + "\n")
    (folder / PQ_FILE).write_text("\n".join([PQ_HEADER, *pq]) + "\n")
    return folder


def _active(con) -> list[tuple]:
    return con.execute(
        "select fy_label, s136_detentions, s136_police_cell, s136_health_based, s135_detentions, is_rounded, "
        "s136_excluded_forces from raw.s136_published_national join raw.load_ledger l using (load_id) "
        "where l.status = 'loaded' order by fy_label"
    ).fetchall()


def test_both_texts_load_as_one_table_by_financial_year(con, tmp_path):
    public = _public(tmp_path, HAC_ROWS, PQ_ROWS)
    report = load_s136_published(con, public)
    assert report.rows_loaded == 4 and len(report.files) == 2
    assert _active(con) == [
        ("2011-12", 25000, 9000, 16000, None, True, None),  # whole thousands: the year the source rounds
        ("2012-13", 22834, 7761, 15073, None, False, None),
        ("2020-21", 33883, None, None, 2691, False, "W15000004"),  # 'year ending March 2021'; Dyfed-Powys left out
        ("2021-22", 36529, None, None, None, False, None),
    ]
    assert load_s136_published(con, public).rows_loaded == 0, "the same files load nothing again"


def test_a_changed_file_replaces_only_its_own_earlier_load(con, tmp_path):
    public = _public(tmp_path, HAC_ROWS, PQ_ROWS)
    load_s136_published(con, public)
    _public(tmp_path, HAC_ROWS, ["March 2022,36594,2901,including Dyfed-Powys"])
    assert load_s136_published(con, public).rows_loaded == 1
    assert [(fy, n) for fy, n, *_ in _active(con)] == [("2011-12", 25000), ("2012-13", 22834), ("2021-22", 36594)]


def test_a_second_file_of_a_year_already_published_loads_beside_the_first(con, tmp_path):
    """A revised transcription under another name beside the first: both stay in force in raw (editions sit side
    by side), and staging gives the year from the latest load (stg_s136_published__national_totals, whose unique
    test runs in every build), so the refresh does not stop on a repeated year."""
    public = _public(tmp_path, HAC_ROWS, PQ_ROWS)
    load_s136_published(con, public)
    (public / PQ_FILE.replace("2021-22_", "2021-22_revised_")).write_text(PQ_HEADER + "\nMarch 2022,36594,2901,\n")
    assert load_s136_published(con, public).rows_loaded == 1
    years = [fy for fy, *_ in _active(con)]
    assert years.count("2021-22") == 2, "both files stay in force in raw"


@pytest.mark.parametrize(
    ("hac", "pq", "message"),
    [
        (HAC_ROWS, ["March 2021,33 883x,2691,"], f"{PQ_FILE}: row 1, field section_136_detentions: '33 883x' is not"),
        (HAC_ROWS, ["June 2021,33883,2691,"], f"{PQ_FILE}: row 1, field year_ending: 'June 2021' is not a financial"),
        (["2012-14,22834,7761,15073"], PQ_ROWS, f"{HAC_FILE}: row 1, field financial_year: '2012-14' is not"),
        ([*HAC_ROWS, "2012-13,1,1,0"], PQ_ROWS, "rows 2, 3: financial year 2012-13 .field financial_year. appears"),
        (["2012-13,,7761,15073"], PQ_ROWS, "row 1, field total_s136_detentions_taken_to_place_of_safety: is blank"),
        (["2012-13,22835,7761,15073"], PQ_ROWS, "row 1: police_cell 7,761 and health_based 15,073 add up to 22,834"),
        (["2012-13,inf,7761,15073"], PQ_ROWS, "row 1, field total_s136_detentions_taken_to_place_of_safety: 'inf'"),
        (HAC_ROWS, ["March 2021,1e4,2691,"], f"{PQ_FILE}: row 1, field section_136_detentions: '1e4' is not"),
        (HAC_ROWS, ['March 2021,33883,2691,"s136 excludes Gotham"'], "unknown force name.s. 'Gotham'"),
    ],
)
def test_a_value_that_does_not_read_fails_the_load_naming_file_row_and_field(con, tmp_path, hac, pq, message):
    public = _public(tmp_path, hac, pq)
    with pytest.raises((S136PublishedFileError, UnmappedForceName), match=message):
        load_s136_published(con, public)


@pytest.mark.skipif(not os.environ.get("MHW_PUBLIC_DATA_DIR"), reason="MHW_PUBLIC_DATA_DIR not set")
def test_the_real_texts_load_whole(con):
    report = load_s136_published(con, os.environ["MHW_PUBLIC_DATA_DIR"])
    assert report.rows_loaded == 5
    rows = {fy: rest for fy, *rest in _active(con)}
    assert rows["2020-21"][0] == 33883 and rows["2021-22"][0] == 36529 and rows["2021-22"][3] == 2901
    for fy in ("2011-12", "2012-13", "2013-14"):  # the HAC's split adds up to its total
        total, cell, health, *_ = rows[fy]
        assert cell + health == total, fy
    assert [fy for fy, r in rows.items() if r[4]] == ["2011-12"]


def test_the_mart_sets_the_published_totals_beside_the_warehouses(pipeline_snapshot_build):
    """In the session's snapshot (built by the real pipeline): every published year, the warehouse's own total of
    the same year where it holds one, and their difference."""
    rows = pipeline_snapshot_build.frame(
        "select p.*, n.s136_detentions as national from mart_s136_national_published p "
        "left join mart_s136_national_year n using (fy_label) order by fy_label"
    )
    if not pipeline_snapshot_build.public_data:
        assert rows.is_empty(), "no public files, no published figures"
        return
    assert rows["fy_label"].to_list() == ["2011-12", "2012-13", "2013-14", "2020-21", "2021-22"]
    held = rows.filter(rows["national"].is_not_null())
    assert held["fy_label"].to_list() == ["2021-22"], "the snapshot's s136 years start in 2021-22"
    r = held.row(0, named=True)
    with duckdb.connect(str(pipeline_snapshot_build.warehouse), read_only=True) as con:
        dyfed = con.execute(
            "select count(*) from marts.fct_s136_detentions where force_code = 'W15000004' and fy_label = '2021-22' "
            "and power = 's136'"
        ).fetchone()[0]
    assert r["warehouse_s136_detentions"] == r["national"]
    assert r["warehouse_s136_like_for_like"] == r["national"] - dyfed
    assert r["s136_difference"] == r["national"] - dyfed - 36529
    assert r["s136_difference_pct"] == round(100 * (r["national"] - dyfed - 36529) / 36529, 1)
    assert rows.filter(rows["national"].is_null())["s136_difference"].null_count() == 4


def test_a_file_loaded_by_an_earlier_reader_loads_again_with_what_the_reader_now_keeps(con, tmp_path):
    """PQ 190083 loaded before s136_excluded_forces existed (its reader's earlier layout name, the column NULL):
    the next load reads it again under the new layout and supersedes that load, so the like-for-like total does
    not silently count Dyfed-Powys."""
    public = _public(tmp_path, HAC_ROWS, PQ_ROWS)
    load_s136_published(con, public)
    con.execute("update raw.load_ledger set layout = 'transcribed_pq_190083' where layout like 'transcribed_pq%'")
    con.execute("update raw.s136_published_national set s136_excluded_forces = null")
    report = load_s136_published(con, public)
    assert [(f.file, f.rows_loaded) for f in report.files] == [(HAC_FILE, 0), (PQ_FILE, 2)]
    assert [forces for fy, *_, forces in _active(con) if fy == "2020-21"] == ["W15000004"]
    statuses = con.execute(
        "select layout, status from raw.load_ledger where layout like 'transcribed_pq%' order by loaded_at"
    ).fetchall()
    assert statuses == [("transcribed_pq_190083", "superseded"), ("transcribed_pq_190083_v2", "loaded")]
