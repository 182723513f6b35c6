"""The published tables as the dbt manifest describes them (docs/operations.md, Published tables).

Published = the models of the `marts` schema named `dim_*` or `mart_*`: exactly what the serving snapshot copies.
For each one the manifest gives everything the operations code needs, so no code keeps a list of tables and a new
mart is covered the day it is added:
- its grain (`key`): the columns of its `unique_combination` test, else its first column with a `unique` test;
- its declared columns: the model's `.yml`, the contract a built table is held to before it is published;
- the raw tables it is built from (its `source()` ancestors), to tell which deliveries can have changed it;
- a checksum of the code of its whole lineage (models, seeds, macros, project vars), so a changed checksum between
  two publications means a method change;
- its NPCC strategy objectives (`meta: {npcc_objectives: [..]}`), shown as Dagster asset tags.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .disclosure_scan import PUBLISHED_PREFIXES, dbt_meta
from .settings import DBT_MANIFEST, DBT_PROJECT_DIR

PUBLISHED_SCHEMA = "marts"
MANIFEST = DBT_MANIFEST

# NPCC Mental Health & Policing Strategy 2022-25, its five objectives (methods.md §8.4 maps marts to them)
NPCC_OBJECTIVES = {
    1: "strategic_oversight_and_escalation",
    2: "data_and_information",
    3: "prevention",
    4: "benchmarking_and_good_practice",
    5: "criminal_justice_and_diversion",
}


class ManifestError(RuntimeError):
    """The dbt manifest is missing or does not describe the published tables as this module needs."""


@dataclass(frozen=True)
class PublishedModel:
    name: str  # the table name in the warehouse's marts schema and in the serving snapshot
    unique_id: str
    key: tuple[str, ...]  # the grain; () when the model has no unique test
    columns: tuple[str, ...]  # declared in the model's .yml, in order
    raw_tables: tuple[str, ...]  # identifiers of the raw.* source tables upstream
    lineage: Mapping[str, str]  # unique_id -> code checksum of every model, seed and macro it is built from
    npcc_objectives: tuple[int, ...]
    # its rows hold statistics of a whole series (SPC limits, run rules): a delivery for any period of a force may
    # revise every row of that force (meta `revised_by_other_periods: true`; mhw.revisions)
    revised_by_other_periods: bool = False
    # its force rows hold comparators drawn from every force (E&W, region and peer values, funnel limits, rank): a
    # delivery of one force for a period may revise every force's row of that period (meta `revised_by_other_forces`)
    revised_by_other_forces: bool = False

    @property
    def lineage_checksum(self) -> str:
        return _digest(json.dumps(sorted(self.lineage.items())))


def is_published(name: str) -> bool:
    return name.startswith(PUBLISHED_PREFIXES)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _load(path: Path, mtime_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """The parsed manifest (cached until the file changes); ManifestError when dbt has not parsed the project."""
    try:
        return _load(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise ManifestError(f"no dbt manifest at {path}: run `make manifest` (dbt parse) first") from None


def project_vars(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, Any]:
    """The `vars:` of dbt_project.yml (they change results, so they count as code in the lineage checksum)."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return config.get("vars") or {}


def _grain(model: dict[str, Any], tests: list[dict[str, Any]]) -> tuple[str, ...]:
    combos = [
        t["test_metadata"]["kwargs"].get("columns") for t in tests if t["test_metadata"]["name"] == "unique_combination"
    ]
    if combos and combos[0]:
        return tuple(combos[0])
    unique = {t["test_metadata"]["kwargs"].get("column_name") for t in tests if t["test_metadata"]["name"] == "unique"}
    first = [c for c in model["columns"] if c in unique]
    return (first[0],) if first else ()


def _lineage(manifest: dict[str, Any], unique_id: str, vars_digest: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Checksums of the model's own code and of every node and macro upstream; the raw tables reached."""
    nodes, macros, sources = manifest["nodes"], manifest["macros"], manifest["sources"]
    lineage: dict[str, str] = {}
    raw_tables: set[str] = set()
    pending_macros: list[str] = []
    stack = [unique_id]
    while stack:
        node_id = stack.pop()
        if node_id in lineage:
            continue
        if node_id in sources:
            lineage[node_id] = "source"
            raw_tables.add(sources[node_id]["identifier"])
            continue
        node = nodes[node_id]
        lineage[node_id] = node["checksum"]["checksum"]
        if "var(" in node.get("raw_code", ""):
            lineage["vars"] = vars_digest
        stack.extend(node["depends_on"].get("nodes", []))
        pending_macros.extend(node["depends_on"].get("macros", []))
    while pending_macros:
        macro_id = pending_macros.pop()
        if macro_id in lineage or macro_id not in macros:
            continue
        lineage[macro_id] = _digest(macros[macro_id]["macro_sql"])
        pending_macros.extend(macros[macro_id]["depends_on"].get("macros", []))
    return lineage, tuple(sorted(raw_tables))


def published_models(
    manifest: dict[str, Any] | None = None, vars_: dict[str, Any] | None = None
) -> dict[str, PublishedModel]:
    """Every published model of the manifest, by table name."""
    manifest = manifest if manifest is not None else load_manifest()
    vars_digest = _digest(json.dumps(vars_ if vars_ is not None else project_vars(), sort_keys=True, default=str))
    tests_of: dict[str, list[dict[str, Any]]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata") and node.get("attached_node"):
            tests_of.setdefault(node["attached_node"], []).append(node)
    models = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["config"].get("schema") != PUBLISHED_SCHEMA:
            continue
        name = node.get("alias") or node["name"]
        if not is_published(name):
            continue
        lineage, raw_tables = _lineage(manifest, unique_id, vars_digest)
        meta = dbt_meta(node)
        models[name] = PublishedModel(
            name=name,
            unique_id=unique_id,
            key=_grain(node, tests_of.get(unique_id, [])),
            columns=tuple(node["columns"]),
            raw_tables=raw_tables,
            lineage=lineage,
            npcc_objectives=tuple(int(o) for o in meta.get("npcc_objectives", [])),
            revised_by_other_periods=bool(meta.get("revised_by_other_periods", False)),
            revised_by_other_forces=bool(meta.get("revised_by_other_forces", False)),
        )
    return dict(sorted(models.items()))
