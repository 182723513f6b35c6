{#-
  The inputs of the peer groups (docs/methods.md §5): for each territorial force (City of London apart: its tiny
  resident population makes per-resident figures meaningless; BTP has none) the public covariates already in the
  warehouse, transformed and standardised across the forces. A covariate is used only when every force has it;
  without the public data folder only the stand-in population is left, and every row says so (is_standin).
    resident_population  ONS mid-year estimate, latest year loaded (else the stand-in seed), log scale
    population_density   residents per km2 of the ONS boundary area, log scale
    pct_minority_ethnic  % of Census 2011 residents not in the White group
    officers_per_1000    police officers (FTE, 31 March) per 1,000 residents, latest year every force has
    arrests_per_1000     arrests per 1,000 residents, latest year every force has
  Per-resident figures use the same population as resident_population.
-#}
with forces as (
    select force_code, force_name
    from {{ ref('ref_force') }}
    where is_territorial and has_resident_population and not is_small_population
),

ons as (
    select force_code, mid_year, population
    from {{ ref('stg_ons__population_pfa') }}
    where force_code in (select force_code from forces)
),

population as (
    select
        f.force_code,
        coalesce(o.population, s.population_standin) as population,
        case when o.population is not null then 'mid-' || cast(o.mid_year as varchar) else 'stand-in' end
            as reference_period,
        case when o.population is not null then 'ONS mid-year population estimates'
             else 'stand-in population (seeds/ref_population_standin.csv): approximate, not an ONS figure' end
            as source,
        o.population is null as is_standin
    from forces as f
    left join (
        select force_code, max(mid_year) as mid_year from ons group by force_code
    ) as latest on latest.force_code = f.force_code
    left join ons as o on o.force_code = latest.force_code and o.mid_year = latest.mid_year
    left join {{ ref('ref_population_standin') }} as s on s.force_code = f.force_code
),

area as (
    select force_code, area_sq_km, boundary_vintage from {{ ref('stg_ons__pfa_boundaries') }}
),

ethnicity as (
    select force_code, population, population_all_groups
    from {{ ref('int_population_ethnicity_force') }}
    where ethnicity_scheme = 'broad_5p1' and ethnic_group = 'White'
      and force_code in (select force_code from forces)
),

denominators as (
    select d.force_code, d.fy_label, d.officers_fte, d.arrests
    from {{ ref('int_force_denominators_year') }} as d
    inner join forces as f on f.force_code = d.force_code
),

-- the latest year in which every force has the figure
officers_year as (
    select max(fy_label) as fy_label from (
        select fy_label from denominators where officers_fte is not null
        group by fy_label having count(*) = (select count(*) from forces)
    ) as y
),

arrests_year as (
    select max(fy_label) as fy_label from (
        select fy_label from denominators where arrests is not null
        group by fy_label having count(*) = (select count(*) from forces)
    ) as y
),

covariates as (
    select
        p.force_code, 'resident_population' as covariate, 1 as covariate_order,
        cast(p.population as {{ mhw.type_double() }}) as value, ln(p.population) as transformed_value,
        p.reference_period, p.source, p.is_standin
    from population as p
    union all
    select
        p.force_code, 'population_density', 2, p.population / a.area_sq_km, ln(p.population / a.area_sq_km),
        p.reference_period, 'residents (' || p.source || ') per km2 of ' || a.boundary_vintage, p.is_standin
    from population as p
    inner join area as a on a.force_code = p.force_code and a.area_sq_km > 0
    union all
    select
        e.force_code, 'pct_minority_ethnic', 3, 100.0 * (1 - cast(e.population as {{ mhw.type_double() }}) / e.population_all_groups),
        100.0 * (1 - cast(e.population as {{ mhw.type_double() }}) / e.population_all_groups),
        'Census 2011', 'Census 2011 QS201EW usual residents, local authorities summed to police force areas', false
    from ethnicity as e
    where e.population_all_groups > 0
    union all
    select
        d.force_code, 'officers_per_1000', 4, 1000.0 * d.officers_fte / p.population,
        1000.0 * d.officers_fte / p.population,
        d.fy_label || ' (officers); ' || p.reference_period || ' (residents)',
        'Home Office police workforce, officers FTE at 31 March', p.is_standin
    from denominators as d
    inner join officers_year as y on y.fy_label = d.fy_label
    inner join population as p on p.force_code = d.force_code
    union all
    select
        d.force_code, 'arrests_per_1000', 5, 1000.0 * d.arrests / p.population, 1000.0 * d.arrests / p.population,
        d.fy_label || ' (arrests); ' || p.reference_period || ' (residents)',
        'Home Office arrests by force', p.is_standin
    from denominators as d
    inner join arrests_year as y on y.fy_label = d.fy_label
    inner join population as p on p.force_code = d.force_code
),

coverage as (
    select covariate, count(*) = (select count(*) from forces) as is_used
    from covariates
    where transformed_value is not null
    group by covariate
),

standardised as (
    select
        c.*,
        v.is_used,
        (c.transformed_value - avg(c.transformed_value) over (partition by c.covariate))
            / nullif(stddev_samp(c.transformed_value) over (partition by c.covariate), 0) as z_score
    from covariates as c
    inner join coverage as v on v.covariate = c.covariate
)

select
    cast(s.force_code as varchar) as force_code,
    cast(f.force_name as varchar) as force_name,
    cast(s.covariate as varchar) as covariate,
    cast(s.covariate_order as integer) as covariate_order,
    cast(case s.covariate
        when 'resident_population' then 'resident population (log)'
        when 'population_density' then 'residents per km2 (log)'
        when 'pct_minority_ethnic' then '% minority ethnic residents'
        when 'officers_per_1000' then 'officers per 1,000 residents'
        when 'arrests_per_1000' then 'arrests per 1,000 residents'
    end as varchar) as covariate_label,
    cast(s.value as {{ mhw.type_double() }}) as value,
    cast(s.transformed_value as {{ mhw.type_double() }}) as transformed_value,
    cast(case when s.is_used then s.z_score end as {{ mhw.type_double() }}) as z_score,
    s.is_used,
    cast(s.reference_period as varchar) as reference_period,
    cast(s.source as varchar) as source,
    s.is_standin
from standardised as s
inner join forces as f on f.force_code = s.force_code
