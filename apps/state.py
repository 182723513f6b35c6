"""The view's state in the page address, carried from page to page.

Force, measure, period and comparator (and each page's own choices) live in the query string, so a copied link
reopens exactly the same view. Streamlit clears the query string when the sidebar changes page, so the shared
choices are also kept in the session: a page opened without them in its address takes the last ones chosen and
writes them back into its address.

Which value a selector shows, in order: the address (a shared link, or a link from another page), the session
(chosen on another page), the page's default. A user's change goes to both at once (the widget's on_change), so the
address is always the view.

A page's writes to the address are gathered and sent as one change when the page has run (`send_address`, called
by apps/app.py): the browser adds a history entry for every change of the address, so writing the choices one by
one left several entries per page and Back seemed stuck on the same page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

FORCE, MEASURE, PERIOD, COMPARATOR = "force", "measure", "period", "cmp"
SHARED = (FORCE, MEASURE, PERIOD, COMPARATOR)
COMPARATORS = {"national": "England and Wales", "region": "Region", "peers": "Peer group"}
_SESSION = "shared_{}"
_WIDGET = "choose_{}"
_UNSENT = "address_unsent"  # session key: the writes to the address this run has not sent yet


def _session_key(param: str) -> str:
    return _SESSION.format(param)


def _in_address(param: str) -> str | None:
    """The value the address holds for param, with this run's writes not yet sent."""
    unsent = st.session_state.get(_UNSENT, {})
    return unsent[param] if param in unsent else st.query_params.get(param)


def current(param: str) -> str | None:
    """The value of a choice: the address first, then the session (shared choices only)."""
    value = _in_address(param)
    if value is None and param in SHARED:
        value = st.session_state.get(_session_key(param))
    return value


def _show(param: str, value: str) -> None:
    """Put a value in the address (sent with the page's other writes by send_address)."""
    if _in_address(param) != value:
        st.session_state.setdefault(_UNSENT, {})[param] = value


def send_address() -> None:
    """Send this run's writes to the address as one change (one browser history entry)."""
    unsent = st.session_state.pop(_UNSENT, {})
    changed = {k: v for k, v in unsent.items() if st.query_params.get(k) != v}
    if changed:
        st.query_params.update(changed)


def remember(param: str, value: str) -> None:
    """Put a choice in the address (and, when shared, in the session for the next page)."""
    _show(param, value)
    if param in SHARED:
        st.session_state[_session_key(param)] = value


def resolve(param: str, options: Sequence[str], default: str | None = None) -> str:
    """The value to show among options: the address, then the session, then default (else the first option)."""
    wanted = current(param)
    if wanted in options:
        return wanted
    return default if default in options else options[0]


def choose(
    label: str,
    options: Sequence[str],
    param: str,
    fmt: Callable[[Any], str] = str,
    default: str | None = None,
    help: str | None = None,
    column: Any = None,
    kind: str = "selectbox",
    **widget_options: Any,
) -> str:
    """A selector (``kind``: selectbox or radio) whose choice lives in the address; returns the choice."""
    options = list(options)
    value = resolve(param, options, default)
    # the choice made (in the address or on another page) is carried on; a page's own fallback (a measure or period
    # it does not offer, or nothing chosen yet) is this page's view only, and the next page still gets the choice
    (remember if value == current(param) else _show)(param, value)
    key = _WIDGET.format(param)
    st.session_state[key] = value  # the address decides; set before the widget is drawn
    getattr(column if column is not None else st, kind)(
        label,
        options,
        format_func=fmt,
        help=help or "The choice is kept in the page address, so the link can be shared.",
        key=key,
        on_change=lambda: remember(param, st.session_state[key]),
        **widget_options,
    )
    return value


def link_params(**overrides: str | None) -> dict[str, str]:
    """The shared choices now in force, with overrides: the query string of a link to another page."""
    params = {p: current(p) for p in SHARED}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def choose_force(
    forces: Any, national: str | None = None, label: str = "Force", column: Any = None, default: str | None = None
) -> str:
    """The shared force choice among ``forces`` (dim_force rows: force_code, force_name), by name; ``national``
    ('E&W') adds England and Wales as the first option."""
    names = dict(zip(forces["force_code"].to_list(), forces["force_name"].to_list(), strict=True))
    codes = sorted(names, key=names.get)
    if national:
        codes = [national, *codes]
        names[national] = "England and Wales"
    return choose(label, codes, FORCE, fmt=lambda c: names.get(c, c), default=default, column=column)


def choose_comparator(column: Any = None, disabled: bool = False) -> str:
    """The shared comparator: England and Wales, the force's region, or its peer group."""
    return choose(
        "Compare with",
        list(COMPARATORS),
        COMPARATOR,
        fmt=COMPARATORS.get,
        column=column,
        kind="radio",
        horizontal=True,
        disabled=disabled,
        help="The comparator for the colours and shapes: the force's 95% interval against its value. "
        "Kept in the page address.",
    )
