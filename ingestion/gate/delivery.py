"""Delivery semantics: what a new file does to the files already in force (docs/interfaces.md, "Deliveries").

A delivery is identified by source, force, period and file name. The same name with new content corrects that
file only. A new name in the same force and period is another part: its rows add to the other parts, and an id
already active in another part is a row-level reject naming that file, except when the new file's ids match one
active part's (the same set, a subset or a superset): then it is a corrected re-send of that part and supersedes it.
A file whose ids include all of several parts' ids (a month sent in parts, then whole) replaces them all.
The ids are those of every row whose id reads, refused rows too, of the new file and of a part in force alike: which
records a file re-sends does not depend on whether they pass (a re-send may drop a record and fix a refused row); a
file holding all of a part's ids in force re-sends it too. A file holding none of a part's ids in force re-sends
nothing of it (the refused rows alone, fixed, are another part). (A new version none of whose rows passes replaces
nothing: the loader refuses it whole.)
Withdrawing a file is an operator's act (`mhw withdraw`), never a side effect of another file.

This module holds the rule and nothing else: it compares sets of ids, so the loader may gather them however it
likes (today from raw; later from an index of active ids), and it never touches the warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

KEY = "__key"  # the column holding a row's id (its id columns joined), for comparing deliveries


def key_expr(columns: Sequence[str]) -> pl.Expr:
    """A row's id as one string: its id columns (typed values) joined with '|'; null when any is missing."""
    return pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator="|")


@dataclass(frozen=True)
class ActivePart:
    """A file in force (ledger status 'loaded') of the new delivery's force and period: the ids of its rows in force
    (`keys`), and of its rows refused (`refused`), which it was sent with too."""

    load_id: str
    file_path: str
    keys: frozenset[str]
    refused: frozenset[str] = frozenset()

    @property
    def sent(self) -> frozenset[str]:
        return self.keys | self.refused


@dataclass(frozen=True)
class Holder:
    """The file in force holding an id that a new delivery's row repeats (the row is refused, naming it)."""

    load_id: str
    file_path: str


@dataclass(frozen=True)
class ActiveIds:
    """What a new delivery can meet: the parts in force of its force and period (with their ids), and which of its
    own ids are in force in the force's other periods (id -> file), for ids unique per force."""

    parts: list[ActivePart]
    elsewhere: dict[str, Holder] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    supersedes: tuple[ActivePart, ...] = ()
    why: str | None = None  # why the new file replaces them, in plain English
    holders: dict[str, Holder] = field(default_factory=dict)  # id -> file already holding it (the rows are refused)

    def describe(self) -> str | None:
        """The ledger's words for what the new file did to the files in force."""
        if not self.supersedes:
            return None
        return "replaces " + ", ".join(p.file_path for p in self.supersedes) + f" ({self.why})"


def _relation(keys: frozenset[str], part: ActivePart) -> str:
    if keys == part.sent:
        return f"the same {len(keys)} ids"
    if keys < part.sent:
        return f"{len(keys)} of its {len(part.sent)} ids and no others"
    return f"all its {len(part.keys)} ids and {len(keys - part.keys)} more"


def decide(file_path: str, keys: frozenset[str], active: ActiveIds) -> Decision:
    """What a new delivery (its path and the ids it holds) does to the files in force it can meet.

    A part at the same path is the earlier version of this file.
    """
    parts = active.parts
    earlier = tuple(p for p in parts if p.file_path == file_path)
    if earlier:
        supersedes, why = earlier, "a corrected version of the same file: same name, new content"
    else:
        resent = [p for p in parts if p.keys & keys and (keys <= p.sent or keys >= p.keys)]
        if len(resent) == 1:
            (part,) = resent
            supersedes = (part,)
            why = f"a corrected re-send under a new name: it holds {_relation(keys, part)}"
        elif resent and all(p.keys <= keys for p in resent):
            supersedes = tuple(resent)
            why = f"a re-send of {len(resent)} parts as one file: it holds all their ids"
        else:
            supersedes, why = (), None
    holders = dict(active.elsewhere)
    holders |= {k: Holder(p.load_id, p.file_path) for p in parts if p not in supersedes for k in p.keys & keys}
    return Decision(supersedes, why, holders)
