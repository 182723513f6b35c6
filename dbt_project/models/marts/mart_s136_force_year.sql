-- force x financial year, published: SDC on counts (methods §4), rates with exact Poisson / Byar's CIs (§2.2),
-- percentages of known values (§1.3, §7.2). Rates and CIs use unrounded counts but are withheld for counts 1-7.
with cells as (
    select force_code, fy_label from {{ ref('int_s136_force_year') }}
),

detentions as (
    select * from {{ ref('fct_s136_detentions') }}
),

forces as (
    select force_code, force_name, region_name, nation, has_resident_population from {{ ref('dim_force') }}
),

population as (
    select * from {{ ref('int_population_force_year') }}
),

-- left join: a nil return (active load, no rows) gives zero counts
counts as (
    select
        s.force_code,
        s.fy_label,
        count(d.force_code) as n_detentions,
        count(case when first_pos_type = 'police_station' then 1 end) as n_police_station_pos,
        count(case when first_pos_type = 'ae' then 1 end) as n_ae_pos,
        count(case when first_pos_type = 'hbpos' then 1 end) as n_hbpos,
        count(case when first_pos_type <> 'not_known' then 1 end) as n_pos_known,
        count(case when transport_method = 'ambulance' then 1 end) as n_ambulance,
        count(case when transport_method = 'police_vehicle' then 1 end) as n_police_vehicle,
        count(case when transport_method not in ('not_known', 'none_already_at_pos') then 1 end) as n_transport_base,
        count(case when duration_hours >= 0 then 1 end) as n_duration_known,
        count(case when duration_hours > 24 then 1 end) as n_over_24h,
        {{ mhw.median('case when duration_hours >= 0 then duration_hours end') }} as median_hours_unrounded,
        count(case when dq_u18_in_police_station then 1 end) as n_u18_police_station
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    group by s.force_code, s.fy_label
),

joined as (
    select
        c.*,
        f.force_name,
        f.region_name,
        f.nation,
        p.population,
        p.population_year,
        p.population_vintage,
        p.population_source,
        coalesce(p.is_standin_denominator, false) as is_standin_denominator,
        (f.has_resident_population and p.population is not null) as has_population,
        (f.has_resident_population and p.population is not null
            and not {{ mhw.is_suppressed_1_7('c.n_detentions') }}) as publish_rate
    from counts as c
    inner join forces as f on f.force_code = c.force_code
    left join population as p on p.force_code = c.force_code and p.fy_label = c.fy_label
),

final as (
    select
        force_code,
        force_name,
        region_name,
        nation,
        fy_label,
        {{ mhw.sdc_round5('n_detentions') }} as detentions,
        {{ mhw.sdc_flag('n_detentions') }} as detentions_sdc_flag,
        population,
        population_year,
        population_vintage,
        population_source,
        is_standin_denominator,
        case when publish_rate
            then {{ mhw.round_double(mhw.crude_rate('n_detentions', 'population'), 2) }} end as rate_per_100k,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_lower('n_detentions', 'population', 1.959964), 2) }} end as rate_lcl95,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_upper('n_detentions', 'population', 1.959964), 2) }} end as rate_ucl95,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_lower('n_detentions', 'population', 3.090232), 2) }} end as rate_lcl998,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_upper('n_detentions', 'population', 3.090232), 2) }} end as rate_ucl998,
        case when publish_rate then {{ mhw.poisson_ci_method('n_detentions') }} end as ci_method,
        case when not has_population then 'no_resident_population'
             when {{ mhw.is_suppressed_1_7('n_detentions') }} then 'suppressed_1_7'
             when n_detentions < 20 then 'unreliable_lt20'
             else 'ok' end as rate_reliability,
        {{ mhw.pct('n_police_station_pos', 'n_pos_known') }} as pct_police_station_pos,
        {{ mhw.pct('n_ae_pos', 'n_pos_known') }} as pct_ae_pos,
        {{ mhw.pct('n_hbpos', 'n_pos_known') }} as pct_health_based_pos,
        {{ mhw.pct('n_ambulance', 'n_transport_base') }} as pct_ambulance,
        {{ mhw.pct('n_police_vehicle', 'n_transport_base') }} as pct_police_vehicle,
        case when n_duration_known >= 8
            then {{ mhw.round_double('median_hours_unrounded', 2) }} end as median_hours,
        {{ mhw.pct('n_over_24h', 'n_duration_known') }} as pct_over_24h,
        {{ mhw.sdc_round5('n_u18_police_station') }} as under18_in_police_station,
        {{ mhw.sdc_flag('n_u18_police_station') }} as under18_in_police_station_sdc_flag
    from joined
)

select * from final
