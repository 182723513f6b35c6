-- Home Office use of force by officer-perceived health condition, loads still in force (one per financial year).
with source as (
    select * from {{ source('raw', 'home_office_use_of_force') }}
),

loads as (
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where source = 'home_office_use_of_force' and status = 'loaded'
)

select
    u.edition,
    u.fy_label,
    cast(substr(u.fy_label, 1, 4) as integer) as fy_start_year,
    u.police_force,
    u.force_code,
    u.entity_type,
    u.type_of_force,
    u.tactic,
    u.tactic_level,
    u.parent_tactic,
    cast(u.n_mental as bigint) as n_mental,
    cast(u.n_physical as bigint) as n_physical,
    cast(u.n_physical_and_mental as bigint) as n_physical_and_mental,
    cast(u.n_none as bigint) as n_none,
    cast(u.n_not_reported as bigint) as n_not_reported,
    cast(u.n_tactic_reported as bigint) as n_tactic_reported,
    -- tactics where the officer recorded a perceived condition (or none): the four reported answers
    cast(u.n_mental + u.n_physical + u.n_physical_and_mental + u.n_none as bigint) as n_condition_reported,
    cast(u.n_mental + u.n_physical_and_mental as bigint) as n_mental_health,
    u.row_number,
    u.load_id,
    u.source_file,
    l.loaded_at
from source as u
inner join loads as l on u.load_id = l.load_id
