-- Census 2011 usual residents by police force area and ethnic group: the 18 detailed census groups of every LAD
-- summed to its PFA through the ONS LAD -> PFA lookup (methods §8.1), on two schemes:
--   SDE_2011_18p1 (the police self-defined codes W1..O9; the 2011 Census groups map one to one, Arab = O2)
--   broad_5p1     (Asian, Black, Mixed, White, Other), summed from the detailed groups.
-- Empty when the census or the lookup is not loaded: rates then have no denominator (never a made-up one).
with lad as (
    select lad_code, census_year, sde_code, broad_5p1, population
    from {{ ref('stg_census__ethnic_group_lad') }}
    where group_level = 'detailed'
),

lookup as (
    select lad_code, force_code from {{ ref('stg_ons__lad_pfa_lookup') }}
),

detailed as (
    select
        k.force_code,
        l.census_year,
        l.sde_code,
        l.broad_5p1,
        cast(sum(l.population) as bigint) as population,
        count(*) as n_lads
    from lad as l
    inner join lookup as k on k.lad_code = l.lad_code
    group by k.force_code, l.census_year, l.sde_code, l.broad_5p1
),

by_scheme as (
    select
        force_code,
        census_year,
        'SDE_2011_18p1' as ethnicity_scheme,
        sde_code as ethnic_group,
        population,
        n_lads
    from detailed
    union all
    select
        force_code,
        census_year,
        'broad_5p1' as ethnicity_scheme,
        broad_5p1 as ethnic_group,
        cast(sum(population) as bigint) as population,
        max(n_lads) as n_lads
    from detailed
    group by force_code, census_year, broad_5p1
),

totals as (
    select force_code, cast(sum(population) as bigint) as population_all_groups
    from detailed
    group by force_code
)

select
    b.force_code,
    b.ethnicity_scheme,
    b.ethnic_group,
    b.population,
    t.population_all_groups,
    b.census_year as population_year,
    'Census ' || cast(b.census_year as varchar(4)) as population_vintage,
    'ons_census2011_qs201ew' as population_source,
    b.n_lads
from by_scheme as b
inner join totals as t on t.force_code = b.force_code
