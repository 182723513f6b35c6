-- active s136 rows only (their load is still 'loaded', not superseded); rename and cast, nothing else
with source as (
    select * from {{ source('raw', 's136') }}
),

active_loads as (
    {{ mhw.active_loads() }}
),

renamed as (
    select
        cast(s.force_code || ':' || s.detention_id as varchar) as detention_key,
        s.load_id,
        l.loaded_at,
        s.row_number as source_row_number,
        s.detention_id,
        s.force_code,
        s.power,
        s.detained_at,
        s.location_type,
        cast(s.age as integer) as age_years,
        s.sex as sex_code,
        s.ethnicity_self_defined as ethnicity_sde_code,
        s.ethnicity_officer_defined as ethnicity_ode_code,
        s.transport_method,
        s.police_vehicle_reason,
        s.first_place_of_safety as first_pos_type,
        s.police_station_reason,
        s.arrested_for_offence,
        s.arrived_first_pos_at,
        s.assessment_completed_at,
        s.detention_ended_at,
        s.extension_12h,
        s.outcome,
        s.person_token,
        s.person_key_id,
        s.incident_id
    from source as s
    inner join active_loads as l on s.load_id = l.load_id
)

select * from renamed
