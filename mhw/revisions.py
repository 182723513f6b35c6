"""The revisions report: every published value the new serving snapshot changes, and why (docs/operations.md).

Official statistics publish their revisions. Each publish compares the new snapshot's published tables with the
previous snapshot's, row by row on each table's grain (from the dbt manifest, mhw.published), and writes
`mart_revisions` into the new snapshot: one row per changed value (or added / removed row, column or table), with
the force and period read from the grain and the cause where it is known:
- `corrected_delivery`: a file that superseded an earlier delivery of that force and period (or edition);
- `new_delivery`: the first delivery of that force and period added the row, or its period to a longer one (a month
  to its year);
- `late_delivery`: a further file for a force and period that already had one changed the row;
- `series_recalculated`: a delivery for another period of that force changed a row of a table whose statistics use
  the whole series (SPC centre and limits, run rules, the latest point: meta `revised_by_other_periods`);
- `comparators_recalculated`: a delivery of another force for the row's period changed the comparators of a table
  that compares each force with all (E&W, region and peer values, funnel limits, rank: meta `revised_by_other_forces`);
- `new_edition`: a new edition of a national publication the table is built from;
- `withdrawn_delivery`: an operator withdrew a file of that force and period (or edition), `mhw withdraw`;
- `method_change`: the code of the table's lineage changed (models, seeds, macros, vars: its checksum).
Deliveries are the ledger entries loaded since the previous publication, and those withdrawn since it was
published (the minute the withdrawal note gives), attributed to a table when their rows sit in a raw table it is
built from (and to a row whose grain names a source, or a measure, only when they are of that source, or of a
source that measure is counted from). An identical refresh changes no value, so it adds no revision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import duckdb

from ingestion.gate.ledger import withdrawal_note

from .catalog import table_columns, table_names
from .published import PublishedModel, is_published

REVISIONS = "mart_revisions"
PUBLICATION_TABLES = "publication_tables"
# grain columns that name a force (or an area that may be one) and the period of a row (docs/operations.md)
FORCE_COLUMNS = ("force_code", "geography_code", "geo_code", "area_code", "entity_key")
PERIOD_COLUMNS = ("fy_label", "month_start", "period", "month", "mid_year", "period_label")
LEDGER_TABLES = ("load_ledger", "rejected_rows")  # a table built from these is touched by every delivery
SPAN = "r.table_name, r.force_code, r.period, r.source, r.measure_id, r.change_type"  # what a cause is matched on


def _row_field(row_key: str, name: str) -> str:
    """A grain column's value read back from a revision's row_key ('a=1; b=x'), NULL when the grain has none: a row
    whose grain names a source (data quality, completeness) is blamed on that source's files only, and one whose
    grain names a measure (mart_benchmark, mart_spc, mart_escalations) on the files of the sources it is counted
    from (dim_measure.force_sources)."""
    return f"nullif(regexp_extract({row_key}, '(?:^|; ){name}=([^;]*)', 1), '')"


DETAIL_FILES = 3  # files named in a cause_detail; the rest are counted (every file is in the load ledger)
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
MAX_VALUE_CHARS = 200

REVISIONS_DDL = f"""
create table main.{REVISIONS} (
    table_name varchar not null, change_type varchar not null, measure varchar, force_code varchar, period varchar,
    row_key varchar, old_value varchar, new_value varchar, cause varchar, cause_detail varchar,
    previous_snapshot varchar, new_snapshot varchar
)"""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(expr: str, data_type: str) -> str:
    """A value as text. Dates read '2024-05' (a month start) or '03 May 2024', never as a bare date string, which
    the identifier scan would take for a date of birth; long text is cut."""
    if data_type == "DATE":
        return f"case when day({expr}) = 1 then strftime({expr}, '%Y-%m') else strftime({expr}, '%d %b %Y') end"
    text = f"cast({expr} as varchar)"
    return (
        f"case when length({text}) > {MAX_VALUE_CHARS} then left({text}, {MAX_VALUE_CHARS - 1}) || '…' else {text} end"
    )


def _differs(old: str, new: str, data_type: str) -> str:
    if data_type in FLOAT_TYPES:  # DuckDB sums doubles in parallel: allow for the last bits of rounding
        return (
            f"(({old} is null) <> ({new} is null) or abs({old} - {new}) > 1e-9 * greatest(abs({old}), abs({new}), 1))"
        )
    return f"{old} is distinct from {new}"


def _table_changes(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], old_cols: dict[str, str], new_cols: dict[str, str]
) -> list[str]:
    """SELECTs yielding (table_name, change_type, measure, force_code, period, row_key, old_value, new_value)."""
    name = _lit(table)
    selects = [
        f"select {name}, 'column_{kind}', {_lit(col)}, null, null, null, null, null"
        for kind, cols in (("added", new_cols.keys() - old_cols.keys()), ("removed", old_cols.keys() - new_cols.keys()))
        for col in sorted(cols)
    ]
    if not key or any(k not in old_cols or k not in new_cols for k in key):
        return selects  # no grain to match rows on: only the columns are compared

    def described(alias: str) -> str:
        force = next((k for k in key if k in FORCE_COLUMNS), None)
        period = next((k for k in key if k in PERIOD_COLUMNS), None)
        row_key = " || '; ' || ".join(
            f"{_lit(k + '=')} || coalesce({_text(f'{alias}.{_q(k)}', new_cols[k])}, 'NULL')" for k in key
        )
        force_sql = _text(f"{alias}.{_q(force)}", new_cols[force]) if force else "null"
        period_sql = _text(f"{alias}.{_q(period)}", new_cols[period]) if period else "null"
        return f"{force_sql} as force_code, {period_sql} as period, {row_key} as row_key"

    on = " and ".join(f"o.{_q(k)} is not distinct from n.{_q(k)}" for k in key)
    old_t, new_t = f"prev.main.{_q(table)}", f"main.{_q(table)}"
    changes = []  # per shared column: its name, whether the row's value differs, and the values as text if so
    for col in [c for c in new_cols if c in old_cols and c not in key]:
        same_type = old_cols[col] == new_cols[col]
        data_type = new_cols[col] if same_type else "VARCHAR"
        o, n = (
            (f"o.{_q(col)}", f"n.{_q(col)}")
            if same_type
            else (f"cast(o.{_q(col)} as varchar)", f"cast(n.{_q(col)} as varchar)")
        )
        differs = _differs(o, n, data_type)
        changes.append(
            f"{{'measure': {_lit(col)}, 'differs': {differs}, "
            f"'old': case when {differs} then {_text(o, data_type)} end, "
            f"'new': case when {differs} then {_text(n, data_type)} end}}"
        )
    if changes:  # one join of the old and new rows for every column, not one per column
        selects.append(
            f"select {name}, 'revised', c.measure, force_code, period, row_key, c.old, c.new from ("
            f"select {described('n')}, unnest(list_filter([{', '.join(changes)}], c -> c.differs)) as c "
            f"from {old_t} o join {new_t} n on {on})"
        )
    for kind, this, other, alias in (("added", new_t, old_t, "n"), ("removed", old_t, new_t, "o")):
        other_alias = "o" if alias == "n" else "n"
        selects.append(
            f"select {name}, '{kind}', null, {described(alias)}, null, null from {this} {alias} "
            f"where not exists (select 1 from {other} {other_alias} where {on})"
        )
    return selects


def _changed_code(old: Mapping[str, str], new: Mapping[str, str]) -> str:
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    names = [k if "." not in k else f"{k.split('.')[0]} {k.split('.')[-1]}" for k in changed]
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _previous_lineage(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    if PUBLICATION_TABLES not in table_names(con, "main", "prev"):
        return {}
    rows = con.execute(f"select table_name, lineage from prev.main.{PUBLICATION_TABLES}").fetchall()
    return {table: json.loads(lineage) for table, lineage in rows if lineage}


def _withdrawn_since(con: duckdb.DuckDBPyConnection, since, published_at) -> list[str]:
    """Loads the previous publication had seen (loaded by `since`) and withdrawn after it: their withdrawal note's
    minute is not before the minute it was published (a withdrawal in that minute counts as after it). A file loaded
    and withdrawn between two publications was never published, so it explains nothing."""
    bound = f"{published_at:%Y-%m-%d %H:%M}"
    withdrawn = con.execute(
        "select load_id, message from wh.raw.load_ledger where status = 'withdrawn' and loaded_at <= ?", [since]
    ).fetchall()
    return [load_id for load_id, message in withdrawn if (withdrawal_note(message) or "")[:16] >= bound]


def _attribute_causes(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, PublishedModel], since, published_at
) -> None:
    """Fill cause and cause_detail from the deliveries loaded since the previous publication (`since`: the newest
    ledger entry it had seen), the loads withdrawn since it was published (`published_at`) and the lineage."""
    con.execute(
        """
        create temp table new_loads as
        select l.load_id, l.source, l.force_code, l.period, l.file_path,
               l.force_code = 'national' as is_national,
               exists (select 1 from wh.raw.load_ledger e where e.superseded_by = l.load_id) as supersedes,
               not exists (  -- no earlier file of that source, force and period carried rows
                   select 1 from wh.raw.load_ledger e
                   where e.source = l.source and e.force_code = l.force_code and e.period = l.period
                     and e.loaded_at <= ? and e.rows_loaded > 0
               ) as is_first,
               l.status = 'withdrawn' as is_withdrawal
        from wh.raw.load_ledger l
        where (l.loaded_at > ? and l.status = 'loaded') or l.load_id in (select unnest(?::varchar[]))
        """,
        [since, since, _withdrawn_since(con, since, published_at)],
    )
    con.execute("create temp table load_tables (load_id varchar, raw_table varchar)")
    raw_tables = {t for m in models.values() for t in m.raw_tables} - set(LEDGER_TABLES)
    present = {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_columns() where database_name = 'wh' and schema_name = 'raw' "
            "and column_name = 'load_id'"
        ).fetchall()
    }
    for raw in sorted(raw_tables & present):
        con.execute(
            f"insert into load_tables select distinct load_id, {_lit(raw)} from wh.raw.{_q(raw)} "
            "where load_id in (select load_id from new_loads)"
        )
    con.execute("insert into load_tables select load_id, unnest(?::varchar[]) from new_loads", [list(LEDGER_TABLES)])
    lineage = [
        (name, raw, m.revised_by_other_periods, m.revised_by_other_forces)
        for name, m in models.items()
        for raw in m.raw_tables
    ]
    con.execute(
        "create temp table table_sources (table_name varchar, raw_table varchar, revised_by_other_periods boolean, "
        "revised_by_other_forces boolean)"
    )
    if lineage:
        con.executemany("insert into table_sources values (?, ?, ?, ?)", lineage)
    con.execute(  # a measure's force sources; a measure of national publications only has none (an empty list)
        "create temp table measure_sources as "
        + (
            "select measure_id, string_split(coalesce(force_sources, ''), ' ') as sources from main.dim_measure"
            if "force_sources" in table_columns(con, "dim_measure", "main")
            else "select null::varchar as measure_id, null::varchar[] as sources where false"
        )
    )
    has_forces = "dim_force" in table_names(con, "main")
    known_force = "r.force_code in (select force_code from main.dim_force)" if has_forces else "true"
    con.execute(
        f"""
        create temp table revision_causes as
        with spans as (  -- rows of one table, force, period and change type share their cause: match each once
            select distinct table_name, force_code, period, {_row_field("row_key", "source")} as source,
                   {_row_field("row_key", "measure_id")} as measure_id, change_type,
                   {_period_bound("period")} as p_start, {_period_bound("period", end=True)} as p_end
            from main.{REVISIONS}
        ),
        loads as (
            select *, {_period_bound("period")} as p_start, {_period_bound("period", end=True)} as p_end from new_loads
        ),
        candidates as (
            select r.*, l.file_path, l.is_national, l.supersedes, l.is_first, l.is_withdrawal,
                   s.revised_by_other_periods,
                   s.revised_by_other_forces,
                   r.force_code is null or r.force_code = l.force_code or not ({known_force}) as same_force,
                   r.p_start is null or l.p_start is null
                       or (r.p_start < l.p_end and l.p_start < r.p_end) as same_period
            from spans r
            join table_sources s on s.table_name = r.table_name
            join load_tables t on t.raw_table = s.raw_table
            join loads l on l.load_id = t.load_id and (r.source is null or r.source = l.source)
            left join measure_sources m on m.measure_id = r.measure_id
            where m.sources is null or l.is_national or list_contains(m.sources, l.source)
        ),
        matched as (
            select distinct {SPAN}, r.file_path,
                case when r.is_withdrawal and (r.is_national or (r.same_force and r.same_period))
                         then 'withdrawn_delivery'
                     when r.is_national and not r.supersedes then 'new_edition'
                     when not r.same_force then 'comparators_recalculated'
                     when not r.same_period then 'series_recalculated'
                     when r.supersedes then 'corrected_delivery'
                     when r.change_type = 'added' or r.is_first then 'new_delivery'
                     else 'late_delivery' end as cause
            from candidates r
            where r.is_national
               or (r.same_force and (r.same_period or (r.revised_by_other_periods and r.change_type = 'revised')))
               or (r.revised_by_other_forces and r.same_period and r.change_type = 'revised')
        ),
        by_cause as (  -- how many files, and the first few by name: a national month matches every force's file
            select {SPAN}, cause, count(*) - {DETAIL_FILES} as more, min(file_path, {DETAIL_FILES}) as named
            from matched r group by all
        )
        select {SPAN}, string_agg(cause, ', ' order by cause) as cause,
               string_agg(cause || ': ' || array_to_string(named, ', ') || case
                              when more > 1 then ' and ' || more || ' more files'
                              when more = 1 then ' and 1 more file' else '' end, '; ' order by cause) as detail
        from by_cause r group by all
        """
    )
    con.execute(
        f"""
        update main.{REVISIONS} r set cause = c.cause, cause_detail = c.detail
        from revision_causes c
        where r.table_name = c.table_name and r.change_type = c.change_type
          and r.force_code is not distinct from c.force_code and r.period is not distinct from c.period
          and {_row_field("r.row_key", "source")} is not distinct from c.source
          and {_row_field("r.row_key", "measure_id")} is not distinct from c.measure_id
        """
    )


def _period_bound(col: str, end: bool = False) -> str:
    """First day of a period written 'YYYY-YY' (financial year) or 'YYYY-MM' (month), or the day after it ends
    (end=True); NULL for anything else."""
    y = f"try_cast(substr({col}, 1, 4) as integer)"
    tail = f"try_cast(substr({col}, 6, 2) as integer)"
    fy_start, month_start = f"make_date({y}, 4, 1)", f"make_date({y}, {tail}, 1)"
    step = "interval 1 year" if end else "interval 0 day"
    month_step = "interval 1 month" if end else "interval 0 day"
    return (
        f"case when regexp_full_match({col}, '[0-9]{{4}}-[0-9]{{2}}') and {tail} = ({y} + 1) % 100 "
        f"then cast({fy_start} + {step} as date) "
        f"when regexp_full_match({col}, '[0-9]{{4}}-(0[1-9]|1[0-2])') "
        f"then cast({month_start} + {month_step} as date) end"
    )


def write_revisions(
    con: duckdb.DuckDBPyConnection,
    previous: str | None,
    tables: list[str],
    models: Mapping[str, PublishedModel],
    snapshot_id: str,
) -> int:
    """Write main.mart_revisions (new snapshot open on con, warehouse attached as wh) against the previous snapshot.

    previous: the previous snapshot's file, or None for a first publication (then the table is empty).
    Returns the number of revision rows.
    """
    con.execute(REVISIONS_DDL)
    if previous is None:
        return 0
    here = con.execute("select current_database()").fetchone()[0]
    con.execute(f"attach {_lit(str(previous))} as prev (read_only)")
    try:
        old_tables = {t for t in table_names(con, "main", "prev") if is_published(t) and t != REVISIONS}
        prev_id = con.execute("select max(snapshot_id) from prev.main.publication").fetchone()[0]
        nothing = "null, null, null, null, null, null"
        selects = [f"select {_lit(t)}, 'table_added', {nothing}" for t in tables if t not in old_tables]
        selects += [f"select {_lit(t)}, 'table_removed', {nothing}" for t in sorted(old_tables - set(tables))]
        for table in tables:
            if table in old_tables:
                model = models.get(table)
                key = model.key if model else ()
                selects += _table_changes(
                    con, table, key, table_columns(con, table, "main", "prev"), table_columns(con, table, "main", here)
                )
        for select in selects:
            con.execute(
                f"insert into main.{REVISIONS} (table_name, change_type, measure, force_code, period, row_key, "
                f"old_value, new_value) {select}"
            )
        con.execute(f"update main.{REVISIONS} set previous_snapshot = ?, new_snapshot = ?", [prev_id, snapshot_id])
        since = _ledger_loaded_until(con, "prev")
        published_at = con.execute("select max(published_at) from prev.main.publication").fetchone()[0]
        _attribute_causes(con, {t: m for t, m in models.items() if t in tables}, since, published_at)
        _attribute_method_changes(con, models, _previous_lineage(con))
        return con.execute(f"select count(*) from main.{REVISIONS}").fetchone()[0]
    finally:
        con.execute("detach prev")


def _ledger_loaded_until(con: duckdb.DuckDBPyConnection, database: str):
    """The newest ledger entry a snapshot had seen (its publication time for snapshots that did not record it)."""
    columns = table_columns(con, "publication", "main", database)
    field = "ledger_loaded_until" if "ledger_loaded_until" in columns else "published_at"
    return con.execute(f"select max({field}) from {database}.main.publication").fetchone()[0]


def _attribute_method_changes(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, PublishedModel], previous: Mapping[str, Mapping[str, str]]
) -> None:
    for table, model in models.items():
        old = previous.get(table)
        if old is None or dict(old) == dict(model.lineage):
            continue
        detail = f"method_change: {_changed_code(old, model.lineage)}"
        con.execute(
            f"""
            update main.{REVISIONS}
            set cause = case when cause is null then 'method_change' else cause || ', method_change' end,
                cause_detail = case when cause_detail is null then ? else cause_detail || '; ' || ? end
            where table_name = ?
            """,
            [detail, detail, table],
        )


def write_publication_tables(
    con: duckdb.DuckDBPyConnection, counts: Mapping[str, int], models: Mapping[str, PublishedModel]
) -> None:
    """main.publication_tables: per published table its rows, grain and lineage (what the next publish compares)."""
    con.execute(
        f"create table main.{PUBLICATION_TABLES} (table_name varchar, rows bigint, key_columns varchar, "
        "raw_tables varchar, lineage_checksum varchar, lineage varchar)"
    )
    for table, rows in counts.items():
        model = models.get(table)
        con.execute(
            f"insert into main.{PUBLICATION_TABLES} values (?, ?, ?, ?, ?, ?)",
            [
                table,
                rows,
                ", ".join(model.key) if model else None,
                ", ".join(model.raw_tables) if model else None,
                model.lineage_checksum if model else None,
                json.dumps(dict(model.lineage), sort_keys=True) if model else None,
            ],
        )
