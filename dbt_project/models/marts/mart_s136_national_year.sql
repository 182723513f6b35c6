{#-
  England & Wales x financial year: exact national counts (no disclosure control at national level, docs/methods.md
  "Disclosure control"). s136 is the headline series (as the Home Office publishes it) and every statistic is of s136
  detentions; s135 is counted apart. Counts include BTP; the rate excludes it (no resident population, methods
  §2.2): territorial s136 detentions / population of the territorial forces reporting, so a year in which not every
  force has reported is not understated. A year is partial when any force that has ever sent an s136 return has
  data covering fewer than its twelve months (int_source_coverage_month), none included.
-#}
with cells as (
    select force_code, fy_label, fy_start_year from {{ ref('int_s136_force_year') }}
),

detentions as (
    select * from {{ ref('fct_s136_detentions') }}
),

population as (
    select * from {{ ref('int_population_force_year') }}
),

coverage as (
    select force_code, fy_start_year, count(case when is_complete then 1 end) as months_covered
    from {{ ref('int_source_coverage_month') }}
    where source = 's136'
    group by force_code, fy_start_year
),

counts as (
    select
        s.fy_label,
        count(case when d.power = 's136' then 1 end) as n_s136,
        count(case when d.power in ('s135(1)', 's135(2)') then 1 end) as n_s135,
        {{ s136_counts('d') }}
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    group by s.fy_label
),

force_year as (
    select
        s.fy_label,
        s.force_code,
        max(coalesce(cv.months_covered, 0)) as months_covered,
        count(case when d.power = 's136' then 1 end) as n_s136
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    left join coverage as cv on cv.force_code = s.force_code and cv.fy_start_year = s.fy_start_year
    group by s.fy_label, s.force_code
),

-- every force that has ever sent an s136 return (in force, withdrawn or refused, as mart_data_quality and the
-- benchmark): a year it has no return for is a partial E&W year, as a year it sent only part of is
expected as (
    select distinct force_code
    from {{ ref('stg_ingestion__loads') }}
    where source = 's136' and status <> 'duplicate' and force_code is not null and force_code <> 'national'
    union
    select force_code from force_year
),

reporting as (
    select
        y.fy_label,
        cast(count(fy.force_code) as integer) as forces_reporting,
        cast(count(case when coalesce(fy.months_covered, 0) < 12 then 1 end) as integer) as forces_partial_year
    from (select distinct fy_label from force_year) as y
    cross join expected as e
    left join force_year as fy on fy.fy_label = y.fy_label and fy.force_code = e.force_code
    group by y.fy_label
),

denominator as (
    select
        fy.fy_label,
        cast(sum(p.population) as bigint) as population,
        cast(sum(fy.n_s136) as bigint) as n_rate_detentions,
        case when max(case when p.population_source = 'standin' then 1 else 0 end) = 1 then 'standin'
             when max(case when p.population_source = 'ons_mye_carried_forward' then 1 else 0 end) = 1
                 then 'ons_mye_carried_forward'
             else 'ons_mye' end as population_source,
        max(case when p.is_standin_denominator then 1 else 0 end) = 1 as is_standin_denominator
    from force_year as fy
    inner join population as p on p.force_code = fy.force_code and p.fy_label = fy.fy_label
    where p.population is not null
    group by fy.fy_label
),

final as (
    select
        c.fy_label,
        r.forces_reporting,
        r.forces_partial_year,
        r.forces_partial_year > 0 as is_partial_year,
        c.n_s136 as s136_detentions,
        c.n_s135 as s135_detentions,
        d.population,
        d.population_source,
        coalesce(d.is_standin_denominator, false) as is_standin_denominator,
        {{ mhw.round_double(mhw.crude_rate('d.n_rate_detentions', 'd.population'), 2) }} as rate_per_100k,
        {{ mhw.round_double(mhw.rate_lower('d.n_rate_detentions', 'd.population', mhw.z95()), 2) }} as rate_lcl95,
        {{ mhw.round_double(mhw.rate_upper('d.n_rate_detentions', 'd.population', mhw.z95()), 2) }} as rate_ucl95,
        c.n_pos_known as first_pos_known,
        c.n_police_station_pos as police_station_pos,
        c.n_ae_pos as ae_pos,
        c.n_hbpos as health_based_pos,
        {{ mhw.pct('c.n_police_station_pos', 'c.n_pos_known', sdc=false) }} as pct_police_station_pos,
        {{ mhw.pct('c.n_ae_pos', 'c.n_pos_known', sdc=false) }} as pct_ae_pos,
        {{ mhw.pct('c.n_hbpos', 'c.n_pos_known', sdc=false) }} as pct_health_based_pos,
        c.n_transport_base as transport_known,
        c.n_ambulance as ambulance,
        c.n_police_vehicle as police_vehicle,
        c.n_transport_not_known as transport_not_known,
        {{ mhw.pct('c.n_ambulance', 'c.n_transport_base', sdc=false) }} as pct_ambulance,
        {{ mhw.pct('c.n_police_vehicle', 'c.n_transport_base', sdc=false) }} as pct_police_vehicle,
        c.n_duration_known as durations_known,
        c.n_over_24h as over_24h,
        {{ mhw.round_double('c.median_hours_unrounded', 2) }} as median_hours,
        {{ mhw.pct('c.n_over_24h', 'c.n_duration_known', sdc=false) }} as pct_over_24h,
        c.n_u18_police_station as under18_in_police_station
    from counts as c
    inner join reporting as r on r.fy_label = c.fy_label
    left join denominator as d on d.fy_label = c.fy_label
)

select * from final
