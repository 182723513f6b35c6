-- Coroners' Prevention of Future Deaths (Regulation 28) reports index, police & mental health subset (public file,
-- ingestion/coroners.py). Metadata only: no names of the deceased or coroners, no report text.
CREATE TABLE IF NOT EXISTS raw.coroners_pfd_reports (
    load_id                                VARCHAR NOT NULL,
    row_number                             INTEGER NOT NULL,  -- 1-based data row of the published file
    report_date                            DATE NOT NULL,
    ref                                    VARCHAR,           -- judiciary reference, e.g. 2023-0526 (may be blank)
    coroner_area                           VARCHAR NOT NULL,
    category                               VARCHAR,           -- judiciary categories separated by ' | '
    sent_to                                VARCHAR,           -- recipients separated by ' | '
    sent_to_police                         BOOLEAN NOT NULL,
    text_mentions_police                   BOOLEAN NOT NULL,
    text_mentions_s136_or_place_of_safety  BOOLEAN NOT NULL,
    report_url                             VARCHAR NOT NULL,
    source_file                            VARCHAR NOT NULL
);
