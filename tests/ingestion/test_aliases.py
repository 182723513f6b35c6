"""Force name matching through the alias table."""

import polars as pl
import pytest

from ingestion.national.aliases import UnmappedForceName, alias_table, map_force_names, normalise_name, resolve


def test_every_force_has_aliases_and_variants_agree():
    codes = {a.force_code for a in alias_table().values() if a.entity_type == "force"}
    assert len(codes) == 44
    for variant in ("Avon & Somerset", "Avon and Somerset Constabulary", "AVON AND SOMERSET"):
        assert resolve(variant).force_code == "E23000036"
    assert resolve("Metropolitan").force_code == resolve("Metropolitan Police Service").force_code == "E23000001"
    assert resolve("London, City of").force_code == "E23000034"
    assert resolve("London").entity_type == "region_or_group"
    assert resolve("West Midlands").force_code == "E23000014"
    assert resolve("West Midlands (region)").entity_type == "region_or_group"


def test_non_force_entities_are_kept_and_typed():
    assert resolve("HMRC").entity_type == "non_territorial_body" and resolve("HMRC").force_code is None
    joint = resolve("Cleveland & Cheshire")
    assert joint.entity_type == "multi_force" and joint.force_code == "E23000013|E23000006"
    assert resolve("Total England and Wales").entity_type == "total"


def test_normalisation():
    assert normalise_name("Devon & Cornwall Police") == normalise_name("devon and cornwall") == "devon and cornwall"


def test_unmapped_name_fails_with_file_rows_and_names():
    df = pl.DataFrame({"Police Force": ["Kent", "Atlantis Constabulary", "Essex", "Atlantis Constabulary"]})
    with pytest.raises(UnmappedForceName) as err:
        map_force_names(df, "Police Force", "uof.csv")
    message = str(err.value)
    assert "uof.csv" in message and "rows 2, 4" in message and "'Atlantis Constabulary'" in message
    assert "Police Force" in message


def test_mapped_frame_gets_codes():
    out = map_force_names(pl.DataFrame({"f": ["Kent", "HMRC"]}), "f", "x.csv")
    assert out.get_column("force_code").to_list() == ["E23000032", None]
    assert out.get_column("entity_type").to_list() == ["force", "non_territorial_body"]
