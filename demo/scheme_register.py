"""Synthetic scheme registers: each demo force's own record of the schemes the demo generator runs.

The demo plants Right Care, Right Person at the go-live dates of seeds/ref_rcrp_go_live.csv (deployments fall to
RCRP_DEPLOYED_FACTOR of before) and runs street triage schemes from their start months (no effect planted). A force
that has either writes its register as the landing source `scheme_register` expects it, under
landing/scheme_register/<force>/<last month>/, so the scheme evaluation looks where the demo planted its effects.
Dates the seed marks assumed_demo are delivered with date_basis 'assumed' (labelled so wherever they are used).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from demo.force_extracts import National, national_parameters, parse_months
from demo.layout_writer import format_values, write_file
from demo.s136 import _read_seed
from ingestion.gate.contract import load_contract

CONTROL_ROOM_MODELS = ("control_room", "telephone")  # the demo's triage models that sit in the control room


def register_rows(nat: National, force: str, first_month: str) -> list[dict]:
    """The force's schemes as register rows (typed), RCRP first."""
    rows = []
    seed = {r["force_code"]: r for r in _read_seed("ref_rcrp_go_live.csv")}
    if force in seed:
        r = seed[force]
        rows.append(
            {
                "scheme_id": f"{force}-RCRP",
                "scheme_type": "rcrp",
                "scheme_name": "Right Care, Right Person",
                "start_date": datetime.fromisoformat(r["go_live_date"]),
                "start_precision": "day",
                "date_basis": "published" if r["basis"] == "published" else "assumed",
                "note": r["note"],
            }
        )
    for scheme in nat.schemes.get(force, []):
        started_in_window = scheme.start > first_month
        rows.append(
            {
                "scheme_id": scheme.scheme_id,
                "scheme_type": "control_room_mh_practitioner"
                if scheme.model_type in CONTROL_ROOM_MODELS
                else "street_triage",
                "scheme_name": f"Mental health triage ({scheme.model_type.replace('_', ' ')})",
                "model_type": scheme.model_type,
                "start_date": datetime.fromisoformat(f"{scheme.start}-01") if started_in_window else None,
                "start_precision": "day" if started_in_window else None,
                "date_basis": "assumed",
                "note": "synthetic demo scheme"
                + ("" if started_in_window else "; running before the demo window (start not known)"),
            }
        )
    return [{"force_code": force, "model_type": None, **row} for row in rows]


def generate_scheme_registers(
    landing_dir: Path | str, seed: int, months: tuple[str, ...] | str, forces: tuple[str, ...] | None = None
) -> int:
    """One register file per demo force with a scheme, as at the window's last month; returns the files written."""
    months = parse_months(months) if isinstance(months, str) else tuple(months)
    nat = national_parameters(seed, months)
    contract = load_contract("scheme_register")
    layout = contract.layouts[0]
    written = 0
    for force in nat.forces:
        if forces is not None and force not in forces:
            continue
        rows = register_rows(nat, force, months[0])
        if not rows:
            continue
        typed = pl.DataFrame(rows, schema={c.name: _dtype(c.type) for c in contract.columns})
        stem = Path(landing_dir) / "scheme_register" / force / months[-1] / f"scheme_register_{force}"
        write_file(format_values(typed, contract, layout), contract, layout, stem)
        written += 1
    return written


def _dtype(column_type: str) -> pl.DataType:
    return pl.Datetime("us") if column_type == "timestamp" else pl.String()
