-- IOPC "Deaths during or following police contact" official time-series tables, long format (public data).
-- One row per edition x table x category x financial year, as published; editions sit side by side (period = edition).
CREATE TABLE IF NOT EXISTS raw.iopc_deaths_tables (
    load_id           VARCHAR NOT NULL,
    edition           VARCHAR NOT NULL,  -- publication edition, e.g. '2019-20' (last year covered; from the file name)
    row_number        INTEGER NOT NULL,  -- 1-based data row of the long file (header excluded)
    table_id          VARCHAR NOT NULL,  -- '1.1' ... '5.6'
    sheet             VARCHAR,           -- sheet of the original ODS (from the index file; NULL without it)
    table_title       VARCHAR,           -- original table title (from the index file; NULL without it)
    iopc_category     VARCHAR NOT NULL,  -- road_traffic | fatal_shooting | custody | suicide_post_custody | other_contact_independent
    dimension         VARCHAR NOT NULL,  -- Financial year | Gender | Age group | Ethnic group | RTI type | Appropriate authority
    category          VARCHAR NOT NULL,  -- row label as published (a force name for 'Appropriate authority')
    measure           VARCHAR,           -- deaths | incidents (what the value counts), NULL when the table does not say
    financial_year    VARCHAR NOT NULL,  -- as published: '2004/05' ... or 'Total'
    fy_label          VARCHAR,           -- '2004-05' ...; NULL for the 'Total' column
    value             INTEGER NOT NULL,
    flag              VARCHAR,           -- source footnote markers: ~ revised, *, **, ^ definition notes
    force_code        VARCHAR,           -- 'Appropriate authority' rows: ONS PFA code, BTP, or 'A|B' for multi-force rows
    entity_type       VARCHAR,           -- 'Appropriate authority' rows: force | multi_force | non_territorial_body | total
    source_file       VARCHAR NOT NULL
);
