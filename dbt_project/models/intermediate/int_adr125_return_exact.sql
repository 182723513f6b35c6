-- force x financial year x item of the annual s136 return (methods.md §1.2): exact counts from the record-level
-- facts, beside the Home Office's published figures of the current release. Restricted (unrounded counts cut by
-- force): never published; mart_adr125_return is the disclosure-controlled view of it.
with items as (
    {{ mhw.adr125_item_catalogue() }}
),

-- every force-year with an active s136 return (a nil return counts 0 for every item)
record_cells as (
    select force_code, fy_label from {{ ref('int_s136_force_year') }}
),

record_items as (
    {{ mhw.adr125_record_items(ref('fct_s136_detentions')) }}
),

record_item_counts as (
    select force_code, fy_label, measure, category, count(*) as n
    from record_items
    group by force_code, fy_label, measure, category
),

record_counts as (
    select c.force_code, c.fy_label, i.measure, i.category, coalesce(n.n, 0) as record_count
    from record_cells as c
    cross join items as i
    left join record_item_counts as n
        on n.force_code = c.force_code and n.fy_label = c.fy_label
        and n.measure = i.measure and n.category = i.category
),

-- force-level published rows filed under their own financial year
published_rows as (
    select * from {{ ref('stg_adr125_published__counts') }}
    where not is_national and fy_label = load_period
),

-- the current release; should a file repeat an item, a row marked revised wins, then the later row
current_ranked as (
    select
        *,
        row_number() over (
            partition by force_code, fy_label, measure, category
            order by is_revised desc, source_row_number desc
        ) as rn
    from published_rows
    where is_current_load
),

first_ranked as (
    select
        *,
        row_number() over (
            partition by force_code, fy_label, measure, category
            order by loaded_at, source_row_number
        ) as rn
    from published_rows
),

published as (
    select
        c.force_code,
        c.fy_label,
        c.measure,
        c.category,
        c.published_count,
        c.source_release as published_release,
        c.is_revised as published_is_revised,
        f.published_count as first_published_count,
        f.source_release as first_release
    from current_ranked as c
    inner join first_ranked as f
        on f.force_code = c.force_code and f.fy_label = c.fy_label
        and f.measure = c.measure and f.category = c.category and f.rn = 1
    where c.rn = 1
),

joined as (
    select
        coalesce(r.force_code, p.force_code) as force_code,
        coalesce(r.fy_label, p.fy_label) as fy_label,
        coalesce(r.measure, p.measure) as measure,
        coalesce(r.category, p.category) as category,
        r.record_count,
        p.published_count,
        p.published_release,
        p.published_is_revised,
        p.first_published_count,
        p.first_release
    from record_counts as r
    full outer join published as p
        on p.force_code = r.force_code and p.fy_label = r.fy_label
        and p.measure = r.measure and p.category = r.category
)

select
    j.force_code,
    j.fy_label,
    j.measure,
    j.category,
    i.measure_label,
    i.category_label,
    i.item_order,
    j.record_count,
    j.published_count,
    j.record_count - j.published_count as difference,
    j.published_release,
    j.published_is_revised,
    j.first_published_count,
    j.first_release
from joined as j
left join items as i on i.measure = j.measure and i.category = j.category
