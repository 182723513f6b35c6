"""AppTest of the MH demand page on the snapshot the pipeline published (headline, national trend, a force's SPC
chart with its RCRP go-live, the hour x weekday heatmap, forces compared), and mart_demand_hour_weekday against the
incidents the gate loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from page_helpers import all_text, chart_specs, frame_with, metric, no_exception, open_page, widget

from apps import format as fmt
from apps import links
from apps.charts import SPC_POINT, WEEKDAYS


def test_headline_and_national_trend_are_the_exact_national_figures(published):
    latest = published.frame("select * from mart_demand_national_month order by month_start desc limit 1").row(
        0, named=True
    )
    at = no_exception(open_page(links.DEMAND))
    assert at.title[0].value == "Mental-health demand"
    assert at.query_params["month"] == latest["month_start"].strftime("%Y-%m")
    assert metric(at, "MH incidents an hour (reporting forces)") == fmt.num(latest["incidents_per_hour"])
    assert metric(at, "MH incidents (reporting forces)") == f"{latest['mh_incidents']:,}"  # exact, not rounded to 5
    assert metric(at, "Repeat share of demand") == fmt.pct(latest["repeat_share"])
    assert f"Of **{int(latest['contacts_with_person']):,}** contacts with a resolvable person" in all_text(at)
    trend = frame_with(at, "Month", "Series", "Value")
    months = published.query("select count(*) from mart_demand_national_month where incidents_per_hour is not null")
    assert len(trend) == months[0][0]
    widget(at, "Measure").set_value("mh_per_1000_incidents").run()
    assert at.query_params["trend"] == "mh_per_1000_incidents"


def test_a_force_spc_chart_marks_its_rcrp_go_live_and_its_points_are_the_marts(published):
    force, measure = published.query(
        "select geography_code, measure_id from mart_spc where geography_level = 'force' and is_segment_start "
        "and measure_id = 'mh_incidents_per_1000' order by 1 limit 1"
    )[0]
    at = no_exception(open_page(links.DEMAND, force=force, spc=measure, section="One force over time"))
    assert widget(at, "Force").value == force
    assert "Right Care, Right Person" in all_text(at)
    series = published.frame(
        "select * from mart_spc where measure_id = ? and geography_code = ? and value is not null order by month_start",
        [measure, force],
    )
    points = frame_with(at, "Month", "Point type", "Centre")
    assert points["Point type"].tolist() == [SPC_POINT[t][0] for t in series["point_type"].to_list()]
    assert points["Centre"].tolist() == pytest.approx(series["centre"].to_list(), nan_ok=True)
    assert any('"field": "Event"' in str(spec).replace("'", '"') for spec in chart_specs(at))


def test_a_force_without_a_go_live_change_point_is_not_said_to_have_none_recorded(published):
    # the change points are a seed; the scheme registers may list the force's RCRP (What works): 'no go-live date
    # is recorded for Kent' was untrue beside Kent's published start there
    force = published.query(
        "select force_code from mart_demand_force_month group by 1 having count(rcrp_go_live_date) = 0 order by 1 "
        "limit 1"
    )[0][0]
    at = no_exception(open_page(links.DEMAND, force=force, section="One force over time"))
    text = all_text(at)
    assert "is set as a change point for" in text and "may still be listed under What works" in text
    assert "go-live date is recorded" not in text


def test_the_heatmap_shows_the_published_cells_of_the_year(published):
    fy = published.query("select max(fy_label) from mart_demand_hour_weekday")[0][0]
    at = no_exception(open_page(links.DEMAND, heat_fy=fy, section="When the calls come"))
    grid = frame_with(at, "Day", "Hour", "Value")
    rows = published.frame(
        "select weekday, hour, mh_incidents from mart_demand_hour_weekday where geography_code = 'E&W' "
        "and fy_label = ? order by weekday, hour",
        [fy],
    )
    assert len(grid) == 168
    assert grid["Day"].tolist() == [WEEKDAYS[d - 1] for d in rows["weekday"].to_list()]
    assert grid["Value"].tolist() == rows["mh_incidents"].to_list()
    assert set(grid["Disclosure"]) <= {"exact", *fmt.DISCLOSURE.values()}, "in words, not the mart's codes"


def test_hour_weekday_counts_are_the_loaded_incidents(published):
    """National cells are exact counts of the MH incidents loaded, by the creation time's ISO weekday and hour;
    force cells are those counts rounded to 5 (1 to 7 withheld)."""
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        incidents = con.execute(
            "select i.force_code, i.created_at from raw.incidents i join raw.load_ledger l using (load_id) "
            "where l.status = 'loaded'"
        ).pl()
    counted = (
        incidents.with_columns(
            pl.col("created_at").dt.weekday().alias("weekday"),
            pl.col("created_at").dt.hour().cast(pl.Int32).alias("hour"),
            (pl.col("created_at").dt.year() - (pl.col("created_at").dt.month() < 4).cast(pl.Int32)).alias("start"),
        )
        .with_columns(pl.format("{}-{}", "start", (pl.col("start") + 1).cast(pl.String).str.slice(2)).alias("fy"))
        .group_by("force_code", "fy", "weekday", "hour")
        .len()
    )
    mart = published.frame("select * from mart_demand_hour_weekday")
    national = mart.filter(pl.col("geography_code") == "E&W").join(
        counted.group_by("fy", "weekday", "hour").agg(pl.col("len").sum()),
        left_on=["fy_label", "weekday", "hour"], right_on=["fy", "weekday", "hour"], how="left",
    )  # fmt: skip
    assert national["mh_incidents"].to_list() == national["len"].fill_null(0).to_list()
    forces = mart.filter(pl.col("geography_level") == "force").join(
        counted, left_on=["geography_code", "fy_label", "weekday", "hour"],
        right_on=["force_code", "fy", "weekday", "hour"], how="left",
    ).with_columns(pl.col("len").fill_null(0))  # fmt: skip
    expected = forces.select(
        pl.when(pl.col("len").is_between(1, 7)).then(None).otherwise(((pl.col("len") + 2) // 5) * 5).alias("n")
    )["n"]
    assert forces["mh_incidents"].to_list() == expected.to_list()
    assert mart.group_by("geography_code", "fy_label").len()["len"].unique().to_list() == [168]


def test_only_the_open_section_is_drawn_and_the_address_keeps_it(published):
    at = no_exception(open_page(links.DEMAND))
    assert [t.label for t in at.tabs] == ["England and Wales over time", "One force over time",
                                          "When the calls come", "Forces compared"]  # fmt: skip
    assert len(chart_specs(at)) == 1 and "When the calls come" not in all_text(at)  # the national trend only
    at.session_state["section"] = "One force over time"
    no_exception(at.run())  # the address keeping it is checked in Chromium (tests/e2e/test_browser.py)
    assert "One force: statistical process control" in [s.value for s in at.subheader]
    assert len(chart_specs(at)) == 1 and "England and Wales, month by month" not in all_text(at)
    at.session_state["section"] = "Forces compared"
    no_exception(at.run())
    assert "Forces compared" in [s.value for s in at.subheader] and not chart_specs(at)


def test_forces_compared_for_a_month_and_for_a_year(published):
    at = no_exception(open_page(links.DEMAND, section="Forces compared"))
    month = at.query_params["cmp_month"]
    table = frame_with(at, "Force", "MH incidents", "Notes")
    rows = published.frame(
        "select force_name, mh_incidents, mh_incidents_sdc_flag from mart_demand_force_month "
        "where strftime(month_start, '%Y-%m') = ? order by force_name",
        [month],
    )
    assert table["Force"].tolist() == rows["force_name"].to_list()
    assert table["MH incidents"].tolist() == [fmt.count(n, f) for n, f in rows.select(
        "mh_incidents", "mh_incidents_sdc_flag").iter_rows()]  # fmt: skip
    widget(at, "Compare for").set_value("year").run()
    no_exception(at)
    assert at.query_params["cmp_kind"] == "year"
    grid = frame_with(at, "Financial year", "Force", "Months blank")
    assert len(grid) == rows.height


def test_without_the_force_mart_the_national_figures_stay(own_copy: Path):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_demand_force_month")
    at = no_exception(open_page(links.DEMAND, section="One force over time"))
    assert metric(at, "MH incidents (reporting forces)")
    assert "`mart_demand_force_month` is not in this snapshot" in all_text(at)


def test_the_published_54_an_hour_is_not_set_beside_a_month_without_every_territorial_force(published):
    """The test landing zone has seven forces: their incidents an hour are not the quantity the all-force 54 an hour
    measures, so no difference or ratio is shown."""
    at = no_exception(open_page(links.DEMAND))
    (headline,) = [m for m in at.metric if m.label == "MH incidents an hour (reporting forces)"]
    assert not headline.delta and "against the published national figure" not in all_text(at)
    assert "territorial forces report here, so this month's figure is not compared with it" in all_text(at)


def test_the_published_54_an_hour_is_set_beside_a_month_when_every_territorial_force_reports(own_copy: Path):
    with duckdb.connect(str(own_copy)) as con:
        territorial = con.execute("select count(*) from dim_force where is_territorial").fetchone()[0]
        con.execute("update mart_demand_national_month set forces_reporting = ?", [territorial])
    at = no_exception(open_page(links.DEMAND))
    (headline,) = [m for m in at.metric if m.label == "MH incidents an hour (E&W)"]  # every force: the label says so
    assert headline.delta and "against the published national figure of 54 an hour" in all_text(at)
    assert "times it" in all_text(at)
