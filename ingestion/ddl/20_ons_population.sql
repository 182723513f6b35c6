-- ONS mid-year population by police force area (public reference data).
CREATE TABLE IF NOT EXISTS raw.ons_population_pfa (
    load_id             VARCHAR NOT NULL,
    geo_code            VARCHAR NOT NULL,  -- ONS PFA code
    geo_name            VARCHAR,
    mid_year            INTEGER NOT NULL,
    population          BIGINT NOT NULL,
    population_vintage  VARCHAR NOT NULL,  -- e.g. 'ONS MYE mid-2020 release (2021 geography)'
    source_file         VARCHAR NOT NULL
);
