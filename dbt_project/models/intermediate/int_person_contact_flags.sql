-- Repeat / high-intensity flags (methods.md §6) for every contact in int_person_contacts, computed per person_token
-- over trailing windows ending at that contact: a window of N days holds the person's contacts at or after
-- (contact_at - N days), the contact itself and any at the same instant included. Thresholds and windows are dbt
-- vars (dbt_project.yml). RANGE frames with an interval offset run the same on DuckDB and PostgreSQL (11+).
-- a table, not a view: window functions over every contact, which each test of a view would recompute
{#-
  Incremental: a contact's windows hold only the person's earlier contacts (at most the longest window before it),
  so when a person's contacts change from some time on, their rows before that time are unchanged. A run compares
  int_person_contacts with this table as int_person_contacts compares staging with its own (rows of loads one side
  lacks, and the contacts involving a detention compared whole; a contact with no detention changes only with its
  load), takes each changed person's earliest changed contact (old or new), and recomputes that person's rows from
  then on, over their contacts from the longest window before. A change of the flag rules (dbt vars, kept in
  flag_rules) changes every row. delete+insert by contact_key; a row that is gone is deleted through a marker row
  (its contact_key, person_token NULL) that the post-hook deletes.
-#}
{{ config(
    materialized='incremental',
    unique_key='contact_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    meta={'rebuildable': true},
    post_hook="delete from {{ this }} where person_token is null"
) }}

{%- set contact_columns = mhw.person_contact_columns() %}
{%- set flag_rules = [
    'hi_contact_1m >= %s in %s days' | format(var('hi_contact_1m_min_contacts'), var('hi_contact_1m_days') | int),
    'hi_contact_3m >= %s in %s days' | format(var('hi_contact_3m_min_contacts'), var('hi_contact_3m_days') | int),
    'repeat_12m >= %s in %s days' | format(var('repeat_12m_min_contacts'), var('repeat_12m_days') | int),
    'child_repeat_6m age < %s and >= %s in %s days' | format(var('child_repeat_6m_age_under'),
        var('child_repeat_6m_min_contacts'), var('child_repeat_6m_days') | int),
    'repeat_s136_12m >= %s s136 in %s days' | format(var('repeat_s136_12m_min_detentions'),
        var('repeat_s136_12m_days') | int)] | join('; ') %}
{%- set columns = contact_columns + ['n_contacts_1m_window', 'n_contacts_3m_window', 'n_contacts_12m_window',
    'n_contacts_6m_window', 'n_s136_12m_window', 'hi_contact_1m', 'hi_contact_3m', 'repeat_12m', 'child_repeat_6m',
    'repeat_s136_12m', 'is_high_intensity', 'flag_rules'] %}

{%- set window_days = [('w_1m', var('hi_contact_1m_days') | int), ('w_3m', var('hi_contact_3m_days') | int),
                       ('w_12m', var('repeat_12m_days') | int), ('w_6m', var('child_repeat_6m_days') | int),
                       ('w_s136', var('repeat_s136_12m_days') | int)] %}
{%- set contacts_table = ref('int_person_contacts') %}

with
{% if is_incremental() %}
-- contacts involving a detention, in int_person_contacts and in this table
stored_with_detention as (
    select {{ contact_columns | join(', ') }} from {{ this }} where detention_key is not null
),

current_with_detention as (
    select {{ contact_columns | join(', ') }} from {{ contacts_table }} where detention_key is not null
),

-- rows of this table that are gone or changed, and current contacts this table lacks (or has otherwise)
changed_rows as (
    select contact_key, person_token, contact_at, true as is_removed from {{ this }}
    where load_id not in (select distinct load_id from {{ contacts_table }})
        or flag_rules <> '{{ flag_rules }}'
    union all
    select contact_key, person_token, contact_at, true as is_removed from (
        select * from stored_with_detention except select * from current_with_detention
    ) as gone
    union all
    select contact_key, person_token, contact_at, false as is_removed from {{ contacts_table }}
    where load_id in ({{ mhw.new_loads(this) }})
    union all
    select contact_key, person_token, contact_at, false as is_removed from (
        select * from current_with_detention except select * from stored_with_detention
    ) as added
),

-- each changed person and their earliest changed contact: their rows from then on are recomputed
changed_persons as (
    select person_token, min(contact_at) as changed_from from changed_rows group by person_token
),

-- their contacts from the longest window before that on (older ones are in no recomputed row's window)
contacts as (
    select c.*, p.changed_from
    from {{ contacts_table }} as c
    inner join changed_persons as p on p.person_token = c.person_token
    where c.contact_at >= p.changed_from - interval '{{ window_days | map(attribute=1) | max + 1 }} days'
),
{% else %}
contacts as (
    select * from {{ contacts_table }}
),
{% endif %}

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
        {%- for name, days in window_days %}
        {{ name }} as (
            partition by person_token order by contact_at
            range between interval '{{ days }} days' preceding and current row
        ){{ ',' if not loop.last }}
        {%- endfor %}
)

select
    {{ contact_columns | join(',\n    ') }},
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
        or n_contacts_3m_window >= {{ var('hi_contact_3m_min_contacts') }}) as is_high_intensity,
    cast('{{ flag_rules }}' as varchar) as flag_rules
from counted
{%- if is_incremental() %}
where contact_at >= changed_from
union all
-- a marker per row gone or changed (see the header)
select
    {%- for column in columns %}
    {{ 'contact_key' if column == 'contact_key' else 'null as ' ~ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from changed_rows
where is_removed
{%- endif %}
