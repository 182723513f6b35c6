"""The Dagster code location loads and its graph runs one way: ingestion -> dbt -> serving snapshot."""

from __future__ import annotations

import dagster as dg


def test_definitions_validate(defs):
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("refresh") is not None


def test_asset_graph_flows_from_raw_to_serving(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in ("raw/s136", "raw/ons_population_pfa", "marts/mart_s136_force_year", "serving_snapshot"):
        assert expected in keys
    serving_parents = {k.to_user_string() for k in graph.get(dg.AssetKey("serving_snapshot")).parent_keys}
    assert "marts/mart_s136_force_year" in serving_parents and "marts/dim_force" in serving_parents
    assert not any(p.startswith("marts/fct_") for p in serving_parents), "person-level facts are never published"
    assert "raw/s136" in _ancestors(graph, dg.AssetKey("serving_snapshot"))


def _ancestors(graph, key: dg.AssetKey) -> set[str]:
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent.to_user_string() not in seen:
                seen.add(parent.to_user_string())
                todo.append(parent)
    return seen


def test_dbt_tests_and_reconciliation_are_asset_checks(defs):
    """Each model's dbt data tests are one check, `dbt_tests`: every test in the manifest on one."""
    import json

    from orchestration.dbt import TESTS_BY_ASSET, dbt_project

    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("raw/s136", "s136_reconciliation") in checks
    assert ("marts/mart_s136_force_year", "dbt_tests") in checks
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tests = {n for n, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    assert {t for on_asset in TESTS_BY_ASSET.values() for t in on_asset} == tests
    assert {key.to_user_string() for key in TESTS_BY_ASSET} == {a for a, name in checks if name == "dbt_tests"}
    assert not any(name.startswith(("not_null", "unique", "relationships")) for _, name in checks)


def test_a_models_tests_become_one_check_that_names_what_failed_or_warned():
    import dagster as dg

    from orchestration.dbt import tests_result

    key = dg.AssetKey(["marts", "m"])
    tests = ["test.mhw.not_null_m_a.1", "test.mhw.unique_m_b.2", "test.mhw.few_rows_m.3"]
    results = {
        "test.mhw.not_null_m_a.1": {"status": "pass", "failures": 0},
        "test.mhw.unique_m_b.2": {"status": "pass", "failures": 0},
        "test.mhw.few_rows_m.3": {"status": "warn", "failures": 4},
    }
    ok = tests_result(key, tests[:2], results, "t")
    assert ok.passed and ok.metadata["passed"].value == 2 and ok.metadata["tests"].value == 2
    warned = tests_result(key, tests, results, "t")
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    assert warned.description == "warned: few_rows_m (4 rows)"
    results["test.mhw.unique_m_b.2"] = {"status": "fail", "failures": 2}
    failed = tests_result(key, tests, results, "t")
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.description == "failed: unique_m_b (2 rows)"
    not_run = tests_result(key, tests, {}, "t")
    assert not not_run.passed and not_run.severity == dg.AssetCheckSeverity.WARN
    assert not_run.metadata["not run by the last build"].value == 3


def test_monthly_sources_are_partitioned_and_watched(defs):
    from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES
    from orchestration.partitions import monthly_partitions

    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.path[-1], c.name) for c in graph.asset_check_keys}
    for source in MONTHLY_SOURCES:
        node = graph.get(dg.AssetKey(["raw", source]))
        assert node.partitions_def == monthly_partitions
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert {(source, f"{source}_reconciliation"), (source, f"{source}_freshness")} <= checks
    for source in LANDING_SOURCES:
        assert graph.get(dg.AssetKey(["raw", source])).partitions_def is None
    assert graph.get(dg.AssetKey("serving_snapshot")).partitions_def is None
    assert defs.resolve_job_def("refresh").partitions_def == monthly_partitions  # mixed job, run over a range

    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED and sensor.job_name == "refresh"
    for schedule in ("monthly_national_refresh", "nightly_landing_sweep"):
        assert defs.resolve_schedule_def(schedule).job_name == "refresh"


def test_refresh_selection_without_monthly_files_resolves(defs, tmp_path):
    from orchestration.definitions import asset_keys
    from orchestration.refresh import landing_state, plan_since

    selection = plan_since(landing_state(tmp_path)[0], None).asset_selection(asset_keys)
    job = defs.resolve_job_def("refresh").get_subset(asset_selection=set(selection))
    assert dg.AssetKey(["raw", "incidents"]) not in job.asset_layer.executable_asset_keys
    assert dg.AssetKey("serving_snapshot") in job.asset_layer.executable_asset_keys


def test_every_warehouse_step_runs_under_the_writer_claim(defs):
    """Every asset and check that opens the warehouse requires the `warehouse` resource (whose setup takes the
    writer claim), every run executes in process (resources before any pool slot), and files outside the source
    folders have an asset of their own."""
    graph = defs.resolve_asset_graph()
    for assets_def in graph.assets_defs:
        if assets_def.is_executable:
            assert "warehouse" in assets_def.required_resource_keys, assets_def.keys
    assert defs.asset_checks
    for checks_def in defs.asset_checks:
        assert "warehouse" in checks_def.required_resource_keys, checks_def.check_keys
    assert defs.resolve_job_def("refresh").executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"
    assert dg.AssetKey(["raw", "landing_zone"]) in graph.get_all_asset_keys()


