{#-
  Statistical disclosure control for sub-national counts derived from person-level data (methods.md §4,
  NHS Digital HES/ECDS rule): 0 stays 0, 1-7 suppressed (NULL), everything else rounded to the nearest 5.
  Rates and CIs are complex statistics: computed from the unrounded count (but NULL when it is 1-7, project rule).
-#}

{% macro sdc_round5(count) -%}
    (case when {{ count }} is null then null
          when {{ count }} = 0 then 0
          when {{ count }} between 1 and 7 then null
          else cast(floor(({{ count }} + 2) / 5.0) * 5 as integer) end)
{%- endmacro %}

{% macro sdc_flag(count) -%}
    (case when {{ count }} is null then null
          when {{ count }} = 0 then 'none'
          when {{ count }} between 1 and 7 then 'suppressed_1_7'
          else 'rounded5' end)
{%- endmacro %}

{% macro is_suppressed_1_7(count) -%}({{ count }} between 1 and 7){%- endmacro %}

{#-
  Why a benchmark value (and everything derived from it) may not be published (docs/methods.md §4.1; NULL = it may):
  rates withheld when the count is 1-7; proportions when the numerator or the denominator is 1-7; means when the
  number of cases is 1-7; rate ratios when either count is 1-7 or either group's population is below 1,000.
  National figures and other bodies' published figures are exempt from the 1-7 rule.
-#}
{% macro benchmark_withheld_reason(method, disclosure_rule, geography_level, numerator, denominator,
                                   reference_numerator, reference_denominator) -%}
    (case
        when {{ method }} = 'rate_ratio' and ({{ denominator }} < 1000 or {{ reference_denominator }} < 1000)
            then 'population_lt_1000'
        when {{ geography_level }} = 'national' or {{ disclosure_rule }} = 'published_source' then null
        when {{ method }} = 'rate' and {{ mhw.is_suppressed_1_7(numerator) }} then 'count_1_7'
        when {{ method }} = 'proportion'
             and ({{ mhw.is_suppressed_1_7(numerator) }} or {{ mhw.is_suppressed_1_7(denominator) }})
            then 'numerator_or_denominator_1_7'
        when {{ method }} = 'mean' and {{ mhw.is_suppressed_1_7(denominator) }} then 'cases_1_7'
        when {{ method }} = 'rate_ratio'
             and ({{ mhw.is_suppressed_1_7(numerator) }} or {{ mhw.is_suppressed_1_7(reference_numerator) }})
            then 'count_1_7'
    end)
{%- endmacro %}
