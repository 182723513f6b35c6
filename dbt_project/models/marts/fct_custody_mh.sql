{#-
  One row per active custody detention (all detentions, so that MH identification has its denominator), with the
  mental-health identification and Liaison & Diversion (L&D) pathway of methods.md §7.4. Incremental by load like
  fct_s136_detentions: the pre-hook deletes rows of loads no longer active, a run inserts rows of new loads.
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

with custody as (
    select * from {{ ref('stg_custody__detentions') }}
    {% if is_incremental() %}
    where load_id in ({{ mhw.new_loads(this) }})
    {% endif %}
)

select
    custody_key,
    force_code,
    custody_id,
    load_id,
    loaded_at,
    arrived_at,
    cast({{ dbt.date_trunc('month', 'arrived_at') }} as date) as month_start,
    {{ mhw.fy_label(mhw.fy_start_year('arrived_at')) }} as fy_label,
    released_at,
    {{ mhw.hours_between('arrived_at', 'released_at') }} as hours_in_custody,
    age_years,
    cast(case when age_years < 18 then '<18' when age_years >= 18 then '18+' end as varchar) as band_u18,
    sex_code,
    ethnicity_sde_code,
    mh_risk_identified,
    appropriate_adult,
    -- methods.md §7.4: custody MH identification = an MH risk flag, an appropriate adult or an L&D referral
    coalesce(mh_risk_identified, false) or coalesce(appropriate_adult, false) or lnd_referred_at is not null
        as is_mh_identified,
    lnd_referred_at,
    lnd_screened_at,
    lnd_assessed_at,
    lnd_referred_at is not null as is_lnd_referred,
    lnd_screened_at is not null as is_lnd_screened,
    lnd_assessed_at is not null as is_lnd_assessed,
    {{ mhw.hours_between('arrived_at', 'lnd_referred_at') }} as hours_arrival_to_referral,
    {{ mhw.hours_between('lnd_referred_at', 'lnd_screened_at') }} as hours_referral_to_screen,
    {{ mhw.hours_between('lnd_screened_at', 'lnd_assessed_at') }} as hours_screen_to_assess,
    {{ mhw.hours_between('lnd_referred_at', 'lnd_assessed_at') }} as hours_referral_to_assess,
    outcome,
    oocd_type,
    outcome = 'oocd' as is_oocd,
    person_token,
    person_key_id,
    person_match_method
from custody
