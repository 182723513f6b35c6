{#-
  Ratios of two Poisson rates with 95% and 99.8% limits (macros/stats/rate_ratio.sql, docs/methods.md §2.3), for
  - kind 'value':  the Black:White rate ratio (numerator / denominator over the White reference counts);
  - kind 'change': a rate against the same geography's rate in the period before (the change test of mart_benchmark).
  The log method when both counts are 10 or more; the exact conditional (Clopper-Pearson) method when either is
  below 10. No ratio when the second count is 0 (it would be infinite). Carried to 6 decimal places.
-#}
{{ config(materialized='table') }}

with values_ as (
    select * from {{ ref('int_benchmark_values') }}
),

pairs as (
    select
        measure_id, geography_code, period, 'value' as kind,
        numerator as d1, denominator as n1, reference_numerator as d2, reference_denominator as n2
    from values_
    where method = 'rate_ratio'
    union all
    select
        measure_id, geography_code, period, 'change' as kind,
        numerator as d1, denominator as n1, previous_numerator as d2, previous_denominator as n2
    from values_
    where method = 'rate' and previous_numerator is not null
),

keyed as (
    select
        *,
        kind || '|' || measure_id || '|' || geography_code || '|' || period as pair_key,
        {{ mhw.rate_ratio_method('d1', 'd2') }} as rr_method
    from pairs
    where d1 >= 0 and d2 > 0 and n1 > 0 and n2 > 0
),

exact_inputs as (
    select pair_key, d1, d2 from keyed where rr_method = 'exact_conditional'
),

exact_limits as (
    select * from ({{ mhw.clopper_pearson_limits('exact_inputs', 'pair_key', 'd1', 'd1 + d2') }}) as cp
),

exact_wide as (
    select
        e.cp_key as pair_key,
        {%- for level in mhw.ci_levels() %}
        max(case when e.ci_level = '{{ level.tag }}' and e.bound = 'lower'
            then {{ mhw.rate_ratio_from_pi('e.p_limit', 'k.n1', 'k.n2') }} end) as lcl{{ level.tag }},
        max(case when e.ci_level = '{{ level.tag }}' and e.bound = 'upper'
            then {{ mhw.rate_ratio_from_pi('e.p_limit', 'k.n1', 'k.n2') }} end) as ucl{{ level.tag }}{{ ',' if not loop.last }}
        {%- endfor %}
    from exact_limits as e
    inner join keyed as k on k.pair_key = e.cp_key
    group by e.cp_key
)

select
    k.measure_id,
    k.geography_code,
    k.period,
    k.kind,
    k.d1,
    k.n1,
    k.d2,
    k.n2,
    {{ mhw.round_double(mhw.rate_ratio('k.d1', 'k.n1', 'k.d2', 'k.n2'), 6) }} as rate_ratio,
    {%- for level in mhw.ci_levels() %}
    {{ mhw.round_double("case when k.rr_method = 'log' then " ~ mhw.rate_ratio_log_limit('k.d1', 'k.n1', 'k.d2', 'k.n2', level.z, 'lower') ~ " else x.lcl" ~ level.tag ~ " end", 6) }} as lcl{{ level.tag }},
    {{ mhw.round_double("case when k.rr_method = 'log' then " ~ mhw.rate_ratio_log_limit('k.d1', 'k.n1', 'k.d2', 'k.n2', level.z, 'upper') ~ " else x.ucl" ~ level.tag ~ " end", 6) }} as ucl{{ level.tag }},
    {%- endfor %}
    k.rr_method
from keyed as k
left join exact_wide as x on x.pair_key = k.pair_key