def _names(keys: set[dg.AssetKey]) -> set[str]:
    return {key.path[-1] for key in keys}


def test_a_build_leaves_out_the_models_that_read_only_unchanged_sources():
    """A month of the monthly sources leaves the national publications, inspections, s136 and seeds as they are;
    what reads a changed table, the whole ledger, the time of the run or an affected model is rebuilt."""
    from orchestration.dbt import models_unaffected_by

    month = _names(models_unaffected_by(frozenset({"custody", "incidents", "incident_totals", "street_triage"})))
    assert {"stg_iopc__deaths_tables", "mart_iopc_deaths", "mart_inspection_recommendations", "dim_force"} <= month
    assert {"stg_s136__detentions", "fct_s136_detentions", "ref_force"} <= month  # s136 unchanged; a seed
    assert {"stg_s136__loads", "int_s136_force_year"} <= month  # the ledger rows of s136 only (meta ledger_of)
    assert not {"stg_custody__detentions", "fct_custody_mh", "mart_demand_force_month", "mart_benchmark"} & month
    assert "stg_ingestion__loads" not in month and "mart_data_quality" not in month  # every source's ledger rows
    assert "mart_escalations" not in month  # names run_started_at
    s136 = _names(models_unaffected_by(frozenset({"s136"})))
    assert "fct_s136_detentions" not in s136 and {"fct_custody_mh", "mart_iopc_deaths"} <= s136
    assert not {"stg_s136__loads", "int_s136_force_year"} & s136 and "stg_incidents__loads" in s136
    nothing = _names(models_unaffected_by(frozenset()))
    assert "stg_ingestion__loads" not in nothing and "mart_escalations" not in nothing


def test_every_raw_table_dbt_reads_is_written_by_a_source_a_refresh_plan_names():
    """models_unaffected_by can trust RefreshPlan.raw_tables only if every raw table is a landing source's, a national
    source's or the ledger's: a table written by anything else would never count as changed."""
    from orchestration.assets.ingestion import LANDING_SOURCES, MONTHLY_SOURCES
    from orchestration.assets.national_sources import NATIONAL_SOURCES
    from orchestration.dbt import LOAD_TABLES, MANIFEST

    raw = {source["name"] for source in MANIFEST["sources"].values() if source["schema"] == "raw"}
    assert raw == {*LANDING_SOURCES, *MONTHLY_SOURCES, *NATIONAL_SOURCES, *LOAD_TABLES}


def test_a_model_that_keeps_some_sources_ledger_rows_filters_on_those_sources():
    """meta `ledger_of` (the sources whose ledger rows a model keeps) must match the model's own filter, or a
    refresh would leave it out when its rows changed."""
    from orchestration.dbt import MANIFEST

    declared = {n["name"]: n for n in MANIFEST["nodes"].values() if "ledger_of" in n["config"].get("meta", {})}
    assert set(declared) == {"stg_s136__loads", "stg_incidents__loads"}
    for name, node in declared.items():
        sources = node["config"]["meta"]["ledger_of"]
        quoted = ", ".join(f"'{s}'" for s in sources)
        where = f"source = {quoted}" if len(sources) == 1 else f"source in ({quoted})"
        assert where in node["raw_code"], name


def test_no_dbt_test_reads_sources_alone():
    """A refresh that builds only the affected models runs their tests (dbt's eager selection), never a test whose
    every parent is a source: such a test would silently stop running after the first refresh."""
    from orchestration.dbt import MANIFEST

    on_sources = [
        node["name"]
        for node in MANIFEST["nodes"].values()
        if node["resource_type"] == "test" and all(p.startswith("source.") for p in node["depends_on"]["nodes"])
    ]
    assert on_sources == []


def test_a_model_reading_a_raw_table_and_the_ledger_keeps_only_that_tables_loads():
    """models_unaffected_by counts a staging model that reads a raw table and the ledger as changed only when the
    table's source runs: that holds while the model reads the ledger once and inner-joins it to the table's rows
    on load_id (so only that table's loads count)."""
    import re

    from orchestration.dbt import LOAD_TABLES, MANIFEST, raw_tables_read

    join = re.compile(r"inner join\s+\w+\s+as\s+\w+\s+on\s+\w+\.load_id\s*=\s*\w+\.load_id", re.I)
    ledger = re.compile(r"source\('raw',\s*'load_ledger'\)|mhw\.active_loads\(\)")
    checked = 0
    for node in MANIFEST["nodes"].values():
        read = raw_tables_read(node)
        if node["resource_type"] == "model" and read & LOAD_TABLES and read - LOAD_TABLES:
            assert len(read - LOAD_TABLES) == 1, node["name"]
            assert len(join.findall(node["raw_code"])) == 1 and len(ledger.findall(node["raw_code"])) == 1, node["name"]
            checked += 1
    assert checked >= 20
