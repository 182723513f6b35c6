"""Pseudonymisation at the gate: normalisation, Modulus 11, HMAC tokens, key resolution."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import stat

import polars as pl
import pytest

from ingestion.gate.load import ingest_source
from ingestion.gate.pseudonymise import (
    PERSON_COLUMNS,
    TOKEN_SCHEME,
    InvalidPersonId,
    KeyMismatchError,
    MissingKeyError,
    _token_and_method,
    identifier_problem,
    identifier_problems,
    key_check_value,
    key_id_for,
    nhs_number_is_valid,
    normalise_person_id,
    person_token,
    pseudonymise_frame,
    resolve_key,
)
from mhw.settings import get_settings

from .helpers import KEY, KEY_ID, ledger, place


@pytest.mark.parametrize("number", ["9434765919", "4000079190", "4000142542"])
def test_modulus_11_valid(number):
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize("number", ["9434765918", "1234567890", "943476591", "abcdefghij"])
def test_modulus_11_invalid(number):
    assert not nhs_number_is_valid(number)


def test_check_digit_ten_is_invalid():
    # stem 000000006: 6 x 2 = 12, 12 mod 11 = 1, c = 10: invalid whatever the last digit
    assert not any(nhs_number_is_valid(f"000000006{d}") for d in range(10))


def test_normalise_nhs_with_spaces_and_dashes():
    assert normalise_person_id(" 943 476 5919 ") == ("nhs", "9434765919")
    assert normalise_person_id("943-476-5919") == ("nhs", "9434765919")


def test_nhs_shaped_but_invalid_raises_without_echo():
    with pytest.raises(InvalidPersonId) as exc:
        normalise_person_id("943 476 5918")
    assert "Modulus 11" in str(exc.value)
    assert "5918" not in str(exc.value)


def test_pnc_normalised():
    assert normalise_person_id("2004/123a") == ("pnc", "2004/0000123A")
    assert normalise_person_id(" 2004/0000123A ") == ("pnc", "2004/0000123A")


def test_local_ids_upper_cased_and_stripped():
    assert normalise_person_id("  abc-77 ") == ("local", "ABC-77")
    assert normalise_person_id("12345") == ("local", "12345")  # not 10 digits: not an NHS number


def test_hmac_deterministic_and_key_separated():
    a = person_token(b"key-a", "nhs", "9434765919")
    assert a == person_token(b"key-a", "nhs", "9434765919")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != person_token(b"key-b", "nhs", "9434765919")
    assert a != person_token(b"key-a", "local", "9434765919", "E23000001")  # domain separation


def test_a_local_id_is_tokenised_within_its_force_and_national_ids_across_forces():
    """A person id that is neither an NHS number nor a PNC ID is the force's own: local number 100234 in two forces
    is two people, and used to get one token (so repeat and high-intensity contacts merged them). NHS numbers, PNC
    IDs and name + date of birth still link a person across forces. Both the vectorised path and the reference
    functions (the awkward spellings) give the same tokens."""
    forces = ["E23000001", "E23000002"]
    for local in ("100234", "l-100234\u00a0x"):  # the second is not printable ASCII: the reference functions'
        ids = [local, local, "9434765919", "9434765919", "2004/123A", "2004/0000123A", None, None]
        df = pl.DataFrame(
            {
                "force_code": forces * 4,
                "person_id": ids,
                "person_name": [None] * 6 + ["Siân O'Neil", "SIAN ONEIL"],
                "person_dob": [None] * 6 + ["1990-02-03", "03/02/1990"],
            }
        )
        out = pseudonymise_frame(df, b"k", "kid")
        tokens, methods = out["person_token"].to_list(), out["person_match_method"].to_list()
        assert tokens[0] != tokens[1], "the same local number in two forces is two people"
        assert tokens[2] == tokens[3] and tokens[4] == tokens[5] and tokens[6] == tokens[7], "national ids link"
        assert (
            methods
            == ["deterministic_local"] * 2
            + ["deterministic_nhs"] * 2
            + ["deterministic_pnc"] * 2
            + ["deterministic_name_dob"] * 2
        )
        reference = [_token_and_method(b"k", *row) for row in df.select(*PERSON_COLUMNS, "force_code").rows()]
        assert tokens == [r[0] for r in reference]
        assert out.filter(pl.col("force_code") == "E23000001")["person_token"][0] == person_token(
            b"k", "local", local.strip().upper(), "E23000001"
        )
    # the same local number twice in one force is one person still
    again = pseudonymise_frame(
        pl.DataFrame({"force_code": ["E23000001"] * 2, "person_id": ["abc-77", " ABC-77"]}), b"k", ""
    )
    assert again["person_token"].n_unique() == 1


def test_a_local_id_without_its_force_is_refused():
    with pytest.raises(ValueError, match="force_code"):
        pseudonymise_frame(pl.DataFrame({"person_id": ["100234"]}), b"k", "kid")
    with pytest.raises(ValueError, match="force_code"):
        pseudonymise_frame(
            pl.DataFrame({"person_id": ["100234"], "force_code": [None]}, schema_overrides={"force_code": pl.String}),
            b"k",
            "kid",
        )
    with pytest.raises(ValueError, match="force_code"):
        person_token(b"k", "local", "100234")


def test_same_person_written_differently_gets_same_token():
    df = pl.DataFrame(
        {
            "person_id": ["943 476 5919", "9434765919", "2004/123A", "2004/0000123a", None, " "],
            "force_code": "E23000001",
        }
    )
    out = pseudonymise_frame(df, b"k", "kid")
    assert "person_id" not in out.columns
    tokens = out["person_token"].to_list()
    assert tokens[0] == tokens[1] and tokens[2] == tokens[3] and tokens[0] != tokens[2]
    assert tokens[4] is None and tokens[5] is None
    assert out["person_key_id"].to_list() == ["kid"] * 4 + [None, None]


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("MHW_HOME", str(tmp_path))
    for name in ("MHW_PSEUDONYMISATION_KEY", "MHW_PSEUDONYMISATION_KEY_ID", "MHW_DEMO", "MHW_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_key_from_environment(env):
    env.setenv("MHW_PSEUDONYMISATION_KEY", "s3cret")
    key, key_id = resolve_key(get_settings())
    assert key == b"s3cret" and key_id == key_id_for(b"s3cret") and key_id.startswith("k-") and len(key_id) == 10
    env.setenv("MHW_PSEUDONYMISATION_KEY_ID", "agreement-2025")
    assert resolve_key(get_settings()) == (b"s3cret", "agreement-2025")


def test_missing_key_without_demo_is_a_clear_error(env):
    with pytest.raises(MissingKeyError, match="MHW_PSEUDONYMISATION_KEY"):
        resolve_key(get_settings())


def test_demo_key_file_created_once_with_mode_0600(env):
    env.setenv("MHW_DEMO", "1")
    settings = get_settings()
    key, key_id = resolve_key(settings)
    assert settings.demo_key_file.exists()
    assert stat.S_IMODE(os.stat(settings.demo_key_file).st_mode) == 0o600
    assert len(key) >= 32
    assert resolve_key(get_settings()) == (key, key_id)  # reused, not regenerated


def test_name_and_date_of_birth_token_when_no_person_id():
    df = pl.DataFrame(
        {
            "person_id": [None, None, "2004/123A", None, None],
            "person_name": ["Siân O'Neil", "SIAN ONEIL", "Someone Else", "Siân O'Neil", "Siân O'Neil"],
            "person_dob": ["1990-02-03", "03/02/1990", "1990-02-03", "32907", None],
            "force_code": ["E23000001", "E23000002", "E23000001", "E23000003", "E23000001"],
        }
    )
    out = pseudonymise_frame(df, b"k", "kid")
    assert not {"person_id", "person_name", "person_dob"} & set(out.columns)
    tokens, methods = out["person_token"].to_list(), out["person_match_method"].to_list()
    # accents, case, punctuation and the date format do not matter; an Excel serial date is the same day
    assert tokens[0] == tokens[1] == tokens[3] and tokens[0] != tokens[2]
    assert methods == ["deterministic_name_dob", "deterministic_name_dob", "deterministic_pnc"] + [
        "deterministic_name_dob",
        None,
    ]
    assert tokens[4] is None  # a name alone is not enough to link


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("person_dob", "31/02/1990", "is not a date of birth"),
        ("person_dob", "2999-01-01", "is not a date of birth"),
        ("person_dob", "1990-02-03", None),
        ("person_name", "12345", "has no letters"),
        ("person_id", "9434765918", "fails the Modulus 11 check"),
    ],
)
def test_identifier_problems_never_echo_the_value(column, value, problem):
    found = identifier_problem(column, value)
    assert (found is None) if problem is None else (problem in found and value not in found)


def _awkward_identifiers(n: int = 3000) -> dict[str, list[str | None]]:
    """Person identifiers as forces write them, and as they should not: every spelling the gate may meet."""
    rng = random.Random(7)
    digits = "0123456789"
    pieces = [
        lambda: "".join(rng.choice(digits) for _ in range(10)),  # NHS-shaped: about 1 in 11 passes Modulus 11
        lambda: "9434765919",
        lambda: " 943 476 5919 ",
        lambda: "943-476-5919",
        lambda: f"{rng.randint(1990, 2024)}/{rng.randint(0, 9_999_999)}{rng.choice('ABCxyz')}",
        lambda: f"{rng.randint(1990, 2024)}/{rng.randint(0, 99):07d}{rng.choice('AZ')}",
        lambda: f"l-{rng.randint(0, 10**6)}",
        lambda: rng.choice(
            ["", " ", "\t", "\u00a0", "\x1c12", "１２３４５６７８９０", "٩٤٣٤٧٦٥٩١٩", "ß-1", "ǅ", "a\u0301"]
        ),
        lambda: None,
    ]
    names = ["Siân O'Neil", "SIAN ONEIL", "Bob Smith", "12345", "", " ", "Zoë", "straße", "Łukasz", "ǅemal", None]
    dobs = [
        "1990-02-03", "03/02/1990", "32907", "1990-02-30", "0000-01-01", "2999-01-01", "1990-2-3", "1900-01-01",
        "1990-02-03 00:00:00", "3/2/1990", "", None, " 1990-02-03 ", "٢٠٠٠-٠١-٠١", "32907.75", "0", "0032907",
        "2958465", "2958466", "12345678", "1e4", "31/02/1990", "29/02/2000", "1990-13-01",
    ]  # fmt: skip
    return {
        "person_id": [rng.choice(pieces)() if rng.random() < 0.7 else None for _ in range(n)],
        "person_name": [rng.choice(names) for _ in range(n)],
        "person_dob": [rng.choice(dobs) for _ in range(n)],
        "force_code": [rng.choice(["E23000001", "E23000002", "W15000004"]) for _ in range(n)],
    }


def test_vectorised_normalisation_matches_the_reference_value_by_value():
    """The gate normalises the common spellings with polars and the rest in Python: every value, common or awkward,
    gets the problem and the token the reference functions give it."""
    values = _awkward_identifiers()
    for column, column_values in values.items():
        if column not in PERSON_COLUMNS:
            continue
        problems = identifier_problems(column, pl.Series(column_values, dtype=pl.String))
        expected = {
            v.strip(): p for v in column_values if v and v.strip() and (p := identifier_problem(column, v.strip()))
        }
        assert problems == expected, column
    rows = [
        row
        for row in zip(*values.values(), strict=True)
        if not any(identifier_problem(c, v) for c, v in zip(PERSON_COLUMNS, row[:3], strict=True) if v and v.strip())
    ]
    frame = pl.DataFrame(
        dict(zip(values, zip(*rows, strict=True), strict=True)), schema=dict.fromkeys(values, pl.String)
    )
    out = pseudonymise_frame(frame, b"key", "kid")
    reference = [_token_and_method(b"key", *row) for row in rows]  # person_id, name, dob, force_code
    assert out["person_token"].to_list() == [r[0] if r else None for r in reference]
    assert out["person_match_method"].to_list() == [r[1] if r else None for r in reference]
    assert len(rows) > 1000 and out["person_token"].n_unique() > 300
    # the forces matter to local ids alone: the same rows with every force the same keep their national tokens
    one_force = pseudonymise_frame(frame.with_columns(pl.lit("E23000001").alias("force_code")), b"key", "kid")
    changed = out["person_token"].ne_missing(one_force["person_token"])
    assert set(out.filter(changed)["person_match_method"]) == {"deterministic_local"}
    assert changed.sum() > 100


def test_a_key_other_than_the_warehouses_is_refused_before_anything_loads(con, landing):
    """A demo home makes its own key when none is set: run once without the key its warehouse was made with, it
    used to load on with the new key, and one person had two tokens."""
    place(landing, "s136_good.csv", period="2022-23")
    ingest_source(con, landing, "s136", KEY, KEY_ID)
    place(landing, "s136_good.csv", period="2023-24")
    with pytest.raises(KeyMismatchError, match=r"\(id 'k-demo'\) is not the one .* 'k-test' \(1 active load\)"):
        ingest_source(con, landing, "s136", b"another-key", "k-demo")
    assert len(ledger(con)) == 1, "nothing was loaded with the other key"
    report = ingest_source(con, landing, "s136", KEY, KEY_ID)  # the right key loads the new file
    assert [f.status for f in report.files] == ["loaded"]


def test_another_key_under_the_id_of_the_warehouses_is_refused_by_its_check_value(con, landing):
    """The id names a key, but a rotated or mistyped secret beside an unchanged id is another key: its check value
    (an HMAC of a fixed text, recorded when the key first loads) differs, so nothing loads with it."""
    place(landing, "s136_good.csv", period="2022-23")
    ingest_source(con, landing, "s136", KEY, KEY_ID)
    recorded = con.execute("select key_id, check_value from raw.pseudonymisation_key_check").fetchall()
    assert recorded == [(KEY_ID, key_check_value(KEY))] and KEY.decode() not in recorded[0][1]
    place(landing, "s136_good.csv", period="2023-24")
    with pytest.raises(KeyMismatchError, match=rf"not the key named '{KEY_ID}' .*its check value differs"):
        ingest_source(con, landing, "s136", b"a-rotated-key", KEY_ID)
    assert len(ledger(con)) == 1, "nothing was loaded with the other key"
    assert [f.status for f in ingest_source(con, landing, "s136", KEY, KEY_ID).files] == ["loaded"]


def _tokens_in_force(con) -> dict[tuple[str, str], tuple[str, str]]:
    """{(force, detention id): (person token, match method)} of the rows of files in force."""
    rows = con.execute(
        "select s.force_code, s.detention_id, s.person_token, s.person_match_method from raw.s136 as s "
        "inner join raw.load_ledger as l on l.load_id = s.load_id and l.status = 'loaded'"
    ).fetchall()
    return {(force, d): (token, method) for force, d, token, method in rows}


def test_files_whose_local_id_tokens_an_earlier_rule_made_are_read_again(con, landing):
    """A warehouse loaded before local ids were tokenised within their force holds tokens that merge two forces'
    people sharing a local number, and the identifiers are not stored: a refresh reads those files in force again
    from the landing zone (a new version of each, the same bytes), names those it cannot, and leaves alone the files
    whose tokens are all national."""
    first = place(landing, "s136_good.csv", force="E23000001")
    text = first.read_text()
    second = landing / "s136" / "E23000002" / "2023-24" / "s136_good.csv"
    second.parent.mkdir(parents=True)
    second.write_text(text.replace("E23000001", "E23000002"))
    third = landing / "s136" / "E23000003" / "2023-24" / "s136_good.csv"
    third.parent.mkdir(parents=True)
    third.write_text(text.replace("E23000001", "E23000003").replace("LOCAL-77", ""))  # no local id
    ingest_source(con, landing, "s136", KEY, KEY_ID)
    now = _tokens_in_force(con)
    assert now[("E23000001", "D-003")][1] == "deterministic_local"
    assert now[("E23000001", "D-003")][0] != now[("E23000002", "D-003")][0], "two forces' local 77s: two people"
    assert now[("E23000001", "D-001")] == now[("E23000002", "D-001")] == now[("E23000003", "D-001")]  # NHS number
    assert now[("E23000001", "D-002")] == now[("E23000002", "D-002")]  # PNC ID
    assert set(con.execute("select token_scheme from raw.load_ledger").fetchall()) == {(TOKEN_SCHEME,)}

    # as a warehouse loaded before the change holds them: no scheme recorded, one 'local' domain for every force
    old = hmac.new(KEY, b"local:LOCAL-77", hashlib.sha256).hexdigest()
    con.execute("update raw.load_ledger set token_scheme = null")
    con.execute("update raw.s136 set person_token = ? where person_match_method = 'deterministic_local'", [old])
    loads_before = dict(con.execute("select force_code, load_id from raw.load_ledger").fetchall())
    second.unlink()  # one of the files is no longer in the landing zone

    report = ingest_source(con, landing, "s136", KEY, KEY_ID)
    assert [(f.path, f.status, f.retokenised, f.rows_loaded) for f in report.files] == [
        ("s136/E23000001/2023-24/s136_good.csv", "loaded", True, 5)
    ]
    assert report.files[0].message.startswith("read again: its person tokens were made by an earlier rule")
    assert [(path, "earlier rule" in why) for path, why in report.unreadable] == [
        ("s136/E23000002/2023-24/s136_good.csv", True)
    ]
    assert any(
        line.startswith("s136/E23000001/2023-24/s136_good.csv: loaded; read again") for line in report.warnings()
    )
    assert any("read again to make their person tokens" in line for line in report.warnings(named=0))
    ledger_now = con.execute(
        "select force_code, status, token_scheme, superseded_by is not null from raw.load_ledger order by loaded_at"
    ).fetchall()
    assert sorted(ledger_now) == [
        ("E23000001", "loaded", TOKEN_SCHEME, False),
        ("E23000001", "superseded", None, True),
        ("E23000002", "loaded", None, False),  # old tokens, named in the report until it can be read again
        ("E23000003", "loaded", None, False),  # no local id: its tokens are those the current rule makes
    ]
    assert loads_before["E23000003"] in {
        r[0] for r in con.execute("select load_id from raw.load_ledger where status = 'loaded'").fetchall()
    }
    after = _tokens_in_force(con)
    assert after[("E23000001", "D-003")] == now[("E23000001", "D-003")]  # the token the current rule makes
    assert after[("E23000002", "D-003")][0] == old
    assert after[("E23000001", "D-001")] == now[("E23000001", "D-001")]

    again = ingest_source(con, landing, "s136", KEY, KEY_ID)
    assert again.files == [] and [p for p, _ in again.unreadable] == ["s136/E23000002/2023-24/s136_good.csv"]
    second.write_text(text.replace("E23000001", "E23000002"))  # put back as it was loaded
    back = ingest_source(con, landing, "s136", KEY, KEY_ID)
    assert [(f.path, f.retokenised) for f in back.files] == [("s136/E23000002/2023-24/s136_good.csv", True)]
    assert back.unreadable == [] and _tokens_in_force(con) == now
    assert ingest_source(con, landing, "s136", KEY, KEY_ID).files == []
