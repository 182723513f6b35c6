"""`make plan` (`mhw plan`): which published marts a change to the dbt models touches, and how, per SQLMesh.

SQLMesh reads the same dbt project (no second copy of the models is kept; docs/operations.md, Change review) and
never opens the warehouse file, not even to read, so a review can never block a refresh. It works under
$MHW_HOME/sqlmesh/:
- `plan.duckdb`: a scratch database with the warehouse's raw tables, built from the raw DDL every warehouse is
  created from, without rows (the plan needs the sources' column types, no data);
- `base/` and `change/`: the project's dbt_project/ and seeds/ as of the base (a git revision, by default the point
  where this branch left main, or a folder holding the project) and as they are in the work tree now. Only files
  that differ are rewritten, so SQLMesh's caches there stay warm, and nothing is written into the work tree.
The base is recorded in SQLMesh's state (kept in plan.duckdb) without creating its tables (`record_base`), then
the change is planned against it and never applied.
SQLMesh classifies each directly modified model (breaking: it and everything downstream must be rebuilt;
non-breaking: columns were only added; metadata only) and each model downstream of one (indirectly breaking or
non-breaking). The report lists the published marts among them, and every model changed directly. SQLMesh cannot
load dbt Python models, so the copies hold a SQL stand-in for each (`stand_in_python_models`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from ingestion.schema import ensure_raw_schema

from .published import PUBLISHED_SCHEMA, is_published
from .settings import PROJECT_ROOT, Settings

PROJECT_FOLDERS = ("dbt_project", "seeds")
SKIPPED = {"target", "logs", "dbt_packages", ".cache", "__pycache__"}  # build output, never project files
KEPT = {*SKIPPED, "external_models.yaml"}  # written in the copies by the review or SQLMesh: left in place
DATABASE = "plan.duckdb"
TARGET = "sqlmesh"  # the dbt target (dbt_project/profiles.yml) whose path is MHW_SQLMESH_DATABASE
MODEL_START = "2015-04-01"  # SQLMesh wants a start date for every model; the first month of the partitions
BASE_BRANCH = "main"

CATEGORY = {  # SnapshotChangeCategory name -> what the report says
    "BREAKING": "breaking",
    "NON_BREAKING": "non-breaking",
    "INDIRECT_BREAKING": "breaking (indirect)",
    "INDIRECT_NON_BREAKING": "non-breaking (indirect)",
    "METADATA": "metadata only",
    "FORWARD_ONLY": "forward-only",
}


class ReviewError(RuntimeError):
    """The review cannot run (no base to compare with, a project SQLMesh cannot load); the message says why."""


@dataclass(frozen=True)
class ModelChange:
    schema: str
    name: str
    category: str  # a value of CATEGORY
    direct: bool
    causes: tuple[str, ...] = ()  # for an indirect change: the directly changed models upstream

    @property
    def published(self) -> bool:
        return self.schema == PUBLISHED_SCHEMA and is_published(self.name)

    @property
    def breaking(self) -> bool:
        return self.category.startswith("breaking")


@dataclass
class Review:
    base: str
    changes: list[ModelChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def change(self, name: str) -> ModelChange | None:
        return next((c for c in self.changes if c.name == name), None)

    @property
    def published(self) -> list[ModelChange]:
        return [c for c in self.changes if c.published]


# ------------------------------------------------------------------------------------------------------------
# the two copies of the project


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def _commit(root: Path, ref: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.decode().strip() if done.returncode == 0 else None


def folder_files(root: Path) -> dict[str, bytes]:
    """The project files under root/dbt_project and root/seeds (build output and hidden files left out)."""
    files = {}
    for folder in PROJECT_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not SKIPPED & set(rel.parts) and not any(p.startswith(".") for p in rel.parts):
                files[rel.as_posix()] = path.read_bytes()
    return files


def base_files(root: Path, base: str | None) -> tuple[str, dict[str, bytes]]:
    """(label, files) of the base: a folder holding dbt_project/, or a git revision (default: where HEAD left main)."""
    if base and (Path(base) / "dbt_project").is_dir():
        return str(Path(base).resolve()), folder_files(Path(base))
    if _git(root, "rev-parse", "--git-dir").returncode != 0:
        raise ReviewError(
            f"{root} is not a git work tree, so there is no base to compare with: "
            "pass --base <folder holding the project as it was> (BASE=... for make plan)"
        )
    if base:
        sha = _commit(root, base)
        if sha is None:
            raise ReviewError(f"--base {base}: no such git revision or folder with a dbt_project/ in it")
        label = f"{base} ({sha[:10]})"
    elif _commit(root, BASE_BRANCH):
        sha = _git(root, "merge-base", "HEAD", BASE_BRANCH).stdout.decode().strip() or _commit(root, "HEAD")
        label = f"where HEAD left {BASE_BRANCH} ({sha[:10]})"
    else:
        sha = _commit(root, "HEAD")
        if sha is None:
            raise ReviewError("the repository has no commit yet to compare with: pass --base <folder>")
        label = f"HEAD ({sha[:10]})"
    archive = _git(root, "archive", "--format=tar", sha, *PROJECT_FOLDERS)
    if archive.returncode != 0:
        raise ReviewError(f"git archive {sha[:10]} failed: {archive.stderr.decode().strip()}")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                files[member.name] = tar.extractfile(member).read()
    return label, files


def sync_folder(dest: Path, files: Mapping[str, bytes]) -> bool:
    """Make dest hold exactly these files (build output kept); only changed files are written. True if any changed."""
    changed = False
    for rel, content in files.items():
        path = dest / rel
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            changed = True
    for path in sorted(dest.rglob("*"), reverse=True):
        rel = path.relative_to(dest)
        if KEPT & set(rel.parts):
            continue
        if path.is_file() and rel.as_posix() not in files:
            path.unlink()
            changed = True
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed


YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it
PYTHON_REF = re.compile(r"""dbt\.ref\(\s*["']([^"']+)["']\s*\)""")


def stand_in_python_models(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files with each dbt Python model replaced by a SQL stand-in SQLMesh can load (it cannot load Python models).

    The stand-in has the model's columns and types from its .yml, its parents from its dbt.ref() calls, and no rows;
    its filter holds the digest of the Python source, so an edit of the code is planned as a change of the model.
    """
    python = [Path(rel).stem.encode() for rel in files if rel.startswith("dbt_project/models/") and rel.endswith(".py")]
    declared: dict[str, list[dict]] = {}
    for rel, content in files.items():
        # only a .yml naming a Python model can declare its columns: the others are not parsed (all of them took
        # 2.6 s with the pure-Python parser, on each of the two copies)
        if rel.startswith("dbt_project/models/") and rel.endswith(".yml") and any(n in content for n in python):
            for model in (yaml.load(content, Loader=YAML_LOADER) or {}).get("models") or []:
                declared[model["name"]] = model.get("columns") or []
    out = {}
    for rel, content in files.items():
        if not (rel.startswith("dbt_project/models/") and rel.endswith(".py")):
            out[rel] = content
            continue
        name = Path(rel).stem
        columns = [c for c in declared.get(name, []) if c.get("data_type")]
        if not columns:
            raise ReviewError(f"{rel}: a dbt Python model needs its columns with data_type in its .yml for the review")
        parents = PYTHON_REF.findall(content.decode())
        select = ",\n    ".join(f"cast(null as {c['data_type']}) as {c['name']}" for c in columns)
        joins = "\ncross join ".join(f"{{{{ ref('{p}') }}}} as p{i}" for i, p in enumerate(parents))
        digest = hashlib.sha256(content).hexdigest()[:16]
        sql = f"-- stand-in for {name}.py (see mhw/change_review.py)\nselect\n    {select}\n"
        sql += f"from {joins}\n" if parents else ""
        out[rel[: -len(".py")] + ".sql"] = (sql + f"where '{digest}' = ''\n").encode()
    return out


