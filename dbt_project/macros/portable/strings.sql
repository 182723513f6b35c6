{#- string_agg with an order: the same syntax on DuckDB and PostgreSQL (NULL values are skipped). -#}
{% macro string_agg_ordered(expr, order_by, separator) -%}
    string_agg({{ expr }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}
