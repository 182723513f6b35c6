-- ONS local authority district -> community safety partnership -> police force area lookup (active load only).
with source as (
    select * from {{ source('raw', 'ons_lad_pfa_lookup') }}
),

loads as (
    select load_id from {{ source('raw', 'load_ledger') }} where status = 'loaded'
)

select
    s.lad_code,
    s.lad_name,
    s.csp_code,
    s.csp_name,
    s.pfa_code as force_code,
    s.pfa_name as force_name_ons,
    s.lookup_vintage,
    s.source_file,
    s.load_id
from source as s
inner join loads as l on l.load_id = s.load_id
