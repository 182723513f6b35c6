"""Synthetic force extracts (incidents, incident_totals, custody, street_triage) and their link to s136."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from demo.force_extracts import (
    CUSTODY_PER_YEAR,
    MH_INCIDENTS_PER_YEAR,
    SOURCES,
    generate_national,
    national_parameters,
    parse_months,
)
from ingestion.gate.contract import load_contract
from ingestion.gate.load import ingest_source
from ingestion.gate.read import read_table, to_canonical
from ingestion.gate.validate import validate_rows
from tests.ingestion.helpers import KEY, KEY_ID

ROOT = Path(__file__).resolve().parents[2]
SEED, MONTHS, YEARS = 3, "2023-10:2023-11", ("2023-24",)
NOW = datetime(2026, 1, 1)


def _forces() -> tuple[str, ...]:
    """Met (RCRP from Nov 2023), an XLSX force, a Windows-1252 name/dob force, a Welsh force, a triage force."""
    triage = next(iter(national_parameters(SEED, parse_months(MONTHS)).schemes))
    return tuple(dict.fromkeys(("E23000001", "E23000005", "E23000014", "W15000002", triage)))


def _digest(root, forces=None) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and (forces is None or p.relative_to(root).parts[1] in forces)
    }


def test_parse_months():
    assert parse_months("2023-11:2024-02") == ("2023-11", "2023-12", "2024-01", "2024-02")
    assert parse_months("2024-05") == ("2024-05",)
    with pytest.raises(ValueError, match="not a month"):
        parse_months("2024-13:2025-01")
    with pytest.raises(ValueError, match="ends before"):
        parse_months("2025-01:2024-01")


def test_national_parameters_calibrated():
    nat = national_parameters(42, parse_months("2023-04:2025-03"))
    assert len(nat.forces) == 44
    assert nat.mh_annual.sum() == pytest.approx(MH_INCIDENTS_PER_YEAR)  # 54 an hour
    national_share = nat.mh_annual.sum() / (nat.mh_annual / nat.mh_share).sum()
    assert national_share == pytest.approx(0.051, abs=0.002)
    assert nat.mh_share.min() >= 0.03 and nat.mh_share.max() <= 0.11
    assert nat.custody_annual.sum() == pytest.approx(CUSTODY_PER_YEAR)
    assert 11 <= len(nat.schemes) <= 17  # about a third of forces run street triage
    assert nat.go_live["E23000012"] == datetime(2020, 6, 1) and nat.go_live["E23000001"] == datetime(2023, 11, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A few forces, two months, generated once with dirt and bad files, then loaded into a warehouse."""
    root = tmp_path_factory.mktemp("demand")
    landing = root / "landing"
    report = generate_national(
        landing,
        seed=SEED,
        years=YEARS,
        months=MONTHS,
        dirt=0.01,
        bad_files=120,
        forces=_forces(),
        progress=False,
        now=NOW,
    )
    con = duckdb.connect(str(root / "w.duckdb"))
    reports = {
        s: ingest_source(con, landing, s, KEY, KEY_ID, now=NOW) for s in ("s136", *SOURCES) if s != "incident_totals"
    }
    yield landing, report, reports, con
    con.close()


def test_files_in_each_forces_layout(demo):
    landing, report, reports, con = demo
    assert set(report.files) == {*SOURCES, "s136"} and report.files["street_triage"] >= 1
    for source in SOURCES:
        contract = load_contract(source)
        for force in _forces():
            for month in parse_months(MONTHS):
                files = [p for p in (landing / source / force / month).glob("*") if "-resend-" not in p.name]
                if source == "street_triage" and not files:
                    continue
                layout = contract.delivery_layout(force)
                assert [p.suffix for p in files] == [f".{layout.file_format}"], (source, force, month)
    layouts = dict(
        con.execute(
            "select distinct force_code || source, layout from raw.load_ledger where status='loaded'"
        ).fetchall()
    )
    for source in ("incidents", "custody"):
        for force in _forces():
            assert layouts[force + source] == load_contract(source).delivery_layout(force).name


def test_same_seed_same_files_and_forces_subset_matches_full_run(demo, tmp_path):
    landing, *_ = demo
    two = _forces()[1:3]
    generate_national(
        tmp_path / "a",
        seed=SEED,
        years=YEARS,
        months=MONTHS,
        dirt=0.01,
        bad_files=120,
        forces=two,
        progress=False,
        now=NOW,
    )
    assert _digest(tmp_path / "a") == _digest(landing, two)
    generate_national(
        tmp_path / "b", seed=SEED + 1, years=YEARS, months=MONTHS, forces=two[:1], progress=False, now=NOW
    )
    assert _digest(tmp_path / "b") != _digest(landing, two[:1])


