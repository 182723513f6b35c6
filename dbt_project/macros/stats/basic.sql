{#- Small numeric helpers shared by every mart (methods.md §2.2; docs/methods.md "Disclosure control", "Rounding"). -#}

{# num / den as a double; NULL when den is NULL or 0 (DuckDB gives inf/NULL, PostgreSQL errors). #}
{% macro safe_divide(num, den) -%}
    (case when {{ den }} is null or {{ den }} = 0 then null
          else cast({{ num }} as {{ mhw.type_double() }}) / {{ den }} end)
{%- endmacro %}

{#
  round(x, n), half away from zero. A double holds 62.75 as 62.7499999..., and rounding that directly gives 62.7.
  The value is first fixed to 12 decimal places as a numeric (the binary error is far below that, and a ratio of
  counts is never that close to a half-way point unless it is one), then rounded in decimal arithmetic, the same on
  every engine, and handed back as a double.
#}
{% macro round_double(expr, places) -%}
    cast(round(cast({{ expr }} as numeric(38, 12)), {{ places }}) as {{ mhw.type_double() }})
{%- endmacro %}

{#
  sum(expr) over doubles that may hold fractions (officer hours = minutes / 60), the same whichever order the engine
  adds them in: each value fixed to 12 decimal places as a numeric, summed exactly in decimal arithmetic, handed back
  as a double. A double sum depends on the order of its additions, which a parallel aggregate does not fix: a region's
  officer hours came out 15381.45 (published 15381.5) in one build and 15381.4499... (15381.4) in the next, from the
  same rows, and the revisions report showed a change that never happened.
#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as numeric(38, 12))) as {{ mhw.type_double() }})
{%- endmacro %}

{#
  True when a statistic over n people (a median, a mean, a sum of their times) may not be shown: n is missing or 0,
  or, with disclosure control, 1-7 (methods §4.1, "not computed when 1-7 individuals are involved").
#}
{% macro base_withheld(n, sdc=true) -%}
    ({{ n }} is null or {{ n }} = 0{% if sdc %} or {{ mhw.is_suppressed_1_7(n) }}{% endif %})
{%- endmacro %}

{#
  True when a percentage of num over den may not be shown: its base is withheld (above), the numerator is missing,
  or, with disclosure control, the numerator counts 1-7 people. A numerator of 0 is shown (0%).
#}
{% macro pct_withheld(num, den, sdc=true) -%}
    ({{ mhw.base_withheld(den, sdc) }} or {{ num }} is null{% if sdc %} or {{ mhw.is_suppressed_1_7(num) }}{% endif %})
{%- endmacro %}

{# Percentage 0-100 of num over den, rounded half away from zero; NULL when pct_withheld. #}
{% macro pct(num, den, sdc=true, places=1) -%}
    (case when {{ mhw.pct_withheld(num, den, sdc) }} then null
          else {{ mhw.round_double('100.0 * ' ~ mhw.safe_divide(num, den), places) }} end)
{%- endmacro %}

{# 95% Wilson limit of that percentage (bound 'lower' | 'upper'), withheld exactly when the percentage is. #}
{% macro pct_wilson(num, den, bound, sdc=true, places=1) -%}
    {%- set limit = mhw.wilson_lower(num, den) if bound == 'lower' else mhw.wilson_upper(num, den) -%}
    (case when {{ mhw.pct_withheld(num, den, sdc) }} then null
          else {{ mhw.round_double('100.0 * ' ~ limit, places) }} end)
{%- endmacro %}

{#-
  Fingertips-style comparison of a value with a comparator through the value's 95% interval (docs/methods.md §2.5):
  'higher' when the interval lies above it, 'lower' below, else 'similar'; NULL when either is missing.
-#}
{% macro compare_interval(lcl, ucl, comparator) -%}
    (case when {{ lcl }} is null or {{ ucl }} is null or {{ comparator }} is null then null
          when {{ lcl }} > {{ comparator }} then 'higher'
          when {{ ucl }} < {{ comparator }} then 'lower'
          else 'similar' end)
{%- endmacro %}

{# better / worse / similar from a higher / lower / similar comparison and the measure's polarity. #}
{% macro judge(comparison, polarity) -%}
    (case when {{ comparison }} is null then null
          when {{ comparison }} = 'similar' then 'similar'
          when {{ polarity }} = 'no_judgement' then {{ comparison }}
          when ({{ comparison }} = 'higher') = ({{ polarity }} = 'higher_is_better') then 'better'
          else 'worse' end)
{%- endmacro %}
