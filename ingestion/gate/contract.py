"""Source contracts (ingestion/contracts/<source>.yml): canonical columns, codes, layouts and layout recognition."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"
TEMPORAL = ("timestamp", "month")  # month: a timestamp read as its month's first day
TYPES = {"string", "int", "bool", "code", *TEMPORAL}
EXCEL_SERIAL = "excel_serial"  # a timestamp format token: days since 1899-12-30 (Excel's date serial), e.g. 45413.5
FILE_FORMATS = {"csv", "xlsx"}
ENCODINGS = {"utf-8", "cp1252"}
# The canonical layout (the first of every contract) is the one any force or tool may write, so it reads the
# spellings common tools produce; a force's own layout keeps exactly what it declares.
CANONICAL_BOOL_MAP = {"Y": True, "N": False, "YES": True, "NO": False, "TRUE": True, "FALSE": False}
CANONICAL_BOOL_MAP |= {"1": True, "0": False, "1.0": True, "0.0": False, "T": True, "F": False}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    codes: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    is_person_identifier: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    column_aliases: dict[str, str]
    timestamp_formats: tuple[str, ...]
    timestamp_expected: str
    bool_map: dict[str, bool]
    code_maps: dict[str, dict[str, str]]
    forces: tuple[str, ...] = ()
    file_format: str = "csv"  # how the force delivers it: csv | xlsx (either is always read)
    encoding: str = "utf-8"  # CSV text encoding: utf-8 (BOM tolerated) | cp1252 (Windows-1252)
    omits: tuple[str, ...] = ()  # canonical columns this layout does not carry (never required ones)

    def canonical_name(self, header: str) -> str:
        """The canonical column a header cell maps to (aliases first, else the name itself, lower-cased)."""
        key = header.strip().lower()
        return self._aliases_lower.get(key, key)

    def header_of(self, name: str) -> str:
        """How this layout heads a canonical column: its first alias for it, else the canonical name."""
        return next((cell for cell, canonical in self.column_aliases.items() if canonical == name), name)

    @property
    def _aliases_lower(self) -> dict[str, str]:
        return {k.strip().lower(): v for k, v in self.column_aliases.items()}


PERIOD_KINDS = ("financial_year", "month")  # what a period folder may be: 'YYYY-YY' or 'YYYY-MM'


@dataclass(frozen=True)
class Contract:
    source: str
    columns: tuple[Column, ...]
    layouts: tuple[Layout, ...]
    period_field: str | None = None
    id_fields: tuple[str, ...] = ()  # what identifies a row (one column, or several together)
    rules: dict = field(default_factory=dict)
    # 'force': files sit under <source>/<force_code>/<period>/; 'national': under <source>/national/<period>/
    scope: str = "force"
    # 'force': an id may be active once per force (across its files and periods); 'period': once per force and
    # period (the same id in other periods is the record's history, e.g. status snapshots, or a month's total)
    id_unique_within: str = "force"
    # the kinds of period folder the source is delivered by (`periods` in the contract; default: either)
    periods: tuple[str, ...] = PERIOD_KINDS
    digest: str = ""  # sha256 of what the contract says: a refusal it governs is answered again when that changes

    @property
    def id_field(self) -> str | None:
        """The id column when one column identifies a row."""
        return self.id_fields[0] if len(self.id_fields) == 1 else None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def layout(self, name: str) -> Layout:
        return next(lay for lay in self.layouts if lay.name == name)

    def layouts_for(self, force_code: str | None) -> tuple[Layout, ...]:
        """Layouts open to a force: its own (listed in `forces`) and those open to every force."""
        return tuple(lay for lay in self.layouts if not lay.forces or force_code in lay.forces)

    def encodings_for(self, force_code: str | None) -> tuple[str, ...]:
        """CSV text encodings a force's files may use (from its layouts), UTF-8 first."""
        return tuple(dict.fromkeys(["utf-8", *(lay.encoding for lay in self.layouts_for(force_code))]))

    def delivery_layout(self, force_code: str) -> Layout:
        """The layout a force delivers in: the one naming it in `forces`, else the first (canonical) layout."""
        own = [lay for lay in self.layouts if force_code in lay.forces]
        return own[0] if own else self.layouts[0]


