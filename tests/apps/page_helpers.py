"""Shared AppTest helpers for the page tests (run a page file with query parameters, read metrics, text, frames)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 60
PAGES = Path(__file__).resolve().parents[2] / "apps" / "views"


def run_page(name: str, **query_params: str) -> AppTest:
    """Run apps/views/<name>.py once, with the given page-address parameters."""
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in query_params.items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def frame_with(at: AppTest, *columns: str):
    """The first dataframe shown that has every one of ``columns``."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))
