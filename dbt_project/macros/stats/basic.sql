{#- Small numeric helpers shared by every mart (methods.md §2.2, §4). -#}

{# num / den as a double; NULL when den is NULL or 0 (DuckDB gives inf/NULL, PostgreSQL errors). #}
{% macro safe_divide(num, den) -%}
    (case when {{ den }} is null or {{ den }} = 0 then null
          else cast({{ num }} as {{ mhw.type_double() }}) / {{ den }} end)
{%- endmacro %}

{# Percentage 0-100 of num over den, NULL when den is 0; with sdc=true also NULL when den is 1-7 (methods §4). #}
{% macro pct(num, den, sdc=true, places=1) -%}
    (case when {{ den }} is null or {{ den }} = 0 then null
          {% if sdc %}when {{ den }} between 1 and 7 then null{% endif %}
          else {{ mhw.round_double('100.0 * ' ~ mhw.safe_divide(num, den), places) }} end)
{%- endmacro %}
