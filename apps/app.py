"""Streamlit entrypoint: `streamlit run apps/app.py`.

Pages are declared with st.navigation; each page reads the published serving snapshot through apps.data and
never the warehouse.
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

st.set_page_config(
    page_title="Mental health & policing benchmarks",
    page_icon=":material/analytics:",
    layout="wide",
)

PAGES = {
    "s136 detentions": [
        st.Page(
            "views/s136_benchmark.py",
            title="National benchmark",
            icon=":material/leaderboard:",
            url_path="s136-benchmark",
            default=True,
        ),
        st.Page(
            "views/disproportionality.py",
            title="Disproportionality",
            icon=":material/diversity_3:",
            url_path="s136-disproportionality",
        ),
        st.Page(
            "views/adr125_reconciliation.py",
            title="ADR-125 reconciliation",
            icon=":material/rule:",
            url_path="adr125-reconciliation",
        ),
    ],
    "Demand": [
        st.Page(
            "views/demand.py",
            title="Mental-health demand",
            icon=":material/call:",
            url_path="mh-demand",
        ),
    ],
    "What works": [
        st.Page(
            "views/what_works.py",
            title="Schemes evaluated",
            icon=":material/science:",
            url_path="what-works",
        ),
    ],
    "National sources": [
        st.Page(
            "views/national_sources.py",
            title="Deaths, use of force and inspections",
            icon=":material/account_balance:",
            url_path="national-sources",
        ),
    ],
    "Data": [
        st.Page(
            "views/data_quality.py",
            title="Data quality",
            icon=":material/fact_check:",
            url_path="data-quality",
        ),
        st.Page(
            "views/what_changed.py",
            title="What changed",
            icon=":material/difference:",
            url_path="what-changed",
        ),
    ],
}

st.navigation(PAGES).run()
