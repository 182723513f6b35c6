{#-
  Cross-check (warn): the Census 2011 population of every force x group that int_population_ethnicity_force builds
  from LADs (ONS LAD -> PFA lookup) equals the third-party by-PFA summary, group by group and in total.
  Compared only when both are loaded. Returns one row per differing cell. The third-party file is never a
  denominator, so a difference warns (and the Dagster asset check census2011_pfa_cross_check reports it) but does
  not stop the build; a census LAD missing from the lookup is an error (relationships test on the staging model).
-#}
{{ config(severity='warn') }}

with ours as (
    select force_code, ethnicity_scheme, ethnic_group, population
    from {{ ref('int_population_ethnicity_force') }}
    union all
    select distinct force_code, 'total' as ethnicity_scheme, 'All' as ethnic_group, population_all_groups
    from {{ ref('int_population_ethnicity_force') }}
),

file as (
    select * from {{ ref('stg_census__ethnic_group_pfa_third_party') }}
),

theirs as (
    select force_code, 'SDE_2011_18p1' as ethnicity_scheme, sde_code as ethnic_group, population
    from file where group_level = 'detailed'
    union all
    select force_code, 'broad_5p1' as ethnicity_scheme, broad_5p1 as ethnic_group, population
    from file where group_level = 'broad'
    union all
    select force_code, 'total' as ethnicity_scheme, 'All' as ethnic_group, population
    from file where group_level = 'total'
),

both_loaded as (
    select 1 as flag
    where exists (select 1 from ours) and exists (select 1 from theirs)
)

select
    coalesce(o.force_code, t.force_code) as force_code,
    coalesce(o.ethnicity_scheme, t.ethnicity_scheme) as ethnicity_scheme,
    coalesce(o.ethnic_group, t.ethnic_group) as ethnic_group,
    o.population as lad_sum,
    t.population as third_party_value,
    coalesce(o.population, 0) - coalesce(t.population, 0) as difference
from ours as o
full outer join theirs as t
    on t.force_code = o.force_code and t.ethnicity_scheme = o.ethnicity_scheme and t.ethnic_group = o.ethnic_group
cross join both_loaded
where o.population is distinct from t.population
