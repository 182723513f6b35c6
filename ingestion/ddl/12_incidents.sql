-- Control-room incidents with a mental-health qualifier and the all-incident denominator, as loaded through
-- ingestion/contracts/incidents.yml and incident_totals.yml (monthly files: landing/<source>/<force>/<YYYY-MM>/).
CREATE TABLE IF NOT EXISTS raw.incidents (
    load_id              VARCHAR NOT NULL,
    row_number           INTEGER NOT NULL,
    incident_id          VARCHAR NOT NULL,
    force_code           VARCHAR NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    first_arrival_at     TIMESTAMP,
    closed_at            TIMESTAMP,
    opening_code         VARCHAR,
    closing_code         VARCHAR,
    mh_flag_opening      BOOLEAN NOT NULL,
    mh_flag_closing      BOOLEAN NOT NULL,
    mh_subcategory       VARCHAR,
    grade                VARCHAR,
    deployed             BOOLEAN,
    officer_minutes      INTEGER,
    rcrp_decision        VARCHAR,
    outcome              VARCHAR,
    person_age           SMALLINT,
    person_sex           VARCHAR,
    person_ethnicity     VARCHAR,
    person_token         VARCHAR,   -- HMAC-SHA256 hex; raw person_id / name / date of birth never stored
    person_key_id        VARCHAR,
    person_match_method  VARCHAR    -- deterministic_nhs | deterministic_pnc | deterministic_local | deterministic_name_dob
);

CREATE TABLE IF NOT EXISTS raw.incident_totals (
    load_id        VARCHAR NOT NULL,
    row_number     INTEGER NOT NULL,
    force_code     VARCHAR NOT NULL,
    month          TIMESTAMP NOT NULL,   -- first day of the month
    all_incidents  INTEGER NOT NULL
);
