-- Published RCRP phases and events by force (active load of the transcribed file); rename and cast only.
with source as (
    select * from {{ source('raw', 'rcrp_go_live_published') }}
),

active_loads as (
    {{ mhw.active_loads() }}
)

select
    'rcrp-published-' || cast(s.row_number as varchar(10)) as record_key,
    s.row_number as source_row_number,
    s.force_code,
    s.entity_type,
    s.phase_or_event,
    s.event_kind,
    s.date_as_printed,
    cast(s.start_from as date) as start_from,
    cast(s.start_to as date) as start_to,
    s.date_precision,
    s.is_year_supplied,
    s.is_planned,
    s.note,
    s.source as source_reference,
    s.source_file
from source as s
inner join active_loads as l on s.load_id = l.load_id
