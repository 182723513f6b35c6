-- IOPC deaths during or following police contact, England and Wales, by edition x financial year x category: the
-- national counts as published (tables 1.1-5.1), with the by-force tables summed beside them as a reconciliation.
with stg as (
    select * from {{ ref('stg_iopc__deaths_tables') }}
    where fy_label is not null
),

national as (
    select
        edition,
        fy_label,
        fy_start_year,
        iopc_category,
        cast(sum(case when measure = 'deaths' then value end) as bigint) as deaths,
        cast(sum(case when measure = 'incidents' then value end) as bigint) as incidents,
        max(case when is_revised then 1 else 0 end) = 1 as is_revised,
        max(case when flag is not null and flag <> '~' then 1 else 0 end) = 1 as has_definition_footnote
    from stg
    where dimension = 'Financial year'
    group by edition, fy_label, fy_start_year, iopc_category
),

by_force as (
    select
        edition,
        fy_label,
        iopc_category,
        cast(sum(case when measure = 'deaths' and entity_type <> 'total' then value end) as bigint)
            as deaths_by_force_sum,
        cast(sum(case when measure = 'incidents' and entity_type <> 'total' then value end) as bigint)
            as incidents_by_force_sum,
        cast(sum(case when measure = 'deaths' and entity_type = 'total' then value end) as bigint)
            as deaths_by_force_total_row,
        cast(sum(case when measure = 'incidents' and entity_type = 'total' then value end) as bigint)
            as incidents_by_force_total_row,
        cast(sum(case when measure = 'deaths' and entity_type = 'force' then value end) as bigint)
            as deaths_single_forces,
        cast(sum(case when measure = 'deaths' and entity_type = 'multi_force' then value end) as bigint)
            as deaths_multi_force,
        cast(sum(case when measure = 'deaths' and entity_type = 'non_territorial_body' then value end) as bigint)
            as deaths_non_territorial
    from stg
    where dimension = 'Appropriate authority'
    group by edition, fy_label, iopc_category
),

latest as (
    select max(edition) as edition from {{ ref('stg_iopc__deaths_tables') }}
)

select
    n.edition,
    (n.edition = latest.edition) as is_latest_edition,
    n.fy_label,
    n.fy_start_year,
    n.iopc_category,
    n.deaths,
    n.incidents,
    n.is_revised,
    n.has_definition_footnote,
    b.deaths_by_force_sum,
    b.incidents_by_force_sum,
    b.deaths_by_force_total_row,
    b.incidents_by_force_total_row,
    b.deaths_single_forces,
    b.deaths_multi_force,
    b.deaths_non_territorial,
    (b.deaths_by_force_sum = n.deaths) as deaths_by_force_reconciles,
    (b.incidents_by_force_sum = n.incidents) as incidents_by_force_reconciles,
    case when b.deaths_by_force_sum is null then 'no by-force table'
         when b.deaths_by_force_sum = n.deaths then 'by-force rows add up to the national count'
         when b.deaths_by_force_sum > n.deaths
             then 'by-force rows exceed the national count: a death is attributed to more than one force '
                  || '(joint operation, IOPC footnote on the force rows)'
         else 'by-force rows fall short of the national count' end as reconciliation_note
from national as n
cross join latest
left join by_force as b on b.edition = n.edition and b.fy_label = n.fy_label and b.iopc_category = n.iopc_category
