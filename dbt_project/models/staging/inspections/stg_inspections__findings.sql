-- Inspection findings by status snapshot: one row per finding per active monthly snapshot load
-- (landing/inspections/national/<YYYY-MM>/). Superseded deliveries are filtered out through the ledger.
with loads as (
    select load_id, period
    from {{ source('raw', 'load_ledger') }}
    where source = 'inspections' and status = 'loaded'
),

findings as (
    select f.*, l.period
    from {{ source('raw', 'inspections') }} as f
    inner join loads as l on l.load_id = f.load_id
)

select
    finding_id,
    period as snapshot_period,
    cast(period || '-01' as date) as snapshot_month_start,
    inspectorate,
    report_id,
    report_title,
    cast(published_on as date) as published_on,
    inspection_type,
    force_code,
    coalesce(force_code, 'national') as geography_code,
    force_code is null as is_national,
    pillar,
    finding_type,
    grade,
    text as finding_text,
    cast(npcc_objective as integer) as npcc_objective,
    case cast(npcc_objective as integer)
        when 1 then 'Oversight and escalation'
        when 2 then 'Data and information'
        when 3 then 'Prevention'
        when 4 then 'Benchmarking'
        when 5 then 'Criminal justice and diversion'
    end as npcc_objective_label,
    status,
    cast(status_on as date) as status_on,
    evidence_url,
    load_id
from findings
