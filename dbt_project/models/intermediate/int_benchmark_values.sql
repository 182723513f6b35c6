{#-
  The value of every measure, geography and period with its 95% and 99.8% confidence limits (docs/methods.md §2):
  rates (exact Poisson below 10 events, Byar's from 10), proportions (Wilson score), means (no interval), rate ratios
  (value here; limits in int_benchmark_rate_ratios, which needs the exact conditional method). Also the counts of the
  period before (the month or year immediately preceding), for the change tests, and withheld_reason: whether
  disclosure control lets the value be published (macros/stats/sdc.sql). Exact and restricted: the marts apply it
  (mart_benchmark, mart_spc). Statistics are carried to 6 decimal places.
-#}
{{ config(materialized='table') }}

with geographies as (
    select * from {{ ref('int_benchmark_geographies') }}
),

valued as (
    select
        *,
        {{ mhw.round_double("case
            when method = 'rate_ratio' then " ~ mhw.rate_ratio('numerator', 'denominator', 'reference_numerator', 'reference_denominator') ~ "
            when denominator > 0 then " ~ mhw.safe_divide('numerator', 'denominator') ~ " * multiplier
        end", 6) }} as value,
        {%- for level in mhw.ci_levels() %}
        {%- for bound in ['lower', 'upper'] %}
        {%- set rate = mhw.rate_lower('numerator', 'denominator', level.z, 'multiplier') if bound == 'lower'
                       else mhw.rate_upper('numerator', 'denominator', level.z, 'multiplier') %}
        {%- set wilson = mhw.wilson_lower('numerator', 'denominator', level.z) if bound == 'lower'
                         else mhw.wilson_upper('numerator', 'denominator', level.z) %}
        {{ mhw.round_double("case
            when denominator is null or denominator <= 0 or numerator is null then null
            when method = 'rate' then " ~ rate ~ "
            when method = 'proportion' then multiplier * " ~ wilson ~ "
        end", 6) }} as {{ 'lcl' if bound == 'lower' else 'ucl' }}{{ level.tag }},
        {%- endfor %}
        {%- endfor %}
        case
            when numerator is null or denominator is null or denominator <= 0 then null
            when method = 'rate' then {{ mhw.poisson_ci_method('numerator') }}
            when method = 'proportion' then 'wilson'
            when method = 'rate_ratio' and reference_numerator > 0 and reference_denominator > 0
                then {{ mhw.rate_ratio_method('numerator', 'reference_numerator') }}
        end as ci_method,
        {{ mhw.benchmark_withheld_reason('method', 'disclosure_rule', 'geography_level', 'numerator', 'denominator',
                                         'reference_numerator', 'reference_denominator') }} as withheld_reason
    from geographies
)

select
    v.*,
    p.period as previous_period,
    p.numerator as previous_numerator,
    p.denominator as previous_denominator,
    p.is_complete as previous_is_complete
from valued as v
left join geographies as p
    on p.measure_id = v.measure_id and p.geography_code = v.geography_code
    and p.period_start = cast(v.period_start - case when v.period_type = 'month' then interval '1 month'
                                                    else interval '1 year' end as date)
