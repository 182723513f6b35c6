"""Pseudonymisation at the gate (methods.md §5): person identifiers become keyed HMAC-SHA256 tokens.

person_token = HMAC-SHA256(key, domain + ":" + normalised identifier), hex; the raw identifier is never written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
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


def pseudonymise_frame(df: pl.DataFrame, key: bytes, key_id: str, column: str = "person_id") -> pl.DataFrame:
    """Replace `column` with person_token and person_key_id (null token when the id is blank)."""
    ids = df.get_column(column) if column in df.columns else pl.Series(column, [None] * df.height, pl.String)
    tokens: dict[str, str] = {}
    out: list[str | None] = []
    for value in ids.to_list():
        if value is None or not value.strip():
            out.append(None)
            continue
        if value not in tokens:
            tokens[value] = person_token(key, *normalise_person_id(value))
        out.append(tokens[value])
    token = pl.Series("person_token", out, pl.String)
    return df.drop(column, strict=False).with_columns(
        token,
        pl.when(token.is_not_null()).then(pl.lit(key_id)).otherwise(None).alias("person_key_id"),
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
