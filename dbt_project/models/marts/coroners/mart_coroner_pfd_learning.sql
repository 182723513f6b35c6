-- Coroners' PFD reports naming police and mental health, by coroner area and period: calendar years and financial
-- years as separate rows (period_type), with the report references and links for follow-up.
with reports as (
    select * from {{ ref('stg_coroners__pfd_reports') }}
),

periods as (
    select
        cast('calendar_year' as varchar(14)) as period_type,
        cast(calendar_year as varchar(7)) as period_label,
        reports.*
    from reports
    union all
    select
        cast('financial_year' as varchar(14)) as period_type,
        cast(fy_label as varchar(7)) as period_label,
        reports.*
    from reports
)

select
    coroner_area,
    period_type,
    period_label,
    cast(count(*) as integer) as reports,
    cast(sum(case when sent_to_police then 1 else 0 end) as integer) as sent_to_police,
    cast(sum(case when text_mentions_police then 1 else 0 end) as integer) as text_mentions_police,
    cast(sum(case when mentions_s136_or_place_of_safety then 1 else 0 end) as integer)
        as mentions_s136_or_place_of_safety,
    cast(sum(case when is_mental_health_category then 1 else 0 end) as integer) as mental_health_category,
    min(report_date) as first_report_date,
    max(report_date) as last_report_date,
    string_agg(coalesce(report_ref, '(no ref)'), ' | ' order by report_date, report_url) as report_refs,
    string_agg(report_url, ' | ' order by report_date, report_url) as report_urls
from periods
group by coroner_area, period_type, period_label
