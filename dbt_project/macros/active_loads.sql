{#- The loads whose rows are in force (status 'loaded': not superseded, duplicate or rejected); staging joins on it. -#}
{% macro active_loads() -%}
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where status = 'loaded'
{%- endmacro %}
