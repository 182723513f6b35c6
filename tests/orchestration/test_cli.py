"""Operator CLI pieces that need no warehouse: manifest freshness, clear errors."""

import os

from typer.testing import CliRunner

from mhw import cli


def _project(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "target").mkdir()
    (tmp_path / "seeds").mkdir()
    for name in ("models/m.sql", "dbt_project.yml", "seeds/s.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "target" / "manifest.json").write_text("{}")
    return tmp_path


def test_manifest_is_reparsed_only_when_a_dbt_file_is_newer(tmp_path, monkeypatch):
    project = _project(tmp_path)
    monkeypatch.setattr(cli, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(cli, "SEEDS_DIR", project / "seeds")
    old = os.path.getmtime(project / "target" / "manifest.json") - 100
    for name in ("models/m.sql", "dbt_project.yml", "seeds/s.csv"):
        os.utime(project / name, (old, old))
    assert cli._manifest_is_current()
    os.utime(project / "seeds" / "s.csv")  # a seed edited after the last parse
    os.utime(project / "target" / "manifest.json", (old, old))
    assert not cli._manifest_is_current()
    (project / "target" / "manifest.json").unlink()
    assert not cli._manifest_is_current()


def test_status_without_warehouse_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["status"])
    assert result.exit_code == 2
    assert "run `make refresh` first" in result.output
    assert "Traceback" not in result.output


def test_only_error_checks_fail_the_refresh():
    from types import SimpleNamespace

    import dagster as dg

    def evaluation(name, passed, severity, description=None):
        data = dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["raw", "incidents"]),
            check_name=name,
            passed=passed,
            metadata={},
            severity=severity,
            description=description,
        )
        return SimpleNamespace(event_type_value="ASSET_CHECK_EVALUATION", event_specific_data=data)

    events = [
        evaluation("incidents_reconciliation", True, dg.AssetCheckSeverity.ERROR),
        evaluation("incidents_freshness", False, dg.AssetCheckSeverity.WARN, "1 force(s) more than 2 months behind"),
        evaluation("broken", False, dg.AssetCheckSeverity.ERROR),
        SimpleNamespace(event_type_value="STEP_SUCCESS", event_specific_data=None),
    ]
    errors, warnings = cli._failed_checks(events)
    assert errors == ["raw/incidents: broken"]
    assert warnings == ["raw/incidents: incidents_freshness (1 force(s) more than 2 months behind)"]
