-- active street triage contacts only (their load is still 'loaded'); rename and cast, nothing else
with source as (
    select * from {{ source('raw', 'street_triage') }}
),

active_loads as (
    {{ mhw.active_loads() }}
),

renamed as (
    select
        cast(s.force_code || ':' || s.contact_id as varchar) as triage_key,
        s.load_id,
        l.loaded_at,
        s.row_number as source_row_number,
        s.contact_id,
        s.force_code,
        s.scheme_id,
        s.model_type,
        s.contact_at,
        cast(s.response_minutes as integer) as response_minutes,
        s.incident_id,
        s.outcome,
        s.person_token,
        s.person_key_id,
        s.person_match_method
    from source as s
    inner join active_loads as l on s.load_id = l.load_id
)

select * from renamed
