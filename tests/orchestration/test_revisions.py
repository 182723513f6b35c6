"""The revisions report each publish writes: what changed against the previous snapshot, and why.

A small warehouse with the real raw DDL (load ledger) and two published tables; each test publishes, changes the
warehouse as a delivery or a code change would, publishes again and reads mart_revisions from the new snapshot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import duckdb
import pytest

from ingestion.gate.ledger import withdraw, withdrawal_note
from mhw.identifier_scan import scan_identifiers
from mhw.serving import publish_snapshot
from tests.revisions_fixture import LINEAGE, MODELS, build_warehouse, deliver, fixture_manifest, model


@pytest.fixture
def warehouse(tmp_path):
    return build_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def publish(tmp_path):
    manifest = fixture_manifest(tmp_path / "manifest.json")

    def _publish(warehouse, models=MODELS):
        return publish_snapshot(warehouse, tmp_path / "serving", models=models, manifest=manifest)

    return _publish


def revisions(snapshot) -> list[dict]:
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        cur = con.execute("select * from mart_revisions order by table_name, change_type, row_key, measure")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_first_publication_has_an_empty_report_and_an_identical_one_adds_none(warehouse, publish):
    first = publish(warehouse)
    assert first.revisions == 0 and revisions(first) == []
    again = publish(warehouse)
    assert again.revisions == 0 and revisions(again) == []
    with duckdb.connect(str(again.path), read_only=True) as con:
        previous, count = con.execute("select previous_snapshot, revisions from publication").fetchone()
        assert (previous, count) == (first.snapshot_id, 0)
        keys = dict(con.execute("select table_name, key_columns from publication_tables").fetchall())
        assert keys["mart_x_force_year"] == "force_code, fy_label"


def test_the_publication_row_has_the_same_types_in_every_snapshot(warehouse, publish):
    """An analyst reading `publication` across snapshots joins previous_snapshot to snapshot_id: the first
    snapshot, without a previous one, held it as an INTEGER (a NULL parameter's type)."""
    first = publish(warehouse)
    again = publish(warehouse)
    types = []
    for snapshot in (first, again):
        with duckdb.connect(str(snapshot.path), read_only=True) as con:
            types.append(
                con.execute(
                    "select column_name, data_type from duckdb_columns() where table_name = 'publication'"
                ).fetchall()
            )
    assert types[0] == types[1]
    assert dict(types[0])["previous_snapshot"] == "VARCHAR"


def test_a_corrected_delivery_is_the_cause_of_the_values_it_changed(warehouse, publish):
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        deliver(
            con,
            "s136",
            "W15000002",
            "2023-24",
            "gwent_2023-24_v2.csv",
            supersedes="s136/W15000002/2023-24/gwent_2023-24.csv",
        )
        con.execute(
            "update marts.mart_x_force_year set n = 35, rate = 2.0 "
            "where force_code = 'W15000002' and fy_label = '2023-24'"
        )
        con.execute("update marts.mart_x_force_year set n = 135 where force_code = 'E&W'")
        con.execute("update marts.mart_x_force_year set n = 99 where force_code = 'E23000001'")  # no delivery
    snapshot = publish(warehouse)
    found = {(r["force_code"], r["period"], r["measure"]): r for r in revisions(snapshot)}
    gwent = found[("W15000002", "2023-24", "n")]
    assert (gwent["old_value"], gwent["new_value"], gwent["change_type"]) == ("40", "35", "revised")
    assert gwent["cause"] == "corrected_delivery" and "gwent_2023-24_v2.csv" in gwent["cause_detail"]
    assert gwent["row_key"] == "force_code=W15000002; fy_label=2023-24"
    assert found[("W15000002", "2023-24", "rate")]["cause"] == "corrected_delivery"
    assert found[("E&W", "2023-24", "n")]["cause"] == "corrected_delivery", "a national row is any force's"
    assert found[("E23000001", "2023-24", "n")]["cause"] is None, "no delivery for the Met: cause not known"
    assert len(found) == 4 and snapshot.revisions == 4


def test_a_late_delivery_matches_its_period_only(warehouse, publish):
    """A further part of a month already published is late; the first file of a month is new, also for its year (a
    routine month used to be called late on every year row it moved)."""
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-05", "gwent_may.csv", when=datetime.now() - timedelta(days=1))
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-05", "gwent_may_part2.csv")
        con.execute("update marts.mart_x_force_year set n = 50 where force_code = 'W15000002'")  # both years
    found = {r["period"]: r for r in revisions(publish(warehouse))}
    assert found["2024-25"]["cause"] == "late_delivery", "May 2024 falls in 2024-25"
    assert found["2023-24"]["cause"] is None
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-06", "gwent_june.csv")
        con.execute("update marts.mart_x_force_year set n = 55 where force_code = 'W15000002' and fy_label = '2024-25'")
    (june,) = revisions(publish(warehouse))
    assert (june["period"], june["cause"]) == ("2024-25", "new_delivery"), "June's first file: new in its year"


def _an_hour_earlier(con, path: str) -> None:
    """The withdrawal note of `path` an hour earlier: a withdrawal long before the next publication."""
    (note,) = con.execute("select message from raw.load_ledger where file_path = ?", [path]).fetchone()
    when = withdrawal_note(note)[:16]
    earlier = f"{datetime.strptime(when, '%Y-%m-%d %H:%M') - timedelta(hours=1):%Y-%m-%d %H:%M}"
    con.execute("update raw.load_ledger set message = ? where file_path = ?", [note.replace(when, earlier), path])


def test_a_withdrawal_since_the_last_publication_is_the_cause_of_the_values_it_changed(warehouse, publish):
    """`mhw withdraw` takes May out after May was published: the rows of its year that change say why; a file
    withdrawn before that publication (an hour earlier) explains nothing now, nor does a file sent and withdrawn
    between two publications (never published)."""
    may, june = "incidents/W15000002/2024-05/gwent_may.csv", "incidents/W15000002/2024-06/gwent_june.csv"
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-05", "gwent_may.csv", when=datetime.now() - timedelta(days=1))
        deliver(con, "incidents", "W15000002", "2024-06", "gwent_june.csv", when=datetime.now() - timedelta(days=1))
        withdraw(con, june, "sent twice", "analyst")
        _an_hour_earlier(con, june)
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        withdraw(con, may, "the wrong month's extract", "analyst")
        con.execute("update marts.mart_x_force_year set n = 30 where force_code = 'W15000002' and fy_label = '2024-25'")
        con.execute("update marts.mart_x_force_year set n = 31 where force_code = 'W15000002' and fy_label = '2023-24'")
    found = {r["period"]: r for r in revisions(publish(warehouse))}
    assert (found["2024-25"]["cause"], found["2024-25"]["cause_detail"]) == (
        "withdrawn_delivery",
        f"withdrawn_delivery: {may}",
    )
    assert found["2023-24"]["cause"] is None, "neither file is of 2023-24"
    with duckdb.connect(str(warehouse)) as con:  # sent and withdrawn between two publications: never published
        _an_hour_earlier(con, may)  # (an hour passes: May's withdrawal is then older than the publication above)
        deliver(con, "incidents", "W15000002", "2024-07", "gwent_july.csv")
        withdraw(con, "incidents/W15000002/2024-07/gwent_july.csv", "the wrong force's file", "analyst")
        deliver(con, "incidents", "W15000002", "2024-07", "gwent_july_v2.csv")
        con.execute("update marts.mart_x_force_year set n = 32 where force_code = 'W15000002' and fy_label = '2024-25'")
    (july,) = revisions(publish(warehouse))
    assert (july["cause"], july["cause_detail"]) == (
        "new_delivery",
        "new_delivery: incidents/W15000002/2024-07/gwent_july_v2.csv",
    )


def test_a_month_every_force_delivered_names_three_of_its_files_and_counts_the_rest(warehouse, publish):
    publish(warehouse)
    forces = ("W15000002", "E23000004", "E23000001", "E23000003", "E23000002")
    with duckdb.connect(str(warehouse)) as con:
        for force in forces:
            deliver(con, "incidents", force, "2024-05", f"incidents_{force}.csv")
        con.execute(
            "update marts.mart_x_month set n = 9 where month_start = date '2024-05-01'"
        )  # national: any force's
    (row,) = revisions(publish(warehouse))
    named = ", ".join(f"incidents/{f}/2024-05/incidents_{f}.csv" for f in sorted(forces)[:3])
    assert (row["cause"], row["cause_detail"]) == ("new_delivery", f"new_delivery: {named} and 2 more files")


def test_a_new_edition_of_a_national_publication(warehouse, publish):
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "iopc_deaths", "national", "2020-21", "iopc_2020-21.csv")
        con.execute("update marts.mart_x_month set n = 8 where n = 7")
    (row,) = revisions(publish(warehouse))
    assert (row["table_name"], row["period"], row["cause"]) == ("mart_x_month", "2024-05", "new_edition")


