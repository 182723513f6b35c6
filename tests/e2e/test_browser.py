"""Browser test: every page of the real Streamlit server, on the snapshot the pipeline published, in Debian's
Chromium via Playwright, as a national lead would use it: no exception, key content from the marts, no developer
chrome, a shared link that reopens the same view, a force that stays chosen across pages.

Screenshots of a handful of pages go to MHW_SCREENSHOT_DIR when it is set (CI keeps them as an artefact; see the
README: `MHW_SCREENSHOT_DIR=docs/screenshots pytest tests/e2e/test_browser.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from apps import links
from tests.e2e.browser import CHROMIUM, launch, running_app, wait_until_drawn

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install -y chromium"),
]

# page -> its heading; every page of the navigation
PAGES = {
    links.OVERVIEW: "Overview",
    links.EXPLORER: "Benchmark explorer",
    links.FORCE_PROFILE: "Force profile",
    links.ESCALATIONS: "Escalations",
    links.OUTCOMES: "Outcomes & justice",
    links.S136: "s136 detentions: national benchmark",
    links.DISPROPORTIONALITY: "s136 disproportionality",
    links.ADR125: "ADR-125 return reconciliation",
    links.DEMAND: "Mental-health demand",
    links.WHAT_WORKS: "What works",
    links.LEARNING: "Learning: deaths, coroners and inspections",
    links.NATIONAL_SOURCES: "National sources",
    links.DATA_QUALITY: "Data quality of force extracts",
    links.WHAT_CHANGED: "What changed since the last publication",
}
SCREENSHOTS = (links.OVERVIEW, links.EXPLORER, links.FORCE_PROFILE, links.ESCALATIONS, links.DEMAND)
# the query string a page is opened with, and a text it must then show
OPENED_WITH = {
    links.WHAT_WORKS: ("?scheme=E23000019:E23000019-RCRP&section=One+scheme+in+one+force", "This start date is assumed")
}


@pytest.fixture(scope="module")
def app_url(pipeline_snapshot_build, tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-home")
    with running_app(home, home / "streamlit.log", serving_dir=pipeline_snapshot_build.snapshot.parent) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


def _open(browser, url: str, width: int = 1400, height: int = 1000, on_request=None):
    page = browser.new_page(viewport={"width": width, "height": height})
    if on_request:
        page.on("request", on_request)
    page.goto(url, wait_until="domcontentloaded")
    wait_until_drawn(page)
    return page


def _no_error(page, where: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, where
    assert "page not found" not in page.content().lower(), where


def test_every_page_renders_its_content_without_developer_chrome(app_url, browser, pipeline_snapshot_build):
    """... and asks nothing of any server but the app's own (no font service, CDN or tracker sees the visitor), and
    finds that server at once, not first under the page's own path (apps/server_address.py)."""
    from playwright.sync_api import expect

    keep = os.environ.get("MHW_SCREENSHOT_DIR")
    elsewhere: set[str] = set()
    detours: set[str] = set()

    def note(request) -> None:
        if _is_elsewhere(request.url, app_url):
            elsewhere.add(request.url)
        elif "/_stcore/" in (where := urlsplit(request.url).path) and not where.startswith("/_stcore/"):
            detours.add(request.url)

    for path, title in PAGES.items():
        query, shows = OPENED_WITH.get(path, ("", None))
        page = _open(browser, f"{app_url}/{links.url_path(path)}{query}", on_request=note)
        assert page.evaluate("() => window.__streamlit?.BACKEND_BASE_URL") == f"{app_url}/", path
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=60_000)
        _no_error(page, path)
        if shows:
            expect(page.get_by_text(shows).first).to_be_visible()
        # the first publication has no table of changes; Learning and National sources draw only the public data
        # folder's sources
        from_public_data = path in (links.LEARNING, links.NATIONAL_SOURCES)
        if path != links.WHAT_CHANGED and (not from_public_data or pipeline_snapshot_build.public_data):
            figures = page.locator('[data-testid="stDataFrame"], [data-testid="stVegaLiteChart"]')
            expect(figures.filter(visible=True).first).to_be_visible(timeout=30_000)
        assert page.get_by_test_id("stAppDeployButton").count() == 0, "no Deploy button (toolbarMode minimal)"
        if keep and path in SCREENSHOTS:
            Path(keep).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(keep) / f"{path}.png"))
        page.close()
    assert not elsewhere, f"requests beyond the app's server: {sorted(elsewhere)}"
    assert not detours, f"the server looked for under a page's path: {sorted(detours)}"


def _is_elsewhere(url: str, app_url: str) -> bool:
    """A request to any server but the app's (inline data: URLs are not requests to a server)."""
    return urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != urlsplit(app_url).netloc