def test_bad_files_rejected_and_good_files_still_load(demo):
    landing, report, reports, _ = demo
    assert report.bad_files
    kinds = {p.rsplit("-resend-", 1)[1] for p in report.bad_files}
    assert len(kinds) >= 3 and kinds <= {"wrong-header.csv", "empty.csv", "truncated.csv", "utf16.csv"}
    for source, rep in reports.items():
        by_path = {f.path: f for f in rep.files}
        for path in (p for p in report.bad_files if f"/{source}/" in p):
            rel = path.split("/landing/", 1)[1]
            assert by_path[rel].status == "rejected_file", (rel, by_path[rel].message)
            good = [f for f in by_path.values() if f.path.startswith(rel.split("-resend-")[0] + ".")]
            assert good and good[0].status == "loaded"
            assert rel < good[0].path  # a bad re-send sorts (and loads) before the good file, never after it


def test_rejected_rows_are_the_planted_dirt(demo):
    _, report, reports, con = demo
    for source in ("incidents", "custody"):
        loaded = [f for f in reports[source].files if f.status == "loaded"]
        rate = sum(f.rows_rejected for f in loaded) / sum(f.rows_read for f in loaded)
        assert 0.004 < rate < 0.02, reports[source].summary()
    fields = {
        r[0]
        for r in con.execute("select distinct field from raw.rejected_rows where row_number is not null").fetchall()
    }
    person_fields = {"person_id", "person_name", "person_dob"}
    assert not fields & person_fields  # every planted identifier is valid: only the planted faults are rejected
    reasons = " ".join(r[0] for r in con.execute("select reason from raw.rejected_rows").fetchall())
    for words in (
        "is not a date-time",
        "is repeated in this file",
        "is already loaded for this force",
        "is in the future",
        "is before",
        "is not an allowed code",
        "is missing",
        "outside the allowed range",
    ):
        assert words in reasons, words


def test_incident_totals_validate_and_give_the_mh_share(demo):
    landing, *_ = demo
    contract = load_contract("incident_totals")
    totals = mh = 0
    for path in sorted((landing / "incident_totals").rglob("*")):
        if not path.is_file() or "-resend-" in path.name:
            continue
        force, month = path.parts[-3], path.parts[-2]
        canonical, layout, unread = to_canonical(read_table(path, contract.encodings_for(force)), contract, force)
        assert unread == (), f"{path}: the demo writes only columns its layout reads"
        checked = validate_rows(canonical, contract, layout, force_code=force, period=month, now=NOW)
        totals += checked.good["all_incidents"].sum()
        mh += read_table(next((landing / "incidents" / force / month).glob("*[0-9].*")), ("utf-8", "cp1252")).height
    assert 0.03 < mh / totals < 0.11


def test_s136_detentions_link_to_their_originating_incident(demo):
    *_, con = demo
    linked = con.execute(
        """select s.force_code, s.detained_at, i.created_at, i.outcome, i.deployed, s.person_token,
                  i.person_token as incident_token
           from raw.s136 s join raw.incidents i using (force_code, incident_id)"""
    ).pl()
    n_with_id = con.execute("select count(incident_id) from raw.s136 where detained_at >= '2023-10-03'").fetchone()[0]
    assert linked.height > 0.9 * n_with_id * 0.95  # a few originating incidents carry no MH qualifier (not in file)
    assert (linked["outcome"] == "s136").all() and linked["deployed"].all()
    assert (linked["created_at"] <= linked["detained_at"]).all()
    # the same person (token) on both, except where the incident system records name and date of birth only
    by_id = [f for f in _forces() if "person_id" not in load_contract("incidents").delivery_layout(f).omits]
    same = linked.filter(pl.col("force_code").is_in(by_id) & pl.col("person_token").is_not_null())
    assert same.height and (same["person_token"] == same["incident_token"]).mean() > 0.97


def test_incident_shape(demo):
    *_, con = demo
    df = con.execute("select * from raw.incidents").pl()
    assert (df["mh_flag_opening"] | df["mh_flag_closing"]).all()
    assert (df["mh_flag_opening"] & ~df["mh_flag_closing"]).mean() == pytest.approx(0.15, abs=0.03)
    assert 0.58 < df["person_token"].is_not_null().mean() < 0.8
    s136 = df.filter(pl.col("outcome") == "s136")["officer_minutes"]
    assert s136.median() == pytest.approx(360, rel=0.1) and s136.quantile(0.9) == pytest.approx(600, rel=0.15)
    other = df.filter(pl.col("deployed") & (pl.col("outcome") != "s136"))["officer_minutes"]
    assert other.mean() == pytest.approx(342, rel=0.12)  # 5.7 officer hours per deployment
    met = df.filter(pl.col("force_code") == "E23000001").with_columns(
        post=pl.col("created_at") >= datetime(2023, 11, 1)
    )
    share = dict(met.group_by("post").agg(pl.col("deployed").mean()).iter_rows())
    assert share[True] / share[False] == pytest.approx(0.71, abs=0.08)  # RCRP step at go-live
    decisions = set(met.filter("post")["rcrp_decision"].drop_nulls())
    assert decisions == {"attend", "not_attend", "handover_health"}
    assert set(met.filter(~pl.col("post"))["rcrp_decision"].drop_nulls()) <= {"not_applicable"}
    per_person = df.drop_nulls("person_token").group_by("person_token").len()["len"]
    assert per_person.max() > 50 and (per_person == 1).mean() > 0.3  # a heavy tail and many one-off people


