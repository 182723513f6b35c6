-- England and Wales s136 totals as published (active loads of the transcribed files); rename and cast only.
with source as (
    select * from {{ source('raw', 's136_published_national') }}
),

active_loads as (
    {{ mhw.active_loads() }}
)

select
    s.fy_label,
    s.publication,
    cast(s.s136_detentions as bigint) as s136_detentions,
    cast(s.s136_police_cell as bigint) as s136_police_cell,
    cast(s.s136_health_based as bigint) as s136_health_based,
    cast(s.s135_detentions as bigint) as s135_detentions,
    s.is_rounded,
    s.coverage_note,
    s.source_file,
    s.row_number as source_row_number
from source as s
inner join active_loads as l on s.load_id = l.load_id
