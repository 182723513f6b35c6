"""Pseudonymisation at the gate (methods.md §5): person identifiers become keyed HMAC-SHA256 tokens.

person_token = HMAC-SHA256(key, domain + ":" + normalised identifier), hex; the raw identifier is never written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import polars as pl

from mhw.settings import Settings

KEY_ENV = "MHW_PSEUDONYMISATION_KEY"
KEY_ID_ENV = "MHW_PSEUDONYMISATION_KEY_ID"

_NHS_SHAPE = re.compile(r"^\d{10}$")
_SEPARATORS = re.compile(r"[\s-]")
_PNC = re.compile(r"^(\d{4})/(\d{1,7})([A-Z])$")
NHS_CHECK_FAILED = "looks like an NHS number but fails the Modulus 11 check"
PERSON_COLUMNS = ("person_id", "person_name", "person_dob")  # never stored; the gate turns them into a token


class MissingKeyError(RuntimeError):
    """No pseudonymisation key is configured (and this is not a demo)."""


class InvalidPersonId(ValueError):
    """A person identifier that cannot be normalised; the message never contains the value."""


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check: weights 10..2 on digits 1-9; c = 11 - (sum mod 11), 11 -> 0, 10 -> invalid."""
    if not _NHS_SHAPE.match(digits):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def normalise_person_id(value: str) -> tuple[str, str]:
    """(domain, normalised id): 'nhs' for a Modulus 11 valid NHS number, 'pnc' for YYYY/NNNNNNNA, else 'local'.

    Raises InvalidPersonId for an NHS-number-shaped value that fails Modulus 11.
    """
    found = _normalise(value)
    if found is None:
        raise InvalidPersonId(NHS_CHECK_FAILED)
    return found


@lru_cache(maxsize=1 << 18)
def _normalise(value: str) -> tuple[str, str] | None:
    text = value.strip()
    digits = _SEPARATORS.sub("", text)
    if _NHS_SHAPE.match(digits):
        return ("nhs", digits) if nhs_number_is_valid(digits) else None
    pnc = _PNC.match(text.upper())
    if pnc:
        year, serial, letter = pnc.groups()
        return "pnc", f"{year}/{int(serial):07d}{letter}"
    return "local", text.upper()


def person_token(key: bytes, domain: str, normalised: str) -> str:
    """HMAC-SHA256(key, domain:normalised) as hex."""
    return hmac.new(key, f"{domain}:{normalised}".encode(), hashlib.sha256).hexdigest()


def person_id_problem(value: str | None) -> str | None:
    """The plain-English reason a person id cannot be accepted, or None (never echoes the value)."""
    if value is None or not value.strip():
        return None
    try:
        normalise_person_id(value)
    except InvalidPersonId as exc:
        return str(exc)
    return None


DOB_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M")
DOB_EXPECTED = "is not a date of birth; expected yyyy-mm-dd or dd/mm/yyyy (or an Excel date)"
MATCH_METHOD = {"nhs": "deterministic_nhs", "pnc": "deterministic_pnc", "local": "deterministic_local"}
NAME_DOB = "deterministic_name_dob"


@lru_cache(maxsize=1 << 16)
def normalise_dob(value: str) -> str | None:
    """A date of birth as ISO yyyy-mm-dd (from the accepted formats or an Excel serial), or None."""
    text = value.strip()
    for fmt in DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    try:
        serial = float(text)
    except ValueError:
        return None
    if 1 <= serial < 2_958_466:
        return (date(1899, 12, 30) + timedelta(days=int(serial))).isoformat()
    return None


def normalise_name(value: str) -> str:
    """Upper case, accents folded, letters only (methods.md §5): 'Siân O'Neil' -> 'SIANONEIL'."""
    folded = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in folded if ch.isalpha() and not unicodedata.combining(ch)).upper()


def identifier_problem(column: str, value: str | None) -> str | None:
    """Why a person identifier cell cannot be accepted (never echoing it), or None."""
    if value is None or not value.strip():
        return None
    if column == "person_dob":
        dob = normalise_dob(value)
        return DOB_EXPECTED if dob is None or dob > date.today().isoformat() else None
    if column == "person_name":
        return None if normalise_name(value) else "has no letters; expected a name"
    return person_id_problem(value)


def _token_and_method(key: bytes, person_id: str | None, name: str | None, dob: str | None) -> tuple[str, str] | None:
    """The person token and how it was made: the person id when present, else name + date of birth, else None."""
    if person_id and person_id.strip():
        domain, normalised = normalise_person_id(person_id)
        return person_token(key, domain, normalised), MATCH_METHOD[domain]
    if name and name.strip() and dob and dob.strip():
        iso = normalise_dob(dob)
        if iso:
            return person_token(key, "namedob", f"{normalise_name(name)}|{iso}"), NAME_DOB
    return None


def pseudonymise_frame(df: pl.DataFrame, key: bytes, key_id: str) -> pl.DataFrame:
    """Replace person_id / person_name / person_dob with person_token, person_key_id and person_match_method.

    The token comes from the person id when there is one, else from name + date of birth; null when neither.
    A frame without any person column is returned unchanged.
    """
    if not set(PERSON_COLUMNS) & set(df.columns):
        return df  # a source without person columns (aggregates, publications)
    cells = df.select(
        [pl.col(c) if c in df.columns else pl.lit(None, pl.String).alias(c) for c in PERSON_COLUMNS]
    ).rows()
    made: dict[tuple, tuple[str, str] | None] = {}
    for row in cells:
        if row not in made:
            made[row] = _token_and_method(key, *row)
    results = [made[row] for row in cells]
    token = pl.Series("person_token", [r[0] if r else None for r in results], pl.String)
    method = pl.Series("person_match_method", [r[1] if r else None for r in results], pl.String)
    return df.drop(PERSON_COLUMNS, strict=False).with_columns(
        token,
        pl.when(token.is_not_null()).then(pl.lit(key_id)).otherwise(None).alias("person_key_id"),
        method,
    )


def key_id_for(key: bytes) -> str:
    """Default key id: 'k-' + the first 8 hex digits of sha256(key)."""
    return "k-" + hashlib.sha256(key).hexdigest()[:8]


def _demo_key(path: Path) -> bytes:
    """Read the demo key, creating it once (random, file mode 0600) if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="utf-8").strip().encode()


def resolve_key(settings: Settings) -> tuple[bytes, str]:
    """(key bytes, key id) from MHW_PSEUDONYMISATION_KEY[_ID]; in demo mode a local key file is created once."""
    if settings.pseudonymisation_key:
        key = settings.pseudonymisation_key.encode()
        return key, settings.pseudonymisation_key_id or key_id_for(key)
    if settings.demo:
        key = _demo_key(settings.demo_key_file)
        return key, settings.pseudonymisation_key_id or key_id_for(key)
    raise MissingKeyError(
        f"no pseudonymisation key: set {KEY_ENV} to a long random secret (e.g. `openssl rand -hex 32`) and "
        f"optionally {KEY_ID_ENV} to name it; keep the key outside the warehouse. "
        "For a local demo only, set MHW_DEMO=1 to use a generated demo key."
    )
