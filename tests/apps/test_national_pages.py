"""AppTest of the disproportionality, ADR-125 reconciliation, Learning and National sources pages on the snapshot the
pipeline published: numbers equal the marts; a table the snapshot lacks blanks only its own section.

The national public files are read from MHW_PUBLIC_DATA_DIR (CI sets it): without it, the pages that show them are
tested for saying the source is absent instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest
import yaml
from page_helpers import all_text, chart_specs, frame_with, metric, no_exception, open_page, widget

from apps import format as fmt
from apps import links


def _needs_public(published) -> None:
    if not published.public_data:
        pytest.skip("MHW_PUBLIC_DATA_DIR is not set: the national public files were not loaded")


def test_disproportionality_shows_the_groups_and_ratios_of_the_mart(published):
    _needs_public(published)
    fy = published.query("select max(fy_label) from mart_disproportionality where ethnicity_scheme = 'broad_5p1'")[0][0]
    at = no_exception(open_page(links.DISPROPORTIONALITY))
    assert at.query_params["fy"] == fy and at.query_params["area"] == "E&W"
    rows = published.frame(
        "select * from mart_disproportionality where ethnicity_scheme = 'broad_5p1' and fy_label = ? "
        "and geography_code = 'E&W' order by group_order",
        [fy],
    )
    table = frame_with(at, "Ethnic group", "Detentions", "Compared with White")
    assert table["Ethnic group"].tolist() == rows["ethnic_group_label"].to_list()
    assert table["Detentions"].tolist() == [f"{int(n):,}" for n in rows["numerator"].to_list()]  # national: exact
    black = rows.filter(rows["ethnic_group"] == "Black").row(0, named=True)
    assert metric(at, "Black:White rate ratio") == fmt.num(black["rate_ratio_vs_white"], 2)
    assert metric(at, "Forces reporting") == str(black["forces_reporting"])
    assert any(c.value.startswith("Territorial forces only") for c in at.caption), "why E&W is below the s136 total"
    ratios = frame_with(at, "Force", "Black:White rate ratio", "95% CI")
    forces = published.query(
        "select count(*) from mart_disproportionality where ethnicity_scheme = 'broad_5p1' and fy_label = ? "
        "and geography_level = 'force' and ethnic_group = 'Black'",
        [fy],
    )[0][0]
    assert len(ratios) == forces
    assert len(chart_specs(at)) == 2, "the rates by group and the map"
    areas = published.query("select count(distinct force_code) from dim_force_boundary")[0][0]
    drawn = chart_specs(at)[1].get("datasets", {})  # the map's areas, as GeoJSON beside the spec (charts.choropleth)
    assert sum(len(features) for features in drawn.values()) == areas
    withheld = ratios[ratios["Black:White rate ratio"].isna()]["Force"].tolist()
    key = next(c.value for c in at.caption if c.value.startswith("Darker blue"))  # every grey area accounted for
    assert f"{areas - forces} with no s136 figures for {fy} in this snapshot" in key
    named = f"{len(withheld)} with figures but no published ratio ({', '.join(sorted(withheld))}"
    assert (named in key) == bool(withheld)


def test_disproportionality_without_the_census_names_only_what_is_loaded(published):
    """Without the public files (no Census population, no boundaries) the notes and the source line name the forces'
    own s136 records the counts come from, not a Census or boundaries the snapshot does not hold; codes are words."""
    if published.public_data:
        pytest.skip("the national public files were loaded: the Census is there")
    at = no_exception(open_page(links.DISPROPORTIONALITY))
    text = all_text(at)
    assert "No Census ethnic-group population is loaded" in text  # the mart's own caveat, as the banner
    assert "Rates use Census 2011" not in text and "no rate and no rate ratio" in text
    source = next(c.value for c in at.caption if c.value.startswith("**Source.**"))
    assert "the forces' own s136 records" in source
    assert not any(absent in source for absent in ("Census", "boundaries", "Annual Data Requirement 125", "ADR"))
    assert not any(c.value.startswith("**Method.**") for c in at.caption), "no rate, so no rate method"
    assert "no_population" not in text and "Reliability, every group: No rate: no Census population is loaded." in text
    table = frame_with(at, "Ethnic group", "Reliability")
    assert set(table["Reliability"]) == {"No rate: no Census population is loaded"}
    assert not {"Population (Census 2011)", "Rate per 100k"} & set(table.columns), "no columns of rates left empty"
    assert "left out of every rate" not in text


VIEWS = Path(__file__).resolve().parents[2] / "apps" / "views"
MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"


def page_constant(page: str, name: str):
    """A constant of a page (a literal), read without running the page."""
    tree = ast.parse((VIEWS / f"{page}.py").read_text())
    assigned = (node for node in tree.body if isinstance(node, ast.Assign))
    return next(ast.literal_eval(node.value) for node in assigned if any(getattr(t, "id", None) == name
                                                                           for t in node.targets))  # fmt: skip


def accepted_values(model: str, column: str) -> set[str]:
    """The values a mart's column may hold, from its contract's check `column in ('a', 'b', ...)`."""
    spec = yaml.safe_load((MARTS / f"{model}.yml").read_text())
    col = next(c for m in spec["models"] if m["name"] == model for c in m["columns"] if c["name"] == column)
    checks = [c["expression"] for c in col.get("constraints", []) if c.get("type") == "check"]
    values = {v for e in checks if e.startswith(f"{column} in (") for v in re.findall(r"'([^']*)'", e)}
    assert values, f"{model}.{column} declares no accepted values"
    return values


def test_every_code_the_disproportionality_mart_can_hold_has_words():
    reliability = page_constant(links.DISPROPORTIONALITY, "RELIABILITY")
    flags = accepted_values("mart_disproportionality", "reliability_flag")
    assert flags <= reliability.keys(), flags - reliability.keys()
    assert all(reliability[f] for f in flags - {"ok"}), "every flag but ok is said in words"
    statuses = accepted_values("mart_disproportionality", "rr_status")
    known = page_constant(links.DISPROPORTIONALITY, "RR_STATUS").keys() | set(
        page_constant(links.DISPROPORTIONALITY, "PUBLISHED_RR"))  # fmt: skip
    assert statuses <= known, statuses - known
    significance = accepted_values("mart_disproportionality", "rr_significance")
    assert significance <= page_constant(links.DISPROPORTIONALITY, "SIGNIFICANCE").keys()


def test_disproportionality_of_the_chosen_force_carries_small_counts_as_published(published):
    _needs_public(published)
    at = no_exception(open_page(links.DISPROPORTIONALITY, force="E23000034"))  # the shared force: City of London
    assert widget(at, "Area").value == "E23000034"
    table = frame_with(at, "Ethnic group", "Detentions")
    assert set(table["Detentions"]) <= {"*", "0", "–"} | {f"{n:,}" for n in range(0, 100_000, 5)}


def test_adr125_reconciliation_counts_the_force_items_by_status(published):
    fy = published.query("select max(fy_label) from mart_adr125_return_national")[0][0]
    counts = dict(published.query("select status, count(*) from mart_adr125_return where fy_label = ? group by 1",
                                  [fy]))  # fmt: skip
    at = no_exception(open_page(links.ADR125))
    for status, label in (("match", "match"), ("differs", "differs"), ("record_only", "records only")):
        assert metric(at, f"Force items: {label}") == f"{counts.get(status, 0):,}"
    national = frame_with(at, "Item", "Records (E&W)", "Published (E&W)")
    assert len(national) == published.query(
        "select count(*) from mart_adr125_return_national where fy_label = ?", [fy])[0][0]  # fmt: skip
    widget(at, "Status").set_value("Differs").run()
    shown = frame_with(at, "Force", "Item", "Status")
    assert set(shown["Status"]) <= {"Differs"} and len(shown) == counts.get("differs", 0)
    assert at.query_params["status"] == "Differs"


def test_adr125_national_totals_are_compared_like_for_like(published):
    """A force with records and no published figure makes the E&W totals differ by its whole count: the national
    table names it and compares the forces in both apart, so the totals' difference is not read as an over-count."""
    fy = published.query("select max(fy_label) from mart_adr125_return_national")[0][0]
    forces = published.frame(
        "select * from mart_adr125_return where fy_label = ? order by force_name, item_order", [fy]
    )
    national = published.frame("select * from mart_adr125_return_national where fy_label = ? order by item_order", [fy])
    record_only = forces.filter(forces["status"] == "record_only")
    assert record_only.height and national["forces_differ"].max() > 0, "the fixture has both kinds on its last year"
    at = no_exception(open_page(links.ADR125))
    table = frame_with(at, "Item", "Difference, forces in both", "In one side only")
    assert len(table) == national.height
    for row, shown in zip(national.iter_rows(named=True), table.to_dict("records"), strict=True):
        alone = record_only.filter(
            (record_only["measure"] == row["measure"]) & (record_only["category"] == row["category"])
        )
        assert shown["In one side only"] == "; ".join(
            f"{r['force_name']}: records only ({fmt.count(r['record_count'], r['record_count_sdc_flag'])})"
            for r in alone.iter_rows(named=True)
        )
        assert shown["Forces in both"] == row["forces_match"] + row["forces_differ"]
        assert shown["Difference (E&W totals)"] == row["difference"]
        differ = forces.filter(
            (forces["measure"] == row["measure"]) & (forces["category"] == row["category"])
            & (forces["status"] == "differs")
        )  # fmt: skip
        if differ.is_empty():  # every force in both matches: 0 and Match, whatever the totals' difference
            assert (shown["Difference, forces in both"], shown["Status, forces in both"]) == ("0", "Match")
        elif differ.height == 1:
            one = differ.row(0, named=True)
            assert shown["Difference, forces in both"] == fmt.count(one["difference"], one["difference_sdc_flag"])
            assert shown["Status, forces in both"] == "Differs"
    assert ((table["Status, forces in both"] == "Match") & (table["Difference (E&W totals)"] != 0)).any(), (
        "an item whose totals differ only by the forces in one side only"
    )
    text = all_text(at)
    names = sorted(set(record_only["force_name"]))
    assert "not like for like" in text and f"**{names[0]}**" in text and "not an over- or under-count" in text
    notes = frame_with(at, "Force", "Item", "Status", "Note")
    assert set(notes.loc[notes["Status"] == "Records only", "Note"]) == {"No published figure"}
    suppressed = notes[(notes["Status"] == "Differs") & (notes["Difference"] == "*")]
    assert len(suppressed) and set(suppressed["Note"]) <= {
        "Differs by 1 to 7", "Same after rounding: the exact counts differ by 1 to 7"
    }  # fmt: skip


