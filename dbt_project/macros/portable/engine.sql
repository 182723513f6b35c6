{#-
  Engine-specific SQL lives only here, behind adapter.dispatch (stack-notes.md, "portable SQL").
  duckdb__* for DuckDB; default__* is the standard/PostgreSQL form.
-#}

{# 8-byte float (dbt.type_float() is 4-byte REAL on DuckDB). #}
{% macro type_double() -%}{{ return(adapter.dispatch('type_double', 'mhw')()) }}{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}

{# Median of a numeric expression (an aggregate). #}
{% macro median(expr) -%}{{ return(adapter.dispatch('median', 'mhw')(expr)) }}{%- endmacro %}
{% macro default__median(expr) -%}
    cast(percentile_cont(0.5) within group (order by {{ expr }}) as {{ mhw.type_double() }})
{%- endmacro %}
{% macro duckdb__median(expr) -%}cast(median({{ expr }}) as double){%- endmacro %}

{# Hours from start_ts to end_ts (fractional, negative when end is before start). #}
{% macro hours_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('hours_between', 'mhw')(start_ts, end_ts)) }}
{%- endmacro %}
{% macro default__hours_between(start_ts, end_ts) -%}
    cast(extract(epoch from ({{ end_ts }} - {{ start_ts }})) as double precision) / 3600.0
{%- endmacro %}
{% macro duckdb__hours_between(start_ts, end_ts) -%}
    (epoch({{ end_ts }}) - epoch({{ start_ts }})) / 3600.0
{%- endmacro %}

{# Continuous percentile of an expression (an aggregate): R's quantile type 7, linear interpolation. #}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'mhw')(expr, fraction)) }}
{%- endmacro %}
{% macro default__percentile_cont(expr, fraction) -%}
    cast(percentile_cont({{ fraction }}) within group (order by {{ expr }}) as {{ mhw.type_double() }})
{%- endmacro %}
{% macro duckdb__percentile_cont(expr, fraction) -%}cast(quantile_cont({{ expr }}, {{ fraction }}) as double){%- endmacro %}

{# e^x that is 0 instead of an underflow (PostgreSQL raises 'value out of range: underflow' below about e^-745). #}
{% macro safe_exp(expr) -%}
    (case when {{ expr }} < -700 then 0.0 else exp({{ expr }}) end)
{%- endmacro %}
