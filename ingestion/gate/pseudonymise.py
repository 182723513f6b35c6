"""Pseudonymisation at the gate: person identifiers become keyed HMAC-SHA256 tokens (docs/interfaces.md).

person_token = HMAC-SHA256(key, domain + ":" + normalised identifier), hex; the raw identifier is never written.
The domain is 'nhs' or 'pnc' for the national identifiers, which link a person across forces, and
'local:<force_code>' for a force's own id, which names a person only within the force that issued it (the same
local number in two forces is two people). Name + date of birth ('namedob') is not issued by anyone and links
across forces as it did.
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

import duckdb
import polars as pl

from mhw.catalog import table_names
from mhw.settings import Settings

KEY_ENV = "MHW_PSEUDONYMISATION_KEY"
KEY_ID_ENV = "MHW_PSEUDONYMISATION_KEY_ID"

_NHS_SHAPE = re.compile(r"^\d{10}$")
_SEPARATORS = re.compile(r"[\s-]")
_PNC = re.compile(r"^(\d{4})/(\d{1,7})([A-Z])$")
NHS_CHECK_FAILED = "looks like an NHS number but fails the Modulus 11 check"
# The rule person tokens are made by, recorded with each load in raw.load_ledger.token_scheme. 2: a local id's domain
# is 'local:<force_code>'. Loads without one (NULL: scheme 1, before it) made a local id's token in one domain 'local'
# for every force, so two forces' people sharing a local number had one token; a refresh reads such files in force
# again (load.retokenise_old_loads).
TOKEN_SCHEME = 2
PERSON_COLUMNS = ("person_id", "person_name", "person_dob")  # never stored; the gate turns them into a token


class MissingKeyError(RuntimeError):
    """No pseudonymisation key is configured (and this is not a demo)."""


class KeyMismatchError(MissingKeyError):
    """The key set is not the one the warehouse's person tokens were made with (so that key is missing)."""


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


def token_domain(domain: str, force_code: str | None) -> str:
    """The domain a token is made in: a local id's is its force's ('local:E23000001'), for a local number names a
    person only within the force that issued it; 'nhs' and 'pnc' are national."""
    if domain != "local":
        return domain
    if not force_code:
        raise ValueError("a local person id names a person only within its force: its force_code is needed")
    return f"local:{force_code}"


def person_token(key: bytes, domain: str, normalised: str, force_code: str | None = None) -> str:
    """HMAC-SHA256(key, token_domain:normalised) as hex; force_code is needed for a local id."""
    return _token(key, f"{token_domain(domain, force_code)}:{normalised}")


def _token(key: bytes | hmac.HMAC, message: str) -> str:
    """HMAC-SHA256 of the message as hex; key may be an HMAC object already keyed (copied, so a frame's tokens do
    not each set up the key again)."""
    keyed = key.copy() if isinstance(key, hmac.HMAC) else hmac.new(key, digestmod=hashlib.sha256)
    keyed.update(message.encode())
    return keyed.hexdigest()


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


def _token_and_method(
    key: bytes, person_id: str | None, name: str | None, dob: str | None, force_code: str | None
) -> tuple[str, str] | None:
    """The person token and how it was made: the person id when present, else name + date of birth, else None.
    force_code: the force whose row it is (a local id's domain)."""
    found = _message(person_id, name, dob, force_code)
    return (_token(key, found[0]), found[1]) if found else None


def _message(
    person_id: str | None, name: str | None, dob: str | None, force_code: str | None
) -> tuple[str, str] | None:
    """What the token is the HMAC of ('domain:normalised identifier') and the match method, or None."""
    if person_id and person_id.strip():
        domain, normalised = normalise_person_id(person_id)
        return f"{token_domain(domain, force_code)}:{normalised}", MATCH_METHOD[domain]
    if name and name.strip() and dob and dob.strip():
        iso = normalise_dob(dob)
        if iso:
            return f"namedob:{normalise_name(name)}|{iso}", NAME_DOB
    return None