def test_adr125_a_difference_hidden_by_rounding_says_so(own_copy: Path):
    """A force item that differs by 1 to 7 can show the same records and published figures once the records are
    rounded (Records 180, Published 180, Differs): its note says so."""
    with duckdb.connect(str(own_copy)) as con:
        fy, force, measure, category, rounded = con.execute(
            "select fy_label, force_name, measure, category, record_count from mart_adr125_return where status = "
            "'differs' and difference_sdc_flag = 'suppressed_1_7' and record_count is not null order by all limit 1"
        ).fetchone()
        con.execute(
            "update mart_adr125_return set published_count = record_count + 2 where fy_label = ? and force_name = ? "
            "and status = 'differs' and difference_sdc_flag = 'suppressed_1_7'", [fy, force]
        )  # fmt: skip
        con.execute(
            "update mart_adr125_return set published_count = record_count where fy_label = ? and force_name = ? "
            "and measure = ? and category = ?", [fy, force, measure, category]
        )  # fmt: skip
    at = no_exception(open_page(links.ADR125, fy=fy))
    notes = frame_with(at, "Force", "Item", "Status", "Note")
    mine = notes[notes["Force"] == force]
    same = mine[mine["Published"] == f"{rounded:,}"]
    assert len(same) == 1 and same.iloc[0]["Records"] == f"{rounded:,}" and same.iloc[0]["Status"] == "Differs"
    assert same.iloc[0]["Note"] == "Same after rounding: the exact counts differ by 1 to 7"
    others = mine[(mine["Status"] == "Differs") & (mine["Published"] != f"{rounded:,}")]
    assert len(others) and set(others["Note"]) == {"Differs by 1 to 7"}


