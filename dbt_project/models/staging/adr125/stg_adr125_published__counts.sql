-- published ADR s136 counts of the current and superseded releases (a later release of a year supersedes the
-- earlier load; the superseded one is kept for first-published figures). Rename and cast, nothing else.
with source as (
    select * from {{ source('raw', 'adr125_published') }}
),

loads as (
    select load_id, period, loaded_at, status
    from {{ source('raw', 'load_ledger') }}
    where source = 'adr125_published' and status in ('loaded', 'superseded')
)

select
    s.load_id,
    l.loaded_at,
    l.period as load_period,
    (l.status = 'loaded') as is_current_load,
    s.row_number as source_row_number,
    s.force_code,
    (s.force_code = 'national') as is_national,
    s.financial_year as fy_label,
    s.measure,
    s.category,
    cast(s.count as bigint) as published_count,
    s.source_release,
    coalesce(s.is_revised, false) as is_revised
from source as s
inner join loads as l on s.load_id = l.load_id
