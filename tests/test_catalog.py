"""mhw.catalog: a table's columns and types in order, a schema's tables, from this database or an attached one."""

from __future__ import annotations

import duckdb

from mhw.catalog import table_columns, table_names


def test_table_columns_in_order_with_types_here_and_in_an_attached_database(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute('create table marts.t (z varchar, "a ""quoted"" name" decimal(18, 3), m date)')
    con.execute("create view marts.v as select m, z from marts.t")
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("create table main.t (n bigint)")
    other.close()
    con.execute(f"attach '{tmp_path / 'other.duckdb'}' as other (read_only)")
    assert list(table_columns(con, "t", "marts").items()) == [
        ("z", "VARCHAR"),
        ('a "quoted" name', "DECIMAL(18,3)"),
        ("m", "DATE"),
    ]
    assert list(table_columns(con, "v", "marts")) == ["m", "z"]
    assert table_columns(con, "t", "main", "other") == {"n": "BIGINT"}
    assert table_columns(con, "no_such_table", "marts") == {} and table_columns(con, "t", "no_such_schema") == {}
    assert table_columns(con, "t", "main", "not_attached") == {}


def test_table_names_lists_a_schemas_tables_sorted_without_views_here_or_in_an_attached_database(tmp_path):
    con = duckdb.connect(str(tmp_path / "here.duckdb"))
    con.execute("create schema marts")
    for name in ("mart_b", "dim_a", "mart_a"):
        con.execute(f"create table marts.{name} (x int)")
    con.execute("create view marts.mart_view as select * from marts.mart_a")
    con.execute("create table main.elsewhere (x int)")
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("create schema marts")
    other.execute("create table marts.only_there (x int)")
    other.close()
    con.execute(f"attach '{tmp_path / 'other.duckdb'}' as other (read_only)")
    assert table_names(con, "marts") == ["dim_a", "mart_a", "mart_b"]
    assert table_names(con, "main") == ["elsewhere"]
    assert table_names(con, "marts", "other") == ["only_there"]
    assert table_names(con, "no_such_schema") == [] and table_names(con, "marts", "not_attached") == []
