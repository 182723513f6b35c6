-- s136 / s135 detention records (ADR-125), as loaded through ingestion/contracts/s136.yml.
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

-- How the person token was made (methods.md §5 match_method); added after the first release.
ALTER TABLE raw.s136 ADD COLUMN IF NOT EXISTS person_match_method VARCHAR;
