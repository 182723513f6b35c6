{#- Not-null test of several columns in one scan: a row for each column that holds NULLs, with how many. A model with
    two or more not-null columns uses it instead of dbt's not_null on each: one node and one read of the model, not one
    per column (docs/operations.md, dbt build). -#}
{% test not_null_columns(model, columns) %}
with nulls as (
    select
    {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for column in columns -%}
select '{{ column }}' as column_name, {{ column }} as null_rows from nulls where {{ column }} > 0
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
{% endtest %}
