"""`make bench` (second part): how fast each page of the app renders in a real browser, on a 10-year national snapshot.

The snapshot: the ten-year national home that `make bench`'s first part refreshed and kept (bench_refresh.py,
MHW_BENCH_HOME, default /tmp/mhw-bench-10y); without it this stops and says so, rather than build the same ten years
a second way.

Each page is opened in Debian's Chromium (Playwright) against `streamlit run apps/serve.py`, twice to warm the caches,
then RUNS times, in two ways:
- as a link: the address typed or shared, a full page load (the browser starts the app's front end again);
- in the app: its link in the sidebar clicked, the way a user moves between pages once the app is open.
A run is the time from asking for the page to the page fully drawn (the script finished, no placeholder left, every
chart drawn, and, in the app, the new page's title shown). The reference is a page that only writes a title, served
by a second Streamlit at the same time and loaded as a link in turn with the app's pages (every page once a round),
so a busy minute on this shared machine falls on the pages and the reference alike: the ratio says what the app's
pages cost over Streamlit's own floor. Results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import numpy as np

from apps import links
from tests.bench.bench_refresh import HOME, RESULTS, _machine
from tests.e2e.browser import DRAWN, launch, running_app, wait_until_drawn

RUNS, WARM = 20, 2
PAGES = [
    (links.OVERVIEW, {}),
    (links.OVERVIEW, {"force": "E23000019", "cmp": "peers"}),
    (links.EXPLORER, {"measure": "s136_per_100k", "force": "E23000019"}),
    (links.EXPLORER, {"measure": "mh_incidents_per_1000"}),
    (links.FORCE_PROFILE, {"force": "E23000019"}),
    (links.ESCALATIONS, {}),
    (links.OUTCOMES, {"theme": "custody"}),
    (links.S136, {}),
    (links.DISPROPORTIONALITY, {}),
    (links.ADR125, {}),
    (links.DEMAND, {"force": "E23000019"}),
    (links.WHAT_WORKS, {}),
    (links.LEARNING, {}),
    (links.NATIONAL_SOURCES, {}),
    (links.DATA_QUALITY, {}),
    (links.WHAT_CHANGED, {}),
]
REFERENCE = 'import streamlit as st\nst.title("Reference")\n'
REFERENCE_LABEL = "reference (a title only)"


def require_snapshot(home: Path) -> None:
    if not (home / "serving" / "current.duckdb").exists():
        raise SystemExit(f"no ten-year snapshot under {home}: run `python -m tests.bench.bench_refresh` first")


def snapshot_size(serving: Path) -> str:
    with duckdb.connect(str(serving / "current.duckdb"), read_only=True) as con:
        rows = dict(con.execute("select table_name, estimated_size from duckdb_tables()").fetchall())
        months = con.execute("select count(distinct month_start) from mart_demand_force_month").fetchone()[0]
    size = (serving / "current.duckdb").resolve().stat().st_size / 1e6
    return (
        f"{size:.0f} MB, {months} months of demand for {rows.get('dim_force', 0)} forces; mart_benchmark "
        f"{rows.get('mart_benchmark', 0):,} rows, mart_spc {rows.get('mart_spc', 0):,}, mart_demand_force_month "
        f"{rows.get('mart_demand_force_month', 0):,}"
    )


def time_pages(browser, visits: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Seconds from asking for each (label, address) to the page drawn: WARM rounds, then RUNS timed rounds, each
    round visiting every address once."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    times: dict[str, list[float]] = {}
    for i in range(WARM + RUNS):
        for label, address in visits:
            start = time.perf_counter()
            page.goto(address, wait_until="commit")
            wait_until_drawn(page, timeout_ms=120_000)
            if i >= WARM:
                times.setdefault(label, []).append(time.perf_counter() - start)
            assert page.locator('[data-testid="stException"]').count() == 0, label
    page.close()
    return times


def link_visits(url: str, pages: list[tuple[str, dict[str, str]]]) -> list[tuple[str, str]]:
    """(label, address) of each page opened as a link with its query string."""
    visits = []
    for name, params in pages:
        query = f"?{urlencode(params)}" if params else ""
        visits.append(((links.url_path(name) or "/") + query, f"{url}/{links.url_path(name)}{query}"))
    return visits


def time_navigation(browser, url: str) -> dict[str, list[float]]:
    """Seconds from clicking each page's sidebar link to that page drawn with its own title, going round every page
    RUNS times after WARM rounds (the app opened once, at the Overview)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    names = list(dict.fromkeys(name for name, _ in PAGES))
    titles = {}
    for name in names:
        page.goto(f"{url}/{links.url_path(name)}", wait_until="commit")
        wait_until_drawn(page, timeout_ms=120_000)
        titles[name] = page.locator("h1").first.inner_text()
    times: dict[str, list[float]] = {}
    for i in range(WARM + RUNS):
        for name in names:
            link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{links.url_path(name)}"]').first
            start = time.perf_counter()
            link.click()
            page.wait_for_function(
                f"() => ({DRAWN})() && document.querySelector('h1').innerText === {titles[name]!r}",
                timeout=120_000,
                polling=20,
            )
            if i >= WARM:
                times.setdefault(links.url_path(name) or "/", []).append(time.perf_counter() - start)
            assert page.locator('[data-testid="stException"]').count() == 0, name
    page.close()
    return times


