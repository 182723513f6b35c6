{#-
  s136 and s135 detentions by force x financial year, published (docs/methods.md, "Disclosure control").
  The headline series is s136 alone, as the Home Office publishes it; s135 detentions are counted beside it, apart.
  Every rate, percentage and median is of s136 detentions (as the annual return's items, macros/adr125).
  Counts are disclosure controlled (0 stays 0, 1-7 NULL, else rounded to 5); each percentage is published with its
  numerator and denominator (rounded the same way) and is withheld when either is 1-7. Rates and their limits
  (exact Poisson below 10, Byar's from 10, as PHEindicatormethods) use the unrounded count and are withheld when it
  is 1-7. months_covered / is_partial_year come from the load ledger (int_source_coverage_month).
-#}
with cells as (
    select force_code, fy_label, fy_start_year from {{ ref('int_s136_force_year') }}
),

detentions as (
    select * from {{ ref('fct_s136_detentions') }}
),

forces as (
    select force_code, force_name, region_name, nation, has_resident_population, is_small_population
    from {{ ref('dim_force') }}
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

-- left join: a nil return (active load, no rows) gives zero counts
counts as (
    select
        s.force_code,
        s.fy_label,
        s.fy_start_year,
        count(case when d.power = 's136' then 1 end) as n_s136,
        count(case when d.power in ('s135(1)', 's135(2)') then 1 end) as n_s135,
        {{ s136_counts('d') }}
    from cells as s
    left join detentions as d on d.force_code = s.force_code and d.fy_label = s.fy_label
    group by s.force_code, s.fy_label, s.fy_start_year
),

joined as (
    select
        c.*,
        f.force_name,
        f.region_name,
        f.nation,
        f.is_small_population,
        cast(coalesce(cv.months_covered, 0) as integer) as months_covered,
        p.population,
        p.population_year,
        p.population_vintage,
        p.population_source,
        coalesce(p.is_standin_denominator, false) as is_standin_denominator,
        (f.has_resident_population and p.population is not null) as has_population,
        (f.has_resident_population and p.population is not null
            and not {{ mhw.is_suppressed_1_7('c.n_s136') }}) as publish_rate
    from counts as c
    inner join forces as f on f.force_code = c.force_code
    left join population as p on p.force_code = c.force_code and p.fy_label = c.fy_label
    left join coverage as cv on cv.force_code = c.force_code and cv.fy_start_year = c.fy_start_year
),

final as (
    select
        force_code,
        force_name,
        region_name,
        nation,
        fy_label,
        months_covered,
        months_covered < 12 as is_partial_year,
        {{ mhw.sdc_round5('n_s136') }} as s136_detentions,
        {{ mhw.sdc_flag('n_s136') }} as s136_detentions_sdc_flag,
        {{ mhw.sdc_round5('n_s135') }} as s135_detentions,
        {{ mhw.sdc_flag('n_s135') }} as s135_detentions_sdc_flag,
        population,
        population_year,
        population_vintage,
        population_source,
        is_standin_denominator,
        is_small_population,
        case when publish_rate
            then {{ mhw.round_double(mhw.crude_rate('n_s136', 'population'), 2) }} end as rate_per_100k,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_lower('n_s136', 'population', mhw.z95()), 2) }} end as rate_lcl95,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_upper('n_s136', 'population', mhw.z95()), 2) }} end as rate_ucl95,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_lower('n_s136', 'population', mhw.z998()), 2) }} end as rate_lcl998,
        case when publish_rate
            then {{ mhw.round_double(mhw.rate_upper('n_s136', 'population', mhw.z998()), 2) }} end as rate_ucl998,
        case when publish_rate then {{ mhw.poisson_ci_method('n_s136') }} end as ci_method,
        case when not has_population then 'no_resident_population'
             when {{ mhw.is_suppressed_1_7('n_s136') }} then 'suppressed_1_7'
             when is_small_population then 'small_population'
             when n_s136 < 20 then 'unreliable_lt20'
             else 'ok' end as rate_reliability,
        {{ mhw.sdc_round5('n_pos_known') }} as first_pos_known,
        {{ mhw.sdc_round5('n_police_station_pos') }} as police_station_pos,
        {{ mhw.sdc_round5('n_ae_pos') }} as ae_pos,
        {{ mhw.sdc_round5('n_hbpos') }} as health_based_pos,
        {{ mhw.pct('n_police_station_pos', 'n_pos_known') }} as pct_police_station_pos,
        {{ mhw.pct('n_ae_pos', 'n_pos_known') }} as pct_ae_pos,
        {{ mhw.pct('n_hbpos', 'n_pos_known') }} as pct_health_based_pos,
        {{ mhw.sdc_round5('n_transport_base') }} as transport_known,
        {{ mhw.sdc_round5('n_ambulance') }} as ambulance,
        {{ mhw.sdc_round5('n_police_vehicle') }} as police_vehicle,
        {{ mhw.pct('n_ambulance', 'n_transport_base') }} as pct_ambulance,
        {{ mhw.pct('n_police_vehicle', 'n_transport_base') }} as pct_police_vehicle,
        {{ mhw.sdc_round5('n_duration_known') }} as durations_known,
        {{ mhw.sdc_round5('n_over_24h') }} as over_24h,
        case when not {{ mhw.base_withheld('n_duration_known') }}
            then {{ mhw.round_double('median_hours_unrounded', 2) }} end as median_hours,
        {{ mhw.pct('n_over_24h', 'n_duration_known') }} as pct_over_24h,
        {{ mhw.sdc_round5('n_u18_police_station') }} as under18_in_police_station,
        {{ mhw.sdc_flag('n_u18_police_station') }} as under18_in_police_station_sdc_flag
    from joined
)

select * from final
