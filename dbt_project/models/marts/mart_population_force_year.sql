-- ONS mid-year population by police force area and year, with an England and Wales total row per year:
-- the denominators behind every per-capita rate, published with their vintage.
with by_force as (
    select
        force_code as geo_code,
        'force' as geo_level,
        mid_year,
        population,
        population_vintage
    from {{ ref('stg_ons__population_pfa') }}
),

england_and_wales as (
    select
        'E&W' as geo_code,
        'england_and_wales' as geo_level,
        mid_year,
        sum(population) as population,
        min(population_vintage) as population_vintage
    from by_force
    group by mid_year
),

combined as (
    select * from by_force
    union all
    select * from england_and_wales
)

select
    c.geo_code,
    c.geo_level,
    coalesce(f.force_name, 'England and Wales') as geo_name,
    c.mid_year,
    cast(c.population as bigint) as population,
    c.population_vintage,
    'ONS mid-year population estimates' as population_source
from combined as c
left join {{ ref('dim_force') }} as f on c.geo_code = f.force_code
