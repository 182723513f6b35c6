-- Inspection findings tracker (HMICFRS / CQC / HMIP / joint), as loaded through ingestion/contracts/inspections.yml.
-- One row per finding per monthly status snapshot (landing/inspections/national/<YYYY-MM>/); the status history of a
-- finding is its rows across the active snapshot loads.
CREATE TABLE IF NOT EXISTS raw.inspections (
    load_id          VARCHAR NOT NULL,
    row_number       INTEGER NOT NULL,
    finding_id       VARCHAR NOT NULL,
    inspectorate     VARCHAR NOT NULL,   -- HMICFRS | CQC | HMIP | joint
    report_id        VARCHAR,
    report_title     VARCHAR NOT NULL,
    published_on     TIMESTAMP NOT NULL, -- report publication date (midnight)
    inspection_type  VARCHAR,            -- PEEL | thematic | joint
    force_code       VARCHAR,            -- NULL = a national (thematic) finding
    pillar           VARCHAR,
    finding_type     VARCHAR NOT NULL,   -- cause_of_concern | recommendation | AFI | innovative_practice | grade
    grade            VARCHAR,            -- outstanding | good | adequate | requires_improvement | inadequate
    text             VARCHAR,
    npcc_objective   SMALLINT,           -- 1-5 (methods.md §8.4)
    status           VARCHAR NOT NULL,   -- open | in_progress | complete | superseded
    status_on        TIMESTAMP NOT NULL, -- date the status was assessed in this snapshot (inside the period month)
    evidence_url     VARCHAR,
    person_token     VARCHAR,            -- always NULL (no person identifier in this source; added by the gate)
    person_key_id    VARCHAR
);
