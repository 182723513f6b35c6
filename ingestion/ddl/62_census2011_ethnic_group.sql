-- Census 2011 QS201EW ethnic group (public reference data, long format: one row per area x group).
-- Codes and their mapping onto SDE 18+1 / broad groups: seeds/ref_census2011_ethnic_group.csv.
CREATE TABLE IF NOT EXISTS raw.census2011_ethnic_group_lad (
    load_id             VARCHAR NOT NULL,
    geo_code            VARCHAR NOT NULL,  -- local authority district code (2011 = 2016 codes in this file)
    geo_name            VARCHAR,
    census_year         INTEGER NOT NULL,  -- 2011 (census day 27 March 2011)
    ethnic_group_code   VARCHAR NOT NULL,  -- ref_census2011_ethnic_group.census_code: ALL, broad, C01..C18
    ethnic_group_label  VARCHAR NOT NULL,  -- the group as the Nomis header names it
    population          BIGINT NOT NULL,   -- usual residents
    source_file         VARCHAR NOT NULL
);

-- The same table summed to police force area by a third party (Resistance Lab): kept only to cross-check our
-- LAD -> PFA aggregation, never used as a denominator.
CREATE TABLE IF NOT EXISTS raw.census2011_ethnic_group_pfa_third_party (
    load_id             VARCHAR NOT NULL,
    pfa_name            VARCHAR NOT NULL,  -- as the file spells it (e.g. 'Avon & Somerset', 'Metropolitan')
    force_code          VARCHAR NOT NULL,  -- through seeds/ref_force_alias.csv
    ethnic_group_code   VARCHAR NOT NULL,
    ethnic_group_label  VARCHAR NOT NULL,
    population          BIGINT NOT NULL,
    source_file         VARCHAR NOT NULL
);
