-- Inspection recommendations and areas for improvement (AFIs) with their latest status and age: one row each.
-- force_code is 'national' for national (thematic) recommendations. age_days is set for outstanding items only
-- (open / in_progress): days from publication to the status assessment of the latest snapshot.
with findings as (
    select * from {{ ref('fct_inspection_findings') }}
    where finding_type in ('recommendation', 'AFI')
),

forces as (
    select force_code, force_name from {{ ref('dim_force') }}
)

select
    f.finding_id,
    f.report_id,
    f.report_title,
    f.inspectorate,
    f.inspection_type,
    f.geography_code as force_code,
    coalesce(d.force_name, 'National') as force_name,
    f.is_national,
    f.finding_type,
    f.finding_text,
    f.npcc_objective,
    f.npcc_objective_label,
    f.status,
    f.status_on,
    f.status_since,
    f.published_on as first_published,
    f.is_outstanding,
    f.age_days,
    case
        when f.age_days is null then null
        when f.age_days < 183 then 'under_6_months'
        when f.age_days < 365 then '6_to_12_months'
        when f.age_days < 730 then '1_to_2_years'
        else '2_years_or_more'
    end as age_band,
    f.completed_by,
    f.days_to_complete,
    f.latest_snapshot_period,
    f.is_in_latest_snapshot
from findings as f
left join forces as d on d.force_code = f.force_code
