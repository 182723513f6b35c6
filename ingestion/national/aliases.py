"""Force name matching: every published name variant maps to one force code through seeds/ref_force_alias.csv.

Names are compared after normalisation (case, '&' = 'and', punctuation, and the words police / constabulary /
service / force ignored). A name the table does not know is an error naming the file and rows, never a drop:
add the variant to the seed and load again.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from mhw.settings import SEEDS_DIR

ALIAS_SEED = SEEDS_DIR / "ref_force_alias.csv"
ENTITY_TYPES = ("force", "multi_force", "non_territorial_body", "total", "region_or_group")


class UnmappedForceName(ValueError):
    """A force name in a file that the alias table does not know."""


@dataclass(frozen=True)
class Alias:
    alias: str
    force_code: str | None  # one code for a force; 'A|B' for a multi-force row; None otherwise
    entity_type: str


def normalise_name(name: str) -> str:
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    text = re.sub(r"\b(police|constabulary|service|force)\b", " ", text)
    return " ".join(text.split())


@cache
def alias_table() -> dict[str, Alias]:
    """Normalised name -> Alias, from the seed (read once per process)."""
    with ALIAS_SEED.open(encoding="utf-8") as fh:
        rows = [Alias(r["alias"], r["force_code"] or None, r["entity_type"]) for r in csv.DictReader(fh)]
    table: dict[str, Alias] = {}
    for row in rows:
        key = normalise_name(row.alias)
        if key in table and table[key] != row:
            raise ValueError(f"{ALIAS_SEED.name}: '{row.alias}' and '{table[key].alias}' normalise alike")
        table[key] = row
    return table


def resolve(name: str) -> Alias:
    found = alias_table().get(normalise_name(name or ""))
    if found is None:
        raise UnmappedForceName(f"'{name}' is not a known force name; add it to seeds/{ALIAS_SEED.name}")
    return found


def map_force_names(
    df: pl.DataFrame, column: str, file_name: str, *, row_column: str | None = None, field: str | None = None
) -> pl.DataFrame:
    """Add force_code and entity_type for the names in `column`; every unmapped name fails the load.

    Row numbers in the message are 1-based data rows (the header excluded), or the frame's `row_column` when it holds
    some of a file's rows; `field` names the column in the message when `column` alone would not say enough.
    """
    table = alias_table()
    keys = df.get_column(column).cast(pl.String).fill_null("").map_elements(normalise_name, return_dtype=pl.String)
    unknown = [key not in table for key in keys]
    if any(unknown):
        numbers = df.get_column(row_column).to_list() if row_column else range(1, df.height + 1)
        rows = [row for row, bad in zip(numbers, unknown, strict=True) if bad]
        names = sorted({n for n, bad in zip(df.get_column(column).to_list(), unknown, strict=True) if bad}, key=str)
        shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
        raise UnmappedForceName(
            f"{file_name}: field '{field or column}', rows {shown}: unknown force name(s) "
            + ", ".join(repr(n) for n in names)
            + f"; add each to seeds/{ALIAS_SEED.name} (alias, force_code, entity_type)"
        )
    return df.with_columns(
        force_code=keys.map_elements(lambda k: table[k].force_code, return_dtype=pl.String),
        entity_type=keys.map_elements(lambda k: table[k].entity_type, return_dtype=pl.String),
    )