# Vectorised twins of the normalisations above for the spellings nearly every file uses (printable ASCII: an NHS
# number, a PNC ID, a local id, a plain name, a date of birth in the usual spellings), so that a file's identifiers
# are not normalised one Python call per value. Every other value goes through the functions above;
# tests/ingestion/test_pseudonymise.py checks that both give the same answer, value by value.
_NOT_PRINTABLE = r"[^\x20-\x7e]"  # in printable ASCII, Python's \s is the space and \d is [0-9], as in these patterns
# a date of birth written yyyy-mm-dd or dd/mm/yyyy (two-digit day and month, years 1000-2999: Python reads them
# alike), or as an Excel serial in plain digits
_DOB_SPELLINGS = {"%Y-%m-%d": r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$", "%d/%m/%Y": r"^[0-9]{2}/[0-9]{2}/[12][0-9]{3}$"}
_DOB_SERIAL = r"^[0-9]{1,7}(\.[0-9]+)?$"
_FAST_DOB = "|".join(f"({pattern})" for pattern in (*_DOB_SPELLINGS.values(), _DOB_SERIAL))


def _with_person_id_parts(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """The frame with `domain` and `normalised` of its stripped printable-ASCII person ids in `column`, as _normalise
    gives them; domain is null for an NHS-shaped value that fails Modulus 11. Built in steps, each column once (an
    expression used twice inside another would be evaluated, and its pattern compiled, twice)."""
    text = pl.col(column)
    frame = frame.with_columns(
        text.str.replace_all(r"[ -]", "").alias("_digits"), text.str.to_uppercase().alias("_upper")
    ).with_columns(
        pl.col("_digits").str.contains(r"^[0-9]{10}$").alias("_nhs_shape"),
        pl.col("_upper").str.extract_groups(r"^([0-9]{4})/([0-9]{1,7})([A-Z])$").alias("_pnc"),
    )
    number = pl.col("_number")
    weighted = pl.sum_horizontal(number // 10 ** (9 - i) % 10 * (10 - i) for i in range(9))
    frame = frame.with_columns(
        pl.when("_nhs_shape").then(pl.col("_digits").cast(pl.Int64, strict=False)).alias("_number")
    ).with_columns((11 - weighted % 11).alias("_check"))
    check = pl.when(pl.col("_check") == 11).then(0).otherwise("_check")  # a check digit of 10 matches no digit
    pnc = pl.col("_pnc")
    is_pnc = pnc.struct.field("1").is_not_null()
    serial = pnc.struct.field("2").cast(pl.Int64).cast(pl.String).str.zfill(7)
    parts = frame.with_columns(
        pl.when("_nhs_shape")
        .then(pl.when(check == number % 10).then(pl.lit("nhs")))
        .when(is_pnc)
        .then(pl.lit("pnc"))
        .otherwise(pl.lit("local"))
        .alias("domain"),
        pl.when("_nhs_shape")
        .then("_digits")
        .when(is_pnc)
        .then(pnc.struct.field("1") + "/" + serial + pnc.struct.field("3"))
        .otherwise("_upper")
        .alias("normalised"),
    )
    return parts.drop("_digits", "_upper", "_nhs_shape", "_pnc", "_number", "_check")


def _fast_name(text: pl.Expr) -> pl.Expr:
    """normalise_name of a printable-ASCII name: its letters, upper case."""
    return text.str.replace_all(r"[^A-Za-z]", "").str.to_uppercase()


def _fast_dob(text: pl.Expr) -> pl.Expr:
    """normalise_dob of a date of birth in one of the _FAST_DOB spellings (null when it is no date); null for others."""
    parsed = [
        pl.when(text.str.contains(pattern)).then(text.str.strptime(pl.Date, fmt, strict=False))
        for fmt, pattern in _DOB_SPELLINGS.items()
    ]
    serial = text.cast(pl.Float64, strict=False)
    in_range = text.str.contains(_DOB_SERIAL) & serial.is_between(1, 2_958_466, closed="left")
    parsed.append(pl.when(in_range).then(pl.lit(date(1899, 12, 30)) + pl.duration(days=serial.floor().cast(pl.Int64))))
    return pl.coalesce(parsed).dt.to_string("%Y-%m-%d")


def identifier_problems(column: str, values: pl.Series) -> dict[str, str]:
    """{value: why it cannot be accepted} for the values of a person identifier column that have a problem
    (identifier_problem of each distinct value, vectorised for the common spellings)."""
    distinct = values.str.strip_chars().drop_nulls().unique().to_frame("v").lazy().filter(pl.col("v") != "")
    v = pl.col("v")
    if column == "person_id":
        fast = v.str.contains(_NOT_PRINTABLE).not_()
        distinct = _with_person_id_parts(distinct, "v")
        fast_problem = pl.when(pl.col("domain").is_null()).then(pl.lit(NHS_CHECK_FAILED))
    elif column == "person_dob":
        fast = v.str.contains(_FAST_DOB)
        dob = _fast_dob(v)
        fast_problem = pl.when(dob.is_null() | (dob > date.today().isoformat())).then(pl.lit(DOB_EXPECTED))
    elif column == "person_name":
        fast = v.str.contains(_NOT_PRINTABLE).not_()
        fast_problem = pl.when(_fast_name(v) == "").then(pl.lit("has no letters; expected a name"))
    else:
        raise ValueError(f"{column} is not a person identifier column")
    checked = distinct.select("v", fast.alias("fast"), fast_problem.alias("problem")).collect(engine="in-memory")
    found = dict(checked.filter(pl.col("fast") & pl.col("problem").is_not_null()).select("v", "problem").iter_rows())
    for value in checked.filter(~pl.col("fast")).get_column("v"):
        problem = identifier_problem(column, value)
        if problem:
            found[value] = problem
    return found


def pseudonymise_frame(df: pl.DataFrame, key: bytes, key_id: str) -> pl.DataFrame:
    """Replace person_id / person_name / person_dob with person_token, person_key_id and person_match_method.

    The token comes from the person id when there is one, else from name + date of birth; null when neither. A
    local id's token is made within the row's force_code (token_domain), so a frame with person ids needs that
    column. A frame without any person column is returned unchanged.
    """
    if not set(PERSON_COLUMNS) & set(df.columns):
        return df  # a source without person columns (aggregates, publications)
    if "person_id" in df.columns and "force_code" not in df.columns:
        raise ValueError("person ids are tokenised within their force: the frame needs its force_code column")
    columns = (*PERSON_COLUMNS, "force_code")
    person = df.select(
        [pl.col(c) if c in df.columns else pl.lit(None, pl.String).alias(c) for c in columns]
    ).with_columns(pl.all().str.strip_chars().replace("", None))
    by_id = pl.col("person_id").is_not_null()
    by_name_dob = pl.col("person_name").is_not_null() & pl.col("person_dob").is_not_null()
    fast = (
        pl.when(by_id)
        .then(pl.col("person_id").str.contains(_NOT_PRINTABLE).not_())
        .when(by_name_dob)
        .then(pl.col("person_name").str.contains(_NOT_PRINTABLE).not_() & pl.col("person_dob").str.contains(_FAST_DOB))
        .otherwise(True)
    )
    with_dob = by_name_dob & pl.col("dob").is_not_null()
    domain = pl.col("domain")
    is_local = domain == "local"
    made = (
        _with_person_id_parts(person.lazy(), "person_id")
        .with_columns(_fast_dob(pl.col("person_dob")).alias("dob"), _fast_name(pl.col("person_name")).alias("name"))
        .select(
            fast.alias("fast"),
            pl.when(by_id)
            .then(
                pl.when(is_local).then(domain + ":" + pl.col("force_code")).otherwise(domain)
                + ":"
                + pl.col("normalised")
            )
            .when(with_dob)
            .then("namedob:" + pl.col("name") + "|" + pl.col("dob"))
            .alias("message"),
            pl.when(by_id)
            .then(domain.replace_strict(MATCH_METHOD, default=None, return_dtype=pl.String))
            .when(with_dob)
            .then(pl.lit(NAME_DOB))
            .alias("method"),
            (by_id & is_local & pl.col("force_code").is_null()).alias("local_without_force"),
        )
        .collect(engine="in-memory")
    )
    if made.get_column("local_without_force").any():
        token_domain("local", None)  # raises: a local id names a person only within its force
    messages, methods = made.get_column("message"), made.get_column("method")
    slow = (~made.get_column("fast")).arg_true()
    if slow.len():
        found = [_message(*row) for row in person[slow].rows()]
        messages = messages.scatter(slow, [f[0] if f else None for f in found])
        methods = methods.scatter(slow, [f[1] if f else None for f in found])
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    tokens = {m: _token(keyed, m) for m in messages.drop_nulls().unique()}
    token = messages.replace_strict(tokens, default=None, return_dtype=pl.String).alias("person_token")
    return df.drop(PERSON_COLUMNS, strict=False).with_columns(
        token,
        pl.when(token.is_not_null()).then(pl.lit(key_id)).otherwise(None).alias("person_key_id"),
        methods.alias("person_match_method"),
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


KEY_CHECK_TEXT = b"mh-policing-warehouse pseudonymisation key check"


def key_check_value(key: bytes) -> str:
    """HMAC-SHA256 of a fixed text under the key: the same for the same key, and telling nothing of it."""
    return hmac.new(key, KEY_CHECK_TEXT, hashlib.sha256).hexdigest()


def record_key_check(con: duckdb.DuckDBPyConnection, key: bytes, key_id: str, now: datetime) -> None:
    """Record the key's check value under its id, the first time the key is used here (raw schema in place)."""
    con.execute(
        "insert into raw.pseudonymisation_key_check values (?, ?, ?) on conflict do nothing",
        [key_id, key_check_value(key), now],
    )


def check_key_matches(con: duckdb.DuckDBPyConnection, key: bytes, key_id: str) -> None:
    """Refuse a key other than the one the warehouse's active loads were made with: the same person would get a
    second token, so repeat and high-intensity contacts would be split without a word (a demo home, for one, makes
    its own key when none is set). A key is told by its id and, once recorded, by its check value, so another key
    given the id of the one in use (a rotated or mistyped secret beside an unchanged id) is refused too."""
    raw = set(table_names(con, "raw"))
    if "load_ledger" not in raw:
        return  # a new warehouse
    if "pseudonymisation_key_check" in raw:
        recorded = con.execute(
            "select check_value from raw.pseudonymisation_key_check where key_id = ?", [key_id]
        ).fetchone()
        if recorded and not hmac.compare_digest(recorded[0], key_check_value(key)):
            raise KeyMismatchError(
                f"the pseudonymisation key set now is not the key named '{key_id}' that made this warehouse's person "
                f"tokens (its check value differs): the same person would get a second token. Set {KEY_ENV} to "
                "that key; nothing was loaded"
            )
    other = con.execute(
        "select key_id, count(*) from raw.load_ledger where status = 'loaded' and key_id is not null "
        "and key_id <> ? group by key_id order by count(*) desc",
        [key_id],
    ).fetchall()
    if other:
        held = ", ".join(f"'{kid}' ({n:,} active load{'s' if n != 1 else ''})" for kid, n in other)
        raise KeyMismatchError(
            f"the pseudonymisation key set now (id '{key_id}') is not the one this warehouse's person tokens were "
            f"made with: {held}. The same person would get a second token. Set {KEY_ENV} to that key (and "
            f"{KEY_ID_ENV} to its id if it was named); nothing was loaded"
        )