@dataclass(frozen=True)
class LayoutMatch:
    """The layout chosen for a header, and how each header cell maps to a canonical column."""

    layout: Layout
    rename: dict[str, str]  # header cell -> canonical column (only cells that are canonical columns)
    missing_required: list[str]
    doubled: list[tuple[str, str, str]] = field(default_factory=list)  # (cell, later cell, column they both mean)


@cache
def load_contract(source: str) -> Contract:
    """Read and check ingestion/contracts/<source>.yml."""
    path = CONTRACTS_DIR / f"{source}.yml"
    if not path.exists():
        raise ValueError(f"no contract for source '{source}' (expected {path})")
    text = path.read_bytes()
    doc = yaml.safe_load(text.decode("utf-8"))
    columns = tuple(
        Column(
            name=c["name"],
            type=c["type"],
            required=bool(c.get("required", False)),
            codes=tuple(str(v) for v in c.get("codes", ())),
            min=c.get("min"),
            max=c.get("max"),
            is_person_identifier=bool(c.get("is_person_identifier", False)),
        )
        for c in doc["columns"]
    )
    for c in columns:
        if c.type not in TYPES or (c.type == "code") != bool(c.codes):
            raise ValueError(f"{path.name}: column {c.name} has type {c.type!r} with codes {c.codes}")
    layouts = tuple(
        Layout(
            name=name,
            description=spec.get("description", ""),
            column_aliases={str(k): str(v) for k, v in (spec.get("column_aliases") or {}).items()},
            timestamp_formats=tuple(spec["timestamp_formats"]),
            timestamp_expected=spec["timestamp_expected"],
            bool_map={str(k).upper(): bool(v) for k, v in spec["bool_map"].items()}
            | (CANONICAL_BOOL_MAP if order == 0 else {}),
            code_maps={f: {str(k): str(v) for k, v in m.items()} for f, m in (spec.get("code_maps") or {}).items()},
            forces=tuple(spec.get("forces") or ()),
            file_format=spec.get("file_format", "csv"),
            encoding=spec.get("encoding", "utf-8"),
            omits=tuple(spec.get("omits") or ()),
        )
        for order, (name, spec) in enumerate(doc["layouts"].items())
    )
    names = {c.name for c in columns}
    for lay in layouts:
        if lay.file_format not in FILE_FORMATS or lay.encoding not in ENCODINGS:
            raise ValueError(
                f"{path.name}: layout {lay.name} has file_format {lay.file_format!r} / encoding {lay.encoding!r}; "
                f"expected one of {sorted(FILE_FORMATS)} / {sorted(ENCODINGS)}"
            )
        required_omitted = set(lay.omits) & {c.name for c in columns if c.required}
        if required_omitted:
            raise ValueError(f"{path.name}: layout {lay.name} omits required columns {sorted(required_omitted)}")
        unknown = (set(lay.column_aliases.values()) | set(lay.code_maps) | set(lay.omits)) - names
        if unknown:
            raise ValueError(f"{path.name}: layout {lay.name} maps to unknown columns {sorted(unknown)}")
    scope, id_unique_within = doc.get("scope", "force"), doc.get("id_unique_within", "force")
    if scope not in {"force", "national"} or id_unique_within not in {"force", "period"}:
        raise ValueError(f"{path.name}: scope {scope!r} / id_unique_within {id_unique_within!r} not recognised")
    periods = tuple(doc.get("periods") or PERIOD_KINDS)
    if not periods or set(periods) - set(PERIOD_KINDS):
        raise ValueError(f"{path.name}: periods {list(periods)} not recognised; expected some of {list(PERIOD_KINDS)}")
    id_fields = tuple(doc.get("id_fields") or ([doc["id_field"]] if doc.get("id_field") else []))
    if set(id_fields) - names:
        raise ValueError(f"{path.name}: id columns {sorted(set(id_fields) - names)} are not columns")
    by_name = {c.name: c for c in columns}
    if id_unique_within == "force" and id_fields:  # matched across a force's periods inside the warehouse (ledger.py)
        if (
            scope != "force"
            or len(id_fields) != 1
            or by_name[id_fields[0]].type != "string"
            or "force_code" not in names
        ):
            raise ValueError(
                f"{path.name}: ids unique within a force must be one text column of a force source with a force_code"
            )
    return Contract(
        source=doc["source"],
        columns=columns,
        layouts=layouts,
        period_field=doc.get("period_field"),
        id_fields=id_fields,
        rules=doc.get("rules") or {},
        scope=scope,
        id_unique_within=id_unique_within,
        periods=periods,
        # of the parsed document, not the file's bytes: an edited comment or layout of the file changes nothing
        digest=hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest(),
    )


