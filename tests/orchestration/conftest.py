"""Small canonical landing files of the monthly sources, written by the tests (no synthetic generator needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

INCIDENT_HEADER = "incident_id,force_code,created_at,mh_flag_opening,mh_flag_closing,deployed,grade,person_id"


def write_incidents(landing: Path, force: str, month: str, n: int = 12, name: str = "incidents.csv") -> Path:
    """n canonical incidents (ingestion/contracts/incidents.yml) of one force and month: landing/incidents/..."""
    folder = landing / "incidents" / force / month
    folder.mkdir(parents=True, exist_ok=True)
    rows = [INCIDENT_HEADER]
    for i in range(n):
        day = i % 28 + 1
        closing = "Y" if i % 3 else "N"
        rows.append(f"{force}-{month}-{i},{force},{month}-{day:02d}T10:{i % 60:02d},Y,{closing},Y,priority,P{i % 5}")
    path = folder / name
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="session")
def incidents_file():
    return write_incidents
