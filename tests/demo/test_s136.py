"""Synthetic generator: deterministic by seed, national totals and shares near the published figures."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from demo.s136 import NATIONAL_TOTALS, force_counts, generate_s136, landing_is_empty
from ingestion.gate.load import ingest_source
from tests.ingestion.helpers import KEY, KEY_ID

FEW = ("E23000013", "W15000002", "BTP")


def _digest(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.csv")}


def test_deterministic_by_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert generate_s136(a, seed=7, years=("2022-23", "2023-24"), forces=FEW) == 6
    generate_s136(b, seed=7, years=("2022-23", "2023-24"), forces=FEW)
    generate_s136(c, seed=8, years=("2022-23", "2023-24"), forces=FEW)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert "s136/BTP/2023-24/s136_BTP_2023-24.csv" in _digest(a)


def test_force_counts_sum_to_national_totals_and_btp_share():
    forces, counts = force_counts(42, tuple(NATIONAL_TOTALS))
    assert len(forces) == 44
    for fy, total in NATIONAL_TOTALS.items():
        assert counts[fy].sum() == total
        assert 0.012 < counts[fy][forces.index("BTP")] / total < 0.018


def test_unknown_year_is_a_clear_error():
    with pytest.raises(ValueError, match="no calibrated national total for 2030-31"):
        force_counts(1, ("2030-31",))


def test_landing_is_empty(tmp_path):
    assert landing_is_empty(tmp_path / "missing")
    assert landing_is_empty(tmp_path)
    generate_s136(tmp_path, seed=1, years=("2023-24",), forces=("BTP",))
    assert not landing_is_empty(tmp_path)


@pytest.fixture(scope="module")
def year_2023(tmp_path_factory):
    """One full national year, generated and loaded once for the calibration tests."""
    import duckdb

    root = tmp_path_factory.mktemp("synth")
    assert generate_s136(root / "landing", seed=42, years=("2023-24",)) == 44
    con = duckdb.connect(str(root / "w.duckdb"))
    report = ingest_source(con, root / "landing", "s136", KEY, KEY_ID)
    df = con.execute("select * from raw.s136").pl()
    reasons = con.execute("select field from raw.rejected_rows").pl()
    con.close()
    return report, df, reasons


def test_national_total_within_one_percent(year_2023):
    report, df, _ = year_2023
    assert report.count("loaded") == 44 and report.count("rejected_file") == 0
    assert abs(report.rows_read - 31_213) / 31_213 < 0.01
    assert abs(df.height - 31_213) / 31_213 < 0.01


def test_planted_invalid_rows_are_rejected_for_the_planted_reasons(year_2023):
    report, _, reasons = year_2023
    assert 0 < report.rows_rejected < 0.003 * report.rows_read
    assert set(reasons["field"]) <= {"detained_at", "power", "sex", "age", "detention_ended_at"}


def test_shares_roughly_calibrated(year_2023):
    _, df, _ = year_2023
    share = lambda expr: df.select(expr.mean()).item()  # noqa: E731
    pos = pl.col("first_place_of_safety")
    known = df.filter(pos != "not_known").select(
        (pos == "ae").mean().alias("ae"), (pos == "police_station").mean().alias("ps"), (pos == "hbpos").mean()
    )
    ae, ps, hbpos = known.row(0)
    assert ae == pytest.approx(0.42, abs=0.02) and ps == pytest.approx(0.01, abs=0.004)
    assert hbpos == pytest.approx(0.55, abs=0.03)
    assert share(pl.col("transport_method") == "police_vehicle") == pytest.approx(0.51, abs=0.02)
    assert share(pl.col("transport_method") == "ambulance") == pytest.approx(0.35, abs=0.02)
    assert share(pl.col("sex") == "M") == pytest.approx(0.52, abs=0.015)
    assert share(pl.col("age") < 18) == pytest.approx(0.06, abs=0.01)
    stated = df.filter(pl.col("ethnicity_self_defined") != "NS")
    white = stated.select(pl.col("ethnicity_self_defined").str.starts_with("W").mean()).item()
    black = stated.select(pl.col("ethnicity_self_defined").str.starts_with("B").mean()).item()
    assert white == pytest.approx(0.79, abs=0.02) and 0.10 <= black <= 0.14
    assert share(pl.col("ethnicity_self_defined") == "NS") == pytest.approx(0.08, abs=0.01)
    hours = (pl.col("detention_ended_at") - pl.col("arrived_first_pos_at")).dt.total_minutes() / 60
    assert df.select(hours.median()).item() == pytest.approx(8, abs=0.75)
    assert 0.02 <= share(pl.col("extension_12h")) <= 0.05
    outcome = pl.col("outcome")
    assert share(outcome.is_in(["nfa", "community_referral"])) == pytest.approx(0.78, abs=0.02)
    # under-18s essentially never in a police station (at most a planted case or two in the whole dataset)
    assert df.filter((pl.col("age") < 18) & (pos == "police_station")).height <= 2


def test_person_ids_valid_and_repeat_people(year_2023):
    report, df, reasons = year_2023
    assert "person_id" not in set(reasons["field"])  # every generated NHS number passes Modulus 11
    per_person = df.filter(pl.col("person_token").is_not_null()).group_by("person_token").len()
    repeat = per_person.select((pl.col("len") > 1).mean()).item()
    assert 0.03 < repeat < 0.25  # within one year; about 15% over the whole series
