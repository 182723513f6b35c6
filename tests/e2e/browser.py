"""The real Streamlit server and Debian's Chromium, for the browser test and the page-render bench.

Chromium comes from apt (`apt-get install -y chromium`); `playwright install` cannot download a browser here.
Streamlit is started as a subprocess and stopped by its own process id (it may ignore a signal to its group).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
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
def running_app(
    home: Path, log_path: Path, serving_dir: Path | None = None, script: Path | None = None
) -> Iterator[str]:
    """`streamlit run apps/serve.py` (the app as `make app` serves it) or another script, from the project root so
    .streamlit/config.toml applies, on the snapshots in serving_dir (default home/serving); yields its address and
    stops it by its process id."""
    port = _free_port()
    env = {
        **os.environ,
        "MHW_HOME": str(home),
        "MHW_SERVING_DIR": str(serving_dir or home / "serving"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("MHW_WAREHOUSE", None)
    env.pop("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", None)  # as a user sees it
    log = log_path.open("w")
    app = script or ROOT / "apps" / "serve.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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


def launch(playwright):
    """Headless Debian Chromium."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


DRAWN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], '
                               + '[data-testid="stAppSkeleton"]')) return false;
    if (!document.querySelector('h1')) return false;
    return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .every(c => c.querySelector('canvas, svg'));
}"""


def wait_until_drawn(page, timeout_ms: float = 60_000) -> None:
    """Until the script has run, no placeholder is left and every chart on the page has drawn (Streamlit's own
    end-to-end tests wait for the app's script state in the same way)."""
    page.wait_for_function(DRAWN, timeout=timeout_ms, polling=50)
