"""The dbt project as Dagster assets: dbt runs as a subprocess (`dbt build`); its data tests run inside that build
and are reported as one asset check per model (`dbt_tests`), not one Dagster event per test (docs/operations.md)."""

import json
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.dbt_manifest import validate_manifest

from mhw import atomic, manifest
from mhw.progress import Reporter
from mhw.published import NPCC_OBJECTIVES
from mhw.refresh_inputs import TESTED_THROUGH_ENV, code_fingerprint, data_tested_through, set_aside_for_other_code
from mhw.settings import DBT_PROJECT_DIR, get_settings

from .dbt_child import PARENT_ENV, dbt_executable
from .resources import WAREHOUSE_POOL, WarehouseResource

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` picks up edits to the project: parse when it changed, as `make manifest` does (dagster-dbt's own
# parse, for another profile, would make the next build parse the whole project again)
if dbt_project.preparer.using_dagster_dev():
    manifest.prepare()


class Translator(DagsterDbtTranslator):
    """Groups dbt assets by layer (staging, intermediate, marts) so the graph reads left to right, and tags each
    published mart with its NPCC strategy objectives (dbt meta `npcc_objectives`; filter the UI by tag)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        schema = dbt_resource_props.get("config", {}).get("schema")
        return schema or "dbt"

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        meta = {**dbt_resource_props.get("meta", {}), **dbt_resource_props.get("config", {}).get("meta", {})}
        objectives = {f"npcc_objective_{n}": NPCC_OBJECTIVES[int(n)] for n in meta.get("npcc_objectives", [])}
        return {**super().get_tags(dbt_resource_props), **objectives}


translator = Translator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=False, enable_duplicate_source_asset_keys=True)
)


def tests_by_asset(manifest: Mapping[str, Any]) -> dict[dg.AssetKey, list[str]]:
    """The dbt data tests on each asset: a generic test on the model, seed or source it is attached to, a singular
    test on every node it reads."""
    found: dict[dg.AssetKey, list[str]] = defaultdict(list)
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "test":
            parents = [node["attached_node"]] if node.get("attached_node") else node["depends_on"]["nodes"]
            for parent in parents:
                props = manifest["nodes"].get(parent) or manifest["sources"][parent]
                found[translator.get_asset_key(props)].append(unique_id)
    return dict(found)


def build_events(manifest: Mapping[str, Any], selected: set[dg.AssetKey]) -> int:
    """About how many events `dbt build` streams for the selected assets: one for each model or seed, and for each
    test on a selected asset or on sources only, one for every node the test reads (dagster-dbt reports a test's
    result on each of them)."""
    total = len(selected)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            reads = node["depends_on"]["nodes"]
            props = (manifest["nodes"].get(n) or manifest["sources"][n] for n in reads)
            on_sources = all(n.startswith("source.") for n in reads)
            total += len(reads) if on_sources or not selected.isdisjoint(map(translator.get_asset_key, props)) else 0
    return total


MANIFEST = validate_manifest(dbt_project.manifest_path)  # the manifest dbt_assets read (cached)
TESTS_BY_ASSET = tests_by_asset(MANIFEST)
LOAD_TABLES = frozenset({"load_ledger", "rejected_rows"})  # written by every source's loads


def raw_tables_read(node: Mapping[str, Any], manifest: Mapping[str, Any] = MANIFEST) -> set[str]:
    """The raw tables (dbt sources) a node reads itself."""
    return {manifest["sources"][p]["name"] for p in node["depends_on"].get("nodes", []) if p in manifest["sources"]}


def models_unaffected_by(changed_tables: frozenset[str], manifest: Mapping[str, Any] = MANIFEST) -> set[dg.AssetKey]:
    """The models and seeds whose tables a build would make again exactly as they are, when only the raw tables
    `changed_tables` have gained rows or had loads superseded since the last build, and neither the code (models,
    seeds, vars) nor the load ledger otherwise changed (the caller's promise: `mhw refresh` after a refresh with the
    same code, orchestration.refresh.plan_since).

    A model is affected when it reads a changed raw table, reads the load ledger or the rejected rows without a raw
    table (stg_ingestion__loads: every source's loads) unless its meta `ledger_of` names the sources whose ledger
    rows it keeps and none changed, names the time of the run (`run_started_at`), or reads an affected model. A
    model that reads a raw table and the ledger reads the ledger rows of that table's loads only (staging joins the
    two on load_id; docs/operations.md), which change only with that table's deliveries."""
    sources = manifest["sources"]
    affected: dict[str, bool] = {}

    def is_affected(unique_id: str) -> bool:
        if unique_id not in affected:
            node = manifest["nodes"][unique_id]
            parents = node["depends_on"].get("nodes", [])  # a seed's: none
            read = raw_tables_read(node, manifest)
            ledger_of = node["config"].get("meta", {}).get("ledger_of")
            ledger_changed = ledger_of is None or bool(changed_tables & set(ledger_of))
            affected[unique_id] = (
                bool(read & changed_tables)
                or bool(read & LOAD_TABLES and not read - LOAD_TABLES and ledger_changed)
                or "run_started_at" in node.get("raw_code", "")
                or any(is_affected(p) for p in parents if p not in sources)
            )
        return affected[unique_id]

    return {
        translator.get_asset_key(node)
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and not is_affected(unique_id)
    }


def drop_outdated_tables(con, manifest: Mapping[str, Any], selected: set[dg.AssetKey]) -> list[str]:
    """Drop the tables of selected incremental models that a build can make again from raw alone (config meta
    `rebuildable`) when the table no longer matches its model: a column added, renamed or removed by a new release
    (the build would stop on on_schema_change='fail'), or a declared NOT NULL the table lacks (dbt adds constraints
    only when it creates a table). The build then creates them afresh. Returns their names."""
    dropped = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["config"].get("meta", {}).get("rebuildable"):
            continue
        if translator.get_asset_key(node) not in selected:
            continue
        schema, table = node["schema"], node["alias"] or node["name"]
        nullable = dict(con.execute(
            "select column_name, is_nullable = 'YES' from information_schema.columns "
            "where table_schema = ? and table_name = ?", [schema, table]).fetchall())  # fmt: skip
        columns = node["columns"]
        not_null = [name for name, col in columns.items() if any(c["type"] == "not_null" for c in col["constraints"])]
        if nullable and (set(nullable) != set(columns) or any(nullable.get(c, True) for c in not_null)):
            con.execute(f'drop table "{schema}"."{table}"')
            dropped.append(table)
    return dropped


BUILD = ["build", "--exclude-resource-type", "unit_test"]  # unit tests check logic, not data: `make test` runs them


@contextmanager
def _env_only_for_dbt(name: str, value: str | None) -> Iterator[None]:
    """os.environ[name] is value (unset when None) while dbt's process starts, then as it was: a later build in this
    process (a test's, another run's) does not inherit it."""
    saved = os.environ.pop(name, None)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)
        if saved is not None:
            os.environ[name] = saved


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Seeds, models and data tests, in dependency order (under this run's writer claim); says how far it has come
    every few seconds. Unit tests check the models' logic on fixed inputs, not the data, so they run in `make test`
    (tests/dbt), not in every refresh."""
    os.environ["MHW_WAREHOUSE"] = str(warehouse.path)  # dbt resolves the same absolute path
    os.environ[PARENT_ENV] = str(os.getpid())  # mhw-dbt dies with this process
    settings = get_settings()
    target = build_target(settings.dbt_dir)
    if set_aside_for_other_code(settings, code_fingerprint()):
        context.log.info("the last refresh's record is set aside: its code built the warehouse, this build's differs")
    with warehouse.connect() as con:
        for table in drop_outdated_tables(con, MANIFEST, set(context.selected_asset_keys)):
            context.log.info(f"{table}: its columns or constraints changed in this release; rebuilt from raw")
        through, why = data_tested_through(context.run.tags, con)  # dbt_project/macros/get_where_subquery.sql
    if through:
        context.log.info(
            f"data tests marked __loaded_since_tested__ read the rows of loads made after {through}: the last "
            "refresh's build tested every earlier row"
        )
    else:
        context.log.info(f"data tests read every row: {why}")
    total = build_events(MANIFEST, set(context.selected_asset_keys))
    reporter = Reporter(context.log.info, "dbt build")
    done = 0
    with _env_only_for_dbt(TESTED_THROUGH_ENV, through):  # dbt's process starts here, with this run's value
        build = dbt.cli(BUILD, context=context, target_path=target)
    for done, event in enumerate(build.stream(), start=1):
        if done == 1:  # dbt has parsed the project: keep its parse state for the next build
            keep_parse_state(target)
        reporter.update(done, max(total, done + 1), f"{done:,} of about {total:,} results (models, seeds and tests)")
        if not isinstance(event, dg.AssetObservation):  # a test's result: reported per model by `dbt_tests`
            yield event
    reporter.update(done, done, f"{done:,} results (models, seeds and tests)")


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec("dbt_tests", asset=key, description=f"Its {len(tests)} dbt data tests, run by its last build")
        for key, tests in sorted(TESTS_BY_ASSET.items())
    ],
    can_subset=True,
)
def dbt_tests(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Each model's dbt data tests as one check, read from the run results of the last `dbt build` that ran them (the
    one this run made when it built the model; a check run on its own reads its model's last build, not the last
    build of other models). A failing error-level test has already stopped that build; this reports which tests
    ran, which warned and which failed. (`warehouse`: read under the writer claim, so no build is half-way.)"""
    generated_at, results = last_build_results(get_settings().dbt_dir)
    for key in sorted(context.selected_asset_check_keys):
        yield tests_result(key.asset_key, TESTS_BY_ASSET[key.asset_key], results, generated_at)


def last_build_results(dbt_dir: Path) -> tuple[str, dict[str, Mapping[str, Any]]]:
    """When the last dbt build in this MHW_HOME finished, and each node's result (by unique id) from the last build
    that ran it: a build of some models (one materialised from the Dagster UI) leaves the others' results as the
    builds before left them (KEPT_RESULTS, written by build_target)."""
    kept = dbt_dir / KEPT_RESULTS
    results = json.loads(kept.read_text()) if kept.exists() else {}
    found = max(dbt_dir.glob("build-*/run_results.json"), key=lambda path: path.stat().st_mtime, default=None)
    if found is None and not results:
        raise dg.Failure(f"no dbt build has finished in {dbt_dir}: materialise the dbt assets first")
    if found is None:
        return max(r["generated_at"] for r in results.values()), results
    run_results = json.loads(found.read_text())
    generated_at = run_results["metadata"]["generated_at"]
    for r in run_results["results"]:
        results[r["unique_id"]] = {"status": r["status"], "failures": r["failures"], "generated_at": generated_at}
    return generated_at, results


def tests_result(
    key: dg.AssetKey, tests: list[str], results: Mapping[str, Mapping[str, Any]], generated_at: str
) -> dg.AssetCheckResult:
    """One asset's tests as a check: failed (error) if any test failed, failed (warning) if any warned or none ran."""
    by_status: dict[str, dict[str, int]] = defaultdict(dict)
    for test in tests:
        result = results.get(test, {"status": "not run", "failures": None})
        by_status[result["status"]][test.split(".")[2]] = result["failures"] or 0
    failed = {**by_status["fail"], **by_status["error"]}
    ran = len(tests) - len(by_status["not run"])
    named = failed or by_status["warn"]
    if named:
        description = ("failed: " if failed else "warned: ") + ", ".join(f"{t} ({n} rows)" for t, n in named.items())
    else:
        description = None if ran else "not run by the last dbt build"
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="dbt_tests",
        passed=ran > 0 and not named,
        severity=dg.AssetCheckSeverity.ERROR if failed else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "tests": len(tests),
            "passed": len(by_status["pass"]),
            "failed (failing rows)": dg.MetadataValue.json(failed),
            "warned (failing rows)": dg.MetadataValue.json(by_status["warn"]),
            "not run by the last build": len(tests) - ran,
            "dbt build finished at": max(
                (results[t].get("generated_at", generated_at) for t in tests if t in results), default=generated_at
            ),
        },
    )


PARSE_STATE = "partial_parse.msgpack"
KEPT_RESULTS = "run_results_by_node.json"  # each node's result from the last build that ran it


def first_parse_state(manifest: Mapping[str, Any] = MANIFEST) -> Path | None:
    """The parse state `make manifest` left beside the manifest, if it was made for the project's folder as Dagster
    names it: dbt checks a state's project files, version and profile, not the folder it was parsed from, and the
    seeds are read from the folder recorded (a state parsed with a relative project folder would not find them)."""
    state = dbt_project.manifest_path.parent / PARSE_STATE
    roots = {node["root_path"] for node in manifest["nodes"].values() if node["resource_type"] == "seed"}
    return state if state.exists() and roots == {str(dbt_project.project_dir)} else None


def build_target(dbt_dir: Path, first: Path | None = None) -> Path:
    """A fresh dbt target folder for a build, seeded with the parse state the last build in this MHW_HOME left, or
    for the first build with the one `make manifest` left (first_parse_state()).

    Without a parse state dbt parses the whole project (some 10 s); dbt checks that a state fits (the same project
    files, dbt version and profile: mhw-dbt makes every warehouse's profile the same) and parses again what does
    not. Earlier builds' folders are removed (the last one is kept until then, for its logs and run results)."""
    if any(dbt_dir.glob("build-*/run_results.json")):  # its results stand for the nodes the next build leaves out
        atomic.write_text(dbt_dir / KEPT_RESULTS, json.dumps(last_build_results(dbt_dir)[1]))
    for old in dbt_dir.glob("build-*"):
        shutil.rmtree(old, ignore_errors=True)
    target = dbt_dir / f"build-{uuid.uuid4().hex[:8]}"
    target.mkdir(parents=True)
    state = dbt_dir / PARSE_STATE if (dbt_dir / PARSE_STATE).exists() else first or first_parse_state()
    if state is not None:
        shutil.copyfile(state, target / PARSE_STATE)
    return target


def keep_parse_state(target: Path) -> None:
    """Keep a build's parse state for the next build (written whole, then renamed into place)."""
    if (target / PARSE_STATE).exists():
        kept = target.parent / f".{PARSE_STATE}.tmp"
        shutil.copyfile(target / PARSE_STATE, kept)
        kept.replace(target.parent / PARSE_STATE)


class DbtResource(DbtCliResource):
    """dagster-dbt's dbt resource without the dbt adapter it opens in this process before each command: it serves
    only column metadata and row counts, which these assets never fetch, and costs some 4 s of dbt start-up a build
    (tests/orchestration/test_dbt_resource.py checks the hook is still there)."""

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    """dbt from this environment's bin (beside the running Python), so PATH does not matter; through the mhw-dbt
    wrapper when installed, so that dbt never outlives a killed refresh (orchestration/dbt_child.py). dbt's own log
    file (dbt.log beside each build's results) keeps info-level events, not every statement: debug level costs a
    tenth of a small build."""
    return DbtResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
        global_config_flags=["--log-level-file", "info"],
    )
