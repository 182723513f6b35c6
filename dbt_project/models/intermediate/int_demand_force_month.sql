-- Exact (unrounded, restricted) MH demand counts by force x month, shared by mart_demand_force_month (SDC applied
-- there) and mart_demand_national_month (exact). One row per force-month with an active incidents or
-- incident_totals load, an all-incident total, or an MH incident: a nil return shows 0 MH incidents. A source with
-- no data for the force-month (int_source_coverage_month) gives NULL counts, never 0: MH incident measures without
-- an incidents load, s136 detentions without an s136 return covering the month, triage contacts without a triage
-- load. is_partial_month: a file counted here was loaded before the month ended.
-- Repeat measures count MH incidents (the demand) whose person was flagged at that incident
-- (int_person_contact_flags, flags over incidents and s136 detentions): its incident rows are the active incidents
-- with a person, one each, so they are counted by force and month of contact_at (the incident's created_at) without
-- joining back to the incidents (a join on ten years of incident keys spills past dbt's memory limit).
-- a table, not a view: read by four models and a dozen tests (a view is recomputed by each reader, docs/benchmarks.md)
{{ config(materialized='table') }}

{% set incident_measures = [
    'n_mh_incidents', 'n_deployed', 'n_deployed_known', 'officer_minutes', 'n_officer_minutes_known', 'n_flags_agree',
    'n_flag_opening', 'n_flag_closing', 'n_contacts_with_person', 'n_repeat_contacts', 'n_high_intensity_contacts',
    'n_child_repeat_contacts', 'n_repeat_s136_contacts'] %}

with incidents as (
    select
        force_code,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start,
        deployed,
        officer_minutes,
        mh_flag_opening,
        mh_flag_closing,
        person_token
    from {{ ref('stg_incidents__incidents') }}
),

flag_counts as (
    select
        force_code,
        cast({{ dbt.date_trunc('month', 'contact_at') }} as date) as month_start,
        count(case when repeat_12m then 1 end) as n_repeat_contacts,
        count(case when is_high_intensity then 1 end) as n_high_intensity_contacts,
        count(case when child_repeat_6m then 1 end) as n_child_repeat_contacts,
        count(case when repeat_s136_12m then 1 end) as n_repeat_s136_contacts
    from {{ ref('int_person_contact_flags') }}
    where contact_source = 'incident'
    group by 1, 2
),

totals as (
    select force_code, month_start, all_incidents from {{ ref('stg_incidents__totals') }}
),

detentions as (
    select force_code, cast({{ dbt.date_trunc('month', 'detained_at') }} as date) as month_start, power
    from {{ ref('stg_s136__detentions') }}
),

triage as (
    select force_code, cast({{ dbt.date_trunc('month', 'contact_at') }} as date) as month_start
    from {{ ref('stg_street_triage__contacts') }}
),

cells as (
    select force_code, month_start from {{ ref('stg_incidents__loads') }}
    union
    select force_code, month_start from totals
    union
    select force_code, month_start from incidents
),

incident_measures as (
    select
        force_code,
        month_start,
        count(*) as n_mh_incidents,
        count(case when deployed then 1 end) as n_deployed,
        count(deployed) as n_deployed_known,
        cast(sum(officer_minutes) as bigint) as officer_minutes,  -- DuckDB sums integers as hugeint
        count(officer_minutes) as n_officer_minutes_known,
        count(case when mh_flag_opening = mh_flag_closing then 1 end) as n_flags_agree,
        count(case when mh_flag_opening then 1 end) as n_flag_opening,
        count(case when mh_flag_closing then 1 end) as n_flag_closing,
        count(person_token) as n_contacts_with_person
    from incidents
    group by force_code, month_start
),

incident_counts as (
    select
        i.*,
        coalesce(f.n_repeat_contacts, 0) as n_repeat_contacts,
        coalesce(f.n_high_intensity_contacts, 0) as n_high_intensity_contacts,
        coalesce(f.n_child_repeat_contacts, 0) as n_child_repeat_contacts,
        coalesce(f.n_repeat_s136_contacts, 0) as n_repeat_s136_contacts
    from incident_measures as i
    left join flag_counts as f on f.force_code = i.force_code and f.month_start = i.month_start
),

detention_counts as (
    select
        force_code,
        month_start,
        count(case when power = 's136' then 1 end) as n_s136_detentions,
        count(*) as n_s136_s135_detentions
    from detentions
    group by force_code, month_start
),

triage_counts as (
    select force_code, month_start, count(*) as n_triage_contacts
    from triage
    group by force_code, month_start
),

forces as (
    select force_code, has_resident_population, is_small_population from {{ ref('ref_force') }}
),

population as (
    select force_code, fy_label, fy_start_year, population, population_year, population_source, is_standin_denominator
    from {{ ref('int_population_force_year') }}
    where population is not null
),

cell_years as (
    select
        force_code,
        month_start,
        {{ mhw.fy_start_year('month_start') }} as fy_start_year,
        min(month_start) over (partition by force_code) as first_month_start
    from cells
),

-- the month's own financial year when it has a denominator, else the latest earlier one (carried forward)
population_year as (
    select c.force_code, c.month_start, max(p.fy_start_year) as fy_start_year
    from cell_years as c
    inner join population as p on p.force_code = c.force_code and p.fy_start_year <= c.fy_start_year
    group by c.force_code, c.month_start
),

rcrp as (
    select force_code, go_live_date, basis from {{ ref('ref_rcrp_go_live') }}
),

coverage as (
    select
        force_code,
        month_start,
        max(case when source = 'incidents' then 1 else 0 end) = 1 as has_incidents,
        max(case when source = 's136' then 1 else 0 end) = 1 as has_s136,
        max(case when source = 'street_triage' then 1 else 0 end) = 1 as has_triage,
        min(case when is_complete then 1 else 0 end) = 0 as is_partial_month
    from {{ ref('int_source_coverage_month') }}
    where source in ('incidents', 'incident_totals', 's136', 'street_triage')
    group by force_code, month_start
)

select
    c.force_code,
    c.month_start,
    {{ mhw.fy_label('c.fy_start_year') }} as fy_label,
    c.fy_start_year,
    24 * cast(extract(day from c.month_start + interval '1 month' - interval '1 day') as integer) as hours_in_month,
    fo.has_resident_population,
    case when fo.has_resident_population then p.population end as population,
    -- the financial year of the estimate: an ONS mid-year estimate carried forward (by int_population_force_year or
    -- here) names its own year (mid-2020: 2020-21), a stand-in the year whose row is used
    case when fo.has_resident_population
        then {{ mhw.fy_label('coalesce(p.population_year, p.fy_start_year)') }} end as population_fy_label,
    case when fo.has_resident_population then p.population_source end as population_source,
    coalesce(fo.has_resident_population and p.is_standin_denominator, false) as is_standin_denominator,
    -- the trailing repeat_12m window is left-censored until the force has that much history loaded
    cast(c.month_start as timestamp) - interval '{{ var("repeat_12m_days") | int }} days'
    >= cast(c.first_month_start as timestamp) as repeat_lookback_complete,
    r.go_live_date as rcrp_go_live_date,
    r.basis as rcrp_go_live_basis,
    coalesce(r.go_live_date <= c.month_start, false) as rcrp_live,
    coalesce(r.go_live_date >= c.month_start
        and r.go_live_date < cast(c.month_start + interval '1 month' as date), false) as is_rcrp_go_live_month,
    coalesce(fo.is_small_population, false) as is_small_population,
    coalesce(cv.is_partial_month, false) as is_partial_month,
    t.all_incidents,
    {%- for measure in incident_measures %}
    case when coalesce(cv.has_incidents, false) or i.force_code is not null
        then {{ 'i.' ~ measure if measure == 'officer_minutes' else 'coalesce(i.' ~ measure ~ ', 0)' }} end
        as {{ measure }},
    {%- endfor %}
    case when coalesce(cv.has_s136, false) or d.force_code is not null
        then coalesce(d.n_s136_detentions, 0) end as n_s136_detentions,
    case when coalesce(cv.has_s136, false) or d.force_code is not null
        then coalesce(d.n_s136_s135_detentions, 0) end as n_s136_s135_detentions,
    case when coalesce(cv.has_triage, false) or tr.force_code is not null
        then coalesce(tr.n_triage_contacts, 0) end as n_triage_contacts
from cell_years as c
left join coverage as cv on cv.force_code = c.force_code and cv.month_start = c.month_start
left join forces as fo on fo.force_code = c.force_code
left join population_year as py on py.force_code = c.force_code and py.month_start = c.month_start
left join population as p on p.force_code = py.force_code and p.fy_start_year = py.fy_start_year
left join rcrp as r on r.force_code = c.force_code
left join incident_counts as i on i.force_code = c.force_code and i.month_start = c.month_start
left join totals as t on t.force_code = c.force_code and t.month_start = c.month_start
left join detention_counts as d on d.force_code = c.force_code and d.month_start = c.month_start
left join triage_counts as tr on tr.force_code = c.force_code and tr.month_start = c.month_start
