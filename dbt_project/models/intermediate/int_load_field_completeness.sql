{#-
  How complete each delivery's key fields are: one row per load x key field, its loaded rows and how many record it
  (docs/methods.md, "Completeness of key fields"). A key field is an optional field of the landing contract that a
  published measure reads and whose NULL means "not recorded" (not "did not happen", as an empty L&D referral time
  does); its contract code for "not known" / "not stated" counts as not recorded too. The required fields are
  always there: a row without one is rejected at the gate.
  A load's rows never change, so the table is incremental by load and only appends the loads it does not hold yet;
  the marts keep the active loads' rows (a superseded or withdrawn load's stay here, unread). Each row carries the
  checksum of the list below: when the list changes, the pre-hook deletes the rows counted by the old one and every
  load is counted again.
-#}
{%- set key_fields = {
    'incidents': {'grade': [], 'deployed': [], 'closed_at': [], 'outcome': [], 'person_age': [],
                  'person_ethnicity': ['NS'], 'person_token': []},
    's136': {'ethnicity_self_defined': ['NS'], 'transport_method': ['not_known'],
             'first_place_of_safety': ['not_known'], 'arrived_first_pos_at': [], 'detention_ended_at': [],
             'outcome': ['not_known'], 'person_token': []},
    'custody': {'released_at': [], 'age': [], 'ethnicity': ['NS'], 'mh_risk_identified': [], 'outcome': [],
                'person_token': []},
    'street_triage': {'response_minutes': [], 'outcome': [], 'person_token': []},
} %}
{%- set checksum = "md5('" ~ (key_fields | tojson) ~ "')" %}  {#- computed by the database: SQLMesh's Jinja has no local_md5 #}

{{ config(
    materialized='incremental',
    unique_key=['load_id', 'field'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    meta={'rebuildable': true},
    pre_hook="{% if is_incremental() %}delete from {{ this }} where key_fields_checksum <> " ~ checksum ~ "{% endif %}"
) }}

{% for raw_table, fields in key_fields.items() %}
{{ 'union all' if not loop.first }}
select * from (
    with counted as (
        select
            load_id,
            count(*) as rows_loaded,
            {%- for field, not_recorded in fields.items() %}
            {%- if not_recorded %}
            count(case when {{ field }} not in ('{{ not_recorded | join("', '") }}') then 1 end) as {{ field }}
            {%- else %}
            count({{ field }}) as {{ field }}
            {%- endif %}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ source('raw', raw_table) }}
        {% if is_incremental() %}
        where load_id in ({{ mhw.new_loads(this) }})
        {% endif %}
        group by load_id
    )
    {% for field in fields %}
    {{ 'union all' if not loop.first }}
    select
        cast('{{ raw_table }}' as varchar) as source,
        load_id,
        cast('{{ field }}' as varchar) as field,
        {{ loop.index }} as field_order,
        rows_loaded,
        {{ field }} as rows_recorded,
        cast({{ checksum }} as varchar) as key_fields_checksum
    from counted
    {% endfor %}
) as {{ raw_table }}_fields
{% endfor %}
