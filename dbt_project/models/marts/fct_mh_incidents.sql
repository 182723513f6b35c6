{#-
  Incremental by load, like fct_s136_detentions: a run inserts the rows of active incident loads not yet in the
  table, and the pre-hook first deletes rows whose load is no longer active (superseded, or withdrawn from the
  ledger), so a corrected monthly re-delivery replaces the old month without a full refresh.
  linked_detention_key comes from another source (raw.s136.incident_id): an incident already in the table whose link
  has changed (a detention loaded, corrected or superseded later) is re-selected and replaced through unique_key.
-#}
{{ config(
    materialized='incremental',
    unique_key='incident_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    meta={'rebuildable': true},
    pre_hook="{% if is_incremental() %}delete from {{ this }} where load_id not in (select load_id from ({{ mhw.active_loads() }}) as a){% endif %}"
) }}

-- the detention an incident led to (raw.s136.incident_id, same force); the first by key when there are several
with links as (
    select
        force_code || ':' || incident_id as incident_key,
        cast(min(detention_key) as varchar) as linked_detention_key,  -- min() of varchar is text on PostgreSQL
        count(*) as n_linked_detentions
    from {{ ref('stg_s136__detentions') }}
    where incident_id is not null
    group by force_code || ':' || incident_id
),

{% if is_incremental() %}
-- incidents in the table whose detention link is no longer the one it holds: an incident linked now or linked
-- before. One not in the table is of a new load (read below) or of none, so it is not looked for: looking for those
-- made every month read every incident, as the s136 returns name incidents that no extract holds
relinked as (
    select t.incident_key
    from {{ this }} as t
    left join links as l on l.incident_key = t.incident_key
    where (t.n_linked_detentions > 0 or l.incident_key is not null)
      and (t.linked_detention_key is distinct from l.linked_detention_key
           or coalesce(t.n_linked_detentions, 0) <> coalesce(l.n_linked_detentions, 0))
),
{% endif %}

-- an incremental run takes only the incidents it inserts or replaces (of loads not in the table yet, or relinked),
-- before enriching them: not ten years of incidents enriched to keep a month
incidents as (
    select * from {{ ref('stg_incidents__incidents') }}
    {% if is_incremental() %}
    where load_id in ({{ mhw.new_loads(this) }})
    union all
    -- the relinked incidents have no raw column to pick them by: a second read, which costs next to nothing when
    -- none is (a month without a new s136 return); in one `where` with the new loads, DuckDB read every incident
    select * from {{ ref('stg_incidents__incidents') }}
    where incident_key in (select incident_key from relinked)
      and load_id not in ({{ mhw.new_loads(this) }})
    {% endif %}
),

enriched as (
    select
        i.incident_key,
        i.force_code,
        i.incident_id,
        i.load_id,
        i.loaded_at,
        i.created_at,
        cast({{ dbt.date_trunc('month', 'i.created_at') }} as date) as month_start,
        {{ mhw.fy_label(mhw.fy_start_year('i.created_at')) }} as fy_label,
        i.first_arrival_at,
        i.closed_at,
        {{ mhw.hours_between('i.created_at', 'i.first_arrival_at') }} * 60.0 as minutes_to_arrival,
        i.opening_code,
        i.closing_code,
        i.mh_flag_opening,
        i.mh_flag_closing,
        (i.mh_flag_opening = i.mh_flag_closing) as mh_flags_agree,
        i.mh_subcategory,
        i.grade,
        i.deployed,
        i.officer_minutes,
        i.rcrp_decision,
        i.outcome,
        i.age_years,
        cast(case when i.age_years < 18 then '<18' when i.age_years >= 18 then '18+' end as varchar) as band_u18,
        i.sex_code,
        i.ethnicity_sde_code,
        i.person_token,
        i.person_key_id,
        i.person_match_method,
        (i.person_token is not null) as has_person,
        l.linked_detention_key,
        coalesce(l.n_linked_detentions, 0) as n_linked_detentions
    from incidents as i
    left join links as l on l.incident_key = i.incident_key
)

select * from enriched
