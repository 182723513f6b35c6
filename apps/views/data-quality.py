"""Data quality of the force extracts: which force-periods arrived, which files were refused, and why.

Reads `mart_data_quality` (source x force x period: files delivered, active, superseded and rejected whole;
rows read, loaded and rejected, disclosure controlled in the mart; the fields most often behind rejected rows and
the reasons whole files were refused), `dim_force` (force names, when present) and `publication`. Only these
aggregates are read: the page never shows records. Expected periods are every period any force delivered for the
source, for every force that has ever delivered it (docs/interfaces.md, Published: data quality).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import charts, data, state, ui
from apps import format as fmt

TABLE = "mart_data_quality"
SOURCE_PARAM = "source"
SOURCE_LABELS = {
    "incidents": "MH incidents",
    "incident_totals": "All-incident totals",
    "custody": "Custody detentions",
    "street_triage": "Street triage contacts",
    "s136": "s136 detentions",
}
# status -> (label, fill, text colour, cell mark); the mark repeats the status so colour is never the only cue
STATUS: dict[str, tuple[str, str, str, str]] = {
    "received": ("Received", "#00703C", "#FFFFFF", "✓"),
    "received_after_reject": ("Received after a rejected file", "#FFDD00", "#0B0C0C", "!"),
    "no_usable_rows": ("Received, every row rejected", "#F47738", "#0B0C0C", "∅"),
    "rejected": ("Rejected file, nothing in force", "#D4351C", "#FFFFFF", "✗"),
    "missing": ("Missing: nothing delivered", "#F3F2F1", "#0B0C0C", "–"),
}
DEFAULT_THRESHOLD = 5.0
PERIODS_PARAM = "periods"
# how many of the latest periods the page shows: ten years of months are 5,000+ cells, too many to take in (or draw)
WINDOWS = {"12": "Latest 12", "24": "Latest 24", "60": "Latest 60", "all": "All"}
DEFAULT_WINDOW = "24"
# tabs, the open one drawn (ui.open_tab; docs/app.md, "Speed")
SECTIONS = ("Completeness by period", "Key fields recorded", "Rejected files and high reject rates")
FILE_COLUMNS = (
    "Files delivered",
    "Files in force",
    "Files refused whole",
    "Files replaced by a correction",
    "Files withdrawn",
)


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " ").capitalize())


def with_status(cells: pl.DataFrame) -> pl.DataFrame:
    """Add `status` (a key of STATUS) to each force-period."""
    rejected = pl.col("files_rejected").cast(pl.Int64) > 0
    # older snapshots lack has_usable_data: a received period then counts as usable
    usable = pl.col("has_usable_data") if "has_usable_data" in cells.columns else pl.lit(True)
    return cells.with_columns(
        pl.when(pl.col("received") & ~usable.fill_null(True))
        .then(pl.lit("no_usable_rows"))
        .when(pl.col("received") & rejected)
        .then(pl.lit("received_after_reject"))
        .when(pl.col("received"))
        .then(pl.lit("received"))
        .when(rejected)
        .then(pl.lit("rejected"))
        .otherwise(pl.lit("missing"))
        .alias("status")
    )


def _rows_text(value, flag: str | None = None) -> str:
    """A disclosure-controlled row count: the mart leaves 1–7 NULL (0 stays 0), so NULL is shown as '*'."""
    return "*" if value is None or flag == fmt.SUPPRESSED else fmt.count(value)


def problem_table(cells: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Force-periods with a file refused whole or a reject rate at or above ``threshold`` %, with their reasons. Rows
    and rates are of the files in force (mart_data_quality's *_in_force): a refused file's rows, which its corrected
    file usually delivers again, would count a period twice."""
    flagged = cells.filter(
        (pl.col("files_rejected").cast(pl.Int64) > 0)
        | (pl.col("pct_rows_rejected_in_force").cast(pl.Float64) >= threshold)
    ).sort("force_name", "period")
    out = []
    for r in flagged.iter_rows(named=True):
        out.append(
            {
                "Force": r["force_name"],
                "Period": r["period"],
                "Status": STATUS[r["status"]][0],
                "Files delivered": int(r["files_delivered"]),
                "Files in force": int(r["files_active"]),
                "Files refused whole": int(r["files_rejected"]),
                "Files replaced by a correction": int(r["files_superseded"]),
                "Files withdrawn": int(r["files_withdrawn"]),
                "Rows read": _rows_text(r["rows_read_in_force"], r["rows_read_in_force_sdc_flag"]),
                "Rows loaded": _rows_text(r["rows_loaded"], r["rows_loaded_sdc_flag"]),
                "Rows rejected": _rows_text(r["rows_rejected_in_force"], r["rows_rejected_in_force_sdc_flag"]),
                "% rows rejected": None
                if r["pct_rows_rejected_in_force"] is None
                else float(r["pct_rows_rejected_in_force"]),
                "Fields most often rejected": r["top_reject_fields"] or "",
                "Why files were refused": r["rejected_file_reasons"] or "",
                "Last delivery": r["last_delivery_at"],
            }
        )
    schema = {"Force": pl.String, "Period": pl.String, "Status": pl.String}
    schema |= dict.fromkeys(FILE_COLUMNS, pl.Int64)
    schema |= {c: pl.String for c in ("Rows read", "Rows loaded", "Rows rejected")}
    schema |= {"% rows rejected": pl.Float64, "Fields most often rejected": pl.String}
    schema |= {"Why files were refused": pl.String, "Last delivery": pl.Datetime("us")}
    return pl.DataFrame(out, schema=schema)


