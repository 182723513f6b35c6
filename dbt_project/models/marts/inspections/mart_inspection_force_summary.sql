-- Inspection recommendations and AFIs by force (and one 'national' row for thematic reports): counts by latest
-- status, the oldest outstanding item, open causes of concern and the latest PEEL grade held in the tracker.
-- Every territorial force has a row, with zeros when the tracker holds nothing for it.
with recs as (
    select * from {{ ref('mart_inspection_recommendations') }}
),

findings as (
    select * from {{ ref('fct_inspection_findings') }}
),

geographies as (
    select force_code, force_name from {{ ref('dim_force') }} where is_territorial
    union
    select 'national' as force_code, 'National' as force_name
    union
    select r.force_code, r.force_name from recs as r
),

counts as (
    select
        force_code,
        count(*) as items,
        sum(case when finding_type = 'recommendation' then 1 else 0 end) as recommendations,
        sum(case when finding_type = 'AFI' then 1 else 0 end) as afis,
        sum(case when status = 'open' then 1 else 0 end) as n_open,
        sum(case when status = 'in_progress' then 1 else 0 end) as n_in_progress,
        sum(case when status = 'complete' then 1 else 0 end) as n_complete,
        sum(case when status = 'superseded' then 1 else 0 end) as n_superseded,
        max(case when status = 'open' then age_days end) as oldest_open_age_days,
        max(age_days) as oldest_outstanding_age_days,
        max(latest_snapshot_period) as latest_snapshot_period
    from recs
    group by force_code
),

concerns as (
    select geography_code as force_code, count(*) as causes_of_concern_outstanding
    from findings
    where finding_type = 'cause_of_concern' and is_outstanding
    group by geography_code
),

grades as (
    select geography_code as force_code, grade, published_on,
        row_number() over (partition by geography_code order by published_on desc, finding_id) as recency
    from findings
    where finding_type = 'grade' and status <> 'superseded'
)

select
    g.force_code,
    g.force_name,
    g.force_code = 'national' as is_national,
    cast(coalesce(c.items, 0) as integer) as items,
    cast(coalesce(c.recommendations, 0) as integer) as recommendations,
    cast(coalesce(c.afis, 0) as integer) as afis,
    cast(coalesce(c.n_open, 0) as integer) as n_open,
    cast(coalesce(c.n_in_progress, 0) as integer) as n_in_progress,
    cast(coalesce(c.n_complete, 0) as integer) as n_complete,
    cast(coalesce(c.n_superseded, 0) as integer) as n_superseded,
    cast(c.oldest_open_age_days as integer) as oldest_open_age_days,
    cast(c.oldest_outstanding_age_days as integer) as oldest_outstanding_age_days,
    cast(coalesce(cc.causes_of_concern_outstanding, 0) as integer) as causes_of_concern_outstanding,
    gr.grade as latest_peel_grade,
    gr.published_on as latest_peel_published_on,
    c.latest_snapshot_period
from geographies as g
left join counts as c on c.force_code = g.force_code
left join concerns as cc on cc.force_code = g.force_code
left join grades as gr on gr.force_code = g.force_code and gr.recency = 1
