-- active MH-qualified control-room incidents only (their load is still 'loaded'); rename and cast, nothing else
with source as (
    select * from {{ source('raw', 'incidents') }}
),

active_loads as (
    {{ mhw.active_loads() }}
),

renamed as (
    select
        cast(s.force_code || ':' || s.incident_id as varchar) as incident_key,
        s.load_id,
        l.loaded_at,
        s.row_number as source_row_number,
        s.incident_id,
        s.force_code,
        s.created_at,
        s.first_arrival_at,
        s.closed_at,
        s.opening_code,
        s.closing_code,
        s.mh_flag_opening,
        s.mh_flag_closing,
        s.mh_subcategory,
        s.grade,
        s.deployed,
        cast(s.officer_minutes as integer) as officer_minutes,
        s.rcrp_decision,
        s.outcome,
        cast(s.person_age as integer) as age_years,
        s.person_sex as sex_code,
        s.person_ethnicity as ethnicity_sde_code,
        s.person_token,
        s.person_key_id,
        s.person_match_method
    from source as s
    inner join active_loads as l on s.load_id = l.load_id
)

select * from renamed
