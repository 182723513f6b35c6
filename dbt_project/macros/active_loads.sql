{#- The loads whose rows are in force (status 'loaded': not superseded, duplicate or rejected); staging joins on it. -#}
{% macro active_loads() -%}
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where status = 'loaded'
{%- endmacro %}

{#- The active loads whose rows an incremental model (`relation`, its {{ this }}; `where`, a filter on its rows) does
    not hold yet. Its run takes its new rows with `load_id in (...)`: DuckDB pushes this short list into its read of
    the staging rows and skips the other loads' rows, where `load_id not in (<the model's loads>)` reads every column
    of every row first (a month of custody at ten years: 0.27 s against 1.5-2.0 s; docs/operations.md). -#}
{% macro new_loads(relation, where='true') -%}
    select load_id from ({{ mhw.active_loads() }}) as active
    where load_id not in (select distinct load_id from {{ relation }} where {{ where }})
{%- endmacro %}

{#- An active load that covers its period: it loaded rows, or it is a nil return (no data rows: a real zero). A file
    whose rows were all refused covers nothing, so its period shows as missing, never as 0 (docs/methods.md,
    "Partial periods"). -#}
{% macro covers_its_period(alias='') -%}
    ({{ alias }}rows_loaded > 0 or {{ alias }}rows_read = 0)
{%- endmacro %}

{#- What a missing month's note adds when the only file of it was loaded before the month ended (`flag`): such a file
    holds part of the month, which is not a complete month (int_source_coverage_month, int_benchmark_counts). -#}
{% macro partial_month_note(flag) -%}
    case when {{ flag }} then ' (only part of it: a file loaded before the month ended)' else '' end
{%- endmacro %}
