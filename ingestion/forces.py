"""The force codes every loader checks against: seeds/ref_force.csv (43 ONS police force area codes and BTP)."""

from __future__ import annotations

import csv
from functools import cache

from mhw.settings import SEEDS_DIR


@cache
def known_force_codes() -> frozenset[str]:
    """Force codes of seeds/ref_force.csv (43 ONS PFA codes + BTP)."""
    with open(SEEDS_DIR / "ref_force.csv", encoding="utf-8") as fh:
        return frozenset(row["force_code"] for row in csv.DictReader(fh))
