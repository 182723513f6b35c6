-- ONS Local Authority District -> Community Safety Partnership -> Police Force Area lookup (public reference data).
CREATE TABLE IF NOT EXISTS raw.ons_lad_pfa_lookup (
    load_id         VARCHAR NOT NULL,
    lad_code        VARCHAR NOT NULL,
    lad_name        VARCHAR,
    csp_code        VARCHAR,
    csp_name        VARCHAR,
    pfa_code        VARCHAR NOT NULL,  -- ONS PFA code = force_code
    pfa_name        VARCHAR,
    lookup_vintage  VARCHAR NOT NULL,  -- e.g. 'December 2016'
    source_file     VARCHAR NOT NULL
);
