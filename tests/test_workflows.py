"""The GitHub workflows: valid against the published workflow schema, and made of make targets run here.

GitHub Actions cannot run on this machine, so each workflow is checked with check-jsonschema's GitHub workflow
schema, and the scheduled refresh's make steps are run in order by tests/orchestration/test_refresh_e2e.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.workflow_steps import REFRESH_WORKFLOW, TEST_WORKFLOW, WORKFLOWS, load, make_steps, steps

CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
REPO = WORKFLOWS.parents[1]


def validate(*paths: Path) -> subprocess.CompletedProcess:
    cmd = [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (REPO / "Makefile").read_text(), re.MULTILINE))


def test_every_workflow_is_valid(tmp_path):
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"refresh.yml", "test.yml"}
    done = validate(*files)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"  # the check does fail: a job without runs-on
    broken.write_text(REFRESH_WORKFLOW.read_text().replace("    runs-on: ubuntu-latest\n", ""))
    assert validate(broken).returncode != 0


def test_refresh_runs_monthly_and_on_demand_and_uploads_its_outputs():
    workflow = load(REFRESH_WORKFLOW)
    assert workflow["on"]["schedule"][0]["cron"].split()[2:] == ["6", "*", "*"]  # monthly, on the 6th
    assert "workflow_dispatch" in workflow["on"]
    uploads = {
        s["with"]["name"]: s["with"]["path"] for s in steps(REFRESH_WORKFLOW) if "upload-artifact" in s.get("uses", "")
    }
    assert uploads == {
        "serving-snapshot": "artefacts/serving",
        "revisions-report": "artefacts/revisions",
        "dbt-docs": "artefacts/dbt-docs",
    }
    commands = make_steps(REFRESH_WORKFLOW)
    assert [c.split()[1] for c in commands] == ["install", "refresh", "checks", "publish", "docs", "artefacts"]
    assert {c.split()[1] for c in commands} <= make_targets()
    # the only other shell step fetches the last run's snapshot (GitHub's CLI: not runnable here)
    others = [s["name"] for s in steps(REFRESH_WORKFLOW) if "run" in s and not s["run"].strip().startswith("make ")]
    assert others == ["Previous publication"]


def test_test_workflow_runs_what_ci_runs():
    workflow = load(TEST_WORKFLOW)
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert make_steps(TEST_WORKFLOW) == ["make lint", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "make lint" in ci and "make test" in ci