def test_adr125_a_difference_withheld_with_its_records_says_so(own_copy: Path):
    """A force's records of 1 to 7 that differ from its published figure withhold the difference too (published +
    difference would give them back): the page shows * and says why."""
    with duckdb.connect(str(own_copy)) as con:
        fy, force, measure, category = con.execute(
            "select fy_label, force_name, measure, category from mart_adr125_return where status = 'differs' "
            "and published_count > 10 order by all limit 1"
        ).fetchone()
        con.execute(
            "update mart_adr125_return set record_count = null, record_count_sdc_flag = 'suppressed_1_7', "
            "difference = null, difference_sdc_flag = 'withheld_with_records' where fy_label = ? and force_name = ? "
            "and measure = ? and category = ?", [fy, force, measure, category]
        )  # fmt: skip
    at = no_exception(open_page(links.ADR125, fy=fy))
    notes = frame_with(at, "Force", "Item", "Status", "Note")
    mine = notes[(notes["Force"] == force) & (notes["Note"] == "Records 1 to 7: the difference is withheld with them")]
    assert len(mine) == 1 and (mine.iloc[0]["Records"], mine.iloc[0]["Difference"]) == ("*", "*")


def test_learning_shows_deaths_coroners_and_inspections(published):
    at = no_exception(open_page(links.LEARNING))
    assert at.title[0].value == "Learning: deaths, coroners and inspections"
    assert [t.label for t in at.tabs] == ["Deaths (IOPC)", "Coroners' reports", "Inspections"]
    inspections = no_exception(open_page(links.LEARNING, section="Inspections"))  # the open tab is in the address
    open_items = published.query("select count(*) from mart_inspection_recommendations where status = 'open'")[0][0]
    assert metric(inspections, "Open") == f"{open_items:,}"
    assert f"{open_items:,} open items shown." in all_text(inspections)
    assert "open items shown" not in all_text(at), "only the open tab is drawn"
    summary = published.frame("select * from mart_inspection_force_summary")
    table = frame_with(inspections, "Force", "Recommendations", "AFIs", "Open", "In progress", "Complete", "Superseded")
    statuses = table[["Open", "In progress", "Complete", "Superseded"]].sum(axis=1)
    assert statuses.tolist() == (table["Recommendations"] + table["AFIs"]).tolist(), "the statuses add up"
    assert metric(inspections, "Superseded") == f"{int(summary['n_superseded'].sum()):,}"
    national = summary.filter(summary["force_code"] == "national").row(0, named=True)
    shown = table[table["Force"] == "National"].iloc[0]
    assert shown["Oldest outstanding (days)"] == national["oldest_outstanding_age_days"], "open or in progress"
    oldest = summary["oldest_outstanding_age_days"].max()
    assert metric(inspections, "Oldest outstanding item (days)") == f"{oldest:,}"
    if published.public_data:
        fy = published.query("select max(fy_label) from mart_iopc_deaths_national where is_latest_edition")[0][0]
        custody = published.query(
            "select deaths from mart_iopc_deaths_national where is_latest_edition and fy_label = ? "
            "and iopc_category = 'custody'",
            [fy],
        )[0][0]
        assert f"deaths in or following police custody **{int(custody):,}**" in all_text(at)
        table = frame_with(at, "Force or body", "All deaths")
        assert table.isna().any().any() and table.eq(0).any().any(), "the real tables leave some cells out, list 0s"
        assert "a dash in the force table means that category's table does not list the force" in all_text(at)
        coroners = no_exception(open_page(links.LEARNING, section="Coroners' reports"))
        assert frame_with(coroners, "Coroner area", "Reports", "Latest report") is not None
    else:
        assert "IOPC" in all_text(at) and "not in this snapshot" not in all_text(at)