def _digest(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------------------
# the scratch database and SQLMesh


def build_database(path: Path) -> dict[str, dict[str, str]]:
    """A new database holding the raw tables (no rows); returns their columns and types."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        rows = con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'raw' "
            "order by table_name, column_index"
        ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def write_external_models(project: Path, database: Path, tables: Mapping[str, Mapping[str, str]]) -> None:
    """external_models.yaml: the raw tables' column types, which SQLMesh needs to expand `select *` over a source.

    Written without a gateway, as the dbt loader reads only those (`sqlmesh create_external_models` stamps one).
    """
    catalog = database.stem
    rows = [{"name": f'"{catalog}"."raw"."{t}"', "columns": dict(cols)} for t, cols in sorted(tables.items())]
    (project / "dbt_project" / "external_models.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))


def _context(project: Path, profiles_dir: Path):
    from sqlmesh import Context
    from sqlmesh.core.config import CategorizerConfig, ModelDefaultsConfig, PlanConfig
    from sqlmesh.dbt.loader import sqlmesh_config

    config = sqlmesh_config(
        project / "dbt_project",
        dbt_target_name=TARGET,
        profiles_dir=profiles_dir,
        model_defaults=ModelDefaultsConfig(start=MODEL_START),
        plan=PlanConfig(auto_categorize_changes=CategorizerConfig.all_full()),
    )
    return Context(paths=[project / "dbt_project"], config=config)


def record_base(context) -> None:
    """Plan the base as prod and apply it to SQLMesh's state only: its snapshots and the prod environment are
    recorded, but no table, view or schema is created in plan.duckdb, no migration and no backfill is run.

    The change plan reads only the state (the base's snapshots, to diff and categorize against), never the
    physical layer; creating the base's empty tables and views took some 45 s of a first review's 125 s.
    """
    from sqlmesh.core.plan.evaluator import BuiltInPlanEvaluator
    from sqlmesh.utils.errors import UncategorizedPlanError

    class StateOnly(BuiltInPlanEvaluator):
        def _skip(self, stage, plan) -> None:
            pass

        # the stages that run SQL in the database; the others (snapshot records, an empty backfill, the
        # environment record, unpausing, finalizing) write the state
        visit_before_all_stage = visit_after_all_stage = _skip
        visit_physical_layer_schema_creation_stage = visit_physical_layer_update_stage = _skip
        visit_migrate_schemas_stage = visit_audit_only_run_stage = visit_virtual_layer_update_stage = _skip

    plan = context.plan_builder("prod", skip_backfill=True, skip_tests=True).build()
    if plan.uncategorized:
        raise UncategorizedPlanError("the base plan has uncategorized changes")
    evaluator = StateOnly(
        state_sync=context.state_sync,
        snapshot_evaluator=context.snapshot_evaluator,
        create_scheduler=context.create_scheduler,
        default_catalog=context.default_catalog,
        console=context.console,
    )
    evaluator.evaluate(plan.to_evaluatable())


# SQLMesh's cache entries named by their content: a model's optimized query (by its query, macros and parents'
# columns) and a snapshot (by its fingerprint). Not its model definitions (.cache/<target>/), named by file path
# and modification time, which would mix up a model of the base and of the change written in the same second.
SHARED_CACHES = ("optimized_query", "snapshot")


def share_caches(source: Path, dest: Path) -> None:
    """Copy the base's content-named cache entries to the change's cache, so that SQLMesh does not render again
    the models the change leaves as they were, nor the base's snapshots it reads back from the state."""
    for name in SHARED_CACHES:
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name, dirs_exist_ok=True)


def _name(fqn: str) -> tuple[str, str]:
    """('marts', 'mart_x') from '"catalog"."marts"."mart_x"'."""
    parts = fqn.replace('"', "").split(".")
    return parts[-2], parts[-1]


@contextmanager
def _dbt_quiet() -> Iterator[None]:
    """SQLMesh parses the dbt project with dbt, whose default logger writes each of its lines (coloured, with a time)
    to standard output, ahead of the review; the review is what `mhw plan` is for, and a failure is raised anyway."""
    from dbt_common.events.event_manager_client import get_event_manager

    loggers = get_event_manager().loggers
    kept = list(loggers)
    loggers.clear()
    try:
        yield
    finally:
        loggers[:] = kept


def review_change(settings: Settings, base: str | None = None, root: Path = PROJECT_ROOT) -> Review:
    """Plan the work tree's project against the base with SQLMesh (see the module docstring)."""
    from sqlglot.errors import SqlglotError
    from sqlmesh.core import constants
    from sqlmesh.utils.errors import SQLMeshError

    label, old = base_files(root, base)
    work = settings.sqlmesh_dir
    database = work / DATABASE
    os.environ["MHW_SQLMESH_DATABASE"] = str(database)  # the `sqlmesh` target of profiles.yml (dbt's env_var)
    logging.getLogger("sqlmesh").setLevel(logging.ERROR)
    marker = work / "base.json"
    state = {"base": _digest(old), "raw": hashlib.sha256(repr(build_schema_signature()).encode()).hexdigest()}
    reuse = database.exists() and marker.exists() and json.loads(marker.read_text()) == state
    sync_folder(work / "base", stand_in_python_models(old))
    sync_folder(work / "change", stand_in_python_models(folder_files(root)))
    profiles = work / "change" / "dbt_project"  # the work tree's profiles, which hold the sqlmesh target
    workers = constants.MAX_FORK_WORKERS
    if "MAX_FORK_WORKERS" not in os.environ:  # SQLMesh's own setting, read at each use; one set by the user wins
        # no worker processes: SQLMesh forks them to render the models when it loads a project and to read back
        # snapshots, pickling every model to and from them, which cost more than it saved (docs/operations.md)
        constants.MAX_FORK_WORKERS = 1
    try:
        with _dbt_quiet():  # dbt's own lines would come before the review
            if not reuse:
                marker.unlink(missing_ok=True)
                tables = build_database(database)
                for side in ("base", "change"):
                    write_external_models(work / side, database, tables)
                base_context = _context(work / "base", profiles)
                record_base(base_context)
                cache = base_context.cache_dir
                share_caches(cache, work / "change" / cache.relative_to(work / "base"))
                marker.write_text(json.dumps(state))
            plan = _context(work / "change", profiles).plan_builder("prod", skip_tests=True).build()
    except (SQLMeshError, SqlglotError, ValueError) as exc:  # SQL that does not parse: sqlglot's SchemaError
        raise ReviewError(f"SQLMesh could not plan the change: {exc}") from None
    finally:
        constants.MAX_FORK_WORKERS = workers
    return _review(label, plan)


def build_schema_signature() -> list[tuple[str, str, str]]:
    """The raw layer's columns as the DDL defines them (an in-memory build), to tell when plan.duckdb is stale."""
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        return con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'raw' order by all"
        ).fetchall()


