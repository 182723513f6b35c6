{#-
  Incremental by load: a run inserts the rows of active loads not yet in the table, and the pre-hook first deletes
  rows whose load is no longer active (superseded, or withdrawn from the ledger). So a superseded load's rows
  disappear without a full refresh. Seed changes (age bands, ethnicity groups) need `--full-refresh`.
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

with detentions as (
    select * from {{ ref('stg_s136__detentions') }}
    {% if is_incremental() %}
    where load_id in ({{ mhw.new_loads(this) }})
    {% endif %}
),

age_bands as (
    select age_years, band_u18, band_esp2013 from {{ ref('ref_age_band') }}
),

ethnicity as (
    select code, broad_5p1 from {{ ref('ref_ethnicity') }} where scheme = 'SDE_2011_18p1'
),

enriched as (
    select
        d.detention_key,
        d.force_code,
        d.detention_id,
        d.load_id,
        d.loaded_at,
        {{ mhw.fy_label(mhw.fy_start_year('d.detained_at')) }} as fy_label,
        d.detained_at,
        d.power,
        d.location_type,
        d.age_years,
        a.band_u18,
        a.band_esp2013,
        d.sex_code,
        d.ethnicity_sde_code,
        coalesce(e.broad_5p1, 'Not stated/Unknown') as ethnicity_broad_5p1,
        d.ethnicity_ode_code,
        d.transport_method,
        d.police_vehicle_reason,
        d.first_pos_type,
        d.police_station_reason,
        d.arrested_for_offence,
        d.arrived_first_pos_at,
        d.assessment_completed_at,
        d.detention_ended_at,
        {{ mhw.hours_between('d.arrived_first_pos_at', 'd.detention_ended_at') }} as duration_hours,
        d.extension_12h,
        d.outcome,
        d.person_token,
        d.person_key_id,
        d.incident_id
    from detentions as d
    left join age_bands as a on a.age_years = d.age_years
    left join ethnicity as e on e.code = d.ethnicity_sde_code
)

select
    *,
    coalesce(age_years < 18 and first_pos_type = 'police_station', false) as dq_u18_in_police_station,
    coalesce(duration_hours > 36, false) as dq_over_36h,
    (arrived_first_pos_at is null or detention_ended_at is null) as dq_missing_times,
    coalesce(duration_hours < 0, false) as dq_negative_duration
from enriched
