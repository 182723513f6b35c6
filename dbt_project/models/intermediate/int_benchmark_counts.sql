{#-
  Exact (unrounded, restricted) numerator and denominator of every benchmark measure (seeds/ref_benchmark_measure.csv)
  by force and period: the one place the measures are defined from the facts (docs/methods.md §2). Aggregated
  first, so everything downstream works on a small table. A row exists for every force and period the measure's
  source covers (a nil return or a delivered month with no rows counts 0); is_complete says whether the force's
  submissions cover the whole period (completeness_note says what is missing). Monthly measures have one row per
  month, annual ones per financial year.
-#}
{{ config(materialized='table') }}

with months as (
    select month_start, month_end, month_label, fy_label from {{ ref('dim_month') }}
),

financial_years as (
    select fy_label, start_date, end_date from {{ ref('dim_financial_year') }}
),

-- loads that cover their period: a file none of whose rows could be loaded covers nothing, so its month is missing
-- (no counts, incomplete), never 0 (docs/methods.md "Partial periods"; as int_source_coverage_month)
active_loads as (
    select source, force_code, period, period_type, month_start, loaded_at
    from {{ ref('stg_ingestion__loads') }}
    where status = 'loaded' and force_code is not null and force_code <> 'national'
        and {{ mhw.covers_its_period() }}
),

-- force-months each monthly source has an active load for (a delivered month, possibly a nil return); an annual s136
-- return covers every month of its financial year that had begun when it was loaded. A month is delivered whole when
-- a load came after it ended; one loaded only before then holds part of it (as int_source_coverage_month), and is
-- not a complete month: its counts would read as a fall (docs/methods.md "Partial periods")
load_months as (
    select source, force_code, month_start, loaded_at
    from active_loads
    where period_type = 'month' and source in ('incidents', 'incident_totals', 'custody', 'street_triage', 's136')
    union all
    select l.source, l.force_code, m.month_start, l.loaded_at
    from active_loads as l
    inner join months as m on m.fy_label = l.period
    where l.source = 's136' and l.period_type = 'financial_year'
),

delivered as (
    select
        source,
        force_code,
        month_start,
        max(loaded_at) >= cast(month_start + interval '1 month' as timestamp) as is_whole
    from load_months
    where loaded_at >= cast(month_start as timestamp)
    group by source, force_code, month_start
),

-- every force that has ever delivered the source, whether its files are in force, withdrawn or refused (as
-- mart_data_quality): one whose every file left force or was refused is still expected, and missing
delivering_forces as (
    select distinct source, force_code
    from {{ ref('stg_ingestion__loads') }}
    where status <> 'duplicate' and force_code is not null and force_code <> 'national'
        and source in ('incidents', 'incident_totals', 'custody', 'street_triage', 's136')
),

-- expected: every month any force delivered the source whole, for every force that has ever delivered it, so a
-- month a force did not send is a row marked incomplete, not a missing row
monthly_cells as (
    select
        f.source,
        f.force_code,
        p.month_start,
        coalesce(d.is_whole, false) as is_delivered,
        coalesce(not d.is_whole, false) as is_partial
    from delivering_forces as f
    inner join (select distinct source, month_start from delivered where is_whole) as p on p.source = f.source
    left join delivered as d
        on d.source = f.source and d.force_code = f.force_code and d.month_start = p.month_start
),

s136_months as (
    select c.force_code, c.month_start, c.is_delivered, c.is_partial, m.month_end, m.fy_label
    from monthly_cells as c
    inner join months as m on m.month_start = c.month_start
    where c.source = 's136'
),

s136_year_cover as (
    select force_code, fy_label, cast(count(case when is_delivered then 1 end) as integer) as months_covered
    from s136_months
    group by force_code, fy_label
),

s136_years as (
    select
        *,
        case when months_covered = 0 then 'no s136 return for the year'
             when months_covered < 12
                 then 's136 returns cover ' || cast(months_covered as varchar(2)) || ' of 12 months' end as year_note
    from s136_year_cover
),

population as (
    select force_code, fy_label, population, population_source
    from {{ ref('int_population_force_year') }}
),

s136 as (
    select
        force_code,
        fy_label,
        cast({{ dbt.date_trunc('month', 'detained_at') }} as date) as month_start,
        power,
        first_pos_type,
        transport_method,
        duration_hours,
        dq_u18_in_police_station
    from {{ ref('fct_s136_detentions') }}
    where power = 's136'
),

s136_by_year_all as (
    select
        y.force_code,
        y.fy_label,
        y.months_covered,
        y.year_note,
        count(d.force_code) as n_s136,
        -- the s136 marts' own definitions (macros/s136/s136_counts.sql)
        {{ mhw.s136_counts('d') }}
    from s136_years as y
    left join s136 as d on d.force_code = y.force_code and d.fy_label = y.fy_label
    group by y.force_code, y.fy_label, y.months_covered, y.year_note
),

-- a year no return covers is unknown, not zero
s136_by_year as (
    select
        force_code,
        fy_label,
        months_covered,
        year_note,
        {%- for col in ['n_s136', 'n_police_station_pos', 'n_ae_pos', 'n_pos_known', 'n_ambulance',
                        'n_police_vehicle', 'n_transport_base', 'n_duration_known', 'n_over_24h'] %}
        case when months_covered > 0 then {{ col }} end as {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    from s136_by_year_all
),

s136_by_month as (
    select
        m.force_code,
        m.month_start,
        m.fy_label,
        m.is_delivered,
        m.is_partial,
        case when m.is_delivered then count(d.force_code) end as n_s136
    from s136_months as m
    left join s136 as d on d.force_code = m.force_code and d.month_start = m.month_start
    group by m.force_code, m.month_start, m.fy_label, m.is_delivered, m.is_partial
),

ethnicity as (
    select force_code, fy_label, ethnic_group, n_detentions
    from {{ ref('int_s136_ethnicity_force_year') }}
    where ethnicity_scheme = 'broad_5p1' and ethnic_group in ('Black', 'White')
),

-- a force's populations whether or not it has a return for the year, so a year without one leaves it expected (and
-- missing) in its region's and England and Wales's ratio, not out of them as a force without a denominator
ethnic_population as (
    select
        force_code,
        max(case when ethnic_group = 'Black' then population end) as pop_black,
        max(case when ethnic_group = 'White' then population end) as pop_white
    from {{ ref('int_population_ethnicity_force') }}
    where ethnicity_scheme = 'broad_5p1' and ethnic_group in ('Black', 'White')
    group by force_code
),

black_white as (
    select
        y.force_code,
        y.fy_label,
        y.months_covered,
        y.year_note,
        case when y.months_covered > 0 then max(case when e.ethnic_group = 'Black' then e.n_detentions end) end
            as n_black,
        case when y.months_covered > 0 then max(case when e.ethnic_group = 'White' then e.n_detentions end) end
            as n_white,
        max(p.pop_black) as pop_black,
        max(p.pop_white) as pop_white
    from s136_years as y
    left join ethnicity as e on e.force_code = y.force_code and e.fy_label = y.fy_label
    left join ethnic_population as p on p.force_code = y.force_code
    group by y.force_code, y.fy_label, y.months_covered, y.year_note
),

demand_cells as (
    select
        force_code,
        month_start,
        max(case when source = 'incidents' and is_delivered then 1 else 0 end) = 1 as has_incidents,
        max(case when source = 'incident_totals' and is_delivered then 1 else 0 end) = 1 as has_totals,
        max(case when source = 'incidents' and is_partial then 1 else 0 end) = 1 as incidents_partial,
        max(case when source = 'incident_totals' and is_partial then 1 else 0 end) = 1 as totals_partial
    from monthly_cells
    where source in ('incidents', 'incident_totals')
    group by force_code, month_start
),

-- counts only for a delivered incidents month (an undelivered month is unknown, not zero). The population is the
-- force's for the month's year even when the month has no demand row (neither incidents nor a total came): the force
-- is then still expected in its region's and England and Wales's rate per resident, which are incomplete without it
demand as (
    select
        c.force_code,
        c.month_start,
        c.has_incidents,
        c.has_totals,
        c.incidents_partial,
        c.totals_partial,
        case when c.has_incidents then d.n_mh_incidents end as n_mh_incidents,
        case when c.has_totals then d.all_incidents end as all_incidents,
        coalesce(d.population, p.population) as population,
        case when d.population is not null then d.population_source else p.population_source end as population_source,
        case when c.has_incidents then d.officer_minutes end as officer_minutes,
        case when c.has_incidents then d.n_officer_minutes_known end as n_officer_minutes_known,
        case when c.has_incidents then d.n_contacts_with_person end as n_contacts_with_person,
        case when c.has_incidents then d.n_repeat_contacts end as n_repeat_contacts,
        coalesce(d.repeat_lookback_complete, false) as repeat_lookback_complete
    from demand_cells as c
    left join {{ ref('int_demand_force_month') }} as d on d.force_code = c.force_code and d.month_start = c.month_start
    left join months as m on m.month_start = c.month_start
    left join population as p on p.force_code = c.force_code and p.fy_label = m.fy_label
),

custody_counts as (
    select
        force_code,
        month_start,
        count(*) as n_custody,
        count(case when is_mh_identified then 1 end) as n_mh_identified,
        count(case when is_mh_identified and lnd_assessed_at >= arrived_at
                        and (released_at is null or lnd_assessed_at <= released_at) then 1 end)
            as n_mh_assessed_in_custody,
        count(case when is_mh_identified and outcome is not null then 1 end) as n_mh_with_outcome,
        count(case when is_mh_identified and outcome = 'oocd' then 1 end) as n_mh_oocd
    from {{ ref('fct_custody_mh') }}
    group by force_code, month_start
),

custody as (
    select
        c.force_code,
        c.month_start,
        c.is_delivered,
        c.is_partial,
        {%- for col in ['n_custody', 'n_mh_identified', 'n_mh_assessed_in_custody', 'n_mh_with_outcome', 'n_mh_oocd'] %}
        case when c.is_delivered then coalesce(n.{{ col }}, 0) end as {{ col }}{{ ',' if not loop.last }}
        {%- endfor %}
    from monthly_cells as c
    left join custody_counts as n on n.force_code = c.force_code and n.month_start = c.month_start
    where c.source = 'custody'
),

triage_counts as (
    select
        force_code,
        month_start,
        count(outcome) as n_outcome_known,
        count(case when outcome <> 's136' then 1 end) as n_not_s136
    from {{ ref('fct_street_triage') }}
    group by force_code, month_start
),

triage as (
    select
        c.force_code,
        c.month_start,
        c.is_delivered,
        c.is_partial,
        case when c.is_delivered then coalesce(n.n_outcome_known, 0) end as n_outcome_known,
        case when c.is_delivered then coalesce(n.n_not_s136, 0) end as n_not_s136
    from monthly_cells as c
    left join triage_counts as n on n.force_code = c.force_code and n.month_start = c.month_start
    where c.source = 'street_triage'
),

-- published IOPC figures: the latest edition, deaths by force summed over the five categories
iopc as (
    select force_code, fy_label, sum(value) as deaths
    from {{ ref('stg_iopc__deaths_tables') }}
    where dimension = 'Appropriate authority' and entity_type = 'force' and measure = 'deaths'
      and fy_label is not null
      and edition = (select max(edition) from {{ ref('stg_iopc__deaths_tables') }})
    group by force_code, fy_label
),

-- published Home Office use of force (all tactics), the latest load of each year
use_of_force_ranked as (
    select
        force_code,
        fy_label,
        n_mental_health,
        -- a force that recorded the condition for at most half of its tactics is not compared (its count of
        -- tactics with a mental health condition is short by the tactics it did not record; mart_use_of_force_mh
        -- flags the same share_caution)
        case when n_condition_reported = 0 then 'no condition recorded for any tactic'
             when 2 * n_not_reported > n_tactic_reported then 'the condition not recorded for over half the tactics'
        end as recording_note,
        row_number() over (partition by force_code, fy_label order by loaded_at desc, load_id desc) as pick
    from {{ ref('stg_home_office__use_of_force') }}
    where entity_type = 'force' and tactic_level = 'all_tactics'
),

officers as (
    select force_code, fy_label, officers_fte from {{ ref('int_force_denominators_year') }}
),

rows_monthly as (
    select
        's136_per_100k_month' as measure_id, m.force_code, m.month_start as period_start,
        cast(m.n_s136 as {{ mhw.type_double() }}) as numerator,
        cast(p.population as {{ mhw.type_double() }}) as denominator,
        m.is_delivered as is_complete,
        case when not m.is_delivered then 'no s136 return covers the month' || {{ mhw.partial_month_note('m.is_partial') }} end
            as completeness_note,
        p.population_source as denominator_source
    from s136_by_month as m
    left join population as p on p.force_code = m.force_code and p.fy_label = m.fy_label
    union all
    select
        'mh_incidents_per_1000', force_code, month_start, n_mh_incidents,
        all_incidents, has_incidents and has_totals and all_incidents is not null,
        case when not has_incidents then 'no incidents extract for the month' || {{ mhw.partial_month_note('incidents_partial') }}
             when not has_totals or all_incidents is null
                 then 'no all-incident total for the month' || {{ mhw.partial_month_note('totals_partial') }} end,
        'force_incident_totals'
    from demand
    union all
    select
        'mh_incidents_per_100k', force_code, month_start, n_mh_incidents,
        population, has_incidents,
        case when not has_incidents then 'no incidents extract for the month' || {{ mhw.partial_month_note('incidents_partial') }} end,
        population_source
    from demand
    union all
    select
        'officer_hours_per_mh_incident', force_code, month_start,
        officer_minutes / 60.0, n_officer_minutes_known, has_incidents,
        case when not has_incidents then 'no incidents extract for the month' || {{ mhw.partial_month_note('incidents_partial') }} end,
        'force_incidents'
    from demand
    union all
    select
        'repeat_share', force_code, month_start, n_repeat_contacts,
        n_contacts_with_person, has_incidents and repeat_lookback_complete,
        case when not has_incidents then 'no incidents extract for the month' || {{ mhw.partial_month_note('incidents_partial') }}
             when not repeat_lookback_complete then 'less than 12 months of history loaded before this month' end,
        'force_incidents'
    from demand
    union all
    select
        'custody_mh_identified_pct', force_code, month_start, n_mh_identified, n_custody, is_delivered,
        case when not is_delivered then 'no custody extract for the month' || {{ mhw.partial_month_note('is_partial') }} end,
        'force_custody'
    from custody
    union all
    select
        'lnd_assessed_in_custody_pct', force_code, month_start, n_mh_assessed_in_custody, n_mh_identified,
        is_delivered, case when not is_delivered then 'no custody extract for the month' || {{ mhw.partial_month_note('is_partial') }} end,
        'force_custody'
    from custody
    union all
    select
        'oocd_mh_pct', force_code, month_start, n_mh_oocd, n_mh_with_outcome, is_delivered,
        case when not is_delivered then 'no custody extract for the month' || {{ mhw.partial_month_note('is_partial') }} end,
        'force_custody'
    from custody
    union all
    select
        'triage_diverted_pct', force_code, month_start, n_not_s136, n_outcome_known, is_delivered,
        case when not is_delivered then 'no street triage extract for the month' || {{ mhw.partial_month_note('is_partial') }} end,
        'force_street_triage'
    from triage
),

s136_year_rows as (
    select
        y.*,
        p.population,
        p.population_source,
        y.months_covered = 12 as is_full_year
    from s136_by_year as y
    left join population as p on p.force_code = y.force_code and p.fy_label = y.fy_label
),

rows_yearly as (
    {%- for measure_id, num, den, den_source in [
        ('s136_per_100k', 'n_s136', 'population', 'population_source'),
        ('s136_police_station_pos_pct', 'n_police_station_pos', 'n_pos_known', "'force_s136'"),
        ('s136_ed_pos_pct', 'n_ae_pos', 'n_pos_known', "'force_s136'"),
        ('s136_ambulance_pct', 'n_ambulance', 'n_transport_base', "'force_s136'"),
        ('s136_police_vehicle_pct', 'n_police_vehicle', 'n_transport_base', "'force_s136'"),
        ('s136_over_24h_pct', 'n_over_24h', 'n_duration_known', "'force_s136'"),
    ] %}
    select
        '{{ measure_id }}' as measure_id, force_code, fy_label as period, cast(null as date) as period_start,
        cast({{ num }} as {{ mhw.type_double() }}) as numerator, cast({{ den }} as {{ mhw.type_double() }}) as denominator,
        is_full_year as is_complete, year_note as completeness_note, {{ den_source }} as denominator_source
    from s136_year_rows
    union all
    {%- endfor %}
    select
        's136_black_white_rr', force_code, fy_label, null, n_black, pop_black, months_covered = 12, year_note,
        -- no source named without both populations (the public data folder may not hold the Census file)
        case when pop_black is not null and pop_white is not null then 'census2011_qs201ew' end
    from black_white
    union all
    select
        'iopc_deaths_per_million', i.force_code, i.fy_label, null, i.deaths, p.population, true, null,
        p.population_source
    from iopc as i
    left join population as p on p.force_code = i.force_code and p.fy_label = i.fy_label
    union all
    select
        'uof_mh_per_1000_officers', u.force_code, u.fy_label, null, u.n_mental_health, o.officers_fte,
        u.recording_note is null, u.recording_note,
        case when o.officers_fte is not null then 'home_office_officers_fte_same_year' end
    from use_of_force_ranked as u
    left join officers as o on o.force_code = u.force_code and o.fy_label = u.fy_label
    where u.pick = 1
),

reference_counts as (
    select
        's136_black_white_rr' as measure_id, force_code, fy_label as period,
        cast(n_white as {{ mhw.type_double() }}) as reference_numerator,
        cast(pop_white as {{ mhw.type_double() }}) as reference_denominator
    from black_white
)

select
    r.measure_id,
    r.force_code,
    'month' as period_type,
    m.month_label as period,
    r.period_start,
    m.month_end as period_end,
    r.numerator,
    r.denominator,
    cast(null as {{ mhw.type_double() }}) as reference_numerator,
    cast(null as {{ mhw.type_double() }}) as reference_denominator,
    r.is_complete,
    r.completeness_note,
    r.denominator_source
from rows_monthly as r
inner join months as m on m.month_start = r.period_start
union all
select
    r.measure_id,
    r.force_code,
    'financial_year' as period_type,
    r.period,
    y.start_date as period_start,
    y.end_date as period_end,
    r.numerator,
    r.denominator,
    c.reference_numerator,
    c.reference_denominator,
    r.is_complete,
    r.completeness_note,
    r.denominator_source
from rows_yearly as r
inner join financial_years as y on y.fy_label = r.period
left join reference_counts as c on c.measure_id = r.measure_id and c.force_code = r.force_code and c.period = r.period
