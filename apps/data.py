"""Read-only access to the serving snapshot: every query of every page, as a named function (docs/interfaces.md).

The app opens only ``get_settings().current_snapshot`` (the ``current.duckdb`` symlink that publish swaps
atomically), always ``read_only=True``, and never the warehouse. The connection is cached per *resolved* snapshot
path, so a new publish (a new target of the symlink) gives a new connection and new cache keys, and the old
connection is released. Every query runs on its own cursor (a DuckDB connection is not thread-safe).

Query functions are cached per snapshot (``key``, the resolved snapshot path) and return polars frames with DECIMAL
columns cast to DOUBLE (Altair drew decimals 100 times too large). A table an older snapshot does not hold raises
``SnapshotUnavailable`` with ``missing=True`` (shown as information, not as an error). Pages hold no SQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import polars.selectors as cs
import streamlit as st

from mhw.settings import get_settings

QUERY_TTL = "10m"
REFRESH_HINT = "Run `make refresh` to build the warehouse and publish a serving snapshot, then reload this page."
PUBLIC_DATA_HINT = (  # IOPC, coroners, use of force, ONS population: national files, not the forces' landing zone
    "They are read from the national public files in the folder `MHW_PUBLIC_DATA_DIR` names, which the last refresh "
    "did not have (README, 'National sources'): set it and run `make refresh`, then reload this page."
)


class SnapshotUnavailable(RuntimeError):
    """No usable serving snapshot: the page shows a friendly message instead of a stack trace.

    ``missing`` is True when nothing has been published yet (an expected state, shown as information),
    False when a snapshot exists but cannot be read as expected (shown as an error).
    """

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Snapshot:
    conn: duckdb.DuckDBPyConnection
    key: str  # the resolved real path of current.duckdb: the cache key of every query


def snapshot_key() -> str | None:
    """The real path behind ``current.duckdb``, or None when there is no snapshot (or a dangling link)."""
    link = get_settings().current_snapshot
    if not link.exists():  # follows the symlink: False for a dangling one
        return None
    return os.path.realpath(link)


def _close(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.close()
    except duckdb.Error:  # pragma: no cover - closing is best effort
        pass


@st.cache_resource(max_entries=2, show_spinner=False, on_release=_close)
def _connect(key: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(key, read_only=True)


def open_snapshot() -> Snapshot:
    """The cached read-only connection to the current snapshot, or SnapshotUnavailable."""
    settings = get_settings()
    key = snapshot_key()
    if key is None:
        raise SnapshotUnavailable(
            f"No published data were found (looked for `{settings.current_snapshot}`). {REFRESH_HINT}",
            missing=True,
        )
    if Path(key).resolve() == settings.warehouse.resolve():  # the app never opens the warehouse file
        raise SnapshotUnavailable("The serving snapshot points at the warehouse itself; re-run the publish step.")
    try:
        return Snapshot(_connect(key), key)
    except duckdb.Error as exc:
        raise SnapshotUnavailable(f"The serving snapshot could not be opened ({exc}). {REFRESH_HINT}") from exc


def _to_double(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(cs.decimal().cast(pl.Float64))


def run_query(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """One query on its own cursor; missing tables or columns become SnapshotUnavailable."""
    cursor = conn.cursor()
    try:
        return _to_double(cursor.execute(sql, params or []).pl())
    except duckdb.Error as exc:
        raise SnapshotUnavailable(
            f"The serving snapshot does not hold what this page needs ({type(exc).__name__}: {exc}). {REFRESH_HINT}"
        ) from exc
    finally:
        cursor.close()


class EmptyTable(SnapshotUnavailable):
    """A table the page needs is in the snapshot but holds no rows (an expected state: shown as information)."""

    def __init__(self, what: str, hint: str = REFRESH_HINT) -> None:
        super().__init__(f"The serving snapshot holds no {what} yet. {hint}", missing=True)


def cached(func):
    """A query function cached per snapshot: ``func(_conn, key, *args)``; ``key`` changes with each publish."""
    return st.cache_data(ttl=QUERY_TTL, show_spinner=False)(func)


@cached
def tables(_conn: duckdb.DuckDBPyConnection, key: str) -> frozenset[str]:
    """The tables this snapshot holds."""
    return frozenset(run_query(_conn, "select table_name from duckdb_tables()")["table_name"].to_list())


@cached
def columns(_conn: duckdb.DuckDBPyConnection, key: str, table: str) -> frozenset[str]:
    """The columns of one of this snapshot's tables."""
    frame = run_query(_conn, "select column_name from duckdb_columns() where table_name = ?", [table])
    return frozenset(frame["column_name"].to_list())


