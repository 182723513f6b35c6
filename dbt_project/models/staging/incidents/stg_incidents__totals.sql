-- active all-incident totals (force x month, the demand denominator); rename and cast, nothing else
with source as (
    select * from {{ source('raw', 'incident_totals') }}
),

active_loads as (
    {{ mhw.active_loads() }}
),

renamed as (
    select
        s.force_code || ':' || cast(cast(s.month as date) as varchar(10)) as incident_total_key,
        s.load_id,
        l.loaded_at,
        s.row_number as source_row_number,
        s.force_code,
        cast(s.month as date) as month_start,
        cast(s.all_incidents as integer) as all_incidents
    from source as s
    inner join active_loads as l on s.load_id = l.load_id
)

select * from renamed
