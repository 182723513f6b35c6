"""A refresh with nothing new stops at once: the input fingerprint and the stamp of the last successful refresh."""

from __future__ import annotations

import json
import os
from datetime import date

import duckdb

from mhw.refresh_inputs import (
    CODE_TAG,
    LEDGER_TAG,
    LastRefresh,
    code_fingerprint,
    data_tested_through,
    inputs_fingerprint,
    last_refresh,
    ledger_totals,
    note_unfinished_refresh,
    public_data_digest,
    record_refresh,
    set_aside_for_other_code,
    unchanged_since_last_refresh,
)
from mhw.settings import get_settings
from orchestration.refresh import landing_state


def test_fingerprint_follows_landing_and_public_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(tmp_path / "public"))
    for name in ("MHW_WAREHOUSE", "MHW_LANDING_DIR", "MHW_SERVING_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    landing = settings.landing_dir / "incidents" / "E23000001" / "2024-05"
    landing.mkdir(parents=True)
    (landing / "a.csv").write_text("x\n")
    first = inputs_fingerprint(settings)
    assert inputs_fingerprint(settings) == first
    (landing / "b.csv").write_text("y\n")
    second = inputs_fingerprint(settings)
    assert second != first
    os.utime(landing / "b.csv", ns=(1, 1))  # same size, touched: counts as changed
    touched = inputs_fingerprint(settings)
    assert touched != second
    state = landing_state(settings.landing_dir)[0]
    (landing / "b.csv").write_text("z\n")  # a correction of the same size, its old modification time put back
    os.utime(landing / "b.csv", ns=(1, 1))
    assert inputs_fingerprint(settings) != touched, "the change time says it was written"
    assert landing_state(settings.landing_dir)[0] != state, "and the month is planned again"
    (tmp_path / "public").mkdir()
    before_public = inputs_fingerprint(settings)
    (tmp_path / "public" / "ons.xlsx").write_bytes(b"1")
    assert inputs_fingerprint(settings) != before_public


def test_unchanged_needs_the_stamp_the_warehouse_and_the_snapshot(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    for name in ("MHW_WAREHOUSE", "MHW_LANDING_DIR", "MHW_SERVING_DIR", "MHW_PUBLIC_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    fingerprint = inputs_fingerprint(settings)
    assert not unchanged_since_last_refresh(settings, fingerprint)  # never refreshed
    record_refresh(settings, fingerprint)
    assert not unchanged_since_last_refresh(settings, fingerprint)  # no warehouse / snapshot
    settings.warehouse.write_bytes(b"")
    settings.serving_dir.mkdir(parents=True)
    settings.current_snapshot.write_bytes(b"")
    assert unchanged_since_last_refresh(settings, fingerprint)
    assert not unchanged_since_last_refresh(settings, "something else")


def test_the_last_refresh_counts_only_with_the_same_code_and_ledger(tmp_path, monkeypatch):
    """The months a refresh leaves out are those the last one saw unchanged: only when nothing else wrote the
    warehouse (its ledger's totals) and the code that decides what loads is the same."""
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    settings = get_settings()
    code, landing, ledger = code_fingerprint(), {"incidents/2024-05": "abc"}, (12, 3400, 5)
    never = (None, "no record of an earlier refresh's landing zone in this home")
    assert last_refresh(settings, code, ledger) == never
    record_refresh(settings, "f")  # a stamp without the landing zone (an older release's)
    assert last_refresh(settings, code, ledger) == never
    record_refresh(settings, "f", code=code, landing=landing, ledger=ledger)
    assert last_refresh(settings, code, ledger) == (LastRefresh(landing, date.today(), code, ledger), "")
    assert last_refresh(settings, code, (13, 3400, 5)) == (
        None, "the load ledger changed outside a refresh (another writer, a withdrawal or a restored warehouse)"
    )  # fmt: skip
    assert last_refresh(settings, "other code", ledger) == (
        None, "the code that builds the warehouse changed since the last refresh"
    )  # fmt: skip


def test_a_refresh_that_stopped_after_loading_files_is_named_as_why_the_next_runs_in_full(tmp_path, monkeypatch):
    """An interrupted or failed refresh that had loaded files leaves the ledger unlike the last record: the next
    refresh runs every month, and says the last refresh stopped (it blamed 'another writer'). One that loaded nothing
    leaves the record standing."""
    from ingestion.schema import ensure_raw_schema

    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    settings = get_settings()
    with duckdb.connect(str(settings.warehouse)) as con:
        ensure_raw_schema(con)
    code, landing, before = code_fingerprint(), {"incidents/2024-05": "abc"}, ledger_totals(settings)
    record_refresh(settings, "f", code=code, landing=landing, ledger=before)
    note_unfinished_refresh(settings, before, "(Dagster run r1) was interrupted")  # before it loaded anything
    assert last_refresh(settings, code, ledger_totals(settings)) == (
        LastRefresh(landing, date.today(), code, before),
        "",
    )
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "insert into raw.load_ledger (load_id, source, file_path, sha256, loaded_at, rows_read, rows_loaded, "
            "rows_rejected, status) values ('l1', 'incidents', 'incidents/x.csv', 'ab', now(), 3, 3, 0, 'loaded')"
        )
    note_unfinished_refresh(settings, before, "(Dagster run r2) was interrupted")
    assert last_refresh(settings, code, ledger_totals(settings)) == (
        None, "the last refresh (Dagster run r2) was interrupted after it had loaded files"
    )  # fmt: skip


def test_a_build_with_other_code_sets_the_last_refresh_aside_even_if_the_code_goes_back(tmp_path, monkeypatch):
    """A dbt build with edited code may rebuild some models and then fail; after the edit is rolled back the code is
    the record's again, but those models are not what it builds: the next refresh must build every model."""
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    settings = get_settings()
    code, landing, ledger = code_fingerprint(), {"incidents/2024-05": "abc"}, (12, 3400, 5)
    record_refresh(settings, "f", code=code, landing=landing, ledger=ledger)
    assert not set_aside_for_other_code(settings, code)  # the same code: the record stands
    assert last_refresh(settings, code, ledger)[0] is not None
    assert set_aside_for_other_code(settings, "edited code")  # a build with the edit starts (and fails)
    assert last_refresh(settings, code, ledger) == (
        None, "a dbt build with other code started after it (it may have rebuilt models)"
    )  # fmt: skip


def test_the_code_is_its_files_contents_and_a_change_is_named(tmp_path, monkeypatch):
    """A checkout that rewrites a file as it was is no change (it used to rebuild every model); an edit is named."""
    from mhw import refresh_inputs

    code = tmp_path / "code"
    (code / "models").mkdir(parents=True)
    for name in ("a.sql", "b.sql", "c.sql", "d.sql", "e.sql"):
        (code / "models" / name).write_text(f"select '{name}'\n")
    monkeypatch.setattr(refresh_inputs, "CODE", (code / "models",))
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    settings = get_settings()
    before = code_fingerprint()
    os.utime(code / "models" / "a.sql", ns=(1, 1))
    assert code_fingerprint() == before, "touched, not changed"
    record_refresh(settings, "f", code=before, landing={}, ledger=(0, 0, 0))
    (code / "models" / "b.sql").write_text("select 2\n")
    assert code_fingerprint() != before
    assert last_refresh(settings, code_fingerprint(), (0, 0, 0))[1].endswith(f"refresh ({code}/models/b.sql)")
    for name in ("c.sql", "d.sql", "e.sql"):
        (code / "models" / name).unlink()
    why = last_refresh(settings, code_fingerprint(), (0, 0, 0))[1]
    assert why.endswith(f"({code}/models/b.sql, {code}/models/c.sql, {code}/models/d.sql and 1 more)")


def test_the_public_data_digest_follows_its_files_and_tells_unset_from_empty(tmp_path, monkeypatch):
    public = tmp_path / "public"
    public.mkdir()
    monkeypatch.delenv("MHW_PUBLIC_DATA_DIR", raising=False)
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    unset = public_data_digest(get_settings())
    monkeypatch.setenv("MHW_PUBLIC_DATA_DIR", str(public))
    empty = public_data_digest(get_settings())
    (public / "census.csv").write_text("a,b\n")
    one = public_data_digest(get_settings())
    assert len({unset, empty, one}) == 3 and public_data_digest(get_settings()) == one
    (public / "census.csv").write_text("a,b,c\n")
    assert public_data_digest(get_settings()) != one


def test_a_planned_run_tests_the_rows_loaded_after_the_ledgers_latest_load_when_planned(tmp_path, monkeypatch):
    """ledger_totals() ends with the latest load's time; a run planned on it (CODE_TAG) passes that time to dbt
    (data_tested_through, to the microsecond) while every entry made since is stamped after it; one stamped before it
    (a clock set back) makes every row tested, as does a run not so planned or one planned on an empty ledger."""
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    settings = get_settings()
    assert ledger_totals(settings) == (0, 0, 0, 0)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.load_ledger (rows_loaded int, rows_rejected int, loaded_at timestamp)")
        con.execute("insert into raw.load_ledger values (9, 1, '2026-12-03 19:19:50.000001'), (4, 0, '2026-11-01')")
    totals = ledger_totals(settings)
    assert totals[:3] == (2, 13, 1)
    planned = {CODE_TAG: "code", LEDGER_TAG: json.dumps(list(totals))}
    with duckdb.connect(str(settings.warehouse)) as con:
        assert data_tested_through(planned, con) == ("2026-12-03 19:19:50.000001", "")
        con.execute("insert into raw.load_ledger values (5, 0, '2026-12-04 09:00')")  # this run's load
        assert data_tested_through(planned, con) == ("2026-12-03 19:19:50.000001", "")
        assert data_tested_through({LEDGER_TAG: planned[LEDGER_TAG]}, con)[0] is None  # a full refresh: every row
        assert data_tested_through({**planned, LEDGER_TAG: "[0, 0, 0, 0]"}, con)[0] is None
        assert data_tested_through({**planned, LEDGER_TAG: "[2, 13, 1]"}, con)[0] is None  # before the time was kept
        con.execute("insert into raw.load_ledger values (5, 0, '2026-12-03 18:30')")  # the clock set back an hour
        through, why = data_tested_through(planned, con)
        assert through is None
        assert why == (
            "1 of the 2 ledger entries made since the run was planned are stamped at or before "
            "2026-12-03 19:19:50.000001 (the clock was set back)"
        )
