"""The repository tracks only source: no virtualenv, tool folder, build output, cache or binary (README, layout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# folders that only tools and builds create
FORBIDDEN_PARTS = {
    *(".venv", ".venv-tools", "venv", "__pycache__", "node_modules", "build", "dist", "target", "dbt_packages"),
    *("logs", ".pytest_cache", ".ruff_cache", ".sqlmesh", "data", "test-results"),
}
FORBIDDEN_SUFFIXES = (".egg-info", ".pyc", ".so", ".whl", ".duckdb", ".wal", ".exe", ".dll", ".dylib", ".parquet")
FORBIDDEN_NAMES = {".user.yml"}  # dbt's per-user id, written by dbt itself
MAX_BYTES = 1_000_000  # the largest source file (uv.lock) is about 0.3 MB


def tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        pytest.skip("not a git checkout")
    return [p for p in done.stdout.split("\0") if p]


def offending(paths: list[str]) -> list[str]:
    """Tracked paths that are tool, build or binary output, with the reason."""
    bad = []
    for rel in paths:
        parts = Path(rel).parts
        if FORBIDDEN_PARTS & set(parts[:-1]) or any(p.endswith(".egg-info") for p in parts[:-1]):
            bad.append(f"{rel}: inside a tool or build folder")
        elif parts[-1] in FORBIDDEN_NAMES:
            bad.append(f"{rel}: written by a tool")
        elif rel.endswith(FORBIDDEN_SUFFIXES):
            bad.append(f"{rel}: build output or binary")
        else:
            path = REPO / rel
            if path.is_file() and not path.is_symlink():
                head = path.read_bytes()[:8192]
                if b"\0" in head or head.startswith(b"\x7fELF"):
                    bad.append(f"{rel}: binary content")
                elif path.stat().st_size > MAX_BYTES:
                    bad.append(f"{rel}: {path.stat().st_size:,} bytes, too large for source")
    return bad


def test_the_tree_tracks_only_source():
    assert offending(tracked_files()) == []


def test_the_check_catches_tooling(tmp_path):
    found = offending([".venv-tools/bin/uv", "mh.egg-info/PKG-INFO", "mhw/__pycache__/x.pyc", "seeds/ref_force.csv",
                      "dbt_project/.user.yml"])  # fmt: skip
    assert found == [
        ".venv-tools/bin/uv: inside a tool or build folder",
        "mh.egg-info/PKG-INFO: inside a tool or build folder",
        "mhw/__pycache__/x.pyc: inside a tool or build folder",
        "dbt_project/.user.yml: written by a tool",
    ]


def test_no_tracked_file_points_at_the_design_folder_outside_the_repository():
    """A clone has no design folder beside it: what the code relies on is written into docs/ (docs/calibration.md)."""
    outside = ("/".join(("shared", "design")), "/".join(("", "work", "")))  # built, so this file does not name them
    pointing = [
        rel
        for rel in tracked_files()
        if not rel.endswith(".lock") and (REPO / rel).is_file()
        and any(path in (REPO / rel).read_text(errors="ignore") for path in outside)
    ]  # fmt: skip
    assert pointing == []
