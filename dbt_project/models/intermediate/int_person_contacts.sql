-- One row per MH-flagged police contact with a resolvable person (person_token not NULL), the events the repeat /
-- high-intensity flags of methods.md §6 count: MH-qualified control-room incidents and s136/s135 detentions.
-- A detention raised from an incident (raw.s136.incident_id = the incident's id, same force) is the same contact:
-- it is folded into the incident's row (is_s136 = true) rather than counted twice. Custody records and street
-- triage contacts are NOT contacts here (custody is not an MH contact in itself; triage contacts are almost always
-- raised from an incident already counted).
-- a table, not a view: every MH contact; its tests and the flags read it (a view is recomputed by each reader, docs/benchmarks.md)
{#-
  Incremental by contact: a run replaces the rows that changed and deletes those that are gone. A contact with no
  detention is its incident alone, and a load never changes, so that row changes only with its load: rows of loads
  no longer active (superseded or withdrawn) are removed, and the incidents of loads not yet in the table added.
  A contact involving a detention also changes when a detention is loaded, corrected or withdrawn, or an incident
  appears or vanishes beside it: those (few) rows are computed whole and compared with the table's, and an incident
  whose row with a detention is removed comes back as an incident alone if it has a person. delete+insert by
  contact_key; a removed row is deleted through a marker row (its contact_key, person_token NULL) that the post-hook
  deletes. The flags (int_person_contact_flags) find the changed persons by comparing this table with theirs.
-#}
{{ config(
    materialized='incremental',
    unique_key='contact_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    meta={'rebuildable': true},
    post_hook="delete from {{ this }} where person_token is null"
) }}

{%- set columns = mhw.person_contact_columns() %}
{%- set incident_columns = 'incident_key, force_code, load_id, created_at, age_years, person_token, person_key_id' %}

with detentions as (
    select detention_key, force_code, incident_id, load_id, detained_at, power, age_years, person_token, person_key_id
    from {{ ref('stg_s136__detentions') }}
),

-- the detentions raised from each incident id: the first by key, whether any was s136, their token, key and age
detention_links as (
    select
        force_code,
        incident_id,
        min(detention_key) as linked_detention_key,
        max(case when power = 's136' then 1 else 0 end) as has_s136,
        min(person_token) as detention_person_token,
        min(person_key_id) as detention_person_key_id,
        min(age_years) as detention_age_years
    from detentions
    where incident_id is not null
    group by force_code, incident_id
),

-- incidents that led to detentions, found among the incidents fct_mh_incidents holds with a link (built in the same
-- run from the same staging): not by joining every incident of staging with the links (0.5 s of a month at ten
-- years). Staging is read where used: a CTE read twice would be materialized whole
linked as (
    select
        i.incident_key,
        i.force_code,
        i.incident_id,
        i.load_id,
        i.created_at,
        i.age_years,
        i.person_token,
        i.person_key_id,
        l.linked_detention_key,
        l.has_s136,
        l.detention_person_token,
        l.detention_person_key_id,
        l.detention_age_years
    from {{ ref('fct_mh_incidents') }} as i
    inner join detention_links as l on l.force_code = i.force_code and l.incident_id = i.incident_id
    where i.n_linked_detentions > 0
),

-- contacts involving a detention: incidents that led to one (its token and age fill the incident's gaps), and
-- detentions not raised from an incident
with_detention as (
    select
        'incident:' || incident_key as contact_key,
        'incident' as contact_source,
        incident_key,
        linked_detention_key as detention_key,
        force_code,
        created_at as contact_at,
        coalesce(age_years, detention_age_years) as age_years,
        coalesce(person_token, detention_person_token) as person_token,
        case when person_token is not null then person_key_id else detention_person_key_id end as person_key_id,
        has_s136 = 1 as is_s136,
        load_id
    from linked
    union all
    select
        's136:' || d.detention_key as contact_key,
        's136' as contact_source,
        cast(null as varchar) as incident_key,
        d.detention_key,
        d.force_code,
        d.detained_at as contact_at,
        d.age_years,
        d.person_token,
        d.person_key_id,
        d.power = 's136' as is_s136,
        d.load_id
    from detentions as d
    left join linked as l on l.force_code = d.force_code and l.incident_id = d.incident_id
    where l.incident_key is null
),

{% if is_incremental() %}
-- the table's contacts involving a detention, compared whole with those computed now
stored_with_detention as (
    select {{ columns | join(', ') }} from {{ this }} where detention_key is not null
),

current_with_detention as (
    select {{ columns | join(', ') }} from with_detention where person_token is not null
),

-- rows of the table that are no longer current: incidents of loads no longer active, and contacts involving a
-- detention not computed again
removed as (
    select contact_key, incident_key from {{ this }}
    where contact_source = 'incident' and load_id not in (select load_id from ({{ mhw.active_loads() }}) as a)
    union all
    select contact_key, incident_key from (
        select * from stored_with_detention
        except
        select * from current_with_detention
    ) as gone
),
{% endif %}

-- incidents that led to no detention: the contact is the incident alone (incremental: those of loads new to the
-- table, and those whose row with a detention is removed)
incident_only as (
    select
        'incident:' || i.incident_key as contact_key,
        'incident' as contact_source,
        i.incident_key,
        cast(null as varchar) as detention_key,
        i.force_code,
        i.created_at as contact_at,
        i.age_years,
        i.person_token,
        i.person_key_id,
        false as is_s136,
        i.load_id
    from (
        {%- if is_incremental() %}
        select {{ incident_columns }} from {{ ref('stg_incidents__incidents') }}
        where load_id in ({{ mhw.new_loads(this, where="contact_source = 'incident'") }})
        union
        select {{ incident_columns }} from {{ ref('stg_incidents__incidents') }}
        where incident_key in (select incident_key from removed)
        {%- else %}
        select {{ incident_columns }} from {{ ref('stg_incidents__incidents') }}
        {%- endif %}
    ) as i
    left join linked as l on l.incident_key = i.incident_key
    where l.incident_key is null and i.person_token is not null
)

{% if is_incremental() %}
select * from (
    select * from current_with_detention
    except
    select * from stored_with_detention
) as added
{% else %}
select {{ columns | join(', ') }} from with_detention
where person_token is not null
{% endif %}
union all
select {{ columns | join(', ') }} from incident_only
{%- if is_incremental() %}
union all
-- a marker per removed row (see the header)
select
    {%- for column in columns %}
    {{ 'contact_key' if column == 'contact_key' else 'null as ' ~ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from removed
{%- endif %}
