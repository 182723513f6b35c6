"""AppTest of the s136 national benchmark page against a small serving snapshot (tests/apps/serving_fixture.py)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import duckdb
from serving_fixture import FORCE_NAMES, LATEST, YEARS, BuiltSnapshot, build_snapshot
from streamlit.testing.v1 import AppTest

TIMEOUT = 60


def run_app(app_path: str, **query_params: str) -> AppTest:
    at = AppTest.from_file(app_path, default_timeout=TIMEOUT)
    for key, value in query_params.items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_page_runs_and_shows_the_latest_national_total(app_path: str, serving_snapshot: BuiltSnapshot):
    at = run_app(app_path)
    assert not at.exception
    assert at.title[0].value == "s136 detentions: national benchmark"
    assert at.selectbox[0].value == LATEST
    total = serving_snapshot.national_detentions[LATEST]
    assert metric(at, "s136 detentions (E&W)") == f"{total:,}"
    assert f"**{total:,}**" in all_text(at)
    assert f"s135 detentions (counted apart): {total // 150:,}" in all_text(at)
    assert "Every figure on this page counts section 136 detentions" in all_text(at)
    assert at.query_params["fy"] == LATEST


def test_partial_year_is_flagged(app_path: str, serving_snapshot: BuiltSnapshot):
    with duckdb.connect(str(serving_snapshot.path)) as con:
        con.execute("update mart_s136_national_year set is_partial_year = true where fy_label = ?", [LATEST])
    at = run_app(app_path)
    assert not at.exception
    assert any("is not complete" in w.value and "not annual totals" in w.value for w in at.warning)


def test_force_table_lists_every_force_with_suppression(app_path: str, serving_snapshot: BuiltSnapshot):
    at = run_app(app_path)
    table = at.dataframe[0].value
    assert sorted(table["Force"]) == sorted(FORCE_NAMES)
    durham = table[table["Force"] == "Durham"].iloc[0]  # 6 detentions in the latest year: suppressed
    assert durham["Notes"] == "Count of 1–7 suppressed"
    assert durham["Detentions"] == -1  # the on-screen code, drawn as "*"
    assert math.isnan(durham["Rate per 100k"]), "no rate that would give the suppressed count back"
    assert durham["Compared with E&W"] == "Not compared"
    met = table[table["Force"] == "Metropolitan Police"].iloc[0]
    assert met["Detentions"] == 3900  # 3,902 rounded to 5
    btp = table[table["Force"] == "British Transport Police"].iloc[0]
    assert btp["Compared with E&W"] == "Not compared"
    assert "Higher than E&W (99.8%)" in set(table["Compared with E&W"])  # City of London
    assert at.get("download_button"), "a CSV download button"


def test_year_selector_changes_the_figures(app_path: str, serving_snapshot: BuiltSnapshot):
    at = run_app(app_path)
    at.selectbox[0].set_value(YEARS[0]).run()
    assert not at.exception
    assert metric(at, "s136 detentions (E&W)") == f"{serving_snapshot.national_detentions[YEARS[0]]:,}"
    table = at.dataframe[0].value
    assert table[table["Force"] == "Durham"].iloc[0]["Detentions"] == 320  # 318 in 2022-23
    assert at.query_params["fy"] == YEARS[0]


def test_year_comes_from_the_shareable_query_parameter(app_path: str, serving_snapshot: BuiltSnapshot):
    at = run_app(app_path, fy=YEARS[0])
    assert not at.exception
    assert at.selectbox[0].value == YEARS[0]
    assert metric(at, "s136 detentions (E&W)") == f"{serving_snapshot.national_detentions[YEARS[0]]:,}"
    # an unknown year falls back to the latest
    at = run_app(app_path, fy="1999-00")
    assert at.selectbox[0].value == LATEST


def test_standin_denominators_are_flagged(app_path: str, serving_snapshot: BuiltSnapshot):
    at = run_app(app_path)
    assert any("stand-in populations — not ONS figures" in w.value for w in at.warning)
    assert "Snapshot `20250101T000000000000Z`" in all_text(at)
    assert "British Transport Police (no resident population, so no rate per 100,000)" in all_text(at)
    assert "Durham (count of 1 to 7: suppressed)" in all_text(at)


def test_ons_denominators_show_no_standin_warning(app_path: str, isolated_home: Path):
    build_snapshot(isolated_home / "serving", standin=False, stamp="20250102T000000000000Z")
    at = run_app(app_path)
    assert not at.exception
    assert not at.warning
    assert "ONS mid-year population estimates" in all_text(at)


def test_no_snapshot_shows_a_friendly_message(app_path: str, isolated_home: Path):
    at = run_app(app_path)
    assert not at.exception
    assert len(at.info) == 1
    assert "make refresh" in at.info[0].value
    assert not at.metric and not at.dataframe


def test_snapshot_without_the_marts_shows_an_error_not_a_trace(app_path: str, isolated_home: Path):
    serving = isolated_home / "serving"
    serving.mkdir(parents=True)
    duckdb.connect(str(serving / "empty.duckdb")).close()
    os.symlink("empty.duckdb", serving / "current.duckdb")
    at = run_app(app_path)
    assert not at.exception
    assert len(at.error) == 1 and "make refresh" in at.error[0].value


def test_a_new_publish_is_picked_up(app_path: str, serving_snapshot: BuiltSnapshot):
    first = run_app(app_path)
    assert metric(first, "s136 detentions (E&W)") == f"{serving_snapshot.national_detentions[LATEST]:,}"
    newer = serving_snapshot.serving_dir / "20250201T000000000000Z.duckdb"
    newer.write_bytes(serving_snapshot.path.read_bytes())
    with duckdb.connect(str(newer)) as con:
        con.execute("update mart_s136_national_year set s136_detentions = 99999 where fy_label = ?", [LATEST])
    link = serving_snapshot.serving_dir / ".tmp-link"
    os.symlink(newer.name, link)
    os.replace(link, serving_snapshot.current)
    second = run_app(app_path)
    assert metric(second, "s136 detentions (E&W)") == "99,999"
