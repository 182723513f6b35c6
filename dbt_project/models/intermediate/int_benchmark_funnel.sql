{#-
  Funnel statistics of every rate and proportion measure, one funnel per measure and period over the forces whose
  submissions for the period are complete (macros/stats/funnel.sql; docs/methods.md §3): the pooled target, each
  force's limits at its own denominator, its z-scores and position, and the funnel's phi and tau2. Computed from exact
  counts; positions of forces whose value is withheld are withheld where published (mart_benchmark). Carried to 6
  decimal places (tau2 to 8).
-#}
{{ config(materialized='table') }}

with units as (
    select
        measure_id,
        period,
        force_code,
        numerator,
        denominator,
        method as funnel_type,
        multiplier
    from {{ ref('int_benchmark_values') }}
    where geography_level = 'force' and method in ('rate', 'ratio', 'proportion') and is_complete
      and numerator is not null and denominator > 0
),

funnel as (
    select * from ({{ mhw.funnel_statistics('units', ['measure_id', 'period'], 'force_code') }}) as f
)

select
    measure_id,
    period,
    force_code,
    {%- for col in ['funnel_target', 'funnel_expected', 'funnel_lcl95', 'funnel_ucl95', 'funnel_lcl998',
                    'funnel_ucl998', 'funnel_z', 'funnel_z_adjusted', 'funnel_phi'] %}
    {{ mhw.round_double(col, 6) }} as {{ col }},
    {%- endfor %}
    {{ mhw.round_double('funnel_tau2', 8) }} as funnel_tau2,
    funnel_position,
    funnel_od_adjusted,
    funnel_units,
    funnel_units_used
from funnel
