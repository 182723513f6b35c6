-- Repeat / high-intensity flags (methods.md §6) for every contact in int_person_contacts, computed per person_token
-- over trailing windows ending at that contact: a window of N days holds the person's contacts at or after
-- (contact_at - N days), the contact itself and any at the same instant included. Thresholds and windows are dbt
-- vars (dbt_project.yml). RANGE frames with an interval offset run the same on DuckDB and PostgreSQL (11+).
-- a table, not a view: window functions over every contact, which each test of a view would recompute
{{ config(materialized='table') }}

with contacts as (
    select * from {{ ref('int_person_contacts') }}
),

counted as (
    select
        *,
        count(*) over w_1m as n_contacts_1m_window,
        count(*) over w_3m as n_contacts_3m_window,
        count(*) over w_12m as n_contacts_12m_window,
        count(*) over w_6m as n_contacts_6m_window,
        cast(sum(case when is_s136 then 1 else 0 end) over w_s136 as integer) as n_s136_12m_window
    from contacts
    window
        {%- for name, days in [('w_1m', var('hi_contact_1m_days')), ('w_3m', var('hi_contact_3m_days')),
                               ('w_12m', var('repeat_12m_days')), ('w_6m', var('child_repeat_6m_days')),
                               ('w_s136', var('repeat_s136_12m_days'))] %}
        {{ name }} as (
            partition by person_token order by contact_at
            range between interval '{{ days | int }} days' preceding and current row
        ){{ ',' if not loop.last }}
        {%- endfor %}
)

select
    contact_key,
    contact_source,
    incident_key,
    detention_key,
    force_code,
    contact_at,
    age_years,
    person_token,
    person_key_id,
    is_s136,
    n_contacts_1m_window,
    n_contacts_3m_window,
    n_contacts_12m_window,
    n_contacts_6m_window,
    n_s136_12m_window,
    n_contacts_1m_window >= {{ var('hi_contact_1m_min_contacts') }} as hi_contact_1m,
    n_contacts_3m_window >= {{ var('hi_contact_3m_min_contacts') }} as hi_contact_3m,
    n_contacts_12m_window >= {{ var('repeat_12m_min_contacts') }} as repeat_12m,
    coalesce(
        age_years < {{ var('child_repeat_6m_age_under') }}
        and n_contacts_6m_window >= {{ var('child_repeat_6m_min_contacts') }}, false
    ) as child_repeat_6m,
    n_s136_12m_window >= {{ var('repeat_s136_12m_min_detentions') }} as repeat_s136_12m,
    (n_contacts_1m_window >= {{ var('hi_contact_1m_min_contacts') }}
        or n_contacts_3m_window >= {{ var('hi_contact_3m_min_contacts') }}) as is_high_intensity
from counted
