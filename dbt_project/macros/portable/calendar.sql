{#- Financial year (April to March) helpers, portable SQL (extract returns numeric on PostgreSQL, hence the casts). -#}

{% macro fy_start_year(ts) -%}
    (cast(extract(year from {{ ts }}) as integer)
        - case when cast(extract(month from {{ ts }}) as integer) < 4 then 1 else 0 end)
{%- endmacro %}

{# '2023-24' from 2023, as varchar (PostgreSQL would type `||` as text, and the contracted incremental facts compare
   their columns' types with the table's at every run) #}
{% macro fy_label(start_year) -%}
    cast(cast({{ start_year }} as varchar(4)) || '-' || right(cast({{ start_year }} + 1 as varchar(4)), 2) as varchar)
{%- endmacro %}
