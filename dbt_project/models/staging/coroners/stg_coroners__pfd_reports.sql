-- Coroners' PFD reports naming police and mental health: one row per report of the active edition of the index.
with loads as (
    select load_id
    from {{ source('raw', 'load_ledger') }}
    where source = 'coroners_pfd_reports' and status = 'loaded'
),

reports as (
    select r.*
    from {{ source('raw', 'coroners_pfd_reports') }} as r
    inner join loads as l on l.load_id = r.load_id
)

select
    report_url,
    ref as report_ref,
    cast(report_date as date) as report_date,
    cast(extract(year from report_date) as integer) as calendar_year,
    {{ mhw.fy_label(mhw.fy_start_year('report_date')) }} as fy_label,
    coroner_area,
    category,
    sent_to,
    sent_to_police,
    text_mentions_police,
    text_mentions_s136_or_place_of_safety as mentions_s136_or_place_of_safety,
    lower(coalesce(category, '')) like '%mental health%' as is_mental_health_category,
    lower(coalesce(category, '')) like '%police related%' as is_police_related_category,
    lower(coalesce(category, '')) like '%state custody%' as is_state_custody_category,
    source_file,
    row_number as source_row,
    load_id
from reports
