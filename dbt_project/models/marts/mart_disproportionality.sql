{#-
  Disproportionality of s136 detentions by self-defined ethnic group (methods §2, §8.3; data-contract.md).
  Grain: geography (force code or 'E&W') x financial year x measure x ethnicity scheme x ethnic group.
  - numerator: s136 detentions of the group; not stated / unknown ethnicity is excluded from every numerator and
    reported beside every row (ethnicity_not_stated, pct_ethnicity_not_stated).
  - denominator: Census 2011 usual residents of the group (int_population_ethnicity_force), for every year, and
    said so in population_caveat. No census loaded: population and rates NULL, reliability 'no_population'.
  - crude rate per 100,000 with 95% limits: exact Poisson below 10, Byar's from 10 (macros/stats/poisson.sql).
  - rate ratio against White (broad scheme) / White British W1 (SDE scheme) with the shared rate-ratio macros
    (macros/stats/rate_ratio.sql, docs/methods.md §2.4): log method when both counts are 10 or more, exact conditional
    when either is below 10 (rr_status 'published_small_counts'). Withheld only when a force count is 1-7 (disclosure
    control), either population is below 1,000, or the reference count is 0; rr_status says why.
  - BTP has no resident population: excluded, from the force rows and from the E&W numerators (as
    mart_s136_national_year). E&W = the territorial forces reporting in the year (forces_reporting).
  - SDC (methods §4): force numerators 0 stays 0, 1-7 NULL, else rounded to 5; E&W exact. Rates, CIs and ratios
    are computed from unrounded counts, and withheld when the force count is 1-7.
-#}
{%- set z = mhw.z95() -%}

with counts as (
    select * from {{ ref('int_s136_ethnicity_force_year') }}
),

forces as (
    select force_code, force_name, has_resident_population, is_small_population from {{ ref('dim_force') }}
),

population as (
    select force_code, ethnicity_scheme, ethnic_group, population, population_vintage
    from {{ ref('int_population_ethnicity_force') }}
),

force_rows as (
    select
        c.force_code as geography_code,
        'force' as geography_level,
        c.force_code,
        f.force_name as geography_name,
        c.fy_label,
        c.ethnicity_scheme,
        c.ethnic_group,
        c.ethnic_group_label,
        c.broad_group,
        c.is_other_residual,
        c.group_order,
        c.n_detentions,
        c.n_all,
        c.n_not_stated,
        p.population,
        p.population_vintage,
        f.is_small_population,
        cast(null as integer) as forces_reporting
    from counts as c
    inner join forces as f on f.force_code = c.force_code and f.has_resident_population
    left join population as p
        on p.force_code = c.force_code and p.ethnicity_scheme = c.ethnicity_scheme
        and p.ethnic_group = c.ethnic_group
),

national_rows as (
    select
        'E&W' as geography_code,
        'national' as geography_level,
        cast(null as varchar(16)) as force_code,
        'England and Wales' as geography_name,
        fy_label,
        ethnicity_scheme,
        ethnic_group,
        ethnic_group_label,
        broad_group,
        is_other_residual,
        group_order,
        cast(sum(n_detentions) as integer) as n_detentions,
        cast(sum(n_all) as integer) as n_all,
        cast(sum(n_not_stated) as integer) as n_not_stated,
        -- only when every reporting force has a population; never a partial denominator
        case when count(population) = count(*) then cast(sum(population) as bigint) end as population,
        case when count(population) = count(*) then max(population_vintage) end as population_vintage,
        false as is_small_population,
        cast(count(*) as integer) as forces_reporting
    from force_rows
    group by fy_label, ethnicity_scheme, ethnic_group, ethnic_group_label, broad_group, is_other_residual, group_order
),

all_rows as (
    select * from force_rows
    union all
    select * from national_rows
),

with_reference as (
    select
        a.*,
        case when a.ethnicity_scheme = 'broad_5p1' then 'White' else 'W1' end as rr_reference_group,
        r.n_detentions as ref_n,
        r.population as ref_population,
        (a.population is not null and a.population > 0) as has_population,
        (a.geography_level = 'force' and {{ mhw.is_suppressed_1_7('a.n_detentions') }}) as is_suppressed
    from all_rows as a
    left join all_rows as r
        on r.geography_code = a.geography_code and r.fy_label = a.fy_label
        and r.ethnicity_scheme = a.ethnicity_scheme
        and r.ethnic_group = case when a.ethnicity_scheme = 'broad_5p1' then 'White' else 'W1' end
),

rated as (
    select
        *,
        case
            when not has_population or ref_population is null or ref_population = 0 then 'no_population'
            when ethnic_group = rr_reference_group then 'reference'
            when is_suppressed or (geography_level = 'force' and {{ mhw.is_suppressed_1_7('ref_n') }})
                then 'suppressed_1_7'
            when population < 1000 or ref_population < 1000 then 'population_lt1000'
            when ref_n = 0 then 'no_reference_count'
            when n_detentions < 10 or ref_n < 10 then 'published_small_counts'
            else 'published'
        end as rr_status,
        case when has_population and not is_suppressed then n_detentions end as rate_n,
        geography_code || '|' || fy_label || '|' || ethnicity_scheme || '|' || ethnic_group as rr_key
    from with_reference
),

exact_inputs as (
    select rr_key, n_detentions, ref_n from rated where rr_status = 'published_small_counts'
),

exact_limits as (
    select
        e.cp_key,
        max(case when e.bound = 'lower' then e.p_limit end) as p_lower,
        max(case when e.bound = 'upper' then e.p_limit end) as p_upper
    from ({{ mhw.clopper_pearson_limits('exact_inputs', 'rr_key', 'n_detentions', 'n_detentions + ref_n') }}) as e
    where e.ci_level = '95'
    group by e.cp_key
),

ratios as (
    select
        r.*,
        case when r.rr_status in ('published', 'published_small_counts')
            then {{ mhw.rate_ratio('r.n_detentions', 'r.population', 'r.ref_n', 'r.ref_population') }} end as rr,
        case when r.rr_status = 'published'
                 then {{ mhw.rate_ratio_log_limit('r.n_detentions', 'r.population', 'r.ref_n', 'r.ref_population', z, 'lower') }}
             when r.rr_status = 'published_small_counts'
                 then {{ mhw.rate_ratio_from_pi('x.p_lower', 'r.population', 'r.ref_population') }} end as rr_lower,
        case when r.rr_status = 'published'
                 then {{ mhw.rate_ratio_log_limit('r.n_detentions', 'r.population', 'r.ref_n', 'r.ref_population', z, 'upper') }}
             when r.rr_status = 'published_small_counts'
                 then {{ mhw.rate_ratio_from_pi('x.p_upper', 'r.population', 'r.ref_population') }} end as rr_upper
    from rated as r
    left join exact_limits as x on x.cp_key = r.rr_key
),

final as (
    select
        geography_code,
        geography_level,
        force_code,
        geography_name,
        fy_label,
        's136_detentions' as measure,
        ethnicity_scheme,
        ethnic_group,
        ethnic_group_label,
        broad_group,
        is_other_residual,
        group_order,
        case when geography_level = 'force' then {{ mhw.sdc_round5('n_detentions') }}
             else n_detentions end as numerator,
        case when geography_level = 'force' then {{ mhw.sdc_flag('n_detentions') }}
             else 'none' end as sdc_flag,
        case when geography_level = 'force' then {{ mhw.sdc_round5('n_not_stated') }}
             else n_not_stated end as ethnicity_not_stated,
        case when geography_level = 'force' then {{ mhw.sdc_flag('n_not_stated') }}
             else 'none' end as ethnicity_not_stated_sdc_flag,
        case when geography_level = 'force' then {{ mhw.sdc_round5('n_all') }}
             else n_all end as detentions_all_groups,
        case when geography_level = 'force' then {{ mhw.pct('n_not_stated', 'n_all') }}
             else {{ mhw.pct('n_not_stated', 'n_all', sdc=false) }} end as pct_ethnicity_not_stated,
        population,
        population_vintage,
        case
            when population is null
                then 'No Census ethnic-group population is loaded (public data folder absent): numerators only, '
                    || 'no rates.'
            when population = 0 then 'The Census 2011 population of this group is 0 here: no rate.'
            else 'Census 2011 usual residents (27 March 2011) are the denominator for ' || fy_label
                || ': populations have changed since, so rates are approximate and not comparable with rates on '
                || 'Census 2021 denominators.'
        end
        || case when is_small_population
            then ' City of London: very small resident population (large daytime population); interpret with care.'
            else '' end as population_caveat,
        {{ mhw.round_double(mhw.crude_rate('rate_n', 'population'), 2) }} as rate_per_100k,
        {{ mhw.round_double(mhw.rate_lower('rate_n', 'population', z), 2) }} as rate_lcl,
        {{ mhw.round_double(mhw.rate_upper('rate_n', 'population', z), 2) }} as rate_ucl,
        {{ mhw.poisson_ci_method('rate_n') }} as ci_method,
        rr_reference_group,
        case when geography_level = 'force' then {{ mhw.sdc_round5('ref_n') }}
             else ref_n end as reference_numerator,
        case when rr_status = 'reference' and rate_n is not null then 1.0
             else {{ mhw.round_double('rr', 2) }} end as rate_ratio_vs_white,
        {{ mhw.round_double('rr_lower', 2) }} as rr_lcl,
        {{ mhw.round_double('rr_upper', 2) }} as rr_ucl,
        case when rr_status = 'published' then 'log'
             when rr_status = 'published_small_counts' then 'exact_conditional' end as rr_method,
        rr_status,
        case when rr is null then null
             when rr_lower > 1 then 'higher'
             when rr_upper < 1 then 'lower'
             else 'similar' end as rr_significance,
        case
            when not has_population then 'no_population'
            when is_suppressed then 'suppressed_1_7'
            when is_small_population then 'small_population'
            when n_detentions < 20 then 'unreliable_lt20'
            else 'ok'
        end as reliability_flag,
        is_small_population,
        forces_reporting
    from ratios
)

select * from final
