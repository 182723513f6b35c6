"""AppTest of the s136 national benchmark page on the snapshot the pipeline published: the headline is
mart_s136_national_year's, the funnel and the positions are mart_benchmark's (issue 8 item 8), the force table is
mart_s136_force_year's; then the states a snapshot can be in (partial year, none, without the marts, a new one)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
from page_helpers import all_text, frame_with, metric, no_exception, open_page, show_tables, widget

from apps import format as fmt
from apps import links
from apps.charts import FUNNEL


def _national(published, fy: str) -> dict:
    return published.frame("select * from mart_s136_national_year where fy_label = ?", [fy]).row(0, named=True)


def test_headline_funnel_and_force_table_are_the_marts(published):
    latest = published.query("select max(fy_label) from mart_s136_national_year")[0][0]
    at = no_exception(open_page(links.S136))
    assert at.title[0].value == "s136 detentions: national benchmark"
    assert widget(at, "Financial year").value == latest and at.query_params["fy"] == latest
    national = _national(published, latest)
    assert metric(at, "s136 detentions (E&W)") == f"{national['s136_detentions']:,}"  # exact, not rounded
    assert metric(at, "Rate per 100,000") == fmt.num(national["rate_per_100k"])
    assert f"s135 detentions (counted apart): {national['s135_detentions']:,}" in all_text(at)

    funnel = published.frame(
        "select geography_name, value, denominator, funnel_position, funnel_ucl998 from mart_benchmark "
        "where measure_id = 's136_per_100k' and period = ? and geography_level = 'force' and value is not null "
        "and funnel_lcl95 is not null order by geography_name",
        [latest],
    )
    points = frame_with(at, "Force", "Denominator", "Position")
    assert points["Force"].tolist() == funnel["geography_name"].to_list()
    assert points["Value"].tolist() == funnel["value"].to_list()
    assert points["Position"].tolist() == [FUNNEL[p][0] for p in funnel["funnel_position"].to_list()]
    assert points["99.8% upper limit"].tolist() == funnel["funnel_ucl998"].to_list()
    units = published.query(
        "select max(funnel_units) from mart_benchmark where measure_id = 's136_per_100k' and period = ? "
        "and geography_level = 'force'",
        [latest],
    )[0][0]  # every complete force is pooled, a withheld count too; only published values are drawn
    drawn = f", {funnel.height} of them drawn" if units > funnel.height else ""
    assert f"pooled rate of the {units} forces in the funnel{drawn} (" in all_text(at)
    # the headline rate is of the forces with a resident population (mart_s136_national_year), as the funnel's
    assert "its detentions are in the headline count above, not in the rate or the funnel" in all_text(at)

    assert not any({"Detentions", "Funnel"} <= set(d.value.columns) for d in show_tables(at).dataframe), "other tab"
    at = no_exception(open_page(links.S136, section="Force table"))
    forces = published.frame("select * from mart_s136_force_year where fy_label = ? order by force_name", [latest])
    table = frame_with(at, "Force", "Detentions", "Funnel")
    assert table["Force"].tolist() == forces["force_name"].to_list()
    assert table["Detentions"].tolist() == [
        fmt.count(n, f) for n, f in forces.select("s136_detentions", "s136_detentions_sdc_flag").iter_rows()
    ]
    btp = table[table["Force"] == "British Transport Police"]
    assert btp.empty or btp.iloc[0]["Funnel"] == "Not compared"
    assert at.get("download_button"), "the table's CSV"


def test_a_year_from_the_address_and_a_new_choice_of_year(published):
    years = [r[0] for r in published.query("select fy_label from mart_s136_national_year order by 1")]
    at = no_exception(open_page(links.S136, fy=years[0]))
    assert widget(at, "Financial year").value == years[0]
    assert metric(at, "s136 detentions (E&W)") == f"{_national(published, years[0])['s136_detentions']:,}"
    widget(at, "Financial year").set_value(years[1]).run()
    assert at.query_params["fy"] == years[1]
    assert metric(at, "s136 detentions (E&W)") == f"{_national(published, years[1])['s136_detentions']:,}"
    unknown = no_exception(open_page(links.S136, fy="1999-00"))
    assert widget(unknown, "Financial year").value == years[-1], "an unknown year falls back to the latest"


def test_a_partial_year_and_standin_denominators_are_said_so(own_copy: Path):
    with duckdb.connect(str(own_copy)) as con:
        latest = con.execute("select max(fy_label) from mart_s136_national_year").fetchone()[0]
        con.execute("update mart_s136_national_year set is_partial_year = true, is_standin_denominator = true "
                    "where fy_label = ?", [latest])  # fmt: skip
    at = no_exception(open_page(links.S136))
    assert any("is not complete" in w.value and "not annual totals" in w.value for w in at.warning)
    assert any("stand-in populations — not ONS figures" in w.value for w in at.warning)


def test_no_snapshot_is_information_and_a_snapshot_without_the_marts_an_error_not_a_trace(isolated_home: Path):
    at = no_exception(open_page(links.S136))
    assert len(at.info) == 1 and "make refresh" in at.info[0].value
    assert not at.metric and not at.dataframe
    serving = isolated_home / "serving"
    serving.mkdir(parents=True)
    duckdb.connect(str(serving / "empty.duckdb")).close()
    os.symlink("empty.duckdb", serving / "current.duckdb")
    at = no_exception(open_page(links.S136))
    assert "`mart_s136_national_year` is not in this snapshot" in all_text(at)


def test_a_new_publish_is_picked_up(own_copy: Path):
    first = no_exception(open_page(links.S136))
    total = metric(first, "s136 detentions (E&W)")
    newer = own_copy.parent / "20990101T000000000000Z.duckdb"
    newer.write_bytes(own_copy.read_bytes())
    with duckdb.connect(str(newer)) as con:
        con.execute("update mart_s136_national_year set s136_detentions = 99999 "
                    "where fy_label = (select max(fy_label) from mart_s136_national_year)")  # fmt: skip
    link = own_copy.parent / ".tmp-link"
    os.symlink(newer.name, link)
    os.replace(link, own_copy.parent / "current.duckdb")
    assert metric(no_exception(open_page(links.S136)), "s136 detentions (E&W)") == "99,999" != total


def test_suppressed_counts_show_as_a_star_with_no_rate(published):
    suppressed = published.frame(
        "select fy_label, force_name from mart_s136_force_year where s136_detentions_sdc_flag = 'suppressed_1_7'"
    )
    assert suppressed.height, "the fixture's City of London has years of 1 to 7 s136 detentions"
    fy, force = suppressed.row(0)
    at = no_exception(open_page(links.S136, fy=fy, section="Force table"))
    row = frame_with(at, "Force", "Detentions").set_index("Force").loc[force]
    assert row["Detentions"] == "*" and pl.Series([row["Rate per 100k"]]).is_nan().all()