def grid_frame(cells: pl.DataFrame) -> pl.DataFrame:
    """The completeness chart's frame: one row per force and period with its status, mark and counts."""
    return cells.sort("force_name", "period").select(
        pl.col("force_name").alias("Force"),
        pl.col("period").alias("Period"),
        pl.col("status").replace_strict({k: v[0] for k, v in STATUS.items()}).alias("Status"),
        pl.col("status").replace_strict({k: v[3] for k, v in STATUS.items()}).alias("Mark"),
        pl.col("files_delivered").cast(pl.Int64).alias("Files delivered"),
        pl.col("files_rejected").cast(pl.Int64).alias("Files refused whole"),
        pl.col("pct_rows_rejected_in_force").cast(pl.Float64).alias("% rows rejected"),
    )


def key_field_table(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per force, one column per key field (in the source's order): the share of its rows recording it,
    as published (blank when withheld)."""
    fields = rows.sort("field_order")["field"].unique(maintain_order=True).to_list()
    wide = rows.pivot(on="field", index="force_name", values="pct_complete", aggregate_function="first")
    return wide.select(
        pl.col("force_name").alias("Force"),
        *(pl.col(f).cast(pl.Float64).alias(f"{f} %") for f in fields),
    ).sort("Force")


def latest_periods(cells: pl.DataFrame, window: str) -> pl.DataFrame:
    """The force-periods of the latest ``window`` periods (a key of WINDOWS; 'all': every period)."""
    if window == "all":
        return cells
    periods = sorted(cells["period"].unique().to_list())[-int(window) :]
    return cells.filter(pl.col("period").is_in(periods))


def _completeness(cells: pl.DataFrame, label: str, source: str) -> None:
    st.subheader(f"{label}: completeness by force and period")
    grid = grid_frame(cells)
    ui.chart(
        charts.status_grid_chart(grid, STATUS),
        grid,
        f"Grid of {label.lower()} deliveries by force and period; the same statuses are in the table below the chart.",
        f"data_quality_{source}_completeness.csv",
    )


def _key_fields(snapshot: data.Snapshot, label: str, source: str) -> None:
    key_fields = (
        data.key_field_completeness(snapshot.conn, snapshot.key, source)
        if "mart_data_completeness" in data.tables(snapshot.conn, snapshot.key)
        else None
    )
    if key_fields is None or key_fields.is_empty():
        st.info(f"This snapshot has no completeness of key fields for {label}.")
        return
    latest = key_fields["period"][0]
    st.subheader(f"{label}: key fields recorded, {latest}")
    st.caption(
        f"The forces that have sent {latest} so far ({key_fields['force_code'].n_unique()}): of each one's "
        "rows in force, the % recording each key field, the optional fields a published measure reads "
        "(ethnicity for disproportionality, the person identifier for repeat contacts, ...). An empty value, "
        "or the code for not known / not stated, is not recorded. A blank cell is withheld: the rows, or the "
        "rows recording the field, are 1 to 7."
    )
    table = key_field_table(key_fields)
    ui.table(
        table,
        f"data_quality_{source}_key_fields_{latest}.csv",
        "Download the table (CSV)",
        height=ui.rows_height(table.height, 600),
        column_config={c: st.column_config.NumberColumn(format="%.1f") for c in table.columns if c != "Force"},
    )


def _problems(problems: pl.DataFrame, label: str, source: str, threshold: float) -> None:
    st.subheader("Rejected files and high reject rates")
    if problems.is_empty():
        st.success(f"No {label} force-period has a rejected file or {threshold:g}% or more rows rejected.")
        return
    ui.table(
        problems,
        f"data_quality_{source}_problems.csv",
        "Download the list (CSV)",
        height=ui.rows_height(problems.height, 900),
        column_config={
            "Files in force": st.column_config.NumberColumn(help="Files whose rows are in force (loaded)."),
            "Files refused whole": st.column_config.NumberColumn(
                help="Files refused whole (wrong header, empty, cut off, ...): none of their rows is in force. "
                "Why: the column 'Why files were refused'."
            ),
            "Files replaced by a correction": st.column_config.NumberColumn(
                help="Earlier versions once in force and replaced by a corrected file. A file refused whole was "
                "never in force, so a good file sent after it replaces nothing and is not counted here."
            ),
            "Files withdrawn": st.column_config.NumberColumn(help="Files an operator took out of force."),
            "Rows read": st.column_config.TextColumn(
                help="Of the files in force (not a file refused whole, whose rows a corrected file usually delivers "
                "again). Rounded to the nearest 5; * = 1 to 7."
            ),
            "Rows loaded": st.column_config.TextColumn(help="Rows in force. Rounded to the nearest 5; * = 1 to 7."),
            "Rows rejected": st.column_config.TextColumn(
                help="Rows of the files in force quarantined. Rounded to the nearest 5; * = 1 to 7."
            ),
            "% rows rejected": st.column_config.NumberColumn(
                format="%.2f",
                help="Of the rows read from the files in force, from exact counts; blank when the rows read or the "
                "rows rejected are 1 to 7 (disclosure control).",
            ),
            "Fields most often rejected": st.column_config.TextColumn(width="medium"),
            "Why files were refused": st.column_config.TextColumn(width="large"),
            "Last delivery": st.column_config.DatetimeColumn(format="D MMM YYYY HH:mm"),
        },
    )


def main() -> None:
    st.title("Data quality of force extracts")
    st.caption(
        "For each source: which force-periods arrived, which files were refused whole, and where many rows were "
        "rejected. Counts of files and rows only; no records are shown."
    )
    try:
        snapshot = data.open_snapshot()
        sources = data.data_quality_sources(snapshot.conn, snapshot.key)
        if not sources:
            raise data.EmptyTable("data quality figures")
        cols = st.columns([1, 1, 1])
        known = list(SOURCE_LABELS)  # the force extracts first, in their usual order, then anything else
        options = sorted(sources, key=lambda s: (known.index(s) if s in known else len(known), s))
        source = state.choose("Source", options, SOURCE_PARAM, fmt=source_label, column=cols[0])
        window = state.choose(
            "Periods shown",
            list(WINDOWS),
            PERIODS_PARAM,
            fmt=WINDOWS.get,
            default=DEFAULT_WINDOW,
            column=cols[2],
            help="The latest periods of the source, for every force. The choice is kept in the page address.",
        )
        every_period = data.data_quality(snapshot.conn, snapshot.key, source)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return
    cells = latest_periods(every_period, window)

    threshold = cols[1].number_input(
        "Flag reject rates of at least (%)",
        min_value=0.0,
        max_value=100.0,
        value=DEFAULT_THRESHOLD,
        step=1.0,
        key="dq_threshold",
        help="Force-periods whose share of the rows of their files in force rejected reaches this are listed "
        "below with the fields behind it.",
    )
    cells = with_status(cells)
    counts = {r["status"]: r["len"] for r in cells.group_by("status").len().iter_rows(named=True)}
    problems = problem_table(cells, threshold)
    label = source_label(source)

    m = st.columns(5)
    m[0].metric("Force-periods expected", f"{cells.height:,}")
    shown, periods = cells["period"].n_unique(), every_period["period"].n_unique()
    m[0].caption(
        f"{cells['force_code'].n_unique()} forces × {shown} periods"
        + (f" (the latest of {periods})" if shown < periods else "")
    )
    received = sum(counts.get(k, 0) for k in ("received", "received_after_reject", "no_usable_rows"))
    m[1].metric("Received", f"{received:,}")
    m[1].caption(
        f"{counts.get('received_after_reject', 0):,} after a rejected file; "
        f"{counts.get('no_usable_rows', 0):,} with every row rejected"
    )
    m[2].metric("Missing", f"{counts.get('missing', 0):,}")
    m[2].caption("Nothing delivered")
    m[3].metric("Rejected, nothing in force", f"{counts.get('rejected', 0):,}")
    refused = int(cells["files_rejected"].cast(pl.Int64).sum())
    m[3].caption(f"Every file refused whole; {refused:,} file{'' if refused == 1 else 's'} refused whole in all")
    m[4].metric("Flagged", f"{problems.height:,}")
    m[4].caption(
        f"A file refused whole or {threshold:g}%+ rows of the files in force rejected: listed under '{SECTIONS[2]}'"
    )
    last = cells["last_delivery_at"].drop_nulls()
    if last.len():
        st.caption(f"Latest delivery of {label} processed {last.max():%d %B %Y %H:%M}.")

    section, tab = ui.open_tab(SECTIONS)
    with tab:
        if section == SECTIONS[0]:
            _completeness(cells, label, source)
        elif section == SECTIONS[1]:
            _key_fields(snapshot, label, source)
        else:
            _problems(problems, label, source, threshold)

    ui.footnotes(
        [
            "**Expected periods** are every period any force delivered for the source, for every force that has "
            "ever delivered it; a force that has never sent this source is not listed.",
            "**Status.** Received: a file is in force. Received after a rejected file: a file was refused whole "
            "but another is in force. Rejected: every file was refused whole (wrong header, empty, cut off, wrong "
            "encoding, ...). Missing: nothing was delivered. Identical re-deliveries are not counted.",
            "**Disclosure control.** Row counts are counts of person-level records cut by force, so they are "
            "rounded to the nearest 5 and counts of 1 to 7 are shown as `*`; file counts are exact. The share of "
            "rows rejected is calculated from exact counts. Exact counts stay in the warehouse (`mhw status`, "
            "`mhw rejects`).",
            "**Reject rates** and the rows read and rejected are of the files in force: a file replaced by a "
            "correction or withdrawn is left out, and a file refused whole is not in them (its corrected file "
            "usually delivers its rows again). It is counted apart (Files refused whole, with why), and its "
            "period is listed for it under 'Rejected files and high reject rates'.",
        ],
        pub,
    )


main()