def from_table(
    conn: duckdb.DuckDBPyConnection,
    key: str,
    table: str,
    what: str,
    sql: str,
    params: list[Any] | None = None,
    needs: tuple[str, ...] = (),
) -> pl.DataFrame:
    """``sql`` (on ``table``) after checking the snapshot holds the table and the columns a page ``needs`` that an
    earlier release did not publish: an older snapshot says so politely."""
    if table not in tables(conn, key):
        raise SnapshotUnavailable(
            f"The {what} table `{table}` is not in this snapshot: it was published before that table existed. "
            f"{REFRESH_HINT}",
            missing=True,
        )
    if lacking := sorted(set(needs) - columns(conn, key, table)):
        raise SnapshotUnavailable(
            f"The {what} table `{table}` of this snapshot has no {', '.join(lacking)}: it was published by an "
            f"earlier release. {REFRESH_HINT}",
            missing=True,
        )
    return run_query(conn, sql, params)


def not_empty(frame: pl.DataFrame, what: str, hint: str = REFRESH_HINT) -> pl.DataFrame:
    if frame.is_empty():
        raise EmptyTable(what, hint)
    return frame


# --- publication ------------------------------------------------------------------------------------------


@cached
def publication(_conn: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """The single ``publication`` row (snapshot_id, published_at, …) or an empty dict."""
    try:
        frame = run_query(_conn, "select * from publication order by published_at desc limit 1")
    except SnapshotUnavailable:
        return {}
    return frame.row(0, named=True) if frame.height else {}


@cached
def forces(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``dim_force``: every force with its region, by name."""
    return from_table(_conn, key, "dim_force", "force", "select * from dim_force order by force_name")


# --- benchmarking core: measures, benchmarks, SPC, peers, escalations -------------------------------------


@cached
def measures(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``dim_measure``: the measure catalogue, in its display order."""
    return from_table(_conn, key, "dim_measure", "measure", "select * from dim_measure order by sort_order")


@cached
def forces_with_figures(_conn: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Forces with a published value from their own records (not only other bodies' figures), by code."""
    frame = from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select distinct force_code from mart_benchmark where geography_level = 'force' "
        "and disclosure_rule = 'person_level' and value is not null order by force_code",
    )  # fmt: skip
    return frame["force_code"].to_list()


@cached
def benchmark_periods(_conn: duckdb.DuckDBPyConnection, key: str, measure_id: str) -> list[str]:
    """The periods ``mart_benchmark`` holds for a measure, newest first."""
    frame = from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select distinct period from mart_benchmark where measure_id = ? order by period desc", [measure_id],
    )  # fmt: skip
    return frame["period"].to_list()


@cached
def benchmark(_conn: duckdb.DuckDBPyConnection, key: str, measure_id: str, period: str) -> pl.DataFrame:
    """Every geography (forces, regions, E&W) of one measure and period of ``mart_benchmark``."""
    return from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select * from mart_benchmark where measure_id = ? and period = ? "
        "order by geography_level, geography_name", [measure_id, period],
    )  # fmt: skip


@cached
def benchmark_latest(_conn: duckdb.DuckDBPyConnection, key: str, geography_code: str) -> pl.DataFrame:
    """One geography's row of every measure for the measure's latest period, in the catalogue's order."""
    return from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select b.* from mart_benchmark b join dim_measure m using (measure_id) "
        "where b.geography_code = ? and b.period = (select max(period) from mart_benchmark l "
        "where l.measure_id = b.measure_id and l.geography_code = 'E&W') order by m.sort_order", [geography_code],
    )  # fmt: skip


@cached
def benchmark_series(_conn: duckdb.DuckDBPyConnection, key: str, measure_id: str, geography_code: str) -> pl.DataFrame:
    """One measure's periods for one geography, oldest first."""
    return from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select * from mart_benchmark where measure_id = ? and geography_code = ? order by period",
        [measure_id, geography_code],
    )  # fmt: skip


@cached
def benchmark_area(_conn: duckdb.DuckDBPyConnection, key: str, geography_code: str) -> pl.DataFrame:
    """Every measure and period of one geography (value only), oldest first: the trend lines of the overview."""
    return from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select measure_id, period, value from mart_benchmark where geography_code = ? order by measure_id, period",
        [geography_code],
    )  # fmt: skip