def _review(label: str, plan) -> Review:
    review = Review(label)
    snapshots = plan.snapshots
    causes: dict = {}
    for parent, downstream in plan.indirectly_modified.items():
        for child in downstream:
            causes.setdefault(child, []).append(_name(parent.name)[1])
    for s_id in sorted(plan.directly_modified | set(causes), key=lambda s: s.name):
        snapshot = snapshots[s_id]
        if not snapshot.is_model:
            continue
        schema, name = _name(s_id.name)
        category = CATEGORY.get(snapshot.change_category.name, snapshot.change_category.name.lower())
        direct = s_id in plan.directly_modified
        review.changes.append(
            ModelChange(schema, name, category, direct, () if direct else tuple(sorted(set(causes[s_id]))))
        )
    diff = plan.context_diff
    for name, (current, _) in sorted(diff.modified_snapshots.items()):  # descriptions, tags: nothing to rebuild
        if current.is_model and diff.metadata_updated(name) and not review.change(_name(name)[1]):
            review.changes.append(ModelChange(*_name(name), CATEGORY["METADATA"], True))
    review.added = sorted(_name(s.name)[1] for s in diff.added if snapshots[s].is_model)
    review.removed = sorted(_name(s.name)[1] for s in diff.removed_snapshots)
    return review


def format_review(review: Review) -> str:
    lines = [f"SQLMesh change review against {review.base}"]
    if not (review.changes or review.added or review.removed):
        return "\n".join([*lines, "no model changed: nothing published is touched"])
    direct = [c for c in review.changes if c.direct]
    lines.append(f"models changed directly ({len(direct)}):")
    lines += [f"  {c.schema}.{c.name}: {c.category}" for c in direct] or ["  (none)"]
    published = review.published
    lines.append(f"published marts touched ({len(published)}):")
    for c in published:
        how = "changed directly" if c.direct else "downstream of " + ", ".join(c.causes)
        lines.append(f"  {c.name}: {c.category}, {how}")
    if not published:
        lines.append("  (none)")
    if review.added:
        lines.append("models added: " + ", ".join(review.added))
    if review.removed:
        lines.append("models removed: " + ", ".join(review.removed))
    if any(c.breaking for c in published):
        lines.append("breaking: after merging, the next refresh rebuilds these marts and their values may change")
    return "\n".join(lines)
