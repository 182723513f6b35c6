"""The view lives in the address: a copied link reopens the same view, and a force chosen on one page is still chosen
on the next even when the sidebar drops the query string (apps/state.py)."""

from __future__ import annotations

from page_helpers import frame_with, go, no_exception, open_page, widget

from apps import benchmarks, links


def _forces(published) -> list[str]:
    return [r[0] for r in published.query(
        "select distinct geography_code from mart_spc where geography_level = 'force' order by 1")]  # fmt: skip


def test_a_force_chosen_on_the_overview_is_the_force_of_the_next_pages(published):
    first, second = _forces(published)[:2]
    at = no_exception(open_page(links.OVERVIEW, force=first))
    widget(at, "Area").set_value(second).run()
    widget(at, "Compare with").set_value("peers").run()
    assert (at.query_params["force"], at.query_params["cmp"]) == (second, "peers")
    no_exception(go(at, links.FORCE_PROFILE))  # the sidebar: no query string
    assert widget(at, "Force").value == second
    assert at.query_params["force"] == second, "written back into the address, so the link is shareable"
    assert widget(at, "Compare with").value == "peers"
    no_exception(go(at, links.EXPLORER))
    assert widget(at, "Highlight a force").value == second


def test_a_shared_link_wins_over_what_the_session_remembers(published):
    first, second = _forces(published)[:2]
    at = no_exception(open_page(links.OVERVIEW, force=first))
    for key in list(at.query_params):
        del at.query_params[key]
    at.query_params["force"] = second  # a link pasted into the same session
    at.switch_page(links.page_file(links.FORCE_PROFILE)).run()
    assert widget(at, "Force").value == second


def test_an_unknown_value_in_the_address_falls_back_to_the_default(published):
    at = no_exception(open_page(links.EXPLORER, measure="no_such_measure", period="1999-00", cmp="nonsense"))
    first_measure = published.query("select measure_id from dim_measure order by sort_order limit 1")[0][0]
    assert widget(at, "Measure").value == first_measure
    assert at.query_params["measure"] == first_measure and at.query_params["cmp"] == "national"


def test_a_page_that_does_not_offer_the_chosen_measure_and_period_leaves_them_for_the_next(published):
    """Escalations lists only the measures with escalations, Outcomes & justice its own themes' periods: passing
    through them (by the sidebar) keeps the measure and period chosen in the explorer."""
    measure, period = published.query(
        "select measure_id, period from mart_benchmark where geography_level = 'force' and period_type = 'month' "
        "and measure_id not in (select measure_id from mart_escalations) order by period limit 1"
    )[0]
    at = no_exception(open_page(links.EXPLORER, measure=measure, period=period))
    assert (widget(at, "Measure").value, widget(at, "Period").value) == (measure, period)
    for page in (links.ESCALATIONS, links.OUTCOMES, links.EXPLORER):
        no_exception(go(at, page))
    assert (widget(at, "Measure").value, widget(at, "Period").value) == (measure, period)
    assert (at.query_params["measure"], at.query_params["period"]) == (measure, period)


def test_a_demo_snapshot_says_on_every_page_which_figures_are_synthetic(published):
    """The pipeline fixture is built from the demo generators, and its publication says so."""
    assert published.query("select is_demo_data from publication")[0][0] is True
    for page in (links.OVERVIEW, links.ADR125, links.LEARNING):
        at = no_exception(open_page(page))
        assert at.warning and at.warning[0].value.startswith("**Demo data.**"), page


def test_the_force_outcomes_and_justice_highlights_is_in_its_address(published):
    """The force a lead chose is drawn large in the outcome charts; it is in the address, so a copied link highlights
    the same force, and it can be changed there."""
    force = published.query(  # a force with a published value in the theme's first chart (conveyance by ambulance)
        "select force_code from mart_benchmark where measure_id = 's136_ambulance_pct' and geography_level = 'force' "
        "and value is not null and period = (select max(period) from mart_benchmark where measure_id = "
        "'s136_ambulance_pct') order by 1 limit 1"
    )[0][0]
    at = no_exception(open_page(links.OVERVIEW, force=force))
    no_exception(go(at, links.OUTCOMES))  # the sidebar: no query string
    widget(at, "Theme").set_value("conveyance").run()
    assert widget(at, "Highlight a force").value == force
    assert at.query_params["force"] == force, "written into the address, so the link is shareable"
    link = dict(at.query_params)
    at = no_exception(open_page(links.OUTCOMES, **link))  # the copied link in a new session
    assert widget(at, "Highlight a force").value == force
    name = published.query("select force_name from dim_force where force_code = ?", [force])[0][0]
    chart = frame_with(at, "Area", "Highlight")  # the ranked chart's figures
    assert chart[chart["Highlight"] == benchmarks.CHOSEN]["Area"].tolist() == [name]
