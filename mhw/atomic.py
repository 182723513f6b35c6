"""Small files written whole: beside their place first, then renamed into it, so a reader (a Dagster UI, the next
refresh) never sees half of one, and a process killed while writing leaves the previous file as it was."""

from __future__ import annotations

from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """`text` as the whole of `path` (its folder made if need be)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
