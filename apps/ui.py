"""The few ways a page shows things, defined once: a chart with its table and CSV, a table with its CSV, messages
for a snapshot that lacks something, notes on method beside the numbers, and the footnotes.

A chart is drawn from one frame (its columns named for people), and that same frame is the table under it and the
CSV it downloads: what the CSV holds is exactly what the chart shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import polars as pl
import pyarrow as pa
import streamlit as st

from apps import benchmarks, charts, data
from apps import format as fmt

SECTION = "section"  # the address parameter of a page's open tab


DEMO_NOTICE = (
    "**Demo data.** The forces' extracts in this snapshot (incidents, custody, street triage, s136 returns), the "
    "ADR-125 published tables, the inspection tracker and the scheme registers are synthetic, written by `mhw synth` "
    "for a demonstration: no figure drawn from them describes a real force. National public files (ONS, Census, "
    "IOPC, Home Office, coroners, Parliament), where loaded, are real."
)


# The one item of the app's menu (toolbarMode "minimal" in .streamlit/config.toml shows only what the page config gives)
ABOUT = (
    "**Mental health & policing benchmarks** (mh-policing-warehouse) compares the 43 territorial police forces of "
    "England and Wales and the British Transport Police on mental-health demand, s136 detentions, "
    "disproportionality and outcomes.\n\n"
    "Every number is a published value of the serving snapshot, never a person-level record. Counts of people from "
    "1 to 7 are withheld (`*`) and others rounded to 5 where a table says so; intervals are 95% unless a chart says "
    "otherwise; comparisons follow Fingertips and the SPC charts NHS England's Making Data Count.\n\n"
    "Methods, sources and known limits: `docs/methods.md`, `docs/app.md` and `docs/interfaces.md` of the repository."
)


# Keyboard focus: Streamlit's own ring is faint (a pale shade of its primary colour, or none on a link). A 3px outline
# in GOV.UK's link blue (5.2:1 on white, 4.6:1 on the sidebar's grey; WCAG asks 3:1 of a focus indicator), only on
# :focus-visible, so a mouse click draws none.
FOCUS_STYLE = """<style>
a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible, textarea:focus-visible,
[role="tab"]:focus-visible, [role="radio"]:focus-visible, [role="checkbox"]:focus-visible,
[role="slider"]:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #1D70B8 !important;
  outline-offset: 2px !important;
}
/* a radio's input is hidden: its label carries the ring (a rule of its own, dropped alone where :has is unknown) */
label:has(input[type="radio"]:focus-visible) {
  outline: 3px solid #1D70B8 !important;
  outline-offset: 2px !important;
}
</style>"""


def focus_style() -> None:
    """The keyboard focus drawn clearly on every page (once a run, from apps/app.py)."""
    st.html(FOCUS_STYLE)


def demo_notice() -> None:
    """Above every page of a snapshot loaded from the demo landing zone (its publication says so): which figures are
    synthetic. Nothing when there is no snapshot (the page says that itself)."""
    try:
        snapshot = data.open_snapshot()
    except data.SnapshotUnavailable:
        return
    if data.publication(snapshot.conn, snapshot.key).get("is_demo_data"):
        st.warning(DEMO_NOTICE)


def show_unavailable(exc: data.SnapshotUnavailable) -> None:
    (st.info if exc.missing else st.error)(str(exc))


def section(render: Callable[[data.Snapshot], None], snapshot: data.Snapshot) -> None:
    """One section of a page; a table the snapshot lacks shows a message in that section only."""
    try:
        render(snapshot)
    except data.SnapshotUnavailable as exc:
        show_unavailable(exc)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def csv_text(frame: pl.DataFrame) -> str:
    """The frame as CSV; a list cell (a trend line) becomes its values separated by '; '."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    flat = frame.with_columns(
        pl.col(name).list.eval(pl.element().round(4).cast(pl.String)).list.join("; ") for name in lists
    )
    return flat.write_csv()


