-- active custody detentions only (their load is still 'loaded'); rename and cast, nothing else
with source as (
    select * from {{ source('raw', 'custody') }}
),

active_loads as (
    {{ mhw.active_loads() }}
),

renamed as (
    select
        cast(s.force_code || ':' || s.custody_id as varchar) as custody_key,
        s.load_id,
        l.loaded_at,
        s.row_number as source_row_number,
        s.custody_id,
        s.force_code,
        s.arrived_at,
        s.released_at,
        cast(s.age as integer) as age_years,
        s.sex as sex_code,
        s.ethnicity as ethnicity_sde_code,
        s.mh_risk_identified,
        s.appropriate_adult,
        s.lnd_referred_at,
        s.lnd_screened_at,
        s.lnd_assessed_at,
        s.outcome,
        s.oocd_type,
        s.person_token,
        s.person_key_id,
        s.person_match_method
    from source as s
    inner join active_loads as l on s.load_id = l.load_id
)

select * from renamed
