-- Core raw-layer tables every source shares: the load ledger and quarantined rows.
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.load_ledger (
    load_id        VARCHAR PRIMARY KEY,   -- source/force/period/sha256[:16]
    source         VARCHAR NOT NULL,      -- s136, ons_population, ...
    force_code     VARCHAR,               -- ONS PFA code, BTP, or 'national'
    period         VARCHAR,               -- YYYY-MM or YYYY-YY (financial year)
    file_path      VARCHAR NOT NULL,      -- path relative to the landing zone (or public data dir)
    sha256         VARCHAR NOT NULL,
    layout         VARCHAR,               -- contract layout used to read the file
    loaded_at      TIMESTAMP NOT NULL,
    rows_read      INTEGER NOT NULL,
    rows_loaded    INTEGER NOT NULL,
    rows_rejected  INTEGER NOT NULL,
    status         VARCHAR NOT NULL,      -- loaded | superseded | duplicate | rejected_file
    message        VARCHAR,               -- plain-English summary (why a file was rejected, what it superseded)
    superseded_by  VARCHAR,               -- load_id of the corrected re-delivery
    key_id         VARCHAR                -- pseudonymisation key id used for person tokens
);
-- The rule the load's person tokens were made by (ingestion/gate/pseudonymise.py TOKEN_SCHEME): 2 = a force's local id
-- is tokenised within its force ('local:<force_code>'). NULL on loads made before (scheme 1: one 'local' domain for
-- every force); a refresh reads such files in force that hold local-id tokens again (docs/operations.md, "Person
-- tokens made by an earlier rule"). Added after the first release, hence ALTER (idempotent).
ALTER TABLE raw.load_ledger ADD COLUMN IF NOT EXISTS token_scheme INTEGER;

-- Each pseudonymisation key this warehouse's person tokens were made with: its id, and an HMAC of a fixed text under
-- the key (a check value: it tells a different key given the same id, and does not reveal the key). Recorded when the
-- key first loads; a refresh with another key under that id is refused (ingestion/gate/pseudonymise.py).
CREATE TABLE IF NOT EXISTS raw.pseudonymisation_key_check (
    key_id       VARCHAR PRIMARY KEY,
    check_value  VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);

-- Each landing file as the gate last read it: its signature (size, modification and change times, inode) and the
-- sha256 of the bytes read. A refresh does not read again a file whose signature and latest ledger entry are as
-- recorded here (docs/operations.md, "How a refresh reads files"); written in the same transaction as the file's entry.
CREATE TABLE IF NOT EXISTS raw.landing_file_seen (
    file_path   VARCHAR PRIMARY KEY,      -- path relative to the landing zone
    signature   VARCHAR NOT NULL,         -- size:mtime_ns:ctime_ns:inode (os.lstat) when it was read
    sha256      VARCHAR NOT NULL          -- of the bytes read then
);

CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    load_id     VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,
    row_number  INTEGER,                  -- 1-based data row (header excluded); NULL when the whole file is rejected
    field       VARCHAR,                  -- canonical field name; NULL for file-level reasons
    reason      VARCHAR NOT NULL,         -- plain English, never echoing a person identifier
    held_by     VARCHAR,                  -- a row refused for an id another file in force held: that file's load_id
    held_id     VARCHAR,                  -- and that id (a record id, never a person identifier)
    row_id      VARCHAR                   -- the refused row's id when it reads (id columns joined with '|')
);
-- held_by came after the first release, hence ALTER (idempotent). A file whose rows were refused for ids held by a
-- file no longer in force is read again (ingestion/gate/load.py, reread_freed).
ALTER TABLE raw.rejected_rows ADD COLUMN IF NOT EXISTS held_by VARCHAR;
ALTER TABLE raw.rejected_rows ADD COLUMN IF NOT EXISTS held_id VARCHAR;
-- row_id too: a file in force is matched with a re-send on every id it was sent with, its refused rows' too
-- (ingestion/gate/delivery.py); rows refused before it was recorded count as not sent.
ALTER TABLE raw.rejected_rows ADD COLUMN IF NOT EXISTS row_id VARCHAR;
-- A file refused whole for what its source's contract decides (its header, layout, encoding, or not one row passing):
-- the sha256 of that contract file; NULL for every other entry. The file is read again once the contract differs
-- (ingestion/gate/ledger.py, latest_versions). Added after the first release, hence ALTER (idempotent).
ALTER TABLE raw.load_ledger ADD COLUMN IF NOT EXISTS contract_sha256 VARCHAR;
