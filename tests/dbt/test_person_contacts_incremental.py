"""int_person_contacts and int_person_contact_flags built incrementally equal a full rebuild, stage after stage.

A tiny raw layer (Cumbria incidents January-June 2023 in monthly loads, a Lancashire March load, s136 load `a`) is
built once, then changed as the refresh would change it, with an incremental build after each stage:
1. a new month (July): its incident 1 is the one an s136 detention of pF was raised from, so that detention's
   contact (pF's only one) becomes pG's incident;
2. a corrected re-delivery of March (v2 supersedes v1): pB's incident becomes pA's, pA's incident with a detention
   moves a day, pH's only incident is dropped, a new incident with no age appears;
3. s136 load `b` arrives: detentions raised from older incidents of other loads (pB's January incident becomes
   s136; an s135 on pC's April incident; a third detention on February's incident with no token, whose smallest
   detention token then changes the contact's person from pD to pC0) and a detention with no incident;
4. the May incidents load is withdrawn;
5. s136 load `a` is withdrawn (incidents lose their detentions: pA's March contact becomes an incident alone, pG's
   contact is no longer s136, pE's detention with no incident vanishes);
6. the flag rules (dbt vars) change; 7. they change back.
After each build both tables are compared with the models' full-rebuild SQL (compiled by the first build, kept as
views) row for row. Stage 1 also tampers with rows the refresh must not rewrite (a person with no new contact, and
an older contact of a person with one), and finds them still tampered with afterwards. The whole sequence runs on
DuckDB and on a throwaway PostgreSQL (skipped where none can be started).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.schema import ensure_raw_schema, raw_ddl
from tests import dbt_runner
from tests.dbt.test_dbt_build import _insert, _ledger, postgres_server  # noqa: F401 (fixture)
from tests.dbt.test_dbt_demand import _detention, _incident

pytestmark = pytest.mark.slow

C, L = "E23000002", "E23000003"
S136_A, S136_B = f"s136/{C}/2023-24/a", f"s136/{C}/2023-24/b"
MODELS = ("int_person_contacts", "int_person_contact_flags")
# each stage's build: the contacts find linked incidents in fct_mh_incidents, so it is built first, as a refresh does
# (its tests that also read tables this layer lacks, such as dim_force, are left out: cautious)
STAGE_SELECT = ["--select", "fct_mh_incidents", *MODELS, "--indirect-selection", "cautious"]
FLAGS = "intermediate.int_person_contact_flags"
SELECT = ["--select", "+int_person_contact_flags", "--indirect-selection", "cautious"]
ALT_VARS = "{repeat_12m_days: 200, repeat_12m_min_contacts: 3, hi_contact_1m_min_contacts: 2}"
STAGES = ["new_month", "redelivery", "late_detentions", "withdrawn_incidents", "withdrawn_s136", "vars", "vars_back"]


def _month(m: int, version: str = "a", force: str = C) -> str:
    return f"incidents/{force}/2023-{m:02d}/{version}"


def _inc(load: str, n: int, when: datetime, token: str | None, age: int | None = 30, force: str = C) -> dict:
    return _incident(load, n, force, when, token, age=age)


def _det(load, n, when, token, incident_id, power="s136", age=30) -> dict:
    row = _detention(load, n, when, token, incident_id)
    row.update(power=power, age=age, person_key_id="k1" if token else None)
    return row


@dataclass
class Db:
    """A connection to the warehouse under test (DuckDB or PostgreSQL) and its query parameter marker."""

    con: object
    marker: str

    def execute(self, sql: str, params: list | None = None):
        cur = self.con.cursor()
        cur.execute(sql if params is None else sql.replace("?", self.marker), params)
        return cur


def _incidents_load(db: Db, load: str, rows: list[dict], force: str = C) -> None:
    _insert(db.con, "incidents", rows, db.marker)
    _insert(db.con, "load_ledger", [_ledger(load, "incidents", force, load.split("/")[2], rows=len(rows))], db.marker)


def _s136_load(db: Db, load: str, rows: list[dict]) -> None:
    _insert(db.con, "s136", rows, db.marker)
    _insert(db.con, "load_ledger", [_ledger(load, "s136", C, "2023-24", rows=len(rows))], db.marker)


def stage_zero(db: Db) -> None:
    d = datetime
    months = {
        1: [_inc(_month(1), 1, d(2023, 1, 5, 9), "pA"), _inc(_month(1), 2, d(2023, 1, 10, 9), "pB"),
            _inc(_month(1), 3, d(2023, 1, 12, 9), None), _inc(_month(1), 4, d(2023, 1, 20, 9), "pC", age=16),
            _inc(_month(1), 5, d(2023, 1, 25, 9), "pE")],
        # incidents 1 and 3: pA twice at the same instant; incident 2 has no token or age (its detentions' fill in)
        2: [_inc(_month(2), 1, d(2023, 2, 1, 9), "pA"), _inc(_month(2), 2, d(2023, 2, 3, 9), None, age=None),
            _inc(_month(2), 3, d(2023, 2, 1, 9), "pA"), _inc(_month(2), 4, d(2023, 2, 20, 9), "pC", age=16)],
        3: [_inc(_month(3, "v1"), 1, d(2023, 3, 1, 9), "pA"), _inc(_month(3, "v1"), 2, d(2023, 3, 5, 9), "pB"),
            _inc(_month(3, "v1"), 3, d(2023, 3, 10, 9), "pA"), _inc(_month(3, "v1"), 4, d(2023, 3, 12, 9), None),
            _inc(_month(3, "v1"), 5, d(2023, 3, 15, 9), "pH")],
        4: [_inc(_month(4), 1, d(2023, 4, 2, 9), "pA"), _inc(_month(4), 2, d(2023, 4, 30, 9), "pC", age=16)],
        5: [_inc(_month(5), 1, d(2023, 5, 3, 9), "pA"), _inc(_month(5), 2, d(2023, 5, 6, 9), "pB"),
            _inc(_month(5), 3, d(2023, 5, 8, 9), "pE")],
        6: [_inc(_month(6), 1, d(2023, 6, 1, 9), "pA"), _inc(_month(6), 2, d(2023, 6, 2, 9), "pA")],
    }  # fmt: skip
    for m, rows in months.items():
        _incidents_load(db, _month(m, "v1" if m == 3 else "a"), rows)
    lancs = _month(3, force=L)  # same incident ids as Cumbria's March, another force: never linked to its s136
    _incidents_load(db, lancs, [_inc(lancs, 1, d(2023, 3, 20, 9), "pA", force=L)], force=L)
    _s136_load(db, S136_A, [
        _det(S136_A, 1, d(2023, 2, 3, 10), "pD", "202302-002", age=40),
        _det(S136_A, 2, d(2023, 3, 10, 10), "pA", "202303-003"),
        _det(S136_A, 3, d(2023, 3, 2, 10), "pE", None),  # raised from no incident
        _det(S136_A, 4, d(2023, 6, 28, 10), "pF", "202307-001"),  # its incident comes in July
        _det(S136_A, 5, d(2023, 1, 12, 10), None, "202301-003", power="s135(1)"),  # no token on either side
        _det(S136_A, 6, d(2023, 2, 3, 11), "pD2", "202302-002", power="s135(1)", age=35),
    ])  # fmt: skip


def new_month(db: Db) -> None:
    d, load = datetime, _month(7)
    rows = [_inc(load, 1, d(2023, 7, 2, 9), "pG"), _inc(load, 2, d(2023, 7, 5, 9), "pA"),
            _inc(load, 3, d(2023, 7, 6, 9), "pB"), _inc(load, 4, d(2023, 7, 7, 9), "pNew")]  # fmt: skip
    _incidents_load(db, load, rows)


def redelivery(db: Db) -> None:
    d, load = datetime, _month(3, "v2")
    rows = [_inc(load, 1, d(2023, 3, 1, 9), "pA"), _inc(load, 2, d(2023, 3, 5, 9), "pA"),
            _inc(load, 3, d(2023, 3, 11, 9), "pA"), _inc(load, 4, d(2023, 3, 12, 9), None),
            _inc(load, 6, d(2023, 3, 25, 9), "pI", age=None)]  # fmt: skip
    _incidents_load(db, load, rows)
    supersede = "update raw.load_ledger set status = 'superseded', superseded_by = ? where load_id = ?"
    db.execute(supersede, [load, _month(3, "v1")])


def late_detentions(db: Db) -> None:
    d = datetime
    _s136_load(db, S136_B, [
        _det(S136_B, 1, d(2023, 1, 10, 10), "pB", "202301-002"),
        _det(S136_B, 2, d(2023, 4, 30, 10), "pC2", "202304-002", power="s135(1)", age=15),
        _det(S136_B, 3, d(2023, 2, 3, 12), "pC0", "202302-002", age=50),
        _det(S136_B, 4, d(2023, 8, 1, 10), "pJ", None),
    ])  # fmt: skip


def withdrawn_incidents(db: Db) -> None:
    db.execute("update raw.load_ledger set status = 'withdrawn' where load_id = ?", [_month(5)])


def withdrawn_s136(db: Db) -> None:
    db.execute("update raw.load_ledger set status = 'withdrawn' where load_id = ?", [S136_A])


CHANGES = {"new_month": new_month, "redelivery": redelivery, "late_detentions": late_detentions,
           "withdrawn_incidents": withdrawn_incidents, "withdrawn_s136": withdrawn_s136}  # fmt: skip

# rows stage 1 must leave alone: pC has no July contact; pA's June contact is older than pA's July one
CANARIES = [
    ("int_person_contacts", "person_key_id", "'canary'", f"incident:{C}:202301-004"),
    ("int_person_contact_flags", "n_contacts_12m_window", "-1", f"incident:{C}:202301-004"),
    ("int_person_contact_flags", "n_contacts_1m_window", "-1", f"incident:{C}:202306-002"),
]


def _compiled(tmp: Path, model: str) -> str:
    return (tmp / "dbt_target" / "compiled" / "mhw" / "models" / "intermediate" / f"{model}.sql").read_text()


def _compare(db: Db, table: str, contacts_sql: str, flags_sql: str) -> dict[str, tuple[int, int, int, int]]:
    """Per model: rows in the table, rows of the full rebuild, rows only in the table, rows only in the rebuild.

    The full rebuild is the models' full-refresh SQL as views, the flags' reading the contacts' view (not the
    incremental table); made again each time, as PostgreSQL drops them with the staging views dbt replaces."""
    assert table not in contacts_sql and table in flags_sql and '"int_person_contact_flags"' not in flags_sql
    db.execute("create schema if not exists full_rebuild")
    db.execute(f"create or replace view full_rebuild.int_person_contacts as {contacts_sql}")
    flags_sql = flags_sql.replace(table, "full_rebuild.int_person_contacts")
    db.execute(f"create or replace view full_rebuild.int_person_contact_flags as {flags_sql}")
    out = {}
    for model in MODELS:
        a, b = f"intermediate.{model}", f"full_rebuild.{model}"
        out[model] = db.execute(
            f"select (select count(*) from {a}), (select count(*) from {b}), "
            f"(select count(*) from (select * from {a} except all select * from {b}) as x), "
            f"(select count(*) from (select * from {b} except all select * from {a}) as y)"
        ).fetchone()
    return out


def _contacts(db: Db) -> dict[str, dict]:
    return {r["contact_key"]: r for r in dbt_runner.rows(db.con, "select * from intermediate.int_person_contacts")}


@dataclass
class Backend:
    connect: Callable[[], object]  # a context manager giving a Db
    dbt_args: list[str]
    env: dict[str, str]
    warehouse: Path | None
    table: str  # how compiled SQL names int_person_contacts


def _duckdb_backend(tmp: Path) -> Backend:
    wh = tmp / "warehouse.duckdb"

    @contextmanager
    def connect() -> Iterator[Db]:
        with duckdb.connect(str(wh)) as con:
            yield Db(con, "?")

    with duckdb.connect(str(wh)) as con:
        ensure_raw_schema(con)
    return Backend(connect, [], {}, wh, '"warehouse"."intermediate"."int_person_contacts"')


def _postgres_backend(server: dict) -> Backend:
    psycopg2, port = server["psycopg2"], server["port"]

    @contextmanager
    def connect() -> Iterator[Db]:
        con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        con.autocommit = True
        try:
            yield Db(con, "%s")
        finally:
            con.close()

    with connect() as db:
        db.execute(raw_ddl())
    env = {"MHW_PG_HOST": "127.0.0.1", "MHW_PG_PORT": str(port), "MHW_PG_USER": "postgres",
           "MHW_PG_DBNAME": "postgres"}  # fmt: skip
    return Backend(connect, ["--target", "postgres"], env, None, '"postgres"."intermediate"."int_person_contacts"')


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def stages(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"person_contacts_incremental_{request.param}")
    if request.param == "duckdb":
        backend = _duckdb_backend(tmp)
    else:
        backend = _postgres_backend(request.getfixturevalue("postgres_server"))

    def dbt(*args: str, folder: Path = tmp):
        args = [*args, *backend.dbt_args]
        return dbt_runner.run_dbt(args, folder, warehouse=backend.warehouse, env_extra=backend.env)

    # runs with the other vars keep their own target folder: dbt parses the whole project again whenever the vars
    # differ from its saved parse state's, so one folder per set of vars parses each set once
    alt = tmp / "alt_vars"

    with backend.connect() as db:
        stage_zero(db)
    first = dbt("build", *SELECT)  # tables created: the compiled SQL is the full rebuild's
    contacts_sql, flags_sql = _compiled(tmp, MODELS[0]), _compiled(tmp, MODELS[1])
    dbt("compile", "--full-refresh", "--vars", ALT_VARS, "--select", MODELS[1], folder=alt)
    alt_flags_sql = _compiled(alt, MODELS[1])
    with backend.connect() as db:
        compared = _compare(db, backend.table, contacts_sql, flags_sql)
        results = {"initial": {"compare": compared, "contacts": _contacts(db)}}
    for stage in STAGES:
        canaries = {}
        with backend.connect() as db:
            if stage in CHANGES:
                CHANGES[stage](db)
            if stage == "new_month":
                for model, column, value, key in CANARIES:
                    where = f"from intermediate.{model} where contact_key = ?"
                    canaries[(model, column, key)] = db.execute(f"select {column} {where}", [key]).fetchone()[0]
                    db.execute(f"update intermediate.{model} set {column} = {value} where contact_key = ?", [key])
        vars_args, folder = (["--vars", ALT_VARS], alt) if stage == "vars" else ([], tmp)
        # the two models and their data tests only: the staging views they read show the changed raw rows as they are
        out = dbt("build", *STAGE_SELECT, "--exclude-resource-type", "unit_test", *vars_args, folder=folder)
        with backend.connect() as db:
            left = {}
            for (model, column, key), original in canaries.items():
                where = f"from intermediate.{model} where contact_key = ?"
                left[(model, column, key)] = db.execute(f"select {column} {where}", [key]).fetchone()[0]
                db.execute(f"update intermediate.{model} set {column} = ? where contact_key = ?", [original, key])
            results[stage] = {
                "compare": _compare(db, backend.table, contacts_sql, alt_flags_sql if stage == "vars" else flags_sql),
                "contacts": _contacts(db),
                "canaries_left": left,
                "flag_rules": {r[0] for r in db.execute(f"select distinct flag_rules from {FLAGS}").fetchall()},
                "stdout": out.stdout,
            }
    results["first_stdout"] = first.stdout
    return results


def test_first_build_ran_the_flags_unit_test(stages):
    out = stages["first_stdout"]
    assert "int_person_contact_flags_thresholds_at_boundaries" in out and "ERROR=0" in out.replace(" ", "")


@pytest.mark.parametrize("stage", ["initial", *STAGES])
def test_incremental_tables_equal_full_rebuild(stages, stage):
    for model, (n_table, n_full, only_table, only_full) in stages[stage]["compare"].items():
        assert (only_table, only_full) == (0, 0), (stage, model, only_table, only_full)
        assert n_table == n_full > 0, (stage, model)
    if stage != "initial":
        assert "ERROR=0" in stages[stage]["stdout"].replace(" ", "")  # the tables' data tests too


def test_stages_changed_what_they_should(stages):
    key = f"incident:{C}:"
    before, month = stages["initial"]["contacts"], stages["new_month"]["contacts"]
    assert before[f"s136:{C}:a-004"]["person_token"] == "pF"
    assert f"s136:{C}:a-004" not in month and "pF" not in {r["person_token"] for r in month.values()}
    assert (month[key + "202307-001"]["person_token"], month[key + "202307-001"]["is_s136"]) == ("pG", True)
    # February's incident 2: no token or age of its own; the smallest of its detentions' (pD / pD2, 40 / 35)
    feb = before[key + "202302-002"]
    assert [feb[c] for c in ("person_token", "age_years", "detention_key", "is_s136")] == ["pD", 35, f"{C}:a-001", True]
    redelivered = stages["redelivery"]["contacts"]
    assert "pH" not in {r["person_token"] for r in redelivered.values()}
    assert redelivered[key + "202303-002"]["person_token"] == "pA"
    assert redelivered[key + "202303-006"]["age_years"] is None
    assert redelivered[key + "202303-003"]["contact_at"] == datetime(2023, 3, 11, 9)
    late = stages["late_detentions"]["contacts"]
    assert late[key + "202302-002"]["person_token"] == "pC0" and late[key + "202301-002"]["is_s136"]
    assert (late[key + "202304-002"]["detention_key"], late[key + "202304-002"]["is_s136"]) == (f"{C}:b-002", False)
    assert late[key + "202304-002"]["person_token"] == "pC" and late[key + "202304-002"]["age_years"] == 16
    withdrawn = stages["withdrawn_incidents"]["contacts"]
    assert not any("/2023-05/" in r["load_id"] for r in withdrawn.values())
    no_s136_a = stages["withdrawn_s136"]["contacts"]
    assert no_s136_a[key + "202303-003"]["detention_key"] is None and not no_s136_a[key + "202307-001"]["is_s136"]
    assert f"s136:{C}:a-003" not in no_s136_a and no_s136_a[key + "202302-002"]["age_years"] == 50


def test_flag_rules_follow_the_vars(stages):
    [rules] = stages["vars"]["flag_rules"]
    assert "repeat_12m >= 3 in 200 days" in rules and "hi_contact_1m >= 2 in 30 days" in rules
    assert stages["vars_back"]["flag_rules"] == stages["withdrawn_s136"]["flag_rules"]


def test_new_month_left_unaffected_rows_alone(stages):
    left = stages["new_month"]["canaries_left"]
    assert left == {(m, col, key): (-1 if value == "-1" else "canary") for m, col, value, key in CANARIES}
