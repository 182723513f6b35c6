"""The Home Office's published s136 tables (landing source `adr125_published`) and the annual return (ADR-125 items):
contract ingestion, the synthetic published sample derived from the s136 files, the export, and (slow) the dbt
reconciliation mart built on both.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from demo.adr125_published import generate_adr125_published, record_frame, release_of
from demo.s136 import generate_s136
from ingestion.gate.load import ingest_source
from ingestion.schema import ensure_raw_schema
from mhw.export import ITEMS, ExportError, count_return_items, export_adr125, item_catalogue
from tests.dbt_runner import rows, run_dbt

REPO = Path(__file__).resolve().parents[2]
KEY, KEY_ID = b"test-key-not-secret", "k-test"
SOURCE = "adr125_published"
FORCES = ("E23000002", "E23000003", "BTP")  # Cumbria, Lancashire, BTP
HEADER = "force_code,financial_year,measure,category,count,source_release,is_revised"


def _write(landing: Path, folder: str, period: str, name: str, lines: list[str]) -> Path:
    path = landing / SOURCE / folder / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------------
# contract ingestion


ID = "force_code+financial_year+measure+category"  # what identifies a published count (contract id_fields)


def test_published_file_good_and_bad_rows(tmp_path, con):
    landing = tmp_path / "landing"
    _write(
        landing,
        "national",
        "2023-24",
        "ppp-2024-10.csv",
        [
            "E23000002,2023-24,detentions,total,412,PPP Oct 2024,N",  # 1 good
            "e23000002,2023/24,Method of transport,Police vehicle,200,PPP Oct 2024,",  # 2 good: HO wording, blank flag
            "BTP,2023-24,sex,m,7,PPP Oct 2024,R",  # 3 good: case-insensitive code, 'R' = revised
            "national,2023-24,detentions,total,31213,PPP Oct 2024,N",  # 4 good: the E&W row
            "E23000099,2023-24,detentions,total,5,PPP Oct 2024,N",  # 5 unknown force
            "E23000002,2023-24,arrests,total,5,PPP Oct 2024,N",  # 6 unknown measure
            "E23000002,2023-24,transport_method,helicopter,5,PPP Oct 2024,N",  # 7 unknown category
            "E23000002,2023-24,detentions,total,-1,PPP Oct 2024,N",  # 8 negative count
            "E23000002,2023-24,detentions,total,twelve,,N",  # 9 count not a number, release missing
            "E23000002,2023-25,detentions,total,5,PPP Oct 2024,maybe",  # 10 bad year and flag
        ],
    )
    _write(landing, "E23000002", "2023-24", "force-folder.csv", ["E23000002,2023-24,detentions,total,1,PPP,N"])
    report = ingest_source(con, landing, source=SOURCE, key=KEY, key_id=KEY_ID)

    by_path = {f.path: f for f in report.files}
    good = by_path[f"{SOURCE}/national/2023-24/ppp-2024-10.csv"]
    assert (good.status, good.rows_read, good.rows_loaded, good.rows_rejected) == ("loaded", 10, 4, 6)
    wrong = by_path[f"{SOURCE}/E23000002/2023-24/force-folder.csv"]
    assert wrong.status == "rejected_file" and "should be 'national'" in wrong.message

    rows = con.execute(
        "select row_number, force_code, financial_year, measure, category, count, source_release, is_revised, "
        "person_token from raw.adr125_published order by row_number"
    ).fetchall()
    assert rows == [
        (1, "E23000002", "2023-24", "detentions", "total", 412, "PPP Oct 2024", False, None),
        (2, "E23000002", "2023-24", "transport_method", "police_vehicle", 200, "PPP Oct 2024", None, None),
        (3, "BTP", "2023-24", "sex", "M", 7, "PPP Oct 2024", True, None),
        (4, "national", "2023-24", "detentions", "total", 31213, "PPP Oct 2024", False, None),
    ]
    rejects = con.execute(
        "select row_number, field, reason from raw.rejected_rows where row_number is not null order by all"
    ).fetchall()
    fields = {(r, f) for r, f, _ in rejects}
    assert fields == {
        (5, "force_code"),
        (6, "measure"),
        (7, "category"),
        (8, "count"),
        (8, ID),  # the same count (force, year, measure, category) as row 1: one release publishes it once
        (9, "count"),
        (9, "source_release"),
        (9, ID),
        (10, "financial_year"),
        (10, "is_revised"),
    }
    reasons = {(r, f): reason for r, f, reason in rejects}
    assert "'E23000002|2023-24|detentions|total' is repeated in this file; first seen at row 1" in reasons[(8, ID)]
    assert "'helicopter' is not an allowed code" in reasons[(7, "category")]
    assert "outside the allowed range 0 to 1000000" in reasons[(8, "count")]
    assert "'twelve' is not a whole number" in reasons[(9, "count")]
    assert reasons[(9, "source_release")] == "source_release: is missing; a value is required"
    assert "'maybe' is not a yes/no value" in reasons[(10, "is_revised")]


def test_later_release_supersedes_the_earlier(tmp_path, con):
    landing = tmp_path / "landing"
    _write(landing, "national", "2023-24", "a_ppp-2024-10.csv", ["BTP,2023-24,detentions,total,400,PPP Oct 2024,N"])
    ingest_source(con, landing, source=SOURCE, key=KEY, key_id=KEY_ID)
    _write(landing, "national", "2023-24", "b_ppp-2025-10.csv", ["BTP,2023-24,detentions,total,404,PPP Oct 2025,Y"])
    ingest_source(con, landing, source=SOURCE, key=KEY, key_id=KEY_ID)
    ledger = con.execute(
        "select file_path, status from raw.load_ledger where source = ? order by loaded_at", [SOURCE]
    ).fetchall()
    assert [s for _, s in ledger] == ["superseded", "loaded"]
    assert con.execute("select count(*) from raw.adr125_published").fetchone()[0] == 2  # both kept in raw


def test_landing_asset_and_reconciliation_check(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.assets.ingestion import LANDING_SOURCES, landing_asset
    from orchestration.assets.ingestion_checks import reconciliation_check
    from orchestration.resources import WarehouseResource

    assert SOURCE in LANDING_SOURCES
    landing = tmp_path / "landing"
    _write(landing, "national", "2023-24", "p.csv", ["BTP,2023-24,detentions,total,400,PPP Oct 2024,N", "BTP,x"])
    monkeypatch.setenv("MHW_LANDING_DIR", str(landing))
    monkeypatch.setenv("MHW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MHW_PSEUDONYMISATION_KEY", "test-key-not-secret")
    asset = landing_asset(SOURCE, LANDING_SOURCES[SOURCE])
    result = dg.materialize([asset, reconciliation_check(SOURCE)], resources={"warehouse": WarehouseResource()})
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.asset_key == dg.AssetKey(["raw", SOURCE])
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    assert (meta["rows_read"], meta["rows_loaded"], meta["rows_rejected"]) == (2, 1, 1)  # the short row is refused
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == f"{SOURCE}_reconciliation" and check.passed


# ---------------------------------------------------------------------------------------------------------------
# the synthetic published sample


COUNTED = {"detentions", "transport_method", "first_place_of_safety", "age_group", "police_station_reason"}


def _independent_counts(landing: Path) -> dict[tuple[str, str, str, str], int]:
    """A few items counted straight from the loaded s136 rows with SQL (not through count_return_items)."""
    db = duckdb.connect()
    ingest_source(db, landing, source="s136", key=KEY, key_id=KEY_ID)
    sql = """
    select force_code, '2023-24', 'detentions', 'total', count(*) from raw.s136 where power = 's136' group by all
    union all select force_code, '2023-24', 'power', 's135', count(*) from raw.s136 where power <> 's136' group by all
    union all select force_code, '2023-24', 'transport_method', coalesce(transport_method, 'not_known'), count(*)
        from raw.s136 where power = 's136' group by all
    union all select force_code, '2023-24', 'first_place_of_safety', coalesce(first_place_of_safety, 'not_known'),
        count(*) from raw.s136 where power = 's136' group by all
    union all select force_code, '2023-24', 'age_group', case when age < 18 then 'under_18' else '18_plus' end,
        count(*) from raw.s136 where power = 's136' group by all
    union all select force_code, '2023-24', 'police_station_reason', coalesce(police_station_reason, 'not_known'),
        count(*) from raw.s136 where power = 's136' and first_place_of_safety = 'police_station' group by all
    """
    out = {tuple(r[:4]): r[4] for r in db.execute(sql).fetchall()}
    db.close()
    return out


def _published(path: Path) -> dict[tuple[str, str, str, str], int]:
    frame = pl.read_csv(path, infer_schema=False)
    return {tuple(r[:4]): int(r[4]) for r in frame.select(HEADER.split(",")[:5]).iter_rows()}


@pytest.fixture(scope="module")
def sample_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("adr125") / "landing"
    assert generate_s136(landing, seed=11, years=("2023-24",), forces=FORCES) == 3
    sample = generate_adr125_published(landing, seed=11)
    return landing, sample


def test_derived_counts_equal_the_records_except_where_planted(sample_landing):
    landing, sample = sample_landing
    first, revised_file = sample.files
    assert first.name == f"{SOURCE}_2023-24_ppp-2024-10.csv" and revised_file.name.endswith("ppp-2025-10.csv")
    # three distinct forces carry the three plants
    (d_force, _), (m_force, _), (r_force, r_fy, r_first, r_second) = sample.differs, sample.missing, sample.revised
    assert {d_force, m_force, r_force} == set(FORCES) and r_fy == "2023-24"
    assert (
        (r_first, r_second)
        == (release_of("2023-24")[0], release_of("2023-24", 1)[0])
        == (
            "PPP Oct 2024",
            "PPP Oct 2025",
        )
    )

    records = _independent_counts(landing)
    for path, planted in ((first, sample.revisions), (revised_file, {})):
        published = _published(path)
        assert not any(k[0] == m_force for k in published)  # the missing force-year
        checked = 0
        for key, value in published.items():
            if key[0] == "national" or not (key[2] in COUNTED or key[2:] == ("power", "s135")):
                continue
            expected = records.get(key, 0)
            if key in sample.differences:
                assert (expected, value) == sample.differences[key]
            elif key in planted:
                assert (value, expected) == planted[key]
            else:
                assert value == expected, key
            checked += 1
        assert checked == 2 * 19  # two published forces x the items counted above
        # national rows are the sum of the published forces
        total = sum(v for k, v in published.items() if k[0] != "national" and k[2:] == ("detentions", "total"))
        assert published[("national", "2023-24", "detentions", "total")] == total

    # the planted differences are a few records, in the direction described
    d_total = sample.differences[(d_force, "2023-24", "detentions", "total")]
    assert 2 <= d_total[1] - d_total[0] <= 5  # HO counted a few records twice
    r_total = sample.revisions[(r_force, "2023-24", "detentions", "total")]
    assert 4 <= r_total[1] - r_total[0] <= 9  # first published short of a few late records
    # every item of the return is published for every published force
    first_keys = _published(first)
    n_items = sum(len(cats) for _, _, cats in ITEMS)
    for force in set(FORCES) - {m_force}:
        assert sum(1 for k in first_keys if k[0] == force) == n_items


def test_revised_release_marks_the_changed_figures(sample_landing):
    _, sample = sample_landing
    frame = pl.read_csv(sample.files[1], infer_schema=False)
    flagged = frame.filter(pl.col("is_revised") == "Y")
    force = sample.revised[0]
    assert set(flagged.filter(pl.col("force_code") != "national").select("measure", "category").iter_rows()) == {
        k[2:] for k in sample.revisions
    }
    assert set(flagged["force_code"].unique()) == {force, "national"}
    assert set(frame["source_release"].unique()) == {"PPP Oct 2025"}


def test_sample_is_deterministic_by_seed(tmp_path, sample_landing):
    landing, sample = sample_landing
    copy = tmp_path / "copy"
    generate_s136(copy, seed=11, years=("2023-24",), forces=FORCES)
    again = generate_adr125_published(copy, seed=11)
    assert [p.read_bytes() for p in again.files] == [p.read_bytes() for p in sample.files]
    other = generate_adr125_published(tmp_path / "other", seed=12, years=("2023-24",), from_landing=False)
    assert other.files and not (tmp_path / "other" / "s136").exists()  # only the published files are written


def test_count_return_items_rules():
    records = pl.DataFrame(
        {
            "force_code": ["BTP"] * 5,
            "fy_label": ["2024-25"] * 5,
            "power": ["s136", "s136", "s136", "s135(1)", "s136"],
            "transport_method": ["police_vehicle", "police_vehicle", None, "ambulance", "ambulance"],
            "police_vehicle_reason": ["amb_diverted", None, None, None, None],
            "first_pos_type": ["police_station", "hbpos", None, "hbpos", "police_station"],
            "police_station_reason": [None, None, None, None, "regs2017_conditions_met"],
            "arrested_for_offence": [True, False, None, None, None],
            "age_years": [17, 40, 18, 30, 50],
            "sex_code": ["M", "F", "U", "M", "X"],
            "ethnicity_sde_code": ["B1", "NS", None, "W1", "O2"],
        }
    )
    counts = {(m, c): n for _, _, m, c, n in count_return_items(records).iter_rows()}
    assert counts[("detentions", "total")] == 4
    assert (counts[("power", "s136")], counts[("power", "s135")]) == (4, 1)
    assert counts[("transport_method", "not_known")] == 1 and counts[("transport_method", "ambulance")] == 1
    assert counts[("police_vehicle_reason", "amb_diverted")] == 1
    assert counts[("police_vehicle_reason", "not_known")] == 1
    assert counts[("first_place_of_safety", "not_known")] == 1
    assert counts[("police_station_reason", "not_known")] == 1
    assert counts[("police_station_reason", "regs2017_conditions_met")] == 1
    assert (counts[("arrested_for_offence", "yes")], counts[("arrested_for_offence", "not_known")]) == (1, 1)
    assert (counts[("age_group", "under_18")], counts[("age_group", "18_plus")]) == (1, 3)
    assert (counts[("ethnicity_broad", "black")], counts[("ethnicity_broad", "not_stated")]) == (1, 2)
    assert counts[("ethnicity_broad", "other")] == 1
    # zeros are listed: every item of the return appears once
    assert len(counts) == item_catalogue().height
    for measure in ("transport_method", "first_place_of_safety", "age_group", "sex", "ethnicity_broad"):
        assert sum(n for (m, _), n in counts.items() if m == measure) == counts[("detentions", "total")]


# ---------------------------------------------------------------------------------------------------------------
# export


@pytest.fixture
def tiny_warehouse(tmp_path):
    """marts.fct_s136_detentions / dim_force and a ledger with a nil return, without dbt."""
    path = tmp_path / "warehouse.duckdb"
    records = pl.DataFrame(
        {
            "force_code": ["E23000002", "E23000002", "E23000002", "BTP", "E23000002"],
            "fy_label": ["2024-25", "2024-25", "2024-25", "2024-25", "2023-24"],
            "power": ["s136", "s136", "s135(2)", "s136", "s136"],
            "transport_method": ["ambulance", "police_vehicle", None, "ambulance", "ambulance"],
            "police_vehicle_reason": [None, "amb_not_within_30", None, None, None],
            "first_pos_type": ["hbpos", "ae", "hbpos", "police_station", "hbpos"],
            "police_station_reason": [None, None, None, "regs2017_conditions_met", None],
            "arrested_for_offence": [False, False, False, True, False],
            "age_years": [30, 16, 40, 22, 35],
            "sex_code": ["M", "F", "M", "M", "F"],
            "ethnicity_sde_code": ["W1", "B2", "A1", None, "W1"],
        }
    )
    with duckdb.connect(str(path)) as db:
        ensure_raw_schema(db)
        db.execute("create schema marts")
        db.register("r", records.to_arrow())
        db.execute("create table marts.fct_s136_detentions as select *, 'x' as person_token from r")
        db.execute(
            "create table marts.dim_force as select * from (values ('E23000002', 'Cumbria'), ('BTP', "
            "'British Transport Police'), ('E23000004', 'Merseyside')) t(force_code, force_name)"
        )
        db.execute(
            "insert into raw.load_ledger (load_id, source, force_code, period, file_path, sha256, loaded_at, "
            "rows_read, rows_loaded, rows_rejected, status) values "
            "('nil', 's136', 'E23000004', '2024-07', 'nil.csv', 'x', now(), 0, 0, 0, 'loaded')"
        )
    return path


def test_export_writes_one_file_per_force_and_a_combined_file(tiny_warehouse, tmp_path):
    out = tmp_path / "out"
    result = export_adr125(tiny_warehouse, "2024-25", out)
    assert sorted(p.name for p in result.force_files) == [
        "adr125_2024-25_BTP.csv",
        "adr125_2024-25_E23000002.csv",
        "adr125_2024-25_E23000004.csv",  # the nil return: every item 0
    ]
    assert (result.forces, result.detentions) == (3, 3)
    combined = pl.read_csv(result.combined_file)
    n_items = item_catalogue().height
    assert combined.height == 3 * n_items
    assert combined.columns == [
        "force_code",
        "force_name",
        "financial_year",
        "measure",
        "measure_label",
        "category",
        "category_label",
        "count",
    ]
    cumbria = pl.read_csv(out / "adr125_2024-25_E23000002.csv")
    got = {(m, c): n for m, c, n in cumbria.select("measure", "category", "count").iter_rows()}
    assert got[("detentions", "total")] == 2  # the 2023-24 record and the s135 are not in it
    assert (got[("power", "s136")], got[("power", "s135")]) == (2, 1)
    assert got[("police_vehicle_reason", "amb_not_within_30")] == 1
    assert (got[("age_group", "under_18")], got[("ethnicity_broad", "black")]) == (1, 1)
    assert cumbria["force_name"].unique().to_list() == ["Cumbria"]
    assert cumbria["measure"].head(1).item() == "detentions"  # the return's order
    nil = pl.read_csv(out / "adr125_2024-25_E23000004.csv")
    assert nil.height == n_items and nil["count"].sum() == 0
    btp = pl.read_csv(out / "adr125_2024-25_BTP.csv")
    row = btp.filter((pl.col("measure") == "arrested_for_offence") & (pl.col("category") == "yes"))
    assert row["count"].item() == 1 and row["category_label"].item() == "Yes"


def test_export_errors_are_plain(tiny_warehouse, tmp_path):
    with pytest.raises(ExportError, match=r"no s136 records for 2019-20 .*years with data: 2023-24, 2024-25"):
        export_adr125(tiny_warehouse, "2019-20", tmp_path / "o")
    with pytest.raises(ExportError, match="not a financial year"):
        export_adr125(tiny_warehouse, "2024-05", tmp_path / "o")
    with pytest.raises(ExportError, match="no warehouse"):
        export_adr125(tmp_path / "missing.duckdb", "2024-25", tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_export_cli(tiny_warehouse, tmp_path, monkeypatch):
    from mhw.cli import app

    monkeypatch.setenv("MHW_WAREHOUSE", str(tiny_warehouse))
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    done = runner.invoke(app, ["export", "adr125", "--year", "2024-25", "--out", str(tmp_path / "cli")])
    assert done.exit_code == 0, done.output
    assert "3 force(s)" in done.output and (tmp_path / "cli" / "adr125_2024-25_all_forces.csv").exists()
    done = runner.invoke(app, ["export", "adr125", "--year", "2024-25"])  # default folder under MHW_HOME
    assert done.exit_code == 0 and (tmp_path / "home" / "exports" / "adr125" / "2024-25").is_dir()
    failed = runner.invoke(app, ["export", "adr125", "--year", "2030-31"])
    assert failed.exit_code == 2 and "no s136 records for 2030-31" in failed.output


# ---------------------------------------------------------------------------------------------------------------
# integration: s136 + published sample -> ingestion -> dbt -> mart_adr125_return


def _run_dbt(args: list[str], warehouse: Path, tmp: Path) -> subprocess.CompletedProcess:
    return run_dbt(args, tmp, warehouse=warehouse)


_rows = rows


@pytest.mark.slow
def test_reconciliation_mart_shows_exactly_the_planted_differences(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    generate_s136(landing, seed=5, years=("2024-25",), forces=FORCES)
    sample = generate_adr125_published(landing, seed=5)
    with duckdb.connect(str(warehouse)) as db:
        ensure_raw_schema(db)
        s136 = ingest_source(db, landing, source="s136", key=KEY, key_id=KEY_ID)
        published = ingest_source(db, landing, source=SOURCE, key=KEY, key_id=KEY_ID)
    assert s136.count("loaded") == 3 and published.count("loaded") == 2 and published.rows_rejected == 0
    _run_dbt(
        [
            "build",
            "--select",
            "+mart_adr125_return",
            "+mart_adr125_return_national",
            "--indirect-selection",
            "cautious",
        ],
        warehouse,
        tmp_path,
    )

    d_force, fy = sample.differs
    m_force, _ = sample.missing
    r_force, _, first_release, revised_release = sample.revised
    records = count_return_items(record_frame(landing))
    truth = {tuple(r[:4]): r[4] for r in records.iter_rows()}
    with duckdb.connect(str(warehouse), read_only=True) as db:
        mart = _rows(db, "select * from marts.mart_adr125_return")
        exact = _rows(db, "select * from intermediate.int_adr125_return_exact")
        national = _rows(db, "select * from marts.mart_adr125_return_national")
        items = db.execute(
            "select distinct measure, measure_label, category, category_label, item_order "
            "from intermediate.int_adr125_return_exact order by item_order"
        ).fetchall()

    # the dbt item catalogue is the Python one, and every record count is what the return definition gives
    assert items == list(item_catalogue().select("measure", "measure_label", "category", "category_label",
                                                 "item_order").iter_rows())  # fmt: skip
    n_items = len(items)
    assert len(mart) == len(exact) == 3 * n_items
    for row in exact:
        assert row["record_count"] == truth[(row["force_code"], row["fy_label"], row["measure"], row["category"])]

    # exactly the planted differences, nothing else
    not_matching = {
        (r["force_code"], r["fy_label"], r["measure"], r["category"]): r["status"]
        for r in mart
        if r["status"] != "match"
    }
    expected = {k: "differs" for k in sample.differences}
    expected |= {(m_force, fy, m, c): "record_only" for m, _, c, _, _ in items}
    assert not_matching == expected
    exact_diffs = {
        (r["force_code"], r["fy_label"], r["measure"], r["category"]): (r["record_count"], r["published_count"])
        for r in exact
        if r["difference"] not in (0, None)
    }
    assert exact_diffs == sample.differences
    revised = {
        (r["force_code"], r["fy_label"], r["measure"], r["category"]): (
            r["first_published_count"],
            r["published_count"],
        )
        for r in mart
        if r["is_revised_since_first"]
    }
    assert revised == sample.revisions
    for r in mart:
        # one year: the revising release republishes every force, so it is the current release of all of them
        releases = (None, None) if r["force_code"] == m_force else (revised_release, first_release)
        assert (r["published_release"], r["first_release"]) == releases
        # disclosure control on what comes from the records
        if r["record_count"] is not None:
            assert r["record_count"] % 5 == 0 and r["record_count_sdc_flag"] in ("none", "rounded5")
        else:
            assert r["record_count_sdc_flag"] == "suppressed_1_7"
        if r["difference"] is not None:
            assert r["difference"] % 5 == 0

    # national: exact record totals against the E&W rows of the current release
    total = next(r for r in national if (r["measure"], r["category"]) == ("detentions", "total"))
    records_total = sum(truth[(f, fy, "detentions", "total")] for f in FORCES)
    published_total = (
        records_total
        - truth[(m_force, fy, "detentions", "total")]
        + (sample.differences[(d_force, fy, "detentions", "total")][1] - truth[(d_force, fy, "detentions", "total")])
    )
    assert (total["record_count"], total["published_count"], total["published_forces_sum"]) == (
        records_total,
        published_total,
        published_total,
    )
    assert total["status"] == "differs" and total["published_release"] == revised_release
    assert (total["forces_with_records"], total["forces_published"]) == (3, 2)
    assert (total["forces_match"], total["forces_differ"], total["forces_record_only"]) == (1, 1, 1)
    assert len(national) == n_items

    # Dagster: the dbt staging model hangs off the landing asset raw/adr125_published
    manifest = json.loads((tmp_path / "dbt_target" / "manifest.json").read_text())
    meta = manifest["sources"][f"source.mhw.raw.{SOURCE}"]["config"]["meta"]
    assert meta["dagster"]["asset_key"] == ["raw", SOURCE]
