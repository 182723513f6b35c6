"""The disclosure scan's rules on small hand-made tables (the pipeline-built snapshot is scanned in
tests/orchestration/test_refresh_e2e.py)."""

from __future__ import annotations

import json

import duckdb
import pytest

from mhw.disclosure_scan import load_rules, scan_disclosure
from mhw.published import load_manifest

MART = {
    "config": {"meta": {"disclosure_national_rows": "geography = 'E&W'"}},
    "columns": {
        "people": {"config": {"meta": {"disclosure": "count"}}},
        "difference": {"meta": {"disclosure": "count"}},  # the older top-level meta is read too
        "base": {"config": {"meta": {"disclosure": "count"}}},
        "pct": {"config": {"meta": {"disclosure": "statistic", "withheld_with": ["people", "base"]}}},
        "published_figure": {"config": {"meta": {"disclosure": "published"}}},
        "population": {"config": {"meta": {"disclosure": "not_person"}}},
        "geography": {},
    },
}


@pytest.fixture
def rules(tmp_path):
    nodes = {
        "model.mhw.mart_x": {"resource_type": "model", "name": "mart_x", **MART},
        "model.mhw.fct_y": {"resource_type": "model", "name": "fct_y", "config": {}, "columns": {}},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": nodes}))
    return load_rules(load_manifest(path))


CLEAN_ROWS = [
    ("E23000001", 0, 0, 10, 0.0, 3, 8600),  # 0 stays 0 and 0% is shown
    ("E23000002", 15, -10, 20, 75.0, 1, 500000),  # rounded counts, a signed difference, another body's 1
    ("E23000003", None, None, 10, None, 2, 300000),  # withheld count: its percentage is withheld too
    ("E&W", 3, 7, 11, 27.3, 4, 60000000),  # national counts are exact
]


def _snapshot(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "create table mart_x (geography varchar, people integer, difference integer, base integer, pct double, "
        "published_figure integer, population bigint)"
    )
    con.executemany("insert into mart_x values (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def _found(con, rules) -> set[tuple[str, str, int]]:
    return {(f.column, f.rule, f.rows) for f in scan_disclosure(con, rules)}


def test_rules_come_from_the_manifest(rules):
    assert set(rules) == {"mart_x"}  # fct_* is never published
    assert rules["mart_x"].columns["difference"] == "count"
    assert rules["mart_x"].withheld_with == {"pct": ("people", "base")}
    assert rules["mart_x"].national_rows == "geography = 'E&W'"


def test_a_clean_snapshot_has_no_findings(rules):
    assert _found(_snapshot(CLEAN_ROWS), rules) == set()


def test_small_unrounded_and_signed_counts_are_found(rules):
    leaks = [("F1", 3, 0, 10, None, 0, 1), ("F2", 12, -4, 10, None, 0, 1), ("F3", 10, 0, 8, None, 0, 1)]
    assert _found(_snapshot(CLEAN_ROWS + leaks), rules) == {
        ("people", "small_count", 1),
        ("people", "not_rounded", 2),  # 3 and 12
        ("difference", "small_count", 1),
        ("difference", "not_rounded", 1),
        ("base", "not_rounded", 1),
    }


def test_a_statistic_shown_while_its_count_is_withheld_is_found(rules):
    leaks = [("F1", None, 0, 10, 40.0, 0, 1), ("F2", 10, 0, None, 50.0, 0, 1)]
    assert _found(_snapshot(CLEAN_ROWS + leaks), rules) == {("pct", "shown_while_withheld", 2)}


def test_unclassified_columns_and_tables_and_bad_declarations_are_found(rules):
    con = _snapshot(CLEAN_ROWS)
    con.execute("alter table mart_x add column new_count integer")
    con.execute("create table mart_unknown as select 1 as n")
    con.execute("create table publication as select 1 as warehouse_loads")  # not a published mart: not scanned
    rules["mart_x"].withheld_with["pct"] = ("people", "no_such_column")
    assert _found(con, rules) == {
        ("new_count", "unclassified", 0),
        ("*", "unclassified", 0),
        ("pct", "bad_declaration", 0),
    }


def test_row_cases_classify_a_long_table(tmp_path):
    """A long table mixing measures: a count of people, another body's figure, a mean's sum of hours."""
    numerator = {
        "disclosure": "count",
        "disclosure_cases": [
            {"where": "source = 'other_body'", "disclosure": "published"},
            {"where": "method = 'mean'", "disclosure": "statistic", "withheld_with": ["denominator"]},
        ],
    }
    columns = {
        "numerator": {"config": {"meta": numerator}},
        "denominator": {"config": {"meta": {"disclosure": "count"}}},
    }
    node = {"resource_type": "model", "name": "mart_long", "config": {}, "columns": columns}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {"model.mhw.mart_long": node}}))
    con = duckdb.connect()
    con.execute("create table mart_long (source varchar, method varchar, numerator double, denominator integer)")
    clean = [
        ("here", "rate", 15, 20),
        ("other_body", "rate", 3, 20),
        ("here", "mean", 12.5, 10),
        ("here", "rate", 0, 0),
    ]
    leaks = [("here", "mean", 4.5, None), ("here", "rate", 3, 20), ("other_body", "mean", 2.5, None)]
    con.executemany("insert into mart_long values (?, ?, ?, ?)", clean)
    assert _found(con, load_rules(load_manifest(manifest))) == set()
    con.executemany("insert into mart_long values (?, ?, ?, ?)", leaks)
    # the mean's hours shown without their count are found; another body's figures (even a mean) are not checked
    assert _found(con, load_rules(load_manifest(manifest))) == {
        ("numerator", "shown_while_withheld", 1),
        ("numerator", "small_count", 1),
        ("numerator", "not_rounded", 1),
    }
