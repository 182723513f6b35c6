-- Census 2011 ethnic group by LAD (long), active loads only, with each census group mapped through
-- ref_census2011_ethnic_group onto its level (total / broad / detailed), SDE 18+1 code and broad group.
with source as (
    select * from {{ source('raw', 'census2011_ethnic_group_lad') }}
),

loads as (
    select load_id from {{ source('raw', 'load_ledger') }} where status = 'loaded'
),

groups as (
    select census_code, group_level, sde_code, broad_5p1, sort_order
    from {{ ref('ref_census2011_ethnic_group') }}
)

select
    s.geo_code as lad_code,
    s.geo_name as lad_name,
    cast(s.census_year as integer) as census_year,
    s.ethnic_group_code,
    s.ethnic_group_label,
    g.group_level,
    g.sde_code,
    g.broad_5p1,
    g.sort_order as group_order,
    cast(s.population as bigint) as population,
    s.source_file,
    s.load_id
from source as s
inner join loads as l on l.load_id = s.load_id
left join groups as g on g.census_code = s.ethnic_group_code
