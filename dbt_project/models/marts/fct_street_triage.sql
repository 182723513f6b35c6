{#-
  One row per active street triage contact (methods.md §7.3). Incremental by load like fct_s136_detentions: the
  pre-hook deletes rows of loads no longer active, a run inserts rows of new loads.
  Append, not delete+insert by key: a run selects only loads the table lacks (docs/operations.md, "How an
  incremental run picks its new rows").
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'rebuildable': true},
    pre_hook="{% if is_incremental() %}delete from {{ this }} where load_id not in (select load_id from ({{ mhw.active_loads() }}) as a){% endif %}"
) }}

with contacts as (
    select * from {{ ref('stg_street_triage__contacts') }}
    {% if is_incremental() %}
    where load_id in ({{ mhw.new_loads(this) }})
    {% endif %}
)

select
    triage_key,
    force_code,
    contact_id,
    load_id,
    loaded_at,
    scheme_id,
    model_type,
    contact_at,
    cast({{ dbt.date_trunc('month', 'contact_at') }} as date) as month_start,
    {{ mhw.fy_label(mhw.fy_start_year('contact_at')) }} as fy_label,
    response_minutes,
    cast(case when incident_id is not null then force_code || ':' || incident_id end as varchar) as incident_key,
    outcome,
    outcome = 's136' as is_s136_outcome,
    person_token,
    person_key_id,
    person_match_method
from contacts
