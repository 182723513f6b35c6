-- The outcome series a scheme is evaluated on, force x period x outcome (exact, restricted: counts are not
-- disclosure-controlled here). Each row has the numerator and the exposure the model divides it by: days for
-- counts (MH incidents, deployments, officer hours), resident population x years / 100,000 for s136 per 100k,
-- the trials for shares (police-vehicle conveyance of known transport, repeat share of contacts with a person).
-- Deaths following police contact come from the IOPC by-force tables (financial years, as published).
-- is_usable is false for periods a fit must leave out: COVID-19 restrictions (flagged), no denominator, or a
-- repeat window not yet complete. Only periods with data delivered are present (docs/methods.md).
-- a table, not a view: read by the scheme fits and its tests (a view is recomputed by each reader, docs/benchmarks.md)
{{ config(materialized='table') }}

-- months covered by an active incidents load (a nil return counts; a file whose rows were all refused does not:
-- its month has no data, NULL counts in int_demand_force_month)
with demand as (
    select d.*
    from {{ ref('int_demand_force_month') }} as d
    inner join (
        select distinct force_code, month_start from {{ ref('stg_incidents__loads') }}
        where source = 'incidents' and {{ mhw.covers_its_period() }}
    ) as l on l.force_code = d.force_code and l.month_start = d.month_start
),

months as (
    select month_start, fy_start_year, hours_in_month / 24 as days_in_month from {{ ref('dim_month') }}
),

s136_months as (
    -- months covered by an active s136 return (a financial-year return covers its 12 months; nil returns count,
    -- a return whose rows were all refused does not)
    select distinct l.force_code, m.month_start, m.fy_start_year, m.days_in_month
    from {{ ref('stg_s136__loads') }} as l
    inner join months as m
        on m.fy_start_year = l.fy_start_year
        and (l.period_type = 'financial_year' or l.period = substr(cast(m.month_start as varchar(10)), 1, 7))
    where {{ mhw.covers_its_period('l.') }}
),

detentions as (
    select
        force_code,
        cast({{ dbt.date_trunc('month', 'detained_at') }} as date) as month_start,
        count(*) as n_s136,
        count(case when transport_method = 'police_vehicle' then 1 end) as n_police_vehicle,
        count(case when transport_method not in ('not_known', 'none_already_at_pos') then 1 end)
            as n_transport_known
    from {{ ref('stg_s136__detentions') }}
    where power = 's136'
    group by 1, 2
),

population as (
    select force_code, fy_start_year, population from {{ ref('int_population_force_year') }}
),

s136 as (
    select
        m.force_code,
        m.month_start,
        m.days_in_month,
        coalesce(d.n_s136, 0) as n_s136,
        coalesce(d.n_police_vehicle, 0) as n_police_vehicle,
        coalesce(d.n_transport_known, 0) as n_transport_known,
        p.population
    from s136_months as m
    left join detentions as d on d.force_code = m.force_code and d.month_start = m.month_start
    left join population as p on p.force_code = m.force_code and p.fy_start_year = m.fy_start_year
),

deaths as (
    select force_code, make_date(fy_start_year, 4, 1) as period_start, deaths
    from {{ ref('mart_iopc_deaths') }}
    where is_latest_edition and iopc_category = 'custody' and entity_type = 'force'
),

series as (
    select force_code, month_start as period_start, 'month' as period_grain, 'mh_incidents' as outcome,
        cast(n_mh_incidents as {{ mhw.type_double() }}) as numerator, hours_in_month / 24.0 as exposure,
        n_mh_incidents as numerator_count, cast(null as integer) as denominator_count, true as has_denominator
    from demand
    union all
    select force_code, month_start, 'month', 'deployments', n_deployed, hours_in_month / 24.0, n_deployed,
        null, true
    from demand
    union all
    select force_code, month_start, 'month', 'officer_hours', coalesce(officer_minutes, 0) / 60.0, hours_in_month / 24.0,
        n_officer_minutes_known, null, n_officer_minutes_known > 0
    from demand
    union all
    select force_code, month_start, 'month', 'repeat_share', n_repeat_contacts, n_contacts_with_person,
        n_repeat_contacts, n_contacts_with_person, repeat_lookback_complete and n_contacts_with_person > 0
    from demand
    union all
    select force_code, month_start, 'month', 's136_per_100k', n_s136,
        population * days_in_month / 365.25 / 100000.0, n_s136, null, population is not null
    from s136
    union all
    select force_code, month_start, 'month', 'police_vehicle_conveyance', n_police_vehicle, n_transport_known,
        n_police_vehicle, n_transport_known, n_transport_known > 0
    from s136
    union all
    select force_code, period_start, 'financial_year', 'deaths_following_contact', deaths, 1.0, deaths, null, true
    from deaths
),

covid as (
    select f.force_code, c.restrictions_from, c.restrictions_to
    from {{ ref('ref_force') }} as f
    inner join {{ ref('ref_covid_restrictions') }} as c
        on c.nation = case when f.nation = 'Wales' then 'Wales' else 'England' end
)

select
    s.force_code,
    s.period_start,
    s.period_grain,
    s.outcome,
    s.numerator,
    s.exposure,
    s.numerator_count,
    s.denominator_count,
    coalesce(s.period_grain = 'month'
        and s.period_start <= c.restrictions_to
        and cast(s.period_start + interval '1 month' as date) > c.restrictions_from, false) as is_covid_restrictions,
    s.has_denominator
        and not coalesce(s.period_grain = 'month'
            and s.period_start <= c.restrictions_to
            and cast(s.period_start + interval '1 month' as date) > c.restrictions_from, false) as is_usable
from series as s
left join covid as c on c.force_code = s.force_code