def download(frame: pl.DataFrame, label: str, file_name: str) -> None:
    """A CSV download of ``frame`` (the key comes from the file name, so two on one page never clash)."""
    st.download_button(
        label,
        data=csv_text(frame),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"download_{_slug(file_name)}",
    )


# integer columns stay integers where a value is missing (numpy would make them floats, shown as 1.000000)
_NULLABLE_INTEGERS = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype()}


def coloured(frame: pl.DataFrame, palettes: Mapping[str, Mapping[str, tuple]]) -> Any:
    """The frame styled for display: each cell of a column in ``palettes`` filled by its label's colours.

    A palette maps a key to (label, fill, ink, ...) as in apps.charts; a "Not compared" fill is white with a border.
    """
    styles: dict[str, dict[str, str]] = {}
    for column, palette in palettes.items():
        styles[column] = {
            v[0]: f"background-color: {v[1]}; color: {v[2]}" + ("; border: 1px solid #0B0C0C" if v[1] == "#FFFFFF"
                                                                 else "")
            for v in palette.values()
        }  # fmt: skip
    styler = frame.to_pandas(types_mapper=_NULLABLE_INTEGERS.get).style
    for column, style in styles.items():
        if column in frame.columns:
            styler = styler.map(lambda value, style=style: style.get(value, ""), subset=[column])
    return styler


SHOWN_DECIMALS = 4  # Streamlit shows a float with at most 4 decimals unless its column's format says otherwise


def as_shown(
    frame: pl.DataFrame, column_config: Mapping[str, Any] | None = None, formatted_only: bool = False
) -> pl.DataFrame:
    """The frame with each float column rounded to the decimals the table shows it with (a column's printf format
    such as '%.1f', else Streamlit's 4) by the app's rule (`fmt.rounded`), for its CSV. `formatted_only`: the columns
    with a printf format alone, for the table itself, so the browser's own rounding (toFixed, of the binary value)
    never differs from the CSV or from the text; the others it shows to 4 decimals as they are."""

    def decimals(name: str) -> int | None:
        config = (column_config or {}).get(name)
        printf = config.get("type_config", {}).get("format") if isinstance(config, dict) else None
        found = re.fullmatch(r"%[+ ]?\.(\d+)f.*", printf or "")
        return int(found.group(1)) if found else None if formatted_only else SHOWN_DECIMALS

    floats = {name: decimals(name) for name, dtype in frame.schema.items() if dtype.is_float()}
    return frame.with_columns(
        fmt.rounded_col(pl.col(name), digits) for name, digits in floats.items() if digits is not None
    )


def table(
    frame: pl.DataFrame,
    file_name: str,
    label: str = "Download this table (CSV)",
    column_config: Mapping[str, Any] | None = None,
    height: int | str = "auto",
    alt_text: str | None = None,
    palettes: Mapping[str, Mapping[str, tuple]] | None = None,
) -> None:
    """A table (cells coloured by ``palettes``) and the CSV of exactly that table (its numbers as shown)."""
    shown = as_shown(frame, column_config, formatted_only=True)
    st.dataframe(
        coloured(shown, palettes) if palettes else shown,
        hide_index=True,
        width="stretch",
        height=height,
        placeholder="–",
        column_config=column_config,
        alt=alt_text,
    )
    download(as_shown(frame, column_config), label, file_name)


def chart(
    chart_: alt.TopLevelMixin,
    frame: pl.DataFrame,
    alt_text: str,
    file_name: str,
    column_config: Mapping[str, Any] | None = None,
    table_open: bool = False,
    datasets: Mapping[str, list[dict]] | None = None,
) -> None:
    """A chart, its text alternative, and the frame it was drawn from as a table and a CSV (datasets: the named
    datasets the chart is drawn from, added to its spec as they are, e.g. charts.choropleth's areas)."""
    st.vega_lite_chart(spec(chart_, datasets), width="stretch", alt=alt_text)
    if figures := on_request("The figures in this chart (table and CSV)", file_name, expanded=table_open):
        with figures:
            table(frame, file_name, "Download the chart's figures (CSV)", column_config)


