"""The s136 contract: canonical columns and codes as in docs/interfaces.md, layout recognition from the header."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingestion.gate.contract import load_contract, match_layout
from ingestion.gate.read import ROW_PROBLEM, read_table, to_canonical

from .helpers import FIXTURES

CANONICAL_HEADER = (FIXTURES / "s136_good.csv").read_text().splitlines()[0].split(",")


def test_contract_columns_and_codes_match_interfaces():
    contract = load_contract("s136")
    assert contract.required == ["detention_id", "force_code", "power", "detained_at", "age", "sex"]
    assert contract.column("power").codes == ("s136", "s135(1)", "s135(2)")
    assert len(contract.column("ethnicity_self_defined").codes) == 19
    assert contract.column("ethnicity_officer_defined").codes[-1] == "IC9"
    assert contract.column("person_id").is_person_identifier
    assert [c.name for c in contract.columns if c.is_person_identifier] == ["person_id"]
    assert contract.layouts[0].name == "canonical"


def test_canonical_header_recognised():
    match = match_layout(load_contract("s136"), CANONICAL_HEADER)
    assert match.layout.name == "canonical"
    assert not match.missing_required
    assert set(match.rename.values()) == set(CANONICAL_HEADER)


def test_header_matching_ignores_case_and_spaces():
    header = [f" {c.upper()} " for c in CANONICAL_HEADER]
    assert match_layout(load_contract("s136"), header).layout.name == "canonical"


def test_legacy_layout_recognised_and_mapped():
    contract = load_contract("s136")
    header = (FIXTURES / "s136_legacy.csv").read_text().splitlines()[0].split(",")
    match = match_layout(contract, header)
    assert match.layout.name == "legacy_dmy"
    assert match.rename["Detention Ref"] == "detention_id"
    assert match.rename["Gender"] == "sex"

    frame, layout, _ = to_canonical(read_table(FIXTURES / "s136_legacy.csv"), contract, "E23000005")
    assert layout.name == "legacy_dmy"
    assert frame.columns == ["row_number", *contract.names, ROW_PROBLEM]
    assert frame["detention_id"].to_list() == ["L-1", "L-2", "L-3"]
    assert frame["incident_id"].null_count() == 3  # absent optional column added as nulls


def test_missing_required_named():
    match = match_layout(load_contract("s136"), ["detention_id", "force_code", "detained_at", "age"])
    assert match.missing_required == ["power", "sex"]


def test_read_table_row_numbers_skip_header_and_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n3,4\n")
    df = read_table(path)
    assert df["row_number"].to_list() == [1, 3]
    assert df.schema["a"] == pl.String


def test_dbt_knows_the_sources_delivered_by_month_only():
    """dbt reads '2010-11' and '2011-12' as months for the sources in its var monthly_sources: the contracts whose
    `periods` is [month] (ingestion/gate/landing.py:period_kind reads them so)."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    contracts = sorted(p.stem for p in (root / "ingestion" / "contracts").glob("*.yml"))
    by_month = [s for s in contracts if load_contract(s).periods == ("month",)]
    project = yaml.safe_load((root / "dbt_project" / "dbt_project.yml").read_text())
    assert sorted(project["vars"]["monthly_sources"]) == by_month
