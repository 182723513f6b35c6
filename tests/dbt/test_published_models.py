"""Every published model (dim_*, mart_*) has an enforced contract, typed and documented columns, and a disclosure
class on every numeric column (docs/methods.md "Disclosure control"), read from the dbt manifest (no build)."""

from __future__ import annotations

import json
import re

import pytest

from mhw.cli import prepare_manifest
from mhw.disclosure_scan import CLASSES, PUBLISHED_PREFIXES, load_rules
from mhw.published import load_manifest, published_models
from mhw.settings import DBT_MANIFEST, PROJECT_ROOT

NUMERIC_TYPES = ("integer", "bigint", "double precision", "numeric")


@pytest.fixture(scope="module")
def published() -> dict[str, dict]:
    prepare_manifest()  # a no-op when target/manifest.json is newer than the project (make test parses first)
    nodes = json.loads(DBT_MANIFEST.read_text())["nodes"].values()
    models = {n["name"]: n for n in nodes if n["resource_type"] == "model" and n["name"].startswith(PUBLISHED_PREFIXES)}
    assert {"dim_force", "mart_s136_force_year", "mart_outcomes_force_year"} <= set(models)
    return models


def test_every_published_model_enforces_its_contract(published):
    assert [name for name, n in published.items() if not n["config"]["contract"]["enforced"]] == []


def test_every_column_is_typed_and_documented(published):
    missing = [
        f"{name}.{col}"
        for name, node in published.items()
        for col, spec in node["columns"].items()
        if not spec.get("data_type") or not spec.get("description", "").strip()
    ]
    assert missing == []
    assert all(node["description"].strip() for node in published.values())


def test_every_numeric_column_declares_its_disclosure_class(published):
    rules = load_rules(load_manifest(DBT_MANIFEST))
    problems = []
    for name, node in published.items():
        table = rules[name]
        for col, spec in node["columns"].items():
            numeric = spec["data_type"].startswith(NUMERIC_TYPES)
            for kind, sources, rows in table.classes_of(col):  # its row cases (if any), then its own class
                if numeric != (kind is not None) or (kind is not None and kind not in CLASSES):
                    problems.append(f"{name}.{col} where {rows}: {spec['data_type']} with class {kind!r}")
                if (kind == "statistic") != bool(sources) or not set(sources) <= set(node["columns"]):
                    problems.append(f"{name}.{col} where {rows}: withheld_with {list(sources)}")
    assert problems == []


def test_a_column_checked_against_a_list_of_values_names_them_in_its_description(published):
    """An analyst filters on the values a column's description lists: a check constraint `col in ('a', 'b')`
    allows values the description must name (mart_benchmark.significance_vs_peers listed none, assessment_vs_peers
    left out not_compared, which most force rows hold)."""
    unnamed = []
    for name, node in published.items():
        for col, spec in node["columns"].items():
            for constraint in spec.get("constraints", []):
                listed = re.fullmatch(rf"\s*{col}\s+in\s*\(([^)]*)\)\s*", constraint.get("expression") or "")
                values = re.findall(r"'([^']*)'", listed.group(1)) if listed else []
                unnamed += [f"{name}.{col}: {v}" for v in values if v not in spec.get("description", "")]
    assert unnamed == []


def test_every_grain_column_of_a_published_model_is_not_null():
    """The grain test (`unique_combination`, mhw.published) groups NULLs together, so a row with a NULL key passes
    it, and the revisions report, joining snapshots on the grain, would see that row removed and added at every
    publish: each grain column is declared not null (a constraint, or a not_null test)."""
    manifest = load_manifest(DBT_MANIFEST)
    not_null_tests = {
        (n["attached_node"], n.get("column_name"))
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") == "not_null"
    }
    nullable = []
    for name, model in published_models(manifest).items():
        columns = manifest["nodes"][model.unique_id]["columns"]
        for col in model.key:
            constrained = any(c["type"] in ("not_null", "primary_key") for c in columns[col].get("constraints", []))
            if not constrained and (model.unique_id, col) not in not_null_tests:
                nullable.append(f"{name}.{col}")
    assert nullable == []


def test_a_published_model_built_on_the_repeat_contact_flags_is_revised_by_other_periods(published):
    """The repeat and high-intensity flags count a person's contacts over the year before each contact, so a delivery
    for one month moves the rows of later months: the revisions report must attribute those changes (meta
    `revised_by_other_periods`, mhw/revisions.py) rather than leave them without a cause."""
    nodes = json.loads(DBT_MANIFEST.read_text())["nodes"]
    flags = "model.mhw.int_person_contact_flags"

    def reads_flags(unique_id: str, seen: set[str]) -> bool:
        parents = [p for p in nodes.get(unique_id, {}).get("depends_on", {}).get("nodes", []) if p not in seen]
        seen.update(parents)
        return flags in parents or any(reads_flags(p, seen) for p in parents)

    on_flags = {name for name, n in published.items() if reads_flags(n["unique_id"], set())}
    assert {"mart_demand_force_month", "mart_demand_national_month"} <= on_flags
    assert [name for name in sorted(on_flags) if not n_meta(published[name]).get("revised_by_other_periods")] == []


def n_meta(node: dict) -> dict:
    return {**node.get("meta", {}), **node["config"].get("meta", {})}


def test_every_published_model_is_named_in_the_interfaces_doc(published):
    """docs/interfaces.md fixes the names each layer relies on: an analyst looking up a published table finds it
    there (dim_month and the demand and outcomes marts were published without being named)."""
    text = (PROJECT_ROOT / "docs" / "interfaces.md").read_text()
    assert sorted(name for name in published if f"`{name}`" not in text) == []


def test_every_relation_name_fits_postgresql():
    """PostgreSQL cuts identifiers at 63 bytes and dbt refuses a longer relation: a unit test runs as a relation
    named after the test, so a long name fails only in the PostgreSQL build (found there after some minutes)."""
    prepare_manifest()
    manifest = json.loads(DBT_MANIFEST.read_text())
    nodes = [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]
    too_long = [
        n["name"] for n in nodes if n["resource_type"] in ("model", "seed", "unit_test") and len(n["name"]) > 63
    ]
    assert too_long == []
