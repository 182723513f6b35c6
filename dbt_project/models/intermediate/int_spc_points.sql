{#-
  XmR statistical process control of every series in int_spc_series (macros/stats/spc.sql; docs/methods.md §4):
  centre, process limits, the special-cause rules, point types, the latest point's variation type and the assurance
  against a target. Computed on exact values; mart_spc applies disclosure control. Carried to 6 decimal places.
-#}
{{ config(materialized='table') }}

with series as (
    select * from {{ ref('int_spc_series') }}
),

spc as (
    select * from ({{ mhw.xmr_chart('series') }}) as x
)

select
    s.series_id,
    s.measure_id,
    s.geography_level,
    s.geography_code,
    s.geography_name,
    s.region_code,
    s.region_name,
    s.period,
    s.point_date,
    {{ mhw.round_double('x.value', 6) }} as value,
    s.withheld_reason,
    s.improvement_direction,
    s.target,
    s.is_segment_start,
    s.change_point_basis,
    x.segment,
    x.segment_point,
    x.segment_points,
    x.baseline_points,
    x.is_trial_limits,
    {%- for col in ['centre', 'mr_mean', 'upl', 'lpl', 'near_upl', 'near_lpl'] %}
    {{ mhw.round_double('x.' ~ col, 6) }} as {{ col }},
    {%- endfor %}
    x.relative_to_mean,
    x.rule_outside_limits,
    x.rule_trend,
    x.rule_two_of_three,
    x.rule_shift,
    x.special_cause_type,
    x.point_type,
    x.is_latest_point,
    x.variation_type,
    x.assurance_type
from series as s
inner join spc as x on x.series_id = s.series_id and x.point_date = s.point_date
