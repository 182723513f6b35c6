-- England and Wales s136 totals as published (active loads of the transcribed files); where two files in force give
-- the same year of the same publication (a revised transcription beside the first), the latest load wins.
with source as (
    select * from {{ source('raw', 's136_published_national') }}
),

loads as (
    select load_id, loaded_at from {{ source('raw', 'load_ledger') }} where status = 'loaded'
),

ranked as (
    select
        s.*,
        row_number() over (partition by s.fy_label, s.publication order by l.loaded_at desc, s.load_id desc) as rn
    from source as s
    inner join loads as l on s.load_id = l.load_id
)

select
    fy_label,
    publication,
    cast(s136_detentions as bigint) as s136_detentions,
    cast(s136_police_cell as bigint) as s136_police_cell,
    cast(s136_health_based as bigint) as s136_health_based,
    cast(s135_detentions as bigint) as s135_detentions,
    is_rounded,
    s136_excluded_forces,
    coverage_note,
    source_file,
    row_number as source_row_number
from ranked
where rn = 1
