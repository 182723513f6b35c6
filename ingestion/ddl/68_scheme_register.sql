-- Forces' own registers of mental-health policing schemes, as loaded through ingestion/contracts/scheme_register.yml
-- (landing/scheme_register/<force>/<period>/): one row per scheme per register delivery; no person data.
CREATE TABLE IF NOT EXISTS raw.scheme_register (
    load_id          VARCHAR NOT NULL,
    row_number       INTEGER NOT NULL,
    scheme_id        VARCHAR NOT NULL,
    force_code       VARCHAR NOT NULL,
    scheme_type      VARCHAR NOT NULL,   -- rcrp | street_triage | control_room_mh_practitioner | mh_conveyance_vehicle
    scheme_name      VARCHAR,
    model_type       VARCHAR,            -- co_response | control_room | telephone | street | conveyance_vehicle
    start_date       TIMESTAMP,          -- go-live of the first phase (midnight); NULL = not known
    start_precision  VARCHAR,            -- day | month | year (NULL = day)
    date_basis       VARCHAR NOT NULL,   -- force_record | published | assumed
    end_date         TIMESTAMP,
    note             VARCHAR
);