def test_a_method_change_rows_columns_and_tables(warehouse, publish):
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.mart_x_force_year set rate = rate * 2 where force_code = 'E23000001'")
        con.execute("update marts.mart_x_force_year set rate = rate + 1e-13 where force_code = 'W15000002'")
        con.execute("alter table marts.mart_x_force_year add column pct double")
        con.execute("insert into marts.mart_x_force_year values ('E23000001', '2024-25', 90, 1.25, null)")
        con.execute("delete from marts.mart_x_month where month_start = date '2016-04-01'")
        con.execute("create table marts.mart_new as select 1 as a")
    changed = {
        **MODELS,
        "mart_x_force_year": model(
            "mart_x_force_year", ("force_code", "fy_label"), (), {**LINEAGE, "macro.mhw.pct": "m2"}
        ),
    }
    rows = revisions(publish(warehouse, changed))
    kinds = {(r["table_name"], r["change_type"], r["measure"] or r["row_key"]) for r in rows}
    assert kinds == {
        ("mart_x_force_year", "revised", "rate"),  # the Met's doubled rate; Gwent's 1e-13 is rounding, not a revision
        ("mart_x_force_year", "column_added", "pct"),
        ("mart_x_force_year", "added", "force_code=E23000001; fy_label=2024-25"),
        ("mart_x_month", "removed", "month_start=2016-04"),  # dates read as months, never as a date of birth
        ("mart_new", "table_added", None),
    }
    assert not any(r["force_code"] == "W15000002" and r["measure"] == "rate" for r in rows)
    method = [r for r in rows if r["table_name"] == "mart_x_force_year"]
    assert all(r["cause"] == "method_change" and "macro pct" in r["cause_detail"] for r in method)
    assert all(r["cause"] is None for r in rows if r["table_name"] == "mart_x_month")


