"""mhw.checks.table_columns: a table's columns and types in order, from this database or an attached one."""

from __future__ import annotations

import duckdb

from mhw.checks import table_columns


def test_table_columns_in_order_with_types_here_and_in_an_attached_database(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute('create table marts.t (z varchar, "a ""quoted"" name" decimal(18, 3), m date)')
    con.execute("create view marts.v as select m, z from marts.t")
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("create table main.t (n bigint)")
    other.close()
    con.execute(f"attach '{tmp_path / 'other.duckdb'}' as other (read_only)")
    assert list(table_columns(con, "t").items()) == [
        ("z", "VARCHAR"),
        ('a "quoted" name', "DECIMAL(18,3)"),
        ("m", "DATE"),
    ]
    assert list(table_columns(con, "v")) == ["m", "z"]
    assert table_columns(con, "t", "main", "other") == {"n": "BIGINT"}
    assert table_columns(con, "no_such_table") == {} and table_columns(con, "t", "no_such_schema") == {}
