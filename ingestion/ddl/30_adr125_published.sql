-- Home Office published s136 tables (ADR-125 items, long format), as loaded through
-- ingestion/contracts/adr125_published.yml. One row per published count: force (or 'national' = E&W) x financial
-- year x measure x category, from one release. Files sit under landing/adr125_published/national/<YYYY-YY>/; a later
-- release of the same year supersedes the earlier load (both stay here; staging marks the current one).
CREATE TABLE IF NOT EXISTS raw.adr125_published (
    load_id          VARCHAR NOT NULL,
    row_number       INTEGER NOT NULL,
    force_code       VARCHAR NOT NULL,   -- ONS PFA code, BTP, or 'national' (E&W total as published)
    financial_year   VARCHAR NOT NULL,   -- YYYY-YY
    measure          VARCHAR NOT NULL,   -- detentions | power | transport_method | ... (contract)
    category         VARCHAR NOT NULL,   -- total | ambulance | ... (contract)
    count            BIGINT NOT NULL,
    source_release   VARCHAR NOT NULL,   -- e.g. 'PPP Oct 2024'
    is_revised       BOOLEAN,            -- marked revised by the HO (NULL = not stated)
    person_token     VARCHAR,            -- always NULL (no person identifier in this source; added by the gate)
    person_key_id    VARCHAR
);