def test_the_report_holds_no_identifier_shaped_value(warehouse, publish):
    publish(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.mart_x_month set n = n + 1")
    snapshot = publish(warehouse)
    assert {r["period"] for r in revisions(snapshot)} == {"2016-04", "2024-05"}
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        assert scan_identifiers(con, con.execute("select current_database()").fetchone()[0]) == []


def test_a_whole_series_table_blames_a_month_of_the_same_force_for_its_other_months(warehouse, publish):
    """SPC limits and run rules use every point: a month delivered for a force revises its earlier months there, and
    that is `series_recalculated`; in an ordinary table the same revision finds no cause."""
    series = {**MODELS, "mart_x_month": replace(MODELS["mart_x_month"], revised_by_other_periods=True)}
    publish(warehouse, series)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-06", "gwent_june.csv")
        con.execute("update marts.mart_x_month set n = 8 where month_start = date '2024-05-01'")
        con.execute("update marts.mart_x_force_year set n = 46 where force_code = 'W15000002' and fy_label = '2024-25'")
        con.execute("update marts.mart_x_force_year set n = 101 where force_code = 'E23000001'")  # not Gwent's
    found = {(r["table_name"], r["force_code"], r["period"]): r["cause"] for r in revisions(publish(warehouse, series))}
    assert found == {
        ("mart_x_month", None, "2024-05"): "series_recalculated",
        ("mart_x_force_year", "W15000002", "2024-25"): "new_delivery",  # June 2024 falls in 2024-25
        ("mart_x_force_year", "E23000001", "2023-24"): None,
    }


def test_a_corrected_month_recalculates_the_other_months_of_a_whole_series_table(warehouse, publish):
    """A corrected June revises May's SPC-like row through the series: that is `series_recalculated`, not a
    correction of May (the operator audit found it labelled `corrected_delivery`)."""
    series = {**MODELS, "mart_x_month": replace(MODELS["mart_x_month"], revised_by_other_periods=True)}
    with duckdb.connect(str(warehouse)) as con:
        june = deliver(con, "incidents", "W15000002", "2024-06", "gwent_june.csv")
        con.execute("insert into marts.mart_x_month values (date '2024-06-01', 9)")
    publish(warehouse, series)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-06", "gwent_june_v2.csv", supersedes=june)
        con.execute("update marts.mart_x_month set n = n + 1 where month_start >= date '2024-05-01'")
    found = {r["period"]: r["cause"] for r in revisions(publish(warehouse, series))}
    assert found == {"2024-05": "series_recalculated", "2024-06": "corrected_delivery"}


def test_a_comparing_table_blames_another_forces_delivery_for_the_comparators_of_that_period(warehouse, publish):
    """Each force's benchmark row holds E&W, region and peer values, funnel limits and a rank drawn from every force:
    one force's month moves them for all (the operator audit found these revisions without a cause)."""
    comparing = {**MODELS, "mart_x_force_year": replace(MODELS["mart_x_force_year"], revised_by_other_forces=True)}
    publish(warehouse, comparing)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2023-06", "gwent_june.csv")
        con.execute("update marts.mart_x_force_year set rate = rate + 0.5")
    found = {(r["force_code"], r["period"]): r["cause"] for r in revisions(publish(warehouse, comparing))}
    assert found == {
        ("E23000001", "2023-24"): "comparators_recalculated",
        ("W15000002", "2023-24"): "new_delivery",
        ("E&W", "2023-24"): "new_delivery",  # not a force: any force's delivery is its own
        ("W15000002", "2024-25"): None,  # June 2023 is not in 2024-25
    }


def _causes_after_incidents_and_custody(warehouse, publish, models, table: str) -> dict[str, str]:
    """Publish, then deliver an incidents and a custody file of Gwent's May 2024 and change every row of `table`:
    each revised row's cause_detail by its row key."""
    publish(warehouse, models)
    with duckdb.connect(str(warehouse)) as con:
        deliver(con, "incidents", "W15000002", "2024-05", "gwent_may.csv")
        deliver(con, "custody", "W15000002", "2024-05", "gwent_custody_may.csv")
        con.execute(f"update marts.{table} set n = 2")
    return {r["row_key"]: r["cause_detail"] for r in revisions(publish(warehouse, models))}


def test_a_row_of_one_source_is_blamed_on_that_sources_files_only(warehouse, publish):
    """A table whose grain names the source (data quality, completeness) is built from every delivery's ledger entry:
    a row of custody changes for a custody file, not for the incidents file of the same force and month (the operator
    audit found a withdrawn street triage file blamed on the incidents file beside it, and the other way round)."""
    by_source = {**MODELS, "mart_x_quality": model("mart_x_quality", ("source", "force_code", "month"), ("n",))}
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table marts.mart_x_quality as select * from (values ('incidents', 'W15000002', '2024-05', 1), "
            "('custody', 'W15000002', '2024-05', 1)) t(source, force_code, month, n)"
        )
    found = _causes_after_incidents_and_custody(warehouse, publish, by_source, "mart_x_quality")
    assert found == {
        "source=custody; force_code=W15000002; month=2024-05": (
            "new_delivery: custody/W15000002/2024-05/gwent_custody_may.csv"
        ),
        "source=incidents; force_code=W15000002; month=2024-05": (
            "new_delivery: incidents/W15000002/2024-05/gwent_may.csv"
        ),
    }


def test_a_measures_row_is_blamed_on_the_files_of_the_sources_it_is_counted_from(warehouse, publish):
    """A benchmark row is of one measure, counted from some sources (dim_measure.force_sources): a custody measure's
    row changes for a custody file, not for the incidents file of the same force and month, and a measure of national
    publications only is not blamed on a force's file at all (the operator audit found mart_spc and mart_escalations
    rows of custody measures blamed on incidents and street triage files). A measure the catalogue does not hold is
    matched as before."""
    measures = {
        **MODELS,
        "dim_measure": model("dim_measure", ("measure_id",), ("measure_id", "force_sources")),
        "mart_x_bench": model("mart_x_bench", ("measure_id", "force_code", "month"), ("n",)),
    }
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table marts.dim_measure as select * from (values ('custody_pct', 'custody'), "
            "('deaths_per_million', null)) t(measure_id, force_sources)"
        )
        con.execute(
            "create table marts.mart_x_bench as select * from (values ('custody_pct', 'W15000002', '2024-05', 1), "
            "('deaths_per_million', 'W15000002', '2024-05', 1), ('not_in_catalogue', 'W15000002', '2024-05', 1)) "
            "t(measure_id, force_code, month, n)"
        )
    found = _causes_after_incidents_and_custody(warehouse, publish, measures, "mart_x_bench")
    custody, incidents = "custody/W15000002/2024-05/gwent_custody_may.csv", "incidents/W15000002/2024-05/gwent_may.csv"
    assert found == {
        "measure_id=custody_pct; force_code=W15000002; month=2024-05": f"new_delivery: {custody}",
        "measure_id=deaths_per_million; force_code=W15000002; month=2024-05": None,
        "measure_id=not_in_catalogue; force_code=W15000002; month=2024-05": f"new_delivery: {custody}, {incidents}",
    }