def test_custody_shape_and_people_shared_with_incidents(demo):
    *_, con = demo
    df = con.execute("select * from raw.custody").pl()
    assert df["mh_risk_identified"].mean() == pytest.approx(0.33, abs=0.03)
    assert (df["age"] < 18).mean() == pytest.approx(0.064, abs=0.015)
    mh = df.filter(pl.col("mh_risk_identified"))
    assert mh["lnd_referred_at"].is_not_null().mean() == pytest.approx(0.6, abs=0.05)
    assert (df["released_at"] >= df["arrived_at"]).all()
    assert ((df["outcome"] == "oocd") == df["oocd_type"].is_not_null()).all()
    shared = con.execute(
        "select count(distinct c.person_token) from raw.custody c join raw.incidents i using (force_code, person_token)"
    ).fetchone()[0]
    assert shared > 50


def test_street_triage_links_to_incidents(demo):
    *_, con = demo
    rows = con.execute(
        """select t.outcome, i.outcome as incident_outcome from raw.street_triage t
           left join raw.incidents i using (force_code, incident_id) where t.incident_id is not null"""
    ).pl()
    total = con.execute("select count(*) from raw.street_triage").fetchone()[0]
    assert rows.height > 0.6 * total
    matched = rows.drop_nulls("incident_outcome")
    assert matched.height > 0.9 * rows.height
    assert set(matched["incident_outcome"]) <= {"street_triage", "s136"}
    assert np.all(matched.filter(pl.col("incident_outcome") == "s136")["outcome"].to_numpy() == "s136")


def _repeat_share(landing, force: str) -> dict[int, float]:
    """{financial year: share of identified MH incidents whose person has 5 or more that year} (§5)."""
    contract = load_contract("incidents")
    paths = sorted((landing / "incidents" / force).rglob("*[0-9].*"))
    frames = [to_canonical(read_table(p, contract.encodings_for(force)), contract, force)[0] for p in paths]
    df = pl.concat(frames, how="diagonal_relaxed").select(
        pl.coalesce("person_id", pl.concat_str("person_name", "person_dob")).alias("who"),
        (pl.col("created_at").str.slice(0, 4).cast(pl.Int32) - (pl.col("created_at").str.slice(5, 2) < "04")).alias(
            "fy"
        ),
    )
    counts = df.drop_nulls("who").group_by("fy", "who").len()
    shares = counts.group_by("fy").agg(pl.col("len").filter(pl.col("len") >= 5).sum() / pl.col("len").sum())
    return dict(shares.iter_rows())


def test_repeat_contact_per_year_does_not_depend_on_the_window(tmp_path):
    """Calls per person are a year's, not the window's: a 1-year and a 3-year run agree on repeat contact."""
    force = "E23000037"
    for name, months in (("one", "2024-04:2025-03"), ("three", "2022-04:2025-03")):
        generate_national(
            tmp_path / name, seed=SEED, months=months, dirt=0, bad_files=0, forces=(force,), progress=False, now=NOW
        )
    one, three = _repeat_share(tmp_path / "one", force), _repeat_share(tmp_path / "three", force)
    assert set(one) == {2024} and set(three) == {2022, 2023, 2024}
    assert 0.2 < one[2024] < 0.7  # a heavy tail of repeat callers, and many people with few contacts
    assert three[2024] == pytest.approx(one[2024], abs=0.01)  # a month's people do not depend on the window
    assert max(three.values()) - min(three.values()) < 0.06  # and repeat contact is steady from year to year


_PEAK_RSS = """
import resource, sys, tempfile
from demo.force_extracts import generate_national
with tempfile.TemporaryDirectory() as landing:
    generate_national(landing, months=sys.argv[1], forces=("E23000001", "E23000005"), progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_memory_does_not_grow_with_the_window():
    """Peak RSS of generating the two largest forces for 1 and for 4 years: people are held only for the current
    month's pools, so a longer window costs time, not memory (it grew about 2x over 1 -> 4 years before)."""

    def peak_kib(months: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, months], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return int(out.stdout.split()[-1])

    short, long = peak_kib("2024-04:2025-03"), peak_kib("2021-04:2025-03")
    assert long <= short * 1.15 + 5 * 1024, (short // 1024, long // 1024)
