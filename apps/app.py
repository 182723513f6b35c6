"""Streamlit entrypoint: `streamlit run apps/app.py`.

Pages are declared with st.navigation (url paths in apps/links.py); each page reads the published serving snapshot
through apps.data and never the warehouse. The Overview is the landing page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run apps/app.py` puts apps/ (not the project root) on sys.path; make `import apps.…` work even
# when the project is not installed in the environment.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from apps import links, state, ui  # noqa: E402

# the tab's icon is drawn from this file: a ":material/…:" icon would make every visitor's browser fetch it from
# Google's font service, and the app makes no request beyond its own server (tests/e2e/test_browser.py)
st.set_page_config(
    page_title="Mental health & policing benchmarks",
    page_icon=str(Path(__file__).with_name("icon.svg")),
    layout="wide",
    menu_items={"About": ui.ABOUT, "Get help": None, "Report a bug": None},
)


def page(name: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(links.page_file(name), title=title, icon=f":material/{icon}:", url_path=name, default=default)


PAGES = {
    "Benchmarks": [
        page(links.OVERVIEW, "Overview", "dashboard", default=True),
        page(links.EXPLORER, "Benchmark explorer", "scatter_plot"),
        page(links.FORCE_PROFILE, "Force profile", "local_police"),
        page(links.ESCALATIONS, "Escalations", "priority_high"),
        page(links.OUTCOMES, "Outcomes & justice", "gavel"),
    ],
    "s136 detentions": [
        page(links.S136, "s136 national benchmark", "leaderboard"),
        page(links.DISPROPORTIONALITY, "Disproportionality", "diversity_3"),
        page(links.ADR125, "ADR-125 reconciliation", "rule"),
    ],
    "Demand and what works": [
        page(links.DEMAND, "Mental-health demand", "call"),
        page(links.WHAT_WORKS, "What works", "science"),
    ],
    "Learning and national sources": [
        page(links.LEARNING, "Learning", "menu_book"),  # its heading says of what: a longer name is cut in the menu
        page(links.NATIONAL_SOURCES, "National sources", "account_balance"),
    ],
    "Data": [
        page(links.DATA_QUALITY, "Data quality", "fact_check"),
        page(links.WHAT_CHANGED, "What changed", "difference"),
    ],
}

navigation = st.navigation(PAGES)
ui.focus_style()  # a clear keyboard focus (a style only: nothing is drawn)
ui.demo_notice()  # above the page: a demo snapshot says which figures are synthetic
try:
    navigation.run()
finally:
    state.send_address()  # the page's choices in the address as one change, also when the page stopped early
