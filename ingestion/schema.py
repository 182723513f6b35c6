"""DDL of the raw layer: what ingestion writes and dbt reads as sources (architecture.md, data flow step 2)."""

from __future__ import annotations

import duckdb

RAW_DDL = """
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

CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    load_id     VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,
    row_number  INTEGER,                  -- 1-based data row (header excluded); NULL when the whole file is rejected
    field       VARCHAR,                  -- canonical field name; NULL for file-level reasons
    reason      VARCHAR NOT NULL          -- plain English, never echoing a person identifier
);

CREATE TABLE IF NOT EXISTS raw.s136 (
    load_id                    VARCHAR NOT NULL,
    row_number                 INTEGER NOT NULL,
    detention_id               VARCHAR NOT NULL,
    force_code                 VARCHAR NOT NULL,
    power                      VARCHAR NOT NULL,
    detained_at                TIMESTAMP NOT NULL,
    location_type              VARCHAR,
    age                        SMALLINT NOT NULL,
    sex                        VARCHAR NOT NULL,
    ethnicity_self_defined     VARCHAR,
    ethnicity_officer_defined  VARCHAR,
    transport_method           VARCHAR,
    police_vehicle_reason      VARCHAR,
    first_place_of_safety      VARCHAR,
    police_station_reason      VARCHAR,
    arrested_for_offence       BOOLEAN,
    arrived_first_pos_at       TIMESTAMP,
    assessment_completed_at    TIMESTAMP,
    detention_ended_at         TIMESTAMP,
    extension_12h              BOOLEAN,
    outcome                    VARCHAR,
    person_token               VARCHAR,   -- HMAC-SHA256 hex of the normalised person_id; raw id never stored
    person_key_id              VARCHAR,
    incident_id                VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.ons_population_pfa (
    load_id             VARCHAR NOT NULL,
    geo_code            VARCHAR NOT NULL,  -- ONS PFA code
    geo_name            VARCHAR,
    mid_year            INTEGER NOT NULL,
    population          BIGINT NOT NULL,
    population_vintage  VARCHAR NOT NULL,  -- e.g. 'ONS MYE mid-2020 release (2021 geography)'
    source_file         VARCHAR NOT NULL
);
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its tables if they do not exist yet (idempotent)."""
    con.execute(RAW_DDL)
