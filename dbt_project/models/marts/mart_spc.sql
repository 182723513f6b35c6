{#-
  Statistical process control (Making Data Count XmR charts; docs/methods.md §4) of every monthly measure for every
  force, region and England and Wales: one row per month with a complete value, with the centre line, process limits,
  the special-cause rules it triggers, its point type and, on the latest point, the series' variation and assurance
  icons. Computed from exact values (int_spc_points); published with disclosure control (docs/methods.md §7): a
  point whose value is withheld (mart_benchmark's rule) shows neither value nor point type, and its counts are shown
  as mart_benchmark shows them; a segment with a withheld point in its baseline shows no centre or limits (the
  centre is the baseline's mean: with the published points it would give the withheld one back).
-#}
with points as (
    select * from {{ ref('int_spc_points') }}
),

measures as (
    select measure_id, measure_name, unit from {{ ref('dim_measure') }}
),

counts as (
    select measure_id, geography_code, period, method, disclosure_rule, numerator, denominator
    from {{ ref('mart_benchmark') }}
),

baseline_published as (
    select
        *,
        count(case when segment_point <= baseline_points and withheld_reason is not null then 1 end)
            over (partition by series_id, segment) = 0 as has_published_baseline
    from points
),

final as (
    select
        p.*,
        m.measure_name,
        m.unit,
        c.method,
        c.disclosure_rule,
        c.numerator,
        c.denominator,
        p.withheld_reason is null as is_point_published,
        {%- set rules = [('rule_outside_limits', 'outside_limits'), ('rule_trend', 'trend'),
                         ('rule_two_of_three', 'two_of_three_near_limit'), ('rule_shift', 'shift')] %}
        case when p.withheld_reason is null then
            rtrim(
                {%- for flag, label in rules %}
                case when p.{{ flag }} then '{{ label }}, ' else '' end{{ ' ||' if not loop.last }}
                {%- endfor %}, ', ') end as rules_triggered
    from baseline_published as p
    inner join measures as m on m.measure_id = p.measure_id
    inner join counts as c
        on c.measure_id = p.measure_id and c.geography_code = p.geography_code and c.period = p.period
)

select
    cast(measure_id as varchar) as measure_id,
    cast(measure_name as varchar) as measure_name,
    cast(unit as varchar) as unit,
    cast(geography_level as varchar) as geography_level,
    cast(geography_code as varchar) as geography_code,
    cast(geography_name as varchar) as geography_name,
    cast(region_code as varchar) as region_code,
    cast(region_name as varchar) as region_name,
    cast(period as varchar) as period,
    cast(point_date as date) as month_start,
    cast(method as varchar) as method,
    cast(disclosure_rule as varchar) as disclosure_rule,
    cast(numerator as {{ mhw.type_double() }}) as numerator,
    cast(denominator as {{ mhw.type_double() }}) as denominator,
    cast(case when is_point_published then value end as {{ mhw.type_double() }}) as value,
    cast(withheld_reason as varchar) as withheld_reason,
    cast(improvement_direction as integer) as improvement_direction,
    cast(target as {{ mhw.type_double() }}) as target,
    cast(segment as integer) as segment,
    is_segment_start,
    cast(change_point_basis as varchar) as change_point_basis,
    cast(segment_point as integer) as segment_point,
    cast(case when has_published_baseline then baseline_points end as integer) as baseline_points,
    is_trial_limits,
    {%- for col in ['centre', 'upl', 'lpl', 'near_upl', 'near_lpl'] %}
    cast(case when has_published_baseline then {{ col }} end as {{ mhw.type_double() }}) as {{ col }},
    {%- endfor %}
    cast(case when is_point_published then special_cause_type end as varchar) as special_cause_type,
    cast(nullif(rules_triggered, '') as varchar) as rules_triggered,
    cast(case when is_point_published then point_type end as varchar) as point_type,
    is_latest_point,
    cast(case when is_point_published then variation_type end as varchar) as variation_type,
    cast(case when has_published_baseline then assurance_type end as varchar) as assurance_type
from final
