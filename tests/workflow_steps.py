"""The GitHub workflows' steps as the tests read them (tests/test_workflows.py, the refresh e2e test)."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
REFRESH_WORKFLOW = WORKFLOWS / "refresh.yml"
TEST_WORKFLOW = WORKFLOWS / "test.yml"


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def steps(path: Path) -> list[dict]:
    return [step for job in load(path)["jobs"].values() for step in job["steps"]]


def make_steps(path: Path) -> list[str]:
    """The `run:` commands that call make, in order."""
    return [step["run"].strip() for step in steps(path) if step.get("run", "").strip().startswith("make ")]
