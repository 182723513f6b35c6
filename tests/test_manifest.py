"""dbt's manifest: parsed again only when a file dbt reads changed, and never by `dagster dev` for another profile."""

import os
import subprocess
import sys

from mhw import manifest
from mhw.settings import DBT_MANIFEST, PROJECT_ROOT


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
    monkeypatch.setattr(manifest, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(manifest, "SEEDS_DIR", project / "seeds")
    monkeypatch.setattr(manifest, "DBT_MANIFEST", project / "target" / "manifest.json")
    old = os.path.getmtime(project / "target" / "manifest.json") - 100
    for name in ("models/m.sql", "dbt_project.yml", "seeds/s.csv"):
        os.utime(project / name, (old, old))
    assert manifest.is_current()
    os.utime(project / "seeds" / "s.csv")  # a seed edited after the last parse
    os.utime(project / "target" / "manifest.json", (old, old))
    assert not manifest.is_current()
    (project / "target" / "manifest.json").unlink()
    assert not manifest.is_current()


def test_dagster_dev_leaves_a_current_parse_as_it_is():
    """`dagster dev` loads the definitions with DAGSTER_IS_DEV_CLI set. dagster-dbt would then parse the project
    again for its own profile, leaving a parse state the next build cannot reuse (it parses the whole project);
    the definitions parse only when the project changed, and as `make manifest` does."""
    manifest.prepare()
    state = DBT_MANIFEST.parent / "partial_parse.msgpack"
    before = {path: path.stat().st_mtime_ns for path in (DBT_MANIFEST, state)}
    env = {**os.environ, "DAGSTER_IS_DEV_CLI": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "import orchestration.definitions"], cwd=PROJECT_ROOT, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert {path: path.stat().st_mtime_ns for path in before} == before
