{#-
  The monthly series SPC is run on (docs/methods.md §4): every monthly measure for every force, region and England
  and Wales, one point per month with complete submissions and a value (incomplete months are left out, not drawn
  as real points). The improvement direction comes from the measure's polarity; a force series of a measure whose
  change_point is 'rcrp_go_live' starts a new segment (limits recalculated) at the first point on or after the
  force's Right Care, Right Person go-live month (seeds/ref_rcrp_go_live.csv).
-#}
with values_ as (
    select * from {{ ref('int_benchmark_values') }}
    where period_type = 'month' and is_complete and value is not null
),

measures as (
    select measure_id, polarity, change_point, target from {{ ref('ref_benchmark_measure') }}
),

rcrp as (
    select
        force_code,
        cast({{ dbt.date_trunc('month', 'go_live_date') }} as date) as go_live_month,
        basis
    from {{ ref('ref_rcrp_go_live') }}
),

series as (
    select
        v.measure_id || '|' || v.geography_code as series_id,
        v.measure_id,
        v.geography_level,
        v.geography_code,
        v.geography_name,
        v.region_code,
        v.region_name,
        v.period,
        v.period_start as point_date,
        v.value,
        v.withheld_reason,
        case m.polarity when 'higher_is_better' then 1 when 'lower_is_better' then -1 else 0 end
            as improvement_direction,
        m.target,
        case when m.change_point = 'rcrp_go_live' and v.geography_level = 'force' then r.go_live_month end
            as change_point_month,
        case when m.change_point = 'rcrp_go_live' and v.geography_level = 'force' then r.basis end
            as change_point_basis
    from values_ as v
    inner join measures as m on m.measure_id = v.measure_id
    left join rcrp as r on r.force_code = v.force_code
)

select
    *,
    coalesce(point_date >= change_point_month
             and lag(point_date) over (partition by series_id order by point_date) < change_point_month, false)
        as is_segment_start
from series