def match_layout(contract: Contract, header: list[str], force_code: str | None = None) -> LayoutMatch:
    """Recognise the layout of a file from its header.

    A layout qualifies when all required canonical columns are present after alias mapping. Among those, the one
    that spells most header cells exactly as it writes them (its alias keys, and canonical names it does not
    alias; case-sensitive) wins, then the one whose aliases explain most cells ignoring case, then the first listed.
    When none qualifies, the closest layout (most required columns present) is returned with missing_required.
    """
    names = set(contract.names)
    cells = [cell.strip() for cell in header]
    best: tuple[tuple[int, int, int, int], LayoutMatch] | None = None
    for order, lay in enumerate(contract.layouts):
        if lay not in contract.layouts_for(force_code):
            continue
        rename: dict[str, str] = {}
        doubled: list[tuple[str, str, str]] = []
        for cell in header:
            target = lay.canonical_name(cell)
            if target not in names:
                continue
            first = next((c for c, t in rename.items() if t == target), None)
            if first is None:
                rename[cell] = target
            else:
                doubled.append((first.strip(), cell.strip(), target))
        missing = [c for c in contract.required if c not in rename.values()]
        spelled = {k.strip() for k in lay.column_aliases} | (names - set(lay.column_aliases.values()))
        exact = sum(1 for cell in cells if cell in spelled)
        alias_hits = sum(1 for cell in cells if cell.lower() in lay._aliases_lower)
        score = (-len(missing), exact, alias_hits, -order)
        if best is None or score > best[0]:
            best = (score, LayoutMatch(lay, rename, missing, doubled))
    assert best is not None, "a contract has at least one layout open to every force"
    return best[1]


def columns_not_read(contract: Contract, match: LayoutMatch, header: list[str]) -> list[str]:
    """The header cells that are no column of the matched layout (an extra column, or a misspelt optional one, whose
    values would otherwise vanish without a word), each with the layout's closest spelling of a column the file
    lacks: "officer_minute (did you mean 'officer_minutes'?)". The rows load without them; the ledger names them."""
    lay = match.layout
    spellings = {k.strip(): v for k, v in lay.column_aliases.items()}
    spellings |= {name: name for name in contract.names if name not in lay.column_aliases.values()}
    lacking = [k for k, v in spellings.items() if v not in match.rename.values() and v not in lay.omits]
    unread = []
    for cell in (c.strip() for c in header if c not in match.rename):
        close = difflib.get_close_matches(cell.lower(), [k.lower() for k in lacking], n=1, cutoff=0.8)
        spelled = next((k for k in lacking if close and k.lower() == close[0]), None)
        unread.append(f"{cell} (did you mean '{spelled}'?)" if spelled else cell)
    return unread
