-- resident population denominator for every force x financial year up to the latest year with s136 data.
-- mid-year = fy_start_year (ONS MYE for 30 June inside the FY); else the latest earlier ONS year carried forward;
-- else the approximate stand-in seed. Forces without a resident population (BTP) get NULL.
with forces as (
    select force_code, has_resident_population
    from {{ ref('ref_force') }}
),

last_fy as (
    select max(fy_start_year) as fy_start_year
    from {{ ref('int_s136_force_year') }}
),

spine as (
    select f.force_code, f.has_resident_population, fy.fy_label, fy.fy_start_year
    from forces as f
    cross join {{ ref('ref_financial_year') }} as fy
    inner join last_fy on fy.fy_start_year <= last_fy.fy_start_year
),

ons as (
    select force_code, mid_year, population, population_vintage
    from {{ ref('stg_ons__population_pfa') }}
),

best_ons_year as (
    select s.force_code, s.fy_label, max(o.mid_year) as mid_year
    from spine as s
    inner join ons as o on o.force_code = s.force_code and o.mid_year <= s.fy_start_year
    group by s.force_code, s.fy_label
),

standin as (
    select force_code, population_standin
    from {{ ref('ref_population_standin') }}
),

joined as (
    select
        s.force_code,
        s.fy_label,
        s.fy_start_year,
        s.has_resident_population,
        o.mid_year as ons_year,
        o.population as ons_population,
        o.population_vintage as ons_vintage,
        st.population_standin
    from spine as s
    left join best_ons_year as b on b.force_code = s.force_code and b.fy_label = s.fy_label
    left join ons as o on o.force_code = b.force_code and o.mid_year = b.mid_year
    left join standin as st on st.force_code = s.force_code
),

final as (
    select
        force_code,
        fy_label,
        fy_start_year,
        case when not has_resident_population then null
             when ons_population is not null then ons_population
             else population_standin end as population,
        case when not has_resident_population then null
             when ons_population is not null then ons_year end as population_year,
        case when not has_resident_population then null
             when ons_year = fy_start_year then ons_vintage
             when ons_population is not null
                 then ons_vintage || '; mid-' || cast(ons_year as varchar(4)) || ' carried forward to ' || fy_label
             when population_standin is not null then 'stand-in: approximate, not an ONS figure' end
            as population_vintage,
        case when not has_resident_population then null
             when ons_year = fy_start_year then 'ons_mye'
             when ons_population is not null then 'ons_mye_carried_forward'
             when population_standin is not null then 'standin' end as population_source,
        (has_resident_population and ons_population is null and population_standin is not null)
            as is_standin_denominator
    from joined
)

select * from final
