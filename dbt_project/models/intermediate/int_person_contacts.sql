-- One row per MH-flagged police contact with a resolvable person (person_token not NULL), the events the repeat /
-- high-intensity flags of methods.md §6 count: MH-qualified control-room incidents and s136/s135 detentions.
-- A detention raised from an incident (raw.s136.incident_id = the incident's id, same force) is the same contact:
-- it is folded into the incident's row (is_s136 = true) rather than counted twice. Custody records and street
-- triage contacts are NOT contacts here (custody is not an MH contact in itself; triage contacts are almost always
-- raised from an incident already counted).
-- a table, not a view: every MH contact; its tests and the flags read it (a view is recomputed by each reader, docs/benchmarks.md)
{{ config(materialized='table') }}

with incidents as (
    select incident_key, force_code, incident_id, created_at, age_years, person_token, person_key_id
    from {{ ref('stg_incidents__incidents') }}
),

detentions as (
    select detention_key, force_code, incident_id, detained_at, power, age_years, person_token, person_key_id
    from {{ ref('stg_s136__detentions') }}
),

linked as (
    select
        i.incident_key,
        min(d.detention_key) as linked_detention_key,
        max(case when d.power = 's136' then 1 else 0 end) as has_s136,
        min(d.person_token) as detention_person_token,
        min(d.person_key_id) as detention_person_key_id,
        min(d.age_years) as detention_age_years
    from incidents as i
    inner join detentions as d on d.force_code = i.force_code and d.incident_id = i.incident_id
    group by i.incident_key
),

incident_contacts as (
    select
        'incident:' || i.incident_key as contact_key,
        'incident' as contact_source,
        i.incident_key,
        l.linked_detention_key as detention_key,
        i.force_code,
        i.created_at as contact_at,
        coalesce(i.age_years, l.detention_age_years) as age_years,
        coalesce(i.person_token, l.detention_person_token) as person_token,
        case when i.person_token is not null then i.person_key_id else l.detention_person_key_id end as person_key_id,
        coalesce(l.has_s136 = 1, false) as is_s136
    from incidents as i
    left join linked as l on l.incident_key = i.incident_key
),

detention_contacts as (
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
        d.power = 's136' as is_s136
    from detentions as d
    where not exists (
        select 1 from incidents as i where i.force_code = d.force_code and i.incident_id = d.incident_id
    )
),

contacts as (
    select * from incident_contacts
    union all
    select * from detention_contacts
)

select * from contacts
where person_token is not null
