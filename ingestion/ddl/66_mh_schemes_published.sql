-- Published mental-health policing schemes by force (public files, ingestion/national/schemes.py), dates kept as
-- printed beside the window they are read as: start_from .. start_to (NULL = open), date_precision
-- day | month | season | year | year_range | before | not_stated. Read by the scheme register (dim_scheme).
CREATE TABLE IF NOT EXISTS raw.rcrp_go_live_published (
    load_id                  VARCHAR NOT NULL,
    row_number               INTEGER NOT NULL,   -- 1-based data row of the published file
    force_name_as_published  VARCHAR NOT NULL,
    force_code               VARCHAR,            -- NULL for the England and Wales rows
    entity_type              VARCHAR NOT NULL,   -- force | total
    phase_or_event           VARCHAR,
    event_kind               VARCHAR NOT NULL,   -- start | announced | paused | preparation | national_agreement
    date_as_printed          VARCHAR,
    start_from               DATE,
    start_to                 DATE,
    date_precision           VARCHAR NOT NULL,
    is_year_supplied         BOOLEAN NOT NULL,   -- year added in [brackets] by the transcriber
    is_planned               BOOLEAN NOT NULL,   -- printed as a plan ('proposed to commence', 'launching in')
    note                     VARCHAR,
    source                   VARCHAR,            -- page title and address
    source_file              VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.mh_schemes_published (
    load_id                  VARCHAR NOT NULL,
    row_number               INTEGER NOT NULL,
    force_name_as_published  VARCHAR NOT NULL,
    force_code               VARCHAR,            -- NULL for the national coverage row
    entity_type              VARCHAR NOT NULL,   -- force | total
    scheme_name              VARCHAR,
    model_as_described       VARCHAR,
    scheme_type              VARCHAR NOT NULL,   -- street_triage | control_room_mh_practitioner
    event_kind               VARCHAR NOT NULL,   -- start | coverage
    start_as_printed         VARCHAR,
    start_from               DATE,
    start_to                 DATE,
    date_precision           VARCHAR NOT NULL,
    is_year_supplied         BOOLEAN NOT NULL,
    is_planned               BOOLEAN NOT NULL,
    detail                   VARCHAR,
    source                   VARCHAR,
    source_file              VARCHAR NOT NULL
);
