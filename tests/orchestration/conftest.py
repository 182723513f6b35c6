"""Small canonical landing files of the monthly sources, written by the tests (no synthetic generator needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mhw.settings import DBT_PROJECT_DIR, PROJECT_ROOT

INCIDENT_HEADER = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing,deployed,grade,person_id"
CUSTODY_HEADER = "custody_id,force_code,arrived_at,released_at,mh_risk_identified,lnd_referred_at,outcome"
TRIAGE_HEADER = "contact_id,force_code,scheme_id,model_type,contact_at,response_minutes,outcome"
TRIAGE_OUTCOMES = ("informal_admission", "signpost", "cmht_referral", "nfa", "s136")


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    """DAGSTER_HOME (tmp_path/dagster_home) holding a copy of the project's dagster.yaml, as `make dev` makes it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def _write(landing: Path, source: str, force: str, month: str, name: str, header: str, rows: list[str]) -> Path:
    folder = landing / source / force / month
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def write_incidents(landing: Path, force: str, month: str, n: int = 12, name: str = "incidents.csv") -> Path:
    """n canonical incidents (ingestion/contracts/incidents.yml) of one force and month: landing/incidents/..."""
    rows = []
    for i in range(n):
        day = i % 28 + 1
        closing = "Y" if i % 3 else "N"
        rows.append(f"{force}-{month}-{i},{force},{month}-{day:02d}T10:{i % 60:02d},Y,{closing},Y,priority,P{i % 5}")
    return _write(landing, "incidents", force, month, name, INCIDENT_HEADER, rows)


def write_custody(landing: Path, force: str, month: str, n: int = 12) -> Path:
    """n canonical custody detentions: every third with an MH risk, every fifth referred to L&D."""
    rows = []
    for i in range(n):
        day = i % 28 + 1
        arrived = f"{month}-{day:02d}T20:{i % 60:02d}"
        referred = f"{month}-{day:02d}T22:00" if i % 5 == 0 else ""
        mh = "Y" if i % 3 == 0 else "N"
        rows.append(f"C-{force}-{month}-{i},{force},{arrived},{month}-{day:02d}T23:30,{mh},{referred},charge")
    return _write(landing, "custody", force, month, "custody.csv", CUSTODY_HEADER, rows)


def write_triage(landing: Path, force: str, month: str, n: int = 12) -> Path:
    """n canonical street triage contacts of one scheme, outcomes in turn."""
    rows = [
        f"T-{force}-{month}-{i},{force},S1,co_response,{month}-{i % 28 + 1:02d}T21:00,{10 + i},"
        f"{TRIAGE_OUTCOMES[i % len(TRIAGE_OUTCOMES)]}"
        for i in range(n)
    ]
    return _write(landing, "street_triage", force, month, "triage.csv", TRIAGE_HEADER, rows)


@pytest.fixture(scope="session")
def incidents_file():
    return write_incidents


@pytest.fixture(scope="module")
def defs():
    """The Dagster code location (it needs the dbt manifest: `make manifest`, which `make test` runs)."""
    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        pytest.skip("no dbt manifest: run `make manifest` (make test does) before these tests")
    from orchestration.definitions import defs

    return defs
