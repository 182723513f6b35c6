-- The third-party Census 2011 ethnic group by PFA summary (active load only): a cross-check of
-- int_population_ethnicity_force, never a denominator.
with source as (
    select * from {{ source('raw', 'census2011_ethnic_group_pfa_third_party') }}
),

loads as (
    select load_id from {{ source('raw', 'load_ledger') }} where status = 'loaded'
),

groups as (
    select census_code, group_level, sde_code, broad_5p1
    from {{ ref('ref_census2011_ethnic_group') }}
)

select
    s.force_code,
    s.pfa_name,
    s.ethnic_group_code,
    s.ethnic_group_label,
    g.group_level,
    g.sde_code,
    g.broad_5p1,
    cast(s.population as bigint) as population,
    s.source_file,
    s.load_id
from source as s
inner join loads as l on l.load_id = s.load_id
left join groups as g on g.census_code = s.ethnic_group_code
