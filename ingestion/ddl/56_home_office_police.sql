-- Home Office police statistics by force (public data): use of force by perceived health condition, officer
-- numbers (workforce), arrests. Names as published; force_code/entity_type through seeds/ref_force_alias.csv.
CREATE TABLE IF NOT EXISTS raw.home_office_use_of_force (
    load_id                VARCHAR NOT NULL,
    edition                VARCHAR NOT NULL,  -- financial year of the release, e.g. '2019-20' (from the file name)
    fy_label               VARCHAR NOT NULL,  -- financial year the counts cover (= edition)
    row_number             INTEGER NOT NULL,
    police_force           VARCHAR NOT NULL,  -- as published, e.g. 'Avon & Somerset', 'Total England and Wales'
    force_code             VARCHAR,
    entity_type            VARCHAR NOT NULL,  -- force | total
    type_of_force          VARCHAR NOT NULL,
    tactic                 VARCHAR NOT NULL,  -- as published, e.g. '*Total Tactics', 'Handcuffing, of which'
    tactic_level           VARCHAR NOT NULL,  -- all_tactics | type_total | tactic | of_which_detail (derived by the loader)
    parent_tactic          VARCHAR,           -- the 'X, of which' row a detail row breaks down (derived by the loader)
    n_mental               BIGINT,            -- NULL = blank in the source (not available for that force)
    n_physical             BIGINT,
    n_physical_and_mental  BIGINT,
    n_none                 BIGINT,
    n_not_reported         BIGINT,
    n_tactic_reported      BIGINT,            -- 'Number of times tactic reported'
    source_file            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.home_office_police_officers (
    load_id            VARCHAR NOT NULL,
    edition            VARCHAR NOT NULL,  -- what the file covers, from its name, e.g. 'march_2007-2022'
    edition_last_as_at DATE NOT NULL,     -- latest date in the file: the newer edition wins for the same date
    row_number         INTEGER NOT NULL,
    force_name         VARCHAR NOT NULL,  -- as published
    force_code         VARCHAR,
    entity_type        VARCHAR NOT NULL,  -- force | non_territorial_body | region_or_group | total
    geo_code           VARCHAR,           -- as published (open data table only)
    region             VARCHAR,
    as_at              DATE NOT NULL,     -- snapshot date (31 March; the open data writes it as YYYY-03-01)
    officer_headcount  DOUBLE PRECISION,  -- NULL where the file gives FTE only
    officer_fte        DOUBLE PRECISION,
    source_file        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.home_office_arrests (
    load_id                 VARCHAR NOT NULL,
    edition                 VARCHAR NOT NULL,  -- years covered, from the file name, e.g. '2006-07_to_2017-18'
    row_number              INTEGER NOT NULL,
    force_name              VARCHAR NOT NULL,
    force_code              VARCHAR,
    entity_type             VARCHAR NOT NULL,
    financial_year          VARCHAR NOT NULL,  -- as published, '2017/18'
    fy_label                VARCHAR NOT NULL,  -- '2017-18'
    arrests_total           BIGINT,            -- NULL when every source cell was missing
    n_source_cells_missing  INTEGER NOT NULL,
    source_file             VARCHAR NOT NULL
);
