-- England & Wales x financial year: exact national counts (no SDC, methods §4).
-- The rate excludes BTP (no resident population, §2.2): territorial detentions / population of reporting
-- territorial forces, so it stays right when not every force has reported.
with cells as (
    select force_code, fy_label from {{ ref('int_s136_force_year') }}
),

detentions as (
    select * from {{ ref('fct_s136_detentions') }}
),

population as (
    select * from {{ ref('int_population_force_year') }}
),

counts as (
    select
        s.fy_label,
        count(d.force_code) as detentions,
        count(distinct s.force_code) as forces_reporting,
        count(case when first_pos_type = 'police_station' then 1 end) as n_police_station_pos,
        count(case when first_pos_type = 'ae' then 1 end) as n_ae_pos,
        count(case when first_pos_type = 'hbpos' then 1 end) as n_hbpos,
        count(case when first_pos_type <> 'not_known' then 1 end) as n_pos_known,
        count(case when transport_method = 'ambulance' then 1 end) as n_ambulance,
        count(case when transport_method = 'police_vehicle' then 1 end) as n_police_vehicle,
        count(case when transport_method not in ('not_known', 'none_already_at_pos') then 1 end) as n_transport_base,
        count(case when transport_method = 'not_known' or transport_method is null then 1 end) as transport_not_known,
        count(case when duration_hours >= 0 then 1 end) as n_duration_known,
        count(case when duration_hours > 24 then 1 end) as n_over_24h,
        {{ mhw.median('case when duration_hours >= 0 then duration_hours end') }} as median_hours_unrounded
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    group by s.fy_label
),

force_year as (
    select s.fy_label, s.force_code, count(d.force_code) as n_detentions
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    group by s.fy_label, s.force_code
),

denominator as (
    select
        fy.fy_label,
        cast(sum(p.population) as bigint) as population,
        sum(fy.n_detentions) as n_rate_detentions,
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
        c.detentions,
        c.forces_reporting,
        d.population,
        d.population_source,
        coalesce(d.is_standin_denominator, false) as is_standin_denominator,
        {{ mhw.round_double(mhw.crude_rate('d.n_rate_detentions', 'd.population'), 2) }} as rate_per_100k,
        {{ mhw.round_double(mhw.rate_lower('d.n_rate_detentions', 'd.population', 1.959964), 2) }} as rate_lcl95,
        {{ mhw.round_double(mhw.rate_upper('d.n_rate_detentions', 'd.population', 1.959964), 2) }} as rate_ucl95,
        c.n_police_station_pos,
        c.n_ae_pos,
        c.n_hbpos,
        {{ mhw.pct('c.n_police_station_pos', 'c.n_pos_known', sdc=false) }} as pct_police_station_pos,
        {{ mhw.pct('c.n_ae_pos', 'c.n_pos_known', sdc=false) }} as pct_ae_pos,
        {{ mhw.pct('c.n_hbpos', 'c.n_pos_known', sdc=false) }} as pct_health_based_pos,
        {{ mhw.pct('c.n_ambulance', 'c.n_transport_base', sdc=false) }} as pct_ambulance,
        {{ mhw.pct('c.n_police_vehicle', 'c.n_transport_base', sdc=false) }} as pct_police_vehicle,
        c.transport_not_known,
        {{ mhw.round_double('c.median_hours_unrounded', 2) }} as median_hours,
        {{ mhw.pct('c.n_over_24h', 'c.n_duration_known', sdc=false) }} as pct_over_24h
    from counts as c
    left join denominator as d on d.fy_label = c.fy_label
)

select * from final
