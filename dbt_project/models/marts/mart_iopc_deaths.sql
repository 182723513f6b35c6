-- IOPC deaths during or following police contact by edition x force (or body) x financial year x category,
-- from the by-'appropriate authority' tables (1.7, 1.8, 2.5, 3.5, 4.5, 5.5, 5.6), values as the IOPC published them.
-- A force published under two names in one table (e.g. 'British Transport' / 'British Transport Police') is one
-- entity: its rows are summed. The tables' 'Total …' rows are in mart_iopc_deaths_national, not here.
with authority_rows as (
    select
        edition,
        iopc_category,
        fy_label,
        fy_start_year,
        measure,
        value,
        flag,
        is_revised,
        category as published_name,
        entity_type,
        force_code,
        -- other bodies have no code: keyed by name, footnote marks dropped; the IOPC writes 'SOCA' in table 5.6 for
        -- the body it calls 'SOCA / NCA' everywhere else (including 5.5, the incidents beside it)
        case when entity_type in ('force', 'multi_force') then force_code
             when category = 'SOCA' then 'SOCA / NCA'
             else trim(replace(replace(category, '^', ''), '*', '')) end as entity_key
    from {{ ref('stg_iopc__deaths_tables') }}
    where dimension = 'Appropriate authority'
      and entity_type <> 'total'
      and fy_label is not null
),

names as (
    select edition, entity_key, {{ dbt.listagg('published_name', "' / '", 'order by published_name') }} as published_names
    from (select distinct edition, entity_key, published_name from authority_rows) as d
    group by edition, entity_key
),

flags as (
    select edition, entity_key, fy_label, iopc_category, {{ dbt.listagg('flag', "' '", 'order by flag') }} as source_flags
    from (select distinct edition, entity_key, fy_label, iopc_category, flag from authority_rows where flag is not null) as d
    group by edition, entity_key, fy_label, iopc_category
),

cells as (
    select
        edition,
        entity_key,
        entity_type,
        force_code,
        fy_label,
        fy_start_year,
        iopc_category,
        cast(sum(case when measure = 'deaths' then value end) as bigint) as deaths,
        cast(sum(case when measure = 'incidents' then value end) as bigint) as incidents,
        max(case when is_revised then 1 else 0 end) = 1 as is_revised
    from authority_rows
    group by edition, entity_key, entity_type, force_code, fy_label, fy_start_year, iopc_category
),

latest as (
    select max(edition) as edition from {{ ref('stg_iopc__deaths_tables') }}
),

forces as (
    select force_code, force_name, region_name, is_territorial from {{ ref('ref_force') }}
)

select
    c.edition,
    (c.edition = latest.edition) as is_latest_edition,
    c.entity_key,
    c.force_code,
    coalesce(f.force_name, case when c.entity_type = 'non_territorial_body' then c.entity_key end, n.published_names)
        as entity_name,
    n.published_names,
    f.region_name,
    c.entity_type,
    coalesce(f.is_territorial, false) as is_territorial_force,
    (c.entity_type = 'multi_force') as is_multi_force,
    (c.entity_type = 'non_territorial_body') as is_non_territorial_body,
    c.fy_label,
    c.fy_start_year,
    c.iopc_category,
    c.deaths,
    c.incidents,
    c.is_revised,
    fl.source_flags
from cells as c
cross join latest
inner join names as n on n.edition = c.edition and n.entity_key = c.entity_key
left join forces as f on f.force_code = c.force_code and c.entity_type = 'force'
left join flags as fl
    on fl.edition = c.edition and fl.entity_key = c.entity_key and fl.fy_label = c.fy_label
    and fl.iopc_category = c.iopc_category