def test_national_sources_show_use_of_force_and_population(published):
    _needs_public(published)
    at = no_exception(open_page(links.NATIONAL_SOURCES))
    fy = published.query("select max(fy_label) from mart_use_of_force_mh")[0][0]
    forces = published.query(
        "select count(*) from mart_use_of_force_mh where tactic_level = 'all_tactics' and fy_label = ? "
        "and not is_national and pct_mental_health is not null",
        [fy],
    )[0][0]
    assert len(frame_with(at, "Area", "Value", "Lower 95%")) == forces
    # the E&W share reads the same in the headline and in the table (one rounding rule: 15.95 was '15.9%' and 16.0)
    name, share = published.query(
        "select area_name, pct_mental_health from mart_use_of_force_mh where tactic_level = 'all_tactics' "
        "and fy_label = ? and is_national",
        [fy],
    )[0]
    counts = frame_with(at, "Area", "MH share %")
    shown = counts.loc[counts["Area"] == name, "MH share %"].iloc[0]
    assert f"**{shown:.1f}%**" in all_text(at) and shown == fmt.rounded(share, 1)
    year = published.query("select max(mid_year) from mart_population_force_year")[0][0]
    at = no_exception(open_page(links.NATIONAL_SOURCES, section="Population"))
    assert at.query_params["mid_year"] == str(year) and at.query_params["section"] == "Population"
    population = frame_with(at, "Area", "Population", "Vintage")
    assert len(population) == published.query(
        "select count(*) from mart_population_force_year where mid_year = ?", [year])[0][0]  # fmt: skip


