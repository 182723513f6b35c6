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
