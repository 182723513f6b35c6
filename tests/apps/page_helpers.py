"""AppTest helpers: open a page of the app (through apps/app.py and its navigation) with page-address parameters,
and read what it shows (metrics, text, tables, charts)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from apps import links

TIMEOUT = 90
APP = Path(__file__).resolve().parents[2] / "apps" / "app.py"


def open_page(page: str, **query_params: str) -> AppTest:
    """Run the app on one page (a name from apps/links.py), as a link with these query parameters would open it."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in query_params.items():
        at.query_params[key] = value
    return at.switch_page(links.page_file(page)).run()


def go(at: AppTest, page: str) -> AppTest:
    """Move to another page in the same session, as the sidebar does (the address loses its query string)."""
    for key in list(at.query_params):
        del at.query_params[key]
    return at.switch_page(links.page_file(page)).run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def all_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def frame_with(at: AppTest, *columns: str):
    """The first table shown that has every one of ``columns`` (a pandas frame), opening the page's tables drawn on
    request (a chart's figures) when none is shown yet."""

    def shown() -> list:
        return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]

    if not shown():
        show_tables(at)
    return shown()[0]


def show_tables(at: AppTest) -> AppTest:
    """Open every expander whose body is drawn on request (apps/ui.py `on_request`), as a reader clicking each."""
    closed = [e.key for e in at.expander if e.key and not at.session_state[e.key]]
    for key in closed:
        at.session_state[key] = True
    return no_exception(at.run()) if closed else at


def widget(at: AppTest, label: str):
    """The selectbox or radio with this label."""
    return next(w for kind in ("selectbox", "radio") for w in getattr(at, kind) if w.label == label)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def no_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at
