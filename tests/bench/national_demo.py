"""The national demo at benchmark scale, written once and reused by every `make bench`.

Ten financial years (2015-04 to 2025-03) of monthly extracts (incidents, incident totals, custody, street triage) for
all 43 forces and BTP, with the rest of what `mhw synth` writes (s136 for its default six years, the published ADR
tables, scheme registers, the inspections tracker). Writing it takes about 7 minutes on 2 cores, so it is kept in
MHW_BENCH_DATA (default: <temp dir>/mhw-bench), in a folder named after what it depends on (seed, months and the
code of the generator and the contracts); a run of the benchmark hard-links its files into a fresh landing zone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = 42
MONTHS = ("2015-04", "2025-03")  # ten financial years, month 1 to month 120
MONTHLY_SOURCES = ("incidents", "incident_totals", "custody", "street_triage")
GENERATOR = (ROOT / "demo", ROOT / "ingestion" / "contracts", ROOT / "seeds")
COMPLETE = "complete"


def _generator_digest() -> str:
    digest = hashlib.sha256(f"{SEED}\t{MONTHS}".encode())
    for root in GENERATOR:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def data_dir() -> Path:
    base = Path(os.environ.get("MHW_BENCH_DATA") or Path(tempfile.gettempdir()) / "mhw-bench")
    return base / f"national-{MONTHS[0]}-{MONTHS[1]}-{_generator_digest()}"


def national_demo(log=print) -> Path:
    """The landing zone of the ten-year national demo (written now if this generator has not written it before)."""
    folder = data_dir()
    landing = folder / "home" / "landing"
    if (folder / COMPLETE).exists():
        return landing
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"writing the ten-year national demo into {folder} (once; about 7 minutes on 2 cores)")
    env = {**os.environ, "MHW_HOME": str(folder / "home")}
    for name in ("MHW_LANDING_DIR", "MHW_WAREHOUSE", "MHW_SERVING_DIR"):
        env.pop(name, None)
    mhw = str(Path(sys.executable).parent / "mhw")
    subprocess.run([mhw, "synth", "--months", ":".join(MONTHS), "--no-progress"], env=env, check=True)
    (folder / COMPLETE).write_text("written by tests/bench/national_demo.py\n")
    return landing


def _extract_month(rel: Path) -> str | None:
    """The month (YYYY-MM) of a monthly force extract (source/force/month/file); None for any other file."""
    return rel.parts[2] if len(rel.parts) == 4 and rel.parts[0] in MONTHLY_SOURCES else None


def is_last_month(rel: Path) -> bool:
    """A monthly force extract of month 120 (what the one-new-month refresh delivers)."""
    return _extract_month(rel) == MONTHS[1]


def link_files(source: Path, files: list[Path], dest: Path) -> list[Path]:
    """Hard-link (or copy, across file systems) files under source to the same places under dest."""
    placed = []
    for path in sorted(files):
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        placed.append(target)
    return placed


def link_landing(source: Path, dest: Path, *, last_month: bool, since: str = MONTHS[0]) -> list[Path]:
    """The demo's files in dest: every file but month 120's monthly extracts (last_month=False), or only those;
    with `since`, the monthly extracts of earlier months are left out as well (a shorter history)."""
    rels = (p.relative_to(source) for p in source.rglob("*") if p.is_file())  # files not monthly: kept whatever `since`
    files = [
        source / rel for rel in rels if is_last_month(rel) == last_month and (_extract_month(rel) or since) >= since
    ]
    return link_files(source, files, dest)
