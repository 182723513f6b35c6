-- One row per inspection finding: its latest status (latest snapshot it appears in) and what its history says.
-- age_days: for an outstanding item (open / in_progress), days from the report's publication to the status
-- assessment of its latest snapshot. status_since: the first snapshot date of the current run of the status;
-- when that run starts in the finding's first snapshot the tracker does not say when it began (censored).
with snapshots as (
    select * from {{ ref('stg_inspections__findings') }}
),

changes as (
    select
        finding_id,
        snapshot_period,
        snapshot_month_start,
        status,
        status_on,
        case
            when lag(status) over (partition by finding_id order by snapshot_month_start) is null then 0
            when lag(status) over (partition by finding_id order by snapshot_month_start) <> status then 1
            else 0
        end as is_change,
        row_number() over (partition by finding_id order by snapshot_month_start desc) as recency
    from snapshots
),

runs as (
    select
        *,
        sum(is_change) over (
            partition by finding_id order by snapshot_month_start rows between unbounded preceding and current row
        ) as status_run
    from changes
),

history as (
    select
        finding_id,
        count(*) as snapshots,
        min(snapshot_period) as first_snapshot_period,
        max(snapshot_period) as latest_snapshot_period,
        sum(is_change) as status_changes,
        max(status_run) as current_run
    from runs
    group by finding_id
),

current_run as (
    select r.finding_id, min(r.status_on) as status_since
    from runs as r
    inner join history as h on h.finding_id = r.finding_id and r.status_run = h.current_run
    group by r.finding_id
),

latest as (
    select s.*
    from snapshots as s
    inner join runs as r
        on r.finding_id = s.finding_id and r.snapshot_period = s.snapshot_period and r.recency = 1
),

tracker as (
    select max(snapshot_period) as latest_tracker_period from snapshots
)

select
    l.finding_id,
    l.inspectorate,
    l.report_id,
    l.report_title,
    l.published_on,
    l.inspection_type,
    l.force_code,
    l.geography_code,
    l.is_national,
    l.pillar,
    l.finding_type,
    l.grade,
    l.finding_text,
    l.npcc_objective,
    l.npcc_objective_label,
    l.status,
    l.status_on,
    c.status_since,
    h.current_run = 0 as is_status_since_censored,
    l.status in ('open', 'in_progress') as is_outstanding,
    case when l.status in ('open', 'in_progress') then cast(l.status_on - l.published_on as integer) end as age_days,
    case when l.status = 'complete' then c.status_since end as completed_by,
    case
        when l.status = 'complete' and h.current_run > 0 then cast(c.status_since - l.published_on as integer)
    end as days_to_complete,
    cast(h.snapshots as integer) as snapshots,
    h.first_snapshot_period,
    h.latest_snapshot_period,
    cast(h.status_changes as integer) as status_changes,
    h.latest_snapshot_period = t.latest_tracker_period as is_in_latest_snapshot,
    l.evidence_url
from latest as l
inner join history as h on h.finding_id = l.finding_id
inner join current_run as c on c.finding_id = l.finding_id
cross join tracker as t
