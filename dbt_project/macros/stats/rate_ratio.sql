{#-
  Ratio of two Poisson rates, RR = (d1 / n1) / (d2 / n2), with its confidence limits (docs/methods.md §2.3):
  - both counts 10 or more: log method, exp(ln RR -/+ z sqrt(1/d1 + 1/d2));
  - either count below 10: exact conditional method. Given d1 + d2, d1 is binomial with
    pi = RR n1 / (RR n1 + n2); a Clopper-Pearson interval on pi is mapped back, RR = pi / (1 - pi) * n2 / n1
    (rateratio.test, R: 'exact confidence intervals come directly from binom.test').
  The rate ratio against White (mart_disproportionality, the Black:White measure of mart_benchmark) and the change
  of a rate on the previous period (mart_benchmark) both use these macros.
-#}

{% macro rate_ratio(d1, n1, d2, n2) -%}
    (case when {{ n1 }} > 0 and {{ n2 }} > 0 and {{ d1 }} >= 0 and {{ d2 }} > 0
        then (cast({{ d1 }} as {{ mhw.type_double() }}) * {{ n2 }}) / (cast({{ d2 }} as {{ mhw.type_double() }}) * {{ n1 }})
     end)
{%- endmacro %}

{# 'log' when both counts are 10 or more, 'exact_conditional' when either is below 10 (NULL without two counts). #}
{% macro rate_ratio_method(d1, d2) -%}
    (case when {{ d1 }} is null or {{ d2 }} is null then null
          when {{ d1 }} < 10 or {{ d2 }} < 10 then 'exact_conditional' else 'log' end)
{%- endmacro %}

{# Log-method limit; bound 'lower' or 'upper'. Only meaningful when both counts are positive. #}
{% macro rate_ratio_log_limit(d1, n1, d2, n2, z, bound) -%}
    (case when {{ d1 }} > 0 and {{ d2 }} > 0 and {{ n1 }} > 0 and {{ n2 }} > 0
        then exp(ln({{ mhw.rate_ratio(d1, n1, d2, n2) }})
                 {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt(1.0 / {{ d1 }} + 1.0 / {{ d2 }}))
     end)
{%- endmacro %}

{# RR limit from a binomial limit p on pi = d1 / (d1 + d2): p / (1 - p) * n2 / n1 (NULL when p = 1: no upper limit). #}
{% macro rate_ratio_from_pi(p, n1, n2) -%}
    (case when {{ p }} < 1 and {{ n1 }} > 0 then {{ p }} / (1 - {{ p }}) * {{ n2 }} / {{ n1 }} end)
{%- endmacro %}

{#- ln C(n, k) for k = 0..9 (k > n gives a finite dummy never used): computed once per row, not per bisection step. -#}
{% macro ln_choose(n, k) -%}
    (0.0{% for i in range(k) %} + ln(greatest({{ n }} - {{ i }}, 1)){% endfor %}
    {%- set ns = namespace(f=1) %}{% for i in range(1, k + 1) %}{% set ns.f = ns.f * i %}{% endfor %} - ln({{ ns.f }}))
{%- endmacro %}

{#-
  Binomial P(X <= j) for X ~ Bin(n, q), summed term by term; j must be 9 or less (the small side of the table), a
  negative j gives 0. Terms are computed on the log scale, so n may be large; `lnc` names the columns holding
  ln C(n, k) (lnc_0 .. lnc_9).
-#}
{% macro binomial_cdf_small(j, n, q, lnc) -%}
    (0.0
    {%- for k in range(10) %}
        + case when {{ k }} <= {{ j }}
              then {{ mhw.safe_exp('(' ~ lnc ~ '_' ~ k ~ ' + ' ~ k ~ ' * ln(' ~ q ~ ') + (' ~ n ~ ' - ' ~ k ~ ') * ln(1 - (' ~ q ~ ')))') }}
              else 0.0 end
    {%- endfor %})
{%- endmacro %}

{# P(X >= x) and P(X <= x) for X ~ Bin(n, p), summed over the smaller of x and n - x (which must be 9 or less). #}
{% macro binomial_upper_tail(x, n, p, lnc) -%}
    (case when {{ x }} <= {{ n }} - {{ x }} then 1 - {{ mhw.binomial_cdf_small(x ~ ' - 1', n, p, lnc) }}
          else {{ mhw.binomial_cdf_small(n ~ ' - ' ~ x, n, '1 - (' ~ p ~ ')', lnc) }} end)
{%- endmacro %}
{% macro binomial_lower_tail(x, n, p, lnc) -%}
    (case when {{ x }} <= {{ n }} - {{ x }} then {{ mhw.binomial_cdf_small(x, n, p, lnc) }}
          else 1 - {{ mhw.binomial_cdf_small(n ~ ' - ' ~ x ~ ' - 1', n, '1 - (' ~ p ~ ')', lnc) }} end)
{%- endmacro %}

{#-
  Clopper-Pearson limits for x successes out of n, for every row of `relation` whose smaller side min(x, n - x) is 9
  or less (other rows are left out): one row per key, confidence level ('95', '998') and bound ('lower', 'upper'),
  with p_limit. The lower limit solves P(X >= x; p) = tail, the upper P(X <= x; p) = tail (tail = 0.025 or 0.001),
  by bisection on [0, 1] in a recursive query: `steps` halvings leave an error below 2^-steps. A subquery, so it can
  sit inside a model's CTEs: `select * from ({{ mhw.clopper_pearson_limits('inputs', 'key', 'x', 'n') }}) as cp`.
-#}
{% macro clopper_pearson_limits(relation, key, x, n, steps=40) -%}
    {%- set p = 'cp_lo + cp_width / 2' -%}
    with recursive
    cp_input as (
        select
            {{ key }} as cp_key,
            cast({{ x }} as {{ mhw.type_double() }}) as x,
            cast({{ n }} as {{ mhw.type_double() }}) as n{% for k in range(10) %},
            {{ mhw.ln_choose('cast(' ~ n ~ ' as ' ~ mhw.type_double() ~ ')', k) }} as lnc_{{ k }}
            {%- endfor %}
        from {{ relation }}
        where {{ x }} >= 0 and {{ n }} > 0 and {{ x }} <= {{ n }}
          and ({{ x }} <= 9 or {{ n }} - {{ x }} <= 9)
    ),

    cp_targets as (
        {%- set targets = [] %}
        {%- for level in mhw.ci_levels() %}{% for bound in ['lower', 'upper'] %}
            {%- do targets.append((level.tag, bound, level.tail)) %}
        {%- endfor %}{% endfor %}
        {%- for tag, bound, tail in targets %}
        select '{{ tag }}' as ci_level, '{{ bound }}' as bound, {{ tail }} as tail{{ ' union all' if not loop.last }}
        {%- endfor %}
    ),

    -- state: the limit lies in [cp_lo, cp_lo + cp_width]; g(p) below is increasing in p and 0 at the limit
    {%- set lnc = [] %}{% for k in range(10) %}{% do lnc.append('lnc_' ~ k) %}{% endfor %}
    cp_bisect (cp_key, ci_level, bound, tail, x, n, {{ lnc | join(', ') }}, step, cp_lo, cp_width) as (
        select
            i.cp_key, t.ci_level, t.bound, cast(t.tail as {{ mhw.type_double() }}), i.x, i.n,
            {%- for c in lnc %} i.{{ c }},{% endfor %} 0,
            cast(0 as {{ mhw.type_double() }}), cast(1 as {{ mhw.type_double() }})
        from cp_input as i
        cross join cp_targets as t
        union all
        select
            cp_key, ci_level, bound, tail, x, n, {{ lnc | join(', ') }}, step + 1,
            case when (case when bound = 'lower' then {{ mhw.binomial_upper_tail('x', 'n', p, 'lnc') }} - tail
                            else tail - {{ mhw.binomial_lower_tail('x', 'n', p, 'lnc') }} end) > 0
                then cp_lo else cp_lo + cp_width / 2 end,
            cp_width / 2
        from cp_bisect
        where step < {{ steps }}
    )

    select
        cp_key,
        ci_level,
        bound,
        case when bound = 'lower' and x = 0 then 0.0
             when bound = 'upper' and x = n then 1.0
             else cp_lo + cp_width / 2 end as p_limit
    from cp_bisect
    where step = {{ steps }}
{%- endmacro %}
