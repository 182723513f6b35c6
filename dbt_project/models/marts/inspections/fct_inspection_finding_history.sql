-- Status history of every inspection finding: one row per finding per snapshot, with the status it came from.
with snapshots as (
    select * from {{ ref('stg_inspections__findings') }}
),

ordered as (
    select
        *,
        lag(status) over (partition by finding_id order by snapshot_month_start) as previous_status,
        row_number() over (partition by finding_id order by snapshot_month_start) as snapshot_seq
    from snapshots
)

select
    finding_id,
    snapshot_period,
    snapshot_month_start,
    cast(snapshot_seq as integer) as snapshot_seq,
    geography_code,
    report_id,
    finding_type,
    npcc_objective,
    status,
    status_on,
    previous_status,
    (previous_status is null or previous_status <> status) as is_status_change,
    load_id
from ordered
