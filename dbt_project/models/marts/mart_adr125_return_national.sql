-- England and Wales x financial year x item of the annual s136 return: exact national counts (no SDC, methods.md
-- §4) from the records of every force, against the E&W figure the Home Office published ('national' rows of the
-- current release), with the force-level reconciliation summarised.
with exact as (
    select
        *,
        {{ mhw.adr125_status('record_count', 'published_count') }} as status
    from {{ ref('int_adr125_return_exact') }}
),

items as (
    {{ mhw.adr125_item_catalogue() }}
),

by_item as (
    select
        fy_label,
        measure,
        category,
        cast(sum(record_count) as bigint) as record_count,
        cast(sum(published_count) as bigint) as published_forces_sum,
        count(record_count) as forces_with_records,
        count(published_count) as forces_published,
        count(case when status = 'match' then 1 end) as forces_match,
        count(case when status = 'differs' then 1 end) as forces_differ,
        count(case when status = 'record_only' then 1 end) as forces_record_only,
        count(case when status = 'published_only' then 1 end) as forces_published_only
    from exact
    group by fy_label, measure, category
),

national_ranked as (
    select
        *,
        row_number() over (
            partition by fy_label, measure, category
            order by is_revised desc, source_row_number desc
        ) as rn
    from {{ ref('stg_adr125_published__counts') }}
    where is_national and is_current_load and fy_label = load_period
),

national as (
    select fy_label, measure, category, published_count, source_release, is_revised
    from national_ranked
    where rn = 1
),

joined as (
    select
        coalesce(b.fy_label, n.fy_label) as fy_label,
        coalesce(b.measure, n.measure) as measure,
        coalesce(b.category, n.category) as category,
        b.record_count,
        n.published_count,
        n.source_release as published_release,
        n.is_revised as published_is_revised,
        b.published_forces_sum,
        coalesce(b.forces_with_records, 0) as forces_with_records,
        coalesce(b.forces_published, 0) as forces_published,
        coalesce(b.forces_match, 0) as forces_match,
        coalesce(b.forces_differ, 0) as forces_differ,
        coalesce(b.forces_record_only, 0) as forces_record_only,
        coalesce(b.forces_published_only, 0) as forces_published_only
    from by_item as b
    full outer join national as n
        on n.fy_label = b.fy_label and n.measure = b.measure and n.category = b.category
)

select
    j.fy_label,
    j.measure,
    j.category,
    i.measure_label,
    i.category_label,
    i.item_order,
    j.record_count,
    j.published_count,
    j.record_count - j.published_count as difference,
    {{ mhw.adr125_status('j.record_count', 'j.published_count') }} as status,
    j.published_release,
    j.published_is_revised,
    j.published_forces_sum,
    j.forces_with_records,
    j.forces_published,
    j.forces_match,
    j.forces_differ,
    j.forces_record_only,
    j.forces_published_only
from joined as j
left join items as i on i.measure = j.measure and i.category = j.category