@cached
def benchmark_forces_latest(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every force's row of every measure for the measure's latest period (the spread of force values)."""
    return from_table(
        _conn, key, "mart_benchmark", "benchmark",
        "select b.* from mart_benchmark b where b.geography_level = 'force' and b.period = (select max(period) "
        "from mart_benchmark l where l.measure_id = b.measure_id and l.geography_code = 'E&W')",
    )  # fmt: skip


@cached
def spc(_conn: duckdb.DuckDBPyConnection, key: str, measure_id: str, geography_code: str) -> pl.DataFrame:
    """The SPC chart of one monthly measure for one geography (``mart_spc``), oldest month first."""
    return from_table(
        _conn, key, "mart_spc", "SPC",
        "select * from mart_spc where measure_id = ? and geography_code = ? order by month_start",
        [measure_id, geography_code],
    )  # fmt: skip


@cached
def spc_latest(_conn: duckdb.DuckDBPyConnection, key: str, geography_code: str) -> pl.DataFrame:
    """The latest point of every SPC series of one geography (variation and assurance icons)."""
    return from_table(
        _conn, key, "mart_spc", "SPC",
        "select * from mart_spc where geography_code = ? and is_latest_point", [geography_code],
    )  # fmt: skip


@cached
def peer_group(_conn: duckdb.DuckDBPyConnection, key: str, force_code: str) -> pl.DataFrame:
    """A force's peer group (``dim_force_peer_group``), most similar first."""
    return from_table(
        _conn, key, "dim_force_peer_group", "peer group",
        "select * from dim_force_peer_group where force_code = ? order by peer_rank", [force_code],
    )  # fmt: skip


@cached
def escalations(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every escalation item (``mart_escalations``), highest level first."""
    return from_table(
        _conn, key, "mart_escalations", "escalations",
        "select * from mart_escalations order by case escalation_level when 'national' then 0 "
        "when 'regional' then 1 else 2 end, status, measure_name, geography_name",
    )  # fmt: skip


# --- s136 -------------------------------------------------------------------------------------------------


@cached
def s136_national(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every financial year of ``mart_s136_national_year``, oldest first."""
    return from_table(
        _conn, key, "mart_s136_national_year", "national s136",
        "select * from mart_s136_national_year order by fy_label",
    )  # fmt: skip


@cached
def s136_published(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_s136_national_published``: the published national s136 totals beside the warehouse's, newest first."""
    return from_table(
        _conn, key, "mart_s136_national_published", "published national s136 figures",
        "select * from mart_s136_national_published order by fy_label desc, publication",
    )  # fmt: skip


@cached
def s136_force_year(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    """``mart_s136_force_year`` for one financial year, by force name."""
    return from_table(
        _conn, key, "mart_s136_force_year", "force s136",
        "select * from mart_s136_force_year where fy_label = ? order by force_name", [fy_label],
    )  # fmt: skip


@cached
def disproportionality_years(_conn: duckdb.DuckDBPyConnection, key: str, scheme: str) -> list[str]:
    frame = from_table(
        _conn, key, "mart_disproportionality", "disproportionality",
        "select distinct fy_label from mart_disproportionality where ethnicity_scheme = ? order by fy_label desc",
        [scheme],
    )  # fmt: skip
    return frame["fy_label"].to_list()


@cached
def disproportionality_areas(_conn: duckdb.DuckDBPyConnection, key: str, scheme: str, fy_label: str) -> pl.DataFrame:
    """The geographies (E&W first, then forces by name) with ethnicity figures for a year."""
    return from_table(
        _conn, key, "mart_disproportionality", "disproportionality",
        "select distinct geography_code, geography_name, geography_level = 'national' as is_national "
        "from mart_disproportionality where ethnicity_scheme = ? and fy_label = ? "
        "order by is_national desc, geography_name", [scheme, fy_label],
    )  # fmt: skip


@cached
def disproportionality(
    _conn: duckdb.DuckDBPyConnection, key: str, scheme: str, fy_label: str, geography_code: str
) -> pl.DataFrame:
    """One geography's ethnic groups for a year, in the scheme's group order."""
    return from_table(
        _conn, key, "mart_disproportionality", "disproportionality",
        "select * from mart_disproportionality where ethnicity_scheme = ? and fy_label = ? "
        "and geography_code = ? order by group_order", [scheme, fy_label, geography_code],
    )  # fmt: skip


@cached
def disproportionality_forces(
    _conn: duckdb.DuckDBPyConnection, key: str, scheme: str, fy_label: str, ethnic_group: str
) -> pl.DataFrame:
    """One ethnic group's rate ratio against White in every force for a year."""
    return from_table(
        _conn, key, "mart_disproportionality", "disproportionality",
        "select geography_code, geography_name, rate_ratio_vs_white, rr_lcl, rr_ucl, rr_status, rr_significance, "
        "numerator, sdc_flag, rate_per_100k, reliability_flag from mart_disproportionality "
        "where ethnicity_scheme = ? and fy_label = ? and geography_level = 'force' and ethnic_group = ? "
        "order by geography_name", [scheme, fy_label, ethnic_group],
    )  # fmt: skip


@cached
def force_boundaries(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Force area boundaries as GeoJSON (``dim_force_boundary``); empty when the boundary file was not loaded."""
    if "dim_force_boundary" not in tables(_conn, key):
        return pl.DataFrame()
    return run_query(
        _conn, "select force_code, force_name, geometry_geojson, attribution from dim_force_boundary order by 1"
    )


@cached
def adr125_years(_conn: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    frame = from_table(
        _conn, key, "mart_adr125_return_national", "ADR-125 reconciliation",
        "select distinct fy_label from mart_adr125_return_national order by fy_label desc",
    )  # fmt: skip
    return frame["fy_label"].to_list()


@cached
def adr125_national(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    return from_table(
        _conn, key, "mart_adr125_return_national", "ADR-125 reconciliation",
        "select * from mart_adr125_return_national where fy_label = ? order by item_order", [fy_label],
    )  # fmt: skip


@cached
def adr125_forces(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    return from_table(
        _conn, key, "mart_adr125_return", "ADR-125 reconciliation",
        "select * from mart_adr125_return where fy_label = ? order by force_name, item_order", [fy_label],
    )  # fmt: skip


# --- demand and outcomes ----------------------------------------------------------------------------------


@cached
def demand_national(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_demand_national_month``, oldest month first."""
    return from_table(
        _conn, key, "mart_demand_national_month", "national MH demand",
        "select * from mart_demand_national_month order by month_start",
    )  # fmt: skip


@cached
def demand_forces(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_demand_force_month``: every force and month."""
    return from_table(
        _conn, key, "mart_demand_force_month", "force MH demand",
        "select * from mart_demand_force_month order by force_name, month_start",
    )  # fmt: skip


@cached
def demand_hour_weekday(_conn: duckdb.DuckDBPyConnection, key: str, geography_code: str) -> pl.DataFrame:
    """MH incidents by hour of day and day of week for one geography, every financial year."""
    return from_table(
        _conn, key, "mart_demand_hour_weekday", "demand by hour and weekday",
        "select * from mart_demand_hour_weekday where geography_code = ? order by fy_label, weekday, hour",
        [geography_code],
    )  # fmt: skip


@cached
def outcomes_force_year(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    """``mart_outcomes_force_year`` for one financial year, by force name."""
    return from_table(
        _conn, key, "mart_outcomes_force_year", "custody and triage outcomes",
        "select * from mart_outcomes_force_year where fy_label = ? order by force_name", [fy_label],
    )  # fmt: skip


# --- learning and national sources ------------------------------------------------------------------------


@cached
def iopc_national(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """IOPC deaths by category and year, latest edition."""
    return from_table(
        _conn, key, "mart_iopc_deaths_national", "IOPC deaths",
        "select edition, fy_label, iopc_category, deaths, incidents, deaths_by_force_reconciles, "
        "reconciliation_note from mart_iopc_deaths_national where is_latest_edition order by fy_label",
    )  # fmt: skip


@cached
def iopc_forces(_conn: duckdb.DuckDBPyConnection, key: str, fy_label: str) -> pl.DataFrame:
    """IOPC deaths by force (or other body) and category for one year, latest edition."""
    return from_table(
        _conn, key, "mart_iopc_deaths", "IOPC deaths",
        "select entity_name, region_name, entity_type, iopc_category, deaths from mart_iopc_deaths "
        "where is_latest_edition and fy_label = ?", [fy_label],
    )  # fmt: skip


@cached
def use_of_force(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Use of force on people with a perceived mental-health condition, all tactics, newest year first."""
    return from_table(
        _conn, key, "mart_use_of_force_mh", "use of force",
        "select edition, fy_label, area_name, is_national, n_mental_health, n_condition_reported, "
        "n_tactic_reported, pct_mental_health, pct_mental_health_lcl95, pct_mental_health_ucl95, "
        "pct_condition_not_reported, share_caution from mart_use_of_force_mh "
        "where tactic_level = 'all_tactics' order by fy_label desc, area_name",
    )  # fmt: skip


@cached
def population_years(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_population_force_year``: resident population by force and year, as published by ONS."""
    return from_table(
        _conn, key, "mart_population_force_year", "population",
        "select * from mart_population_force_year order by mid_year desc, geo_level, geo_name",
    )  # fmt: skip


@cached
def inspection_summary(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    return from_table(
        _conn, key, "mart_inspection_force_summary", "inspections",
        "select * from mart_inspection_force_summary order by is_national, force_name",
    )  # fmt: skip


@cached
def inspection_open_items(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Open recommendations and areas for improvement, oldest first."""
    return from_table(
        _conn, key, "mart_inspection_recommendations", "inspections",
        "select force_code, force_name, report_title, finding_type, finding_text, npcc_objective, "
        "npcc_objective_label, status, first_published, age_days from mart_inspection_recommendations "
        "where status = 'open' order by age_days desc nulls last, force_name",
    )  # fmt: skip


@cached
def coroner_reports(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    return from_table(
        _conn, key, "mart_coroner_pfd_learning", "coroners' reports",
        "select * from mart_coroner_pfd_learning order by period_label desc, reports desc, coroner_area",
    )  # fmt: skip


# --- data quality, what works, what changed ---------------------------------------------------------------


@cached
def data_quality_sources(_conn: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    frame = from_table(
        _conn, key, "mart_data_quality", "data quality", "select distinct source from mart_data_quality order by 1"
    )
    return frame["source"].to_list()


def _force_names(conn: duckdb.DuckDBPyConnection, key: str, alias: str) -> tuple[str, str]:
    """(the force name of table `alias`'s rows, the join that gives it): dim_force's name, else the force code when
    the snapshot has no dim_force (or not that force)."""
    if "dim_force" not in tables(conn, key):
        return f"{alias}.force_code", ""
    return f"coalesce(f.force_name, {alias}.force_code)", "left join dim_force f using (force_code)"


@cached
def data_quality(_conn: duckdb.DuckDBPyConnection, key: str, source: str) -> pl.DataFrame:
    """``mart_data_quality`` for one source, with force names where ``dim_force`` has them."""
    names, join = _force_names(_conn, key, "q")
    return from_table(
        _conn, key, "mart_data_quality", "data quality",
        f"select q.*, {names} as force_name from mart_data_quality q {join} where q.source = ? "
        "order by q.force_code, q.period", [source],
        needs=("rows_read_in_force", "rows_rejected_in_force", "pct_rows_rejected_in_force"),
    )  # fmt: skip


@cached
def key_field_completeness(_conn: duckdb.DuckDBPyConnection, key: str, source: str) -> pl.DataFrame:
    """``mart_data_completeness`` for one source's latest period (every key field of every force that sent it),
    with force names where ``dim_force`` has them; empty for a source without key fields."""
    names, join = _force_names(_conn, key, "c")
    return from_table(
        _conn, key, "mart_data_completeness", "key field completeness",
        f"select c.*, {names} as force_name from mart_data_completeness c {join} "
        "where c.source = ? and c.period = (select max(period) from mart_data_completeness where source = ?) "
        "order by force_name, c.field_order", [source, source],
    )  # fmt: skip


@cached
def scheme_evaluations(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """Every scheme x outcome row of ``mart_scheme_evaluation`` (estimates or the reason there are none)."""
    return from_table(
        _conn, key, "mart_scheme_evaluation", "scheme evaluation",
        "select * from mart_scheme_evaluation order by scheme_type, force_name, scheme_key, outcome",
    )  # fmt: skip


@cached
def scheme_evaluation_series(_conn: duckdb.DuckDBPyConnection, key: str, scheme_key: str, outcome: str) -> pl.DataFrame:
    """The periods of one evaluation from ``mart_scheme_evaluation_series``, oldest first."""
    return from_table(
        _conn, key, "mart_scheme_evaluation_series", "scheme evaluation",
        "select * from mart_scheme_evaluation_series where scheme_key = ? and outcome = ? order by period_start",
        [scheme_key, outcome],
    )  # fmt: skip


# the changed value's kind: a figure when its column is numeric in the table this snapshot publishes, else a note or
# label (text, a yes/no flag, a date); `mart_revisions.measure` holds the changed column's name
REVISION_KIND_SQL = (
    "case when r.change_type <> 'revised' then null when coalesce(c.is_figure, true) then 'figure' else 'note' end"
)
REVISION_COLUMNS_SQL = (
    "left join (select table_name, column_name, numeric_precision is not null as is_figure from duckdb_columns() "
    "where database_name = current_database() and schema_name = 'main') c "
    "on c.table_name = r.table_name and c.column_name = r.measure"
)


@cached
def revision_counts(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """``mart_revisions`` counted by table, kind of change, cause and, for a revised value, whether it is a figure
    (``value_kind`` 'figure': a numeric column) or a note or label ('note': text, a flag, a date)."""
    return run_query(
        _conn,
        f"select r.table_name, r.change_type, {REVISION_KIND_SQL} as value_kind, "
        "coalesce(r.cause, 'not known') as cause, count(*) as changes "
        f"from mart_revisions r {REVISION_COLUMNS_SQL} "
        "group by all order by r.table_name, r.change_type, value_kind, cause",
    )


@cached
def revision_rows(
    _conn: duckdb.DuckDBPyConnection, key: str, table_name: str, cause: str | None = None
) -> pl.DataFrame:
    """Every row of ``mart_revisions`` for one published table (with ``cause``, only the rows naming it among their
    causes; 'not known': the rows with none), with the kind of the revised value (as in ``revision_counts``), the
    changed column (``column_name``: the mart's ``measure``) and the measure the row is of (``measure_id``: read from
    the row key, ``measure_id=…`` or ``measure=…``, NULL when the table's grain has none)."""
    return run_query(
        _conn,
        f"select r.change_type, {REVISION_KIND_SQL} as value_kind, r.measure as column_name, "
        "nullif(regexp_extract(r.row_key, '(^|; )measure(_id)?=([^;]*)', 3), '') as measure_id, "
        "r.force_code, r.period, r.row_key, r.old_value, r.new_value, r.cause, r.cause_detail "
        f"from mart_revisions r {REVISION_COLUMNS_SQL} where r.table_name = ? "
        "and (cast(? as varchar) is null or list_contains(string_split(coalesce(r.cause, 'not known'), ', '), ?)) "
        "order by r.change_type, r.force_code, r.period, r.measure, r.row_key",
        [table_name, cause, cause],
    )


@cached
def area_names(_conn: duckdb.DuckDBPyConnection, key: str) -> dict[str, str]:
    """Code -> name of every area a published row may name: the forces and regions of ``dim_force`` (where the
    snapshot has it) and England and Wales."""
    names = {"E&W": "England and Wales"}
    if "dim_force" not in tables(_conn, key):
        return names
    pairs = [("force_code", "force_name")]
    if {"region_code", "region_name"} <= columns(_conn, key, "dim_force"):
        pairs.insert(0, ("region_code", "region_name"))
    for code, name in pairs:
        names |= dict(run_query(_conn, f"select distinct {code}, {name} from dim_force where {code} is not null")
                      .iter_rows())  # fmt: skip
    return names


@cached
def rate_populations(_conn: duckdb.DuckDBPyConnection, key: str) -> pl.DataFrame:
    """The resident populations the latest year's rates per 100,000 divide by: England and Wales first, the population
    of the territorial forces reporting that year (``mart_s136_national_year``, with ``forces_reporting``), then each
    force with s136 figures (``mart_s136_force_year``: ONS, ONS carried forward or the approximate stand-in,
    ``population_source``; NULL for a force with no resident population)."""
    if "mart_s136_national_year" not in tables(_conn, key):
        raise SnapshotUnavailable(
            f"The s136 national table `mart_s136_national_year` is not in this snapshot. {REFRESH_HINT}", missing=True
        )
    return from_table(
        _conn, key, "mart_s136_force_year", "s136 by force and year",
        "with latest as (select max(fy_label) as fy_label from mart_s136_force_year) "
        "select 'england_and_wales' as geo_level, 'E&W' as geo_code, 'England and Wales' as geo_name, n.fy_label, "
        "cast(n.population as bigint) as population, n.population_source, n.forces_reporting "
        "from mart_s136_national_year n join latest using (fy_label) "
        "union all "
        "select 'force', f.force_code, f.force_name, f.fy_label, cast(f.population as bigint), f.population_source, "
        "null from mart_s136_force_year f join latest using (fy_label) "
        "order by geo_level, geo_name",  # 'england_and_wales' first
    )  # fmt: skip
