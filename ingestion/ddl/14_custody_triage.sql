-- Custody detentions (with MH risk and Liaison & Diversion timestamps) and street triage contacts, as loaded
-- through ingestion/contracts/custody.yml and street_triage.yml (monthly files).
CREATE TABLE IF NOT EXISTS raw.custody (
    load_id              VARCHAR NOT NULL,
    row_number           INTEGER NOT NULL,
    custody_id           VARCHAR NOT NULL,
    force_code           VARCHAR NOT NULL,
    arrived_at           TIMESTAMP NOT NULL,
    released_at          TIMESTAMP,
    age                  SMALLINT,
    sex                  VARCHAR,
    ethnicity            VARCHAR,
    mh_risk_identified   BOOLEAN,
    appropriate_adult    BOOLEAN,
    lnd_referred_at      TIMESTAMP,
    lnd_screened_at      TIMESTAMP,
    lnd_assessed_at      TIMESTAMP,
    outcome              VARCHAR,
    oocd_type            VARCHAR,
    person_token         VARCHAR,
    person_key_id        VARCHAR,
    person_match_method  VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.street_triage (
    load_id              VARCHAR NOT NULL,
    row_number           INTEGER NOT NULL,
    contact_id           VARCHAR NOT NULL,
    force_code           VARCHAR NOT NULL,
    scheme_id            VARCHAR NOT NULL,
    model_type           VARCHAR NOT NULL,
    contact_at           TIMESTAMP NOT NULL,
    response_minutes     INTEGER,
    incident_id          VARCHAR,
    outcome              VARCHAR,
    person_token         VARCHAR,
    person_key_id        VARCHAR,
    person_match_method  VARCHAR
);