def _table(times: dict[str, list[float]], ref95: float) -> list[str]:
    return [
        "| page | p50 s | p95 s | p95 / reference p95 |",
        "|---|---|---|---|",
        *(
            f"| {label} | {np.percentile(t, 50):.2f} | {np.percentile(t, 95):.2f} | "
            f"{np.percentile(t, 95) / ref95:.1f} |"
            for label, t in times.items()
        ),
    ]


def main() -> None:
    from playwright.sync_api import sync_playwright

    home = HOME
    require_snapshot(home)
    size = snapshot_size(home / "serving")
    with tempfile.TemporaryDirectory(prefix="mhw-bench-app-") as tmp, sync_playwright() as pw:
        browser = launch(pw)
        reference_app = Path(tmp) / "reference.py"
        reference_app.write_text(REFERENCE)
        with (
            running_app(home, Path(tmp) / "app.log") as url,
            running_app(home, Path(tmp) / "reference.log", script=reference_app) as reference_url,
        ):
            pages = time_pages(browser, [*link_visits(url, PAGES), (REFERENCE_LABEL, reference_url)])
            moves = time_navigation(browser, url)
        browser.close()
    reference = pages.pop(REFERENCE_LABEL)
    ref95 = float(np.percentile(reference, 95))
    worst = max(float(np.percentile(t, 95)) for t in pages.values())
    worst_move = max(float(np.percentile(t, 95)) for t in moves.values())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [
        f"\n## App page render times, {stamp}",
        f"Machine: {_machine()}. Snapshot: {size}.",
        f"Chromium (headless) against `streamlit run apps/serve.py`; {WARM} warm-up rounds then {RUNS} timed rounds, "
        "each visiting every page once, from asking for the address to the page drawn (script finished, no "
        "placeholder, every chart drawn). Reference: a page that only writes a title, served by a second Streamlit "
        f"and visited in the same rounds as the pages: p95 {ref95:.2f} s.",
        "",
        "As a link (a full page load):",
        "",
        *_table(pages, ref95),
        "",
        "In the app (the page's sidebar link clicked):",
        "",
        *_table(moves, ref95),
        "",
        f'Slowest page p95: {worst_move:.2f} s in the app (the 1 s budget, docs/app.md "Speed"); {worst:.2f} s as a '
        f"link (a full load, which also starts Streamlit's front end), {worst / ref95:.1f} times the reference page's "
        f"p95; {sum(float(np.percentile(t, 95)) < 1 for t in pages.values())} of {len(pages)} addresses under 1 s as "
        "a link.",
    ]
    with RESULTS.open("a") as fh:
        fh.write("\n".join(section) + "\n")
    print("\n".join(section))


if __name__ == "__main__":
    main()