def on_request(label: str, key: str, expanded: bool = False) -> Any:
    """An expander whose body is drawn only while it is open (opening it reruns the page): the expander if open,
    else None. A chart's table costs the first draw nothing (docs/app.md, "Speed"); AppTest opens one by setting
    ``session_state[key]``."""
    box = st.expander(label, expanded=expanded, key=key, on_change="rerun")
    return box if box.open else None


def ranked(rows: pl.DataFrame, measure: Mapping[str, Any], period_words: str, file_name: str, comparator: str =
           "national", focus: str | None = None, peers: Sequence[str] = ()) -> bool:  # fmt: skip
    """Every force of a mart_benchmark measure and period ranked with its 95% interval and its comparison, England
    and Wales dashed; False (and a message) when no force has a published value."""
    intervals = benchmarks.interval_rows(rows, comparator, focus, peers)
    if intervals.is_empty():
        st.info(f"No force has a published value for {period_words}.")
        return False
    national = rows.filter(pl.col("geography_level") == "national")
    chart(
        charts.interval_chart(intervals, measure["unit"], national["value"][0] if national.height else None),
        intervals,
        f"{measure['measure_name']} by force, {period_words}, ranked, with 95% intervals; the dashed line is England "
        "and Wales.",
        file_name,
    )
    if left_out := benchmarks.not_drawn_text(rows):
        st.caption(left_out)
    return True


def open_tab(labels: Sequence[str], key: str = SECTION) -> tuple[str, Any]:
    """Tabs of which only the open one is drawn (choosing another reruns the page), the choice kept in the address
    under ``key``: the open tab's label and the tab to draw it in (docs/app.md, "Speed")."""
    tabs = st.tabs(labels, key=key, on_change="rerun", bind="query-params")
    return next(((label, tab) for label, tab in zip(labels, tabs, strict=True) if tab.open), (labels[0], tabs[0]))


def spc(series: pl.DataFrame, unit: str, what: str, name: str, file_name: str) -> None:
    """An SPC chart of one mart_spc series (its published points, limits and go-live), its table and a sentence."""
    points = benchmarks.spc_points(series)
    if points.is_empty():
        st.info(f"No {what.lower()} can be shown for {name}: every month is withheld or missing.")
        return
    chart(
        charts.spc_chart(points, unit, benchmarks.spc_events(series)),
        points,
        f"SPC chart of {what.lower()} in {name} by month with its centre line and process limits; the points and "
        "their types are in the table below the chart.",
        file_name,
    )
    st.caption(benchmarks.spc_sentence(series, name))


def spec(chart_: alt.TopLevelMixin, datasets: Mapping[str, list[dict]] | None = None) -> dict[str, Any]:
    """The chart's Vega-Lite spec with its data inlined, without Altair's schema validation (most of a page's
    running time; the builders are tested in tests/apps/test_charts.py), in Streamlit's "none" theme. ``datasets``:
    the named datasets the chart is drawn from (alt.NamedData), set into the spec as they are after Altair has
    written it, for data too large for Altair to copy and walk on every draw (charts.choropleth's GeoJSON)."""
    with alt.theme.enable("none"), alt.data_transformers.enable("default", max_rows=None):
        out = chart_.to_dict(validate=False)
    if datasets:
        out["datasets"] = {**out.get("datasets", {}), **datasets}
    return out


def rows_height(n: int, cap: int = 1_700) -> int:
    """A table height that shows every row without scrolling, up to cap pixels."""
    return min(35 * (n + 1) + 3, cap)


def footnotes(lines: list[str], pub: Mapping[str, Any]) -> None:
    """Method, disclosure and source notes, then which snapshot the page shows."""
    published_at = pub.get("published_at")
    published = published_at.strftime("%d %B %Y %H:%M") if hasattr(published_at, "strftime") else published_at
    with st.container(border=True):
        for line in lines:
            st.caption(line)
        st.caption(f"Snapshot `{pub.get('snapshot_id', 'unknown')}`, published {published or 'at an unknown time'}.")