def test_a_missing_table_blanks_only_its_own_section(own_copy: Path, pipeline_snapshot_build):
    with duckdb.connect(str(own_copy)) as con:
        con.execute("drop table mart_inspection_force_summary")
    at = no_exception(open_page(links.LEARNING, section="Inspections"))
    assert "`mart_inspection_force_summary` is not in this snapshot" in all_text(at)
    if pipeline_snapshot_build.public_data:
        at = no_exception(open_page(links.LEARNING, section="Coroners' reports"))
        assert "Coroners' prevention of future deaths reports" in [s.value for s in at.subheader]


def test_national_tables_left_empty_say_which_folder_the_refresh_lacked(own_copy: Path):
    """A refresh without MHW_PUBLIC_DATA_DIR (a first `make run`) leaves the national tables empty: the pages say that
    folder is what is missing, not that the warehouse was never refreshed."""
    with duckdb.connect(str(own_copy)) as con:
        # no ONS population, nor the stand-ins the rates would otherwise divide by
        for table in ("mart_iopc_deaths_national", "mart_coroner_pfd_learning", "mart_use_of_force_mh",
                      "mart_population_force_year", "mart_s136_force_year"):  # fmt: skip
            con.execute(f"delete from {table}")
    for page, section, what in ((links.LEARNING, "Deaths (IOPC)", "IOPC deaths figures"),
                                (links.LEARNING, "Coroners' reports", "coroners' prevention of future deaths reports"),
                                (links.NATIONAL_SOURCES, "Use of force", "use of force figures"),
                                (links.NATIONAL_SOURCES, "Population", "population figures")):  # fmt: skip
        text = all_text(no_exception(open_page(page, section=section)))
        assert f"The serving snapshot holds no {what} yet. They are read from the national public files in the " \
               "folder `MHW_PUBLIC_DATA_DIR` names" in text, (page, what)  # fmt: skip
        assert "Run `make refresh` to build the warehouse" not in text, page


def test_without_the_ons_file_the_population_section_shows_the_stand_ins_the_rates_use(own_copy: Path):
    """No ONS population is loaded (MHW_PUBLIC_DATA_DIR unset: the ten-year demo's case), yet every rate per 100,000
    divides by a population: the page shows those, by force, said to be stand-ins, not 'no population figures'."""
    with duckdb.connect(str(own_copy)) as con:
        con.execute("delete from mart_population_force_year")
        fy, sources = con.execute(
            "select max(fy_label), list(distinct population_source) filter (population_source is not null) "
            "from mart_s136_force_year where fy_label = (select max(fy_label) from mart_s136_force_year)"
        ).fetchone()
        forces = con.execute(
            "select force_name, population, population_source from mart_s136_force_year where fy_label = ? "
            "order by force_name",
            [fy],
        ).fetchall()
        national = con.execute("select population from mart_s136_national_year where fy_label = ?", [fy]).fetchone()[0]
    at = no_exception(open_page(links.NATIONAL_SOURCES, section="Population"))
    text = all_text(at)
    assert "holds no population figures" not in text
    assert "ONS populations behind every rate" not in text
    table = frame_with(at, "Area", "Population", "Source")
    assert table["Area"].tolist() == ["England and Wales (forces reporting)", *(name for name, _, _ in forces)]
    assert table["Population"].tolist()[1:] == [pop for _, pop, _ in forces]
    assert table["Population"].iloc[0] == national, "what the E&W rate divides by"
    assert set(table["Financial year"]) == {fy}
    if sources == ["standin"]:
        assert "every rate per 100,000 divides by a stand-in population" in text
        assert "not an ONS estimate" in text
        assert "Stand-in: approximate, not an ONS figure" in set(table["Source"])
        assert set(table["Source"]) <= {"Stand-in: approximate, not an ONS figure",
                                        "No resident population: no rate per 100,000"}  # fmt: skip
        assert "rates per 100,000 divide by the warehouse's approximate stand-in populations" in text


