"""`make plan`: SQLMesh classifies a change to the dbt models against a base, on a scratch database.

The slow test edits a temporary copy of the project twice over: a breaking change (a value in an intermediate
model many published marts are built from) and a non-breaking one (a column added to a published dimension).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mhw.change_review import (
    ReviewError,
    base_files,
    folder_files,
    format_review,
    review_change,
    stand_in_python_models,
    sync_folder,
)
from mhw.published import published_models
from mhw.settings import PROJECT_ROOT, get_settings

IGNORED = shutil.ignore_patterns("target", "logs", "dbt_packages", ".cache", ".user.yml")


def copy_project(dest: Path) -> Path:
    for folder in ("dbt_project", "seeds"):
        shutil.copytree(PROJECT_ROOT / folder, dest / folder, ignore=IGNORED)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer holds {old!r}: update this test's edit"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MHW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MHW_WAREHOUSE", raising=False)
    return tmp_path / "home"


@pytest.mark.slow
def test_plan_classifies_a_breaking_and_a_non_breaking_change(tmp_path, home, capfd):
    base = copy_project(tmp_path / "base")
    project = copy_project(tmp_path / "project")
    models = project / "dbt_project" / "models"
    edit(
        models / "intermediate" / "int_s136_force_year.sql",
        "coalesce(r.n_active_loads, 0)",
        "coalesce(r.n_active_loads, 1)",
    )
    edit(models / "marts" / "dim_force.sql", "as peer_group", "as peer_group,\n    1 as review_marker")
    # a description only: reported as metadata only (it was not reported at all)
    edit(models / "marts" / "dim_ethnicity.yml", "Ethnicity codes by scheme", "Ethnicity codes, by scheme")
    # the benchmarking core: one decimal place less of tau2 in the funnel
    edit(models / "intermediate" / "int_benchmark_funnel.sql", "'funnel_tau2', 8", "'funnel_tau2', 7")

    review = review_change(get_settings(), base=str(base), root=project)
    printed = capfd.readouterr().out
    assert "partial parsing" not in printed and "Found " not in printed, "dbt's own lines come before the review"

    int_change = review.change("int_s136_force_year")
    assert int_change.direct and int_change.category == "breaking"
    dim_change = review.change("dim_force")
    assert dim_change.direct and dim_change.category == "non-breaking" and dim_change.published
    downstream = review.change("mart_s136_force_year")
    assert not downstream.direct and downstream.breaking and "int_s136_force_year" in downstream.causes
    assert review.change("int_benchmark_funnel").direct and review.change("int_benchmark_funnel").breaking
    for name in ("mart_benchmark", "mart_spc"):  # mart_spc reads mart_benchmark's counts
        assert review.change(name).breaking and "int_benchmark_funnel" in review.change(name).causes
    # every published mart built on the breaking change is listed as breaking; one built on neither is absent
    built_on = {name for name, m in published_models().items() if "model.mhw.int_s136_force_year" in m.lineage}
    assert built_on and all(review.change(name).breaking for name in built_on)
    untouched = [
        n
        for n, m in published_models().items()
        if not {"model.mhw.int_s136_force_year", "model.mhw.dim_force", "model.mhw.int_benchmark_funnel"}
        & set(m.lineage)
        and n != "dim_ethnicity"
    ]
    assert untouched and not any(review.change(name) for name in untouched)
    report = format_review(review)
    assert "int_s136_force_year: breaking" in report and "dim_force: non-breaking" in report
    assert review.change("dim_ethnicity").category == "metadata only" and "dim_ethnicity: metadata only" in report
    assert "mart_s136_force_year: breaking (indirect), downstream of dim_force, int_s136_force_year" in report
    assert "mart_iopc_deaths" not in report
    # SQLMesh worked on its scratch copies only: no warehouse, nothing written into the project
    assert not (home / "warehouse.duckdb").exists()
    assert (home / "sqlmesh" / "plan.duckdb").exists()
    assert not list((project / "dbt_project").glob("external_models.yaml"))
    assert not (project / "dbt_project" / ".cache").exists()
    # SQL that does not parse: one plain error naming the model and the line (it was three tracebacks)
    edit(models / "marts" / "dim_force.sql", "1 as review_marker", "1 as review_marker (")
    with pytest.raises(ReviewError, match=r"(?s)SQLMesh could not plan the change: .*dim_force\.sql.*Line \d+"):
        review_change(get_settings(), base=str(base), root=project)


def test_base_defaults_to_the_last_commit_when_there_is_no_main(tmp_path):
    repo = copy_project(tmp_path / "repo")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "work"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    model = repo / "dbt_project" / "models" / "marts" / "dim_force.sql"
    committed = model.read_bytes()
    model.write_text("select 1 as changed")
    label, files = base_files(repo, None)
    assert label.startswith("HEAD (")
    assert files["dbt_project/models/marts/dim_force.sql"] == committed
    with pytest.raises(ReviewError, match="no such git revision"):
        base_files(repo, "no-such-branch")


def test_without_git_or_a_base_folder_the_error_says_what_to_pass(tmp_path):
    project = copy_project(tmp_path / "project")
    with pytest.raises(ReviewError, match="pass --base"):
        base_files(project, None)
    label, files = base_files(project, str(project))
    assert label == str(project) and "dbt_project/dbt_project.yml" in files


def test_sync_rewrites_only_changed_files_and_keeps_caches(tmp_path):
    dest = tmp_path / "copy"
    assert sync_folder(dest, {"dbt_project/a.sql": b"select 1", "seeds/s.csv": b"x\n1\n"})
    (dest / "dbt_project" / ".cache").mkdir()
    (dest / "dbt_project" / ".cache" / "c").write_text("warm")
    before = (dest / "seeds" / "s.csv").stat().st_mtime_ns
    assert not sync_folder(dest, {"dbt_project/a.sql": b"select 1", "seeds/s.csv": b"x\n1\n"})
    assert sync_folder(dest, {"dbt_project/a.sql": b"select 2", "seeds/s.csv": b"x\n1\n"})
    assert (dest / "dbt_project" / "a.sql").read_bytes() == b"select 2"
    assert (dest / "seeds" / "s.csv").stat().st_mtime_ns == before
    assert sync_folder(dest, {"seeds/s.csv": b"x\n1\n"})
    assert not (dest / "dbt_project" / "a.sql").exists() and (dest / "dbt_project" / ".cache" / "c").exists()


def test_python_models_stand_in_as_sql_with_their_columns_parents_and_code_digest():
    files = folder_files(PROJECT_ROOT)
    rel = "dbt_project/models/intermediate/scheme_evaluation/int_scheme_evaluation.py"
    assert rel in files, "no dbt Python model left: this test and the stand-in can go"
    out = stand_in_python_models(files)
    assert rel not in out and not any(r.startswith("dbt_project/models/") and r.endswith(".py") for r in out)
    sql = out[rel.replace(".py", ".sql")].decode()
    assert "cast(null as varchar) as scheme_key" in sql and "cast(null as double) as did_trend_ucl" in sql
    assert all(f"ref('{p}')" in sql for p in ("dim_scheme", "int_scheme_outcome_month", "int_scheme_comparison_forces"))
    edited = stand_in_python_models({**files, rel: files[rel] + b"\n# a changed comment\n"})
    assert edited[rel.replace(".py", ".sql")] != out[rel.replace(".py", ".sql")]
    yml = rel.replace(".py", ".yml")
    with pytest.raises(ReviewError, match="needs its columns with data_type"):
        stand_in_python_models({**files, yml: b"version: 2\nmodels:\n  - name: int_scheme_evaluation\n"})