def test_the_overview_shows_the_national_figures_and_links_to_each_measure(app_url, browser, pipeline_snapshot_build):
    from playwright.sync_api import expect

    measures = pipeline_snapshot_build.query(
        "select count(distinct measure_id) from mart_benchmark where geography_level = 'national'"
    )[0][0]
    page = _open(browser, f"{app_url}/")
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(str(measures))
    assert "force=E%26W" in page.url or "force=E&W" in page.url, "the view is in the address"
    expect(page.get_by_text("Download the overview (CSV)")).to_be_visible()
    page.get_by_test_id("stMainMenu").click()
    expect(page.get_by_text("About", exact=True)).to_be_visible()  # the menu holds the app's About ...
    for chrome in ("Clear cache", "Rerun", "Record a screencast", "Record screen", "Print", "Settings"):
        assert page.get_by_text(chrome, exact=True).count() == 0, f"{chrome} in the menu"  # ... only
    page.get_by_text("About", exact=True).click()
    expect(page.get_by_text("Every number is a published value", exact=False)).to_be_visible()
    page.close()


def test_a_shared_link_reopens_the_same_view_and_the_force_carries_to_the_next_page(
    app_url, browser, pipeline_snapshot_build
):
    from playwright.sync_api import expect

    force, name = pipeline_snapshot_build.query(
        "select geography_code, geography_name from mart_spc where geography_level = 'force' order by 1 limit 1"
    )[0]
    measure, measure_name = pipeline_snapshot_build.query(
        "select measure_id, measure_name from dim_measure where frequency = 'month' order by sort_order limit 1"
    )[0]
    link = f"{app_url}/{links.EXPLORER}?measure={measure}&force={force}&cmp=peers"
    page = _open(browser, link)
    _no_error(page, "explorer from a link")
    expect(page.get_by_role("combobox", name="Measure")).to_have_value(measure_name)
    expect(page.get_by_role("combobox", name="Highlight a force")).to_have_value(name)
    assert f"measure={measure}" in page.url and "cmp=peers" in page.url
    page.get_by_test_id("stSidebarNav").get_by_text("Force profile").click()
    page.wait_for_url(f"**/{links.FORCE_PROFILE}?**", timeout=30_000)
    wait_until_drawn(page)
    _no_error(page, "force profile from the sidebar")
    assert f"force={force}" in page.url, "the force chosen on the explorer is the profile's force"
    expect(page.get_by_role("combobox", name="Force")).to_have_value(name)
    page.get_by_role("tab", name="Monthly measures (SPC)").click()  # a tab of the profile, drawn when opened
    expect(page.get_by_role("heading", name="Monthly measures: statistical process control")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
    assert "section=Monthly" in page.url and f"force={force}" in page.url
    page.close()


def test_a_demand_section_opens_as_a_tab_and_the_address_keeps_it(app_url, browser):
    from playwright.sync_api import expect

    page = _open(browser, f"{app_url}/{links.DEMAND}")
    _no_error(page, "demand")
    expect(page.get_by_role("heading", name="England and Wales, month by month")).to_be_visible()
    page.get_by_role("tab", name="One force over time").click()
    expect(page.get_by_role("heading", name="One force: statistical process control")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Forces compared").click()
    expect(page.get_by_role("heading", name="Forces compared")).to_be_visible(timeout=30_000)
    assert "section=Forces" in page.url, "the open section is in the address"
    link = page.url
    page.close()
    page = _open(browser, link)
    expect(page.get_by_role("heading", name="Forces compared")).to_be_visible(timeout=30_000)
    assert page.get_by_role("heading", name="One force: statistical process control").count() == 0
    page.close()


def test_a_page_writes_its_choices_to_the_address_as_one_history_entry(app_url, browser, pipeline_snapshot_build):
    """The sidebar's change of page is one entry and the page's choices (measure, period, force, comparator) one
    more, so Back leaves the page in two steps (it took five when each choice was written on its own)."""
    (force,) = pipeline_snapshot_build.query("select force_code from dim_force order by 1 limit 1")[0]
    page = _open(browser, f"{app_url}/?force={force}&cmp=peers")
    before = page.evaluate("history.length")
    page.get_by_test_id("stSidebarNav").get_by_text("Benchmark explorer").click()
    page.wait_for_url(f"**/{links.EXPLORER}?**measure=**", timeout=30_000)
    wait_until_drawn(page)
    assert all(p in page.url for p in ("measure=", "period=", f"force={force}", "cmp=peers")), page.url
    assert page.evaluate("history.length") - before <= 2
    page.close()


def test_keyboard_focus_on_a_sidebar_link_is_clearly_drawn(app_url, browser):
    """Tabbing reaches the sidebar's page links, and the focused link has the app's outline (apps/ui.py FOCUS_STYLE),
    not Streamlit's faint default."""
    page = _open(browser, f"{app_url}/")
    focused = None
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                       return e && e.closest('[data-testid="stSidebar"]') && e.tagName === 'A'
                           ? [e.innerText, getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth,
                              getComputedStyle(e).outlineColor] : null; }"""
        )
        if focused:
            break
    assert focused, "a sidebar link is reached with Tab"
    _, style, width, colour = focused
    assert style != "none" and float(width.removesuffix("px")) >= 2, focused
    assert colour == "rgb(29, 112, 184)", focused
    page.close()