def test_national_sources_set_the_published_s136_totals_beside_the_warehouses(published):
    _needs_public(published)
    at = no_exception(open_page(links.NATIONAL_SOURCES, section="s136 statistics"))
    mart = published.frame("select * from mart_s136_national_published order by fy_label desc, publication")
    table = frame_with(at, "Financial year", "s136, published", "s136, warehouse")
    assert table["Financial year"].tolist() == mart["fy_label"].to_list()
    assert table["s136, published"].tolist() == mart["published_s136_detentions"].to_list()
    held = mart.filter(mart["warehouse_s136_detentions"].is_not_null()).row(0, named=True)
    text = all_text(at)
    forces = published.query("select count(*) from dim_force")[0][0]
    assert held["s136_excluded_forces"] == "W15000004"
    assert (
        f"the warehouse holds {held['warehouse_s136_detentions']:,} s136 detentions for England and Wales, "
        f"**{held['warehouse_s136_like_for_like']:,}** without Dyfed-Powys, which the published figure leaves out, "
        f"against **{held['published_s136_detentions']:,}** published ({held['s136_difference']:+,}, "
        f"{held['s136_difference_pct']:+.1f}%; {held['warehouse_forces_reporting']} of {forces} forces reporting)"
        in text
    ), "the test snapshot holds a few forces: the sentence says so"
    assert table["s136, warehouse like for like"].dropna().tolist() == [held["warehouse_s136_like_for_like"]]
    notes = table.set_index("Financial year")["Not like for like"]
    assert "Dyfed-Powys" in notes[held["fy_label"]]
    assert f"warehouse: {held['warehouse_forces_reporting']} of {forces} forces reporting" in notes[held["fy_label"]]


def test_the_published_s136_totals_alone_when_the_warehouse_holds_none_of_their_years(
    own_copy, pipeline_snapshot_build
):
    if not pipeline_snapshot_build.public_data:
        pytest.skip("MHW_PUBLIC_DATA_DIR is not set: the national public files were not loaded")
    with duckdb.connect(str(own_copy)) as con:
        con.execute(
            "update mart_s136_national_published set warehouse_s136_detentions = null, warehouse_s135_detentions = "
            "null, warehouse_s136_like_for_like = null, warehouse_forces_reporting = null, "
            "warehouse_is_partial_year = null, s136_difference = null, s136_difference_pct = null"
        )
    at = no_exception(open_page(links.NATIONAL_SOURCES, section="s136 statistics"))
    assert "The warehouse holds none of the years these texts publish, so nothing is compared" in all_text(at)
    assert frame_with(at, "Financial year", "s136, warehouse")["s136, warehouse"].isna().all()


def test_learning_names_an_iopc_category_whose_force_rows_do_not_add_up(own_copy: Path):
    """The check under the IOPC force table is each category's: in 2019-20 the fatal shootings by force add up to 4
    against a national 3 (a death attributed to two forces), while the page said the by-force rows 'add up to the
    national count' from the custody category alone."""
    with duckdb.connect(str(own_copy)) as con:
        con.execute("delete from mart_iopc_deaths_national")
        con.execute("delete from mart_iopc_deaths")
        for category, deaths, by_force in (("custody", 2, 2), ("fatal_shooting", 1, 2)):
            note = "by-force rows add up" if deaths == by_force else "by-force rows exceed the national count"
            con.execute(
                "insert into mart_iopc_deaths_national (edition, is_latest_edition, fy_label, iopc_category, deaths, "
                "deaths_by_force_reconciles, reconciliation_note) values ('2019-20', true, '2019-20', ?, ?, ?, ?)",
                [category, deaths, deaths == by_force, note],
            )
            for force in ("Force A", "Force B")[:by_force]:
                con.execute(
                    "insert into mart_iopc_deaths (edition, is_latest_edition, entity_name, entity_type, fy_label, "
                    "iopc_category, deaths) values ('2019-20', true, ?, 'force', '2019-20', ?, 1)",
                    [force, category],
                )
    text = all_text(no_exception(open_page(links.LEARNING)))
    assert "Check: Fatal shootings: by-force rows exceed the national count." in text
    assert "Check: by-force rows add up" not in text
