"""Browser test: the real Streamlit server on the fixture snapshot, driven by Debian Chromium via Playwright.

Chromium comes from apt (`apt-get install -y chromium`); `playwright install` cannot download a browser here.
Streamlit is started as a subprocess and stopped by its own process id (it may ignore a signal to its group).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install -y chromium"),
]


def _fixture_module():
    """tests/apps/serving_fixture.py, loaded by path (the tests folders are not packages)."""
    if "serving_fixture" in sys.modules:
        return sys.modules["serving_fixture"]
    spec = importlib.util.spec_from_file_location("serving_fixture", ROOT / "tests" / "apps" / "serving_fixture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serving_fixture"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout}s")


@contextmanager
def running_app(home: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run apps/app.py` on the snapshots under home/serving; yields its address, stops it by its pid."""
    port = _free_port()
    env = {
        **os.environ,
        "MHW_HOME": str(home),
        "MHW_SERVING_DIR": str(home / "serving"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("MHW_WAREHOUSE", None)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "apps" / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    fixture = _fixture_module()
    home = tmp_path / "mhw_home"
    built = fixture.build_snapshot(home / "serving")
    with running_app(home, tmp_path / "streamlit.log") as url:
        yield url, built.national_detentions[fixture.LATEST]


def test_benchmark_page_renders_in_chromium(streamlit_server: tuple[str, int], tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    url, total = streamlit_server
    screenshot = tmp_path / "s136_benchmark.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 3000})
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="s136 detentions: national benchmark")).to_be_visible(
                timeout=60_000
            )
            chart = page.get_by_test_id("stVegaLiteChart").first
            expect(chart).to_be_visible(timeout=60_000)
            expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)
            table = page.get_by_test_id("stDataFrame").first
            expect(table).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stMetricValue").first).to_have_text(f"{total:,}", timeout=30_000)
            expect(page.get_by_text("Download the force table (CSV)")).to_be_visible()
            assert "fy=" in page.url, "the chosen year is in the shareable address"
            page.wait_for_timeout(1_000)  # let the chart and grid finish drawing before the screenshot
            assert page.locator('[data-testid="stException"]').count() == 0
            assert "page not found" not in page.content().lower()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    keep = os.environ.get("MHW_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / screenshot.name).write_bytes(screenshot.read_bytes())


NEW_PAGES = [
    ("s136-disproportionality", "s136 disproportionality"),
    ("adr125-reconciliation", "ADR-125 return reconciliation"),
    ("national-sources", "Deaths, use of force and inspections"),
    ("mh-demand", "Mental-health demand"),
    ("data-quality", "Data quality of force extracts"),
]


def _headlines() -> dict[str, str]:
    """The first headline value each page must show (from the fixture's own figures)."""
    fixture = _fixture_module()
    latest = fixture.demand_national_rows()[-1]
    expected_cells = len(fixture.DQ_FORCES) * len(fixture.DQ_MONTHS)  # incidents: forces x months
    return {"mh-demand": f"{latest['incidents_per_hour']:.1f}", "data-quality": str(expected_cells)}


def test_national_pages_render_in_chromium(streamlit_server: tuple[str, int]):
    from playwright.sync_api import expect, sync_playwright

    url, _total = streamlit_server
    headlines = _headlines()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            for path, title in NEW_PAGES:
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=60_000)
                expect(page.get_by_test_id("stDataFrame").filter(visible=True).first).to_be_visible(timeout=60_000)
                if path in headlines:
                    expect(page.get_by_test_id("stMetricValue").first).to_have_text(headlines[path], timeout=30_000)
                    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
                page.wait_for_timeout(500)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                assert "page not found" not in page.content().lower(), f"{path} opened by its address"
        finally:
            browser.close()
