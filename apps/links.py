"""Addresses of the app's pages and links between them carrying the view's choices.

A page's address is the name of its file in apps/views/ (views/force-profile.py is /force-profile): one name for
the URL, the file and the tests (AppTest opens a page by its file, which must match its url_path).
"""

from __future__ import annotations

from urllib.parse import urlencode

OVERVIEW = "overview"
EXPLORER = "benchmark-explorer"
FORCE_PROFILE = "force-profile"
ESCALATIONS = "escalations"
OUTCOMES = "outcomes-justice"
S136 = "s136-benchmark"
DISPROPORTIONALITY = "s136-disproportionality"
ADR125 = "adr125-reconciliation"
DEMAND = "mh-demand"
WHAT_WORKS = "what-works"
LEARNING = "learning"
NATIONAL_SOURCES = "national-sources"
DATA_QUALITY = "data-quality"
WHAT_CHANGED = "what-changed"


def page_file(page: str) -> str:
    """The page's script, relative to apps/app.py (for st.page_link and AppTest.switch_page)."""
    return f"views/{page}.py"


def url_path(page: str) -> str:
    """Where the page is served: the landing page (the Overview) at the root, the others at their name."""
    return "" if page == OVERVIEW else page


def address(page: str, **params: str | None) -> str:
    """A relative address of a page with query parameters (for a link in a table cell): 'force-profile?force=…'."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url_path(page)}?{query}" if query else url_path(page) or "."
