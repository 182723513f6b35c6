"""Layout writer: every layout of every contract round-trips through read_table + to_canonical + validate_rows."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from demo.layout_writer import format_values, write_file, written_columns
from ingestion.forces import known_force_codes
from ingestion.gate.contract import CONTRACTS_DIR, TEMPORAL, Contract, Layout, load_contract
from ingestion.gate.read import read_table, to_canonical
from ingestion.gate.validate import validate_rows

NOW = datetime(2030, 1, 1)
PERIOD = {"monthly": "2024-05", "annual": "2024-25"}
NAMES = ["Siân O'Neil", "Zoë Brown", "Łukasz Nowak", "Chloé Martin", "Seán Ó Briain"]


def _contracts() -> list[Contract]:
    return [
        load_contract(p.stem) for p in sorted(CONTRACTS_DIR.glob("*.yml")) if load_contract(p.stem).scope == "force"
    ]


def _cases() -> list[tuple[str, str]]:
    return [(c.source, lay.name) for c in _contracts() for lay in c.layouts]


def _force_for(contract: Contract, layout: Layout) -> str:
    """A force delivering the layout: one it names, or (canonical) a force with no layout of its own."""
    if layout.forces:
        return layout.forces[0]
    own = {f for lay in contract.layouts for f in lay.forces}
    return next(f for f in sorted(known_force_codes()) if f not in own)


def canonical_frame(contract: Contract, force: str, n: int = 12, cp1252: bool = False) -> pl.DataFrame:
    """n typed canonical rows with valid values for every column (minute precision, May 2024)."""
    if contract.id_field and contract.column(contract.id_field).type != "string":
        n = 1  # the id is the period itself (incident_totals: one row per month)
    rng = np.random.default_rng(1)
    start = datetime(2024, 5, 1, 0, 7)
    names = [nm.replace("Ł", "L") if cp1252 else nm for nm in NAMES]
    cols: dict[str, pl.Series] = {}
    for col in contract.columns:
        if col.name == "force_code":
            values = [force] * n
        elif col.name == contract.id_field and col.type == "string":
            values = [f"ID-{i:04d}" for i in range(n)]
        elif col.name == "person_id":
            values = [f"LOCAL-{i}" if i % 3 else None for i in range(n)]
        elif col.name == "person_name":
            values = [names[i % len(names)] for i in range(n)]
        elif col.name == "person_dob":
            values = [f"19{60 + i}-0{1 + i % 9}-1{i % 9}" for i in range(n)]
        elif col.type in TEMPORAL:
            base = [start + timedelta(days=i, hours=i % 5) for i in range(n)]
            if col.name == "month":
                base = [datetime(2024, 5, 1)] * n
            # later columns of a not_before rule come later
            offset = (
                list(contract.rules.get("not_before") or {}).index(col.name) + 1
                if col.name in (contract.rules.get("not_before") or {})
                else 0
            )
            values = [t + timedelta(minutes=90 * offset) for t in base]
            if "%H" not in contract.layouts[0].timestamp_formats[0]:  # a contract of dates: written as dates
                values = [t.replace(hour=0, minute=0) for t in values]
        elif col.type == "bool":
            values = [bool(i % 2) if i % 5 or col.required else None for i in range(n)]
        elif col.type == "code":
            values = [col.codes[i % len(col.codes)] for i in range(n)]
        elif col.type == "int":
            lo, hi = col.min or 0, min(col.max or 500, 500)
            values = rng.integers(lo, hi + 1, n).tolist()
        else:
            values = [f"text {i}, with comma" for i in range(n)]
        dtype = {"bool": pl.Boolean, "int": pl.Int64}.get(
            col.type, pl.Datetime("us") if col.type in TEMPORAL else pl.String
        )
        cols[col.name] = pl.Series(col.name, values, dtype=dtype)
    return pl.DataFrame(cols)


@pytest.mark.parametrize(("source", "layout_name"), _cases())
def test_round_trip_every_layout(tmp_path, source, layout_name):
    contract = load_contract(source)
    layout = contract.layout(layout_name)
    force = _force_for(contract, layout)
    period = PERIOD["annual" if source == "s136" else "monthly"]
    typed = canonical_frame(contract, force, cp1252=layout.encoding == "cp1252")
    path = write_file(format_values(typed, contract, layout), contract, layout, tmp_path / force / f"{source}_x")
    assert path.suffix == f".{layout.file_format}"
    table = read_table(path, contract.encodings_for(force))
    canonical, matched, unread = to_canonical(table, contract, force)
    assert matched.name == layout.name and unread == (), "every column the layout writes is read"
    checked = validate_rows(canonical, contract, matched, force_code=force, period=period, now=NOW)
    assert checked.rejects.height == 0, checked.rejects.rows()[:5]
    kept = written_columns(contract, layout, typed.columns)
    assert checked.good.select(kept).equals(typed.select(kept)), (layout.name, checked.good.select(kept).head(3))


def test_cp1252_layouts_write_windows_1252_bytes(tmp_path):
    cases = [
        (c, lay) for c in _contracts() for lay in c.layouts if lay.encoding == "cp1252" and lay.file_format == "csv"
    ]
    assert cases, "the contracts have at least one Windows-1252 layout"
    for contract, layout in cases:
        force = _force_for(contract, layout)
        typed = canonical_frame(contract, force, cp1252=True)
        raw = write_file(
            format_values(typed, contract, layout), contract, layout, tmp_path / contract.source
        ).read_bytes()
        if "person_name" in written_columns(contract, layout, typed.columns):
            assert "Zoë".encode("cp1252") in raw
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        assert raw.startswith(
            ",".join(layout.header_of(n) for n in written_columns(contract, layout, typed.columns)).encode("cp1252")
        )


def test_formatting_follows_the_layout():
    contract = load_contract("s136")
    layout = contract.layout("legacy_dmy")
    typed = canonical_frame(contract, "E23000001", n=2)
    cells = format_values(typed, contract, layout)
    assert cells["detained_at"][0] == typed["detained_at"][0].strftime(layout.timestamp_formats[0])
    assert set(cells["sex"]) <= {"Male", "Female", "Other", "Unknown"}  # first local code per canonical code
    assert cells["extension_12h"][1] in {"YES", "NO", ""}
    assert "" in cells["person_id"].to_list() or cells["person_id"].null_count() == 0


def test_excel_serial_and_xlsx_are_deterministic(tmp_path):
    contract = load_contract("incidents")
    layouts = [lay for lay in contract.layouts if lay.file_format == "xlsx"]
    if not layouts:
        pytest.skip("no xlsx layout in the incidents contract")
    layout = layouts[0]
    typed = canonical_frame(contract, layout.forces[0])
    cells = format_values(typed, contract, layout)
    if layout.timestamp_formats[0] == "excel_serial":
        assert float(cells["created_at"][0]) == pytest.approx(45413.0048611, abs=1e-6)  # 2024-05-01 00:07
    a = write_file(cells, contract, layout, tmp_path / "a" / "x").read_bytes()
    b = write_file(cells, contract, layout, tmp_path / "b" / "x").read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
