-- Published England and Wales s136 totals (ingestion/national/s136_national.py): one row per financial year and
-- publication, as the source prints it.
CREATE TABLE IF NOT EXISTS raw.s136_published_national (
    load_id            VARCHAR NOT NULL,
    source_file        VARCHAR NOT NULL,
    row_number         INTEGER NOT NULL,
    fy_label           VARCHAR NOT NULL,   -- financial year, YYYY-YY
    s136_detentions    BIGINT NOT NULL,
    s136_police_cell   BIGINT,             -- taken to a police cell as the place of safety (HAC 2015 only)
    s136_health_based  BIGINT,             -- taken to a health-based place of safety (HAC 2015 only)
    s135_detentions    BIGINT,             -- PQ 190083 only (Experimental Statistics)
    is_rounded         BOOLEAN NOT NULL,   -- the source rounds the year's figures
    s136_excluded_forces VARCHAR,          -- force codes the s136 figure leaves out, comma-separated (from the note)
    coverage_note      VARCHAR,            -- what the figure leaves out, as the source says
    publication        VARCHAR NOT NULL
);
-- s136_excluded_forces came after the table's first release, hence ALTER (idempotent); files loaded before it load
-- again under the reader's new layout name.
ALTER TABLE raw.s136_published_national ADD COLUMN IF NOT EXISTS s136_excluded_forces VARCHAR;
