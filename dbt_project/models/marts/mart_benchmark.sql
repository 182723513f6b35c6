{#-
  The national benchmark (docs/methods.md §2-§6): one row per measure x geography (force, region, England and Wales)
  x period, with the value and its 95% / 99.8% limits, the comparators (England and Wales, the force's region, its
  peer group), significance against them, the force's funnel z-score and position, rank, the change on the period
  before with its own test, and disclosure and completeness flags. Built from exact counts; published with the
  project's disclosure control (methods §4.1): counts about people cut below national level are rounded to 5 and
  1-7 suppressed; a value, its limits and everything derived from it are withheld when withheld_reason says so.
  A force whose submissions for the period are incomplete keeps its value but gets no significance, position, rank
  or change test. Comparators (E&W, region, peers), funnel and change are shown only beside a published value, so
  the publish scan can check every statistic against the counts on its own row (docs/methods.md §7).
-#}
with values_ as (
    select * from {{ ref('int_benchmark_values') }}
),

measures as (
    select measure_id, measure_name, unit, polarity from {{ ref('dim_measure') }}
),

rate_ratios as (
    select * from {{ ref('int_benchmark_rate_ratios') }}
),

funnel as (
    select * from {{ ref('int_benchmark_funnel') }}
),

peers as (
    select force_code, peer_force_code from {{ ref('dim_force_peer_group') }}
),

-- forces whose resident population is very small (the City of London): a rate per resident is shown but compared
-- with no other force, placed in no funnel and ranked with none (docs/methods.md, small populations)
small_forces as (
    select force_code from {{ ref('dim_force') }} where is_small_population
),

-- the interval every comparison uses: the rate ratio's own for the ratio measure
intervals as (
    select
        v.*,
        case when v.method = 'rate_ratio' then r.lcl95 else v.lcl95 end as cmp_lcl95,
        case when v.method = 'rate_ratio' then r.ucl95 else v.ucl95 end as cmp_ucl95,
        case when v.method = 'rate_ratio' then r.lcl95 else v.lcl95 end as pub_lcl95,
        case when v.method = 'rate_ratio' then r.ucl95 else v.ucl95 end as pub_ucl95,
        case when v.method = 'rate_ratio' then r.lcl998 else v.lcl998 end as pub_lcl998,
        case when v.method = 'rate_ratio' then r.ucl998 else v.ucl998 end as pub_ucl998,
        v.withheld_reason is null and v.value is not null as is_shown,
        v.is_complete and v.withheld_reason is null and v.value is not null as is_comparable,
        -- a rate per resident of a small force (its populations: ONS, the stand-in or the Census)
        sf.force_code is not null
            and v.denominator_source in ('ons_mye', 'ons_mye_carried_forward', 'standin', 'census2011_qs201ew')
            as is_small_population_rate
    from values_ as v
    left join rate_ratios as r
        on r.kind = 'value' and r.measure_id = v.measure_id and r.geography_code = v.geography_code
        and r.period = v.period
    left join small_forces as sf on sf.force_code = case when v.geography_level = 'force' then v.force_code end
),

-- compared with other geographies (its own change over time is tested whenever is_comparable)
compared as (
    select *, is_comparable and not is_small_population_rate as is_compared from intervals
),

national as (
    select measure_id, period, value as national_value
    from values_
    where geography_level = 'national'
),

regions as (
    select measure_id, period, region_code, value as region_value, withheld_reason as region_withheld_reason
    from values_
    where geography_level = 'region'
),

-- peer group value: the peers' counts pooled (a weighted value, as HMICFRS' MSG averages), complete forces only
peer_sums as (
    select
        p.force_code,
        v.measure_id,
        v.period,
        min(v.method) as method,
        min(v.multiplier) as multiplier,
        min(v.disclosure_rule) as disclosure_rule,
        {{ mhw.exact_sum("v.numerator") }} as numerator,
        {{ mhw.exact_sum("v.denominator") }} as denominator,
        {{ mhw.exact_sum("v.reference_numerator") }} as reference_numerator,
        {{ mhw.exact_sum("v.reference_denominator") }} as reference_denominator,
        cast(count(*) as integer) as peer_forces_included
    from peers as p
    inner join values_ as v on v.geography_level = 'force' and v.geography_code = p.peer_force_code
    where v.is_complete and v.numerator is not null and v.denominator is not null
      and (v.method <> 'rate_ratio' or (v.reference_numerator is not null and v.reference_denominator is not null))
    group by p.force_code, v.measure_id, v.period
),

peer_values as (
    select
        force_code,
        measure_id,
        period,
        peer_forces_included,
        case
            -- the measure's own rule: another body's published figure is exempt from the 1-7 rule (methods §7)
            when {{ mhw.benchmark_withheld_reason('method', 'disclosure_rule', "'peer_group'", 'numerator',
                                                  'denominator', 'reference_numerator', 'reference_denominator') }}
                 is not null then null
            when method = 'rate_ratio'
                then {{ mhw.rate_ratio('numerator', 'denominator', 'reference_numerator', 'reference_denominator') }}
            else {{ mhw.safe_divide('numerator', 'denominator') }} * multiplier
        end as peer_value
    from peer_sums
),

ranked as (
    select
        measure_id,
        geography_level,
        geography_code,
        period,
        rank() over (partition by measure_id, period, geography_level order by value desc) as value_rank,
        count(*) over (partition by measure_id, period, geography_level) as ranked_of
    from compared
    where is_compared
),

previous as (
    select measure_id, geography_code, period, value, is_complete, withheld_reason from values_
),

joined as (
    select
        i.*,
        m.measure_name,
        m.unit,
        m.polarity,
        n.national_value,
        case when rg.region_withheld_reason is null then rg.region_value end as region_value,
        rg.region_withheld_reason,
        pv.peer_value,
        pv.peer_forces_included,
        f.funnel_target,
        f.funnel_lcl95,
        f.funnel_ucl95,
        f.funnel_lcl998,
        f.funnel_ucl998,
        f.funnel_z,
        f.funnel_z_adjusted,
        f.funnel_position,
        f.funnel_phi,
        f.funnel_tau2,
        f.funnel_od_adjusted,
        f.funnel_units,
        rk.value_rank,
        rk.ranked_of,
        p.value as previous_value_exact,
        coalesce(p.is_complete and p.withheld_reason is null and p.value is not null, false)
            as is_previous_comparable,
        cr.rate_ratio as change_rate_ratio,
        cr.lcl95 as change_rr_lcl95,
        cr.ucl95 as change_rr_ucl95,
        cr.rr_method as change_rr_method
    from compared as i
    inner join measures as m on m.measure_id = i.measure_id
    left join national as n on n.measure_id = i.measure_id and n.period = i.period
    -- force rows only: the key is null on other rows (an equality, so a hash join; a test on i's own columns in
    -- the condition of a left join makes DuckDB loop over every pair of rows)
    left join regions as rg
        on rg.measure_id = i.measure_id and rg.period = i.period
        and rg.region_code = case when i.geography_level = 'force' then i.region_code end
    left join peer_values as pv
        on pv.measure_id = i.measure_id and pv.period = i.period
        and pv.force_code = case when i.geography_level = 'force' then i.force_code end
    left join funnel as f
        on f.measure_id = i.measure_id and f.period = i.period
        and f.force_code = case when i.geography_level = 'force' then i.force_code end
    left join ranked as rk
        on rk.measure_id = i.measure_id and rk.geography_code = i.geography_code and rk.period = i.period
    left join previous as p
        on p.measure_id = i.measure_id and p.geography_code = i.geography_code and p.period = i.previous_period
    left join rate_ratios as cr
        on cr.kind = 'change' and cr.measure_id = i.measure_id and cr.geography_code = i.geography_code
        and cr.period = i.period
),

assessed as (
    select
        *,
        case when is_compared and geography_level <> 'national'
            then {{ mhw.compare_interval('cmp_lcl95', 'cmp_ucl95', 'national_value') }} end as cmp_national,
        case when is_compared and geography_level = 'force' and region_withheld_reason is null
            then {{ mhw.compare_interval('cmp_lcl95', 'cmp_ucl95', 'region_value') }} end as cmp_region,
        case when is_compared and geography_level = 'force'
            then {{ mhw.compare_interval('cmp_lcl95', 'cmp_ucl95', 'peer_value') }} end as cmp_peers,
        -- a rate's change is its ratio to the period before: none when that period counted 0 (methods.md §2.4, §2.6)
        is_comparable and is_previous_comparable
            and (method = 'proportion' or (method = 'rate' and change_rr_method is not null)) as is_change_tested,
        -- the change from the exact counts, rounded once (the difference of the two rounded values can be off by one
        -- in the 6th decimal place)
        multiplier * ({{ mhw.safe_divide('numerator', 'denominator') }}
                      - {{ mhw.safe_divide('previous_numerator', 'previous_denominator') }}) as change_exact,
        -- change of a proportion: the difference, with Newcombe's hybrid score interval (x multiplier)
        case when method = 'proportion' then multiplier
            * {{ mhw.newcombe_difference_limit('numerator', 'denominator', 'previous_numerator', 'previous_denominator', mhw.z95(), 'lower') }}
            end as change_diff_lcl95,
        case when method = 'proportion' then multiplier
            * {{ mhw.newcombe_difference_limit('numerator', 'denominator', 'previous_numerator', 'previous_denominator', mhw.z95(), 'upper') }}
            end as change_diff_ucl95
    from joined
),

final as (
    select
        measure_id,
        measure_name,
        unit,
        method,
        disclosure_rule,
        polarity,
        geography_level,
        geography_code,
        geography_name,
        force_code,
        region_code,
        region_name,
        period_type,
        period,
        period_start,
        period_end,
        -- counts, disclosure controlled
        case when disclosure_rule = 'published_source' or geography_level = 'national' then numerator
             when method = 'mean' then case when withheld_reason is null then {{ mhw.round_double('numerator', 1) }} end
             else {{ mhw.sdc_round5('numerator') }} end as numerator,
        case when disclosure_rule = 'published_source' or geography_level = 'national' then 'none'
             when method = 'mean' then case when withheld_reason is null then 'none' else 'withheld' end
             else {{ mhw.sdc_flag('numerator') }} end as numerator_sdc_flag,
        -- a population, officer numbers or the all-incident totals (force_incident_totals: not about individuals,
        -- docs/methods.md section 7, exact in mart_demand_force_month) are not controlled
        case when disclosure_rule = 'published_source' or geography_level = 'national' or method in ('rate', 'rate_ratio')
                  or denominator_source = 'force_incident_totals'
                 then denominator
             else {{ mhw.sdc_round5('denominator') }} end as denominator,
        case when disclosure_rule = 'published_source' or geography_level = 'national' or method in ('rate', 'rate_ratio')
                  or denominator_source = 'force_incident_totals'
                 then 'none'
             else {{ mhw.sdc_flag('denominator') }} end as denominator_sdc_flag,
        case when geography_level = 'national' then reference_numerator
             else {{ mhw.sdc_round5('reference_numerator') }} end as reference_numerator,
        reference_denominator,
        denominator_source,
        -- the value and its limits
        case when withheld_reason is null then value end as value,
        case when withheld_reason is null then pub_lcl95 end as lcl95,
        case when withheld_reason is null then pub_ucl95 end as ucl95,
        case when withheld_reason is null then pub_lcl998 end as lcl998,
        case when withheld_reason is null then pub_ucl998 end as ucl998,
        case when withheld_reason is null then ci_method end as ci_method,
        withheld_reason,
        is_complete,
        completeness_note,
        forces_expected,
        forces_included,
        -- comparators, beside a published value only
        case when is_shown then national_value end as national_value,
        case when is_shown then region_value end as region_value,
        case when is_shown then peer_value end as peer_value,
        peer_forces_included,
        coalesce(cmp_national, 'not_compared') as significance_vs_national,
        coalesce({{ mhw.judge('cmp_national', 'polarity') }}, 'not_compared') as assessment_vs_national,
        coalesce(cmp_region, 'not_compared') as significance_vs_region,
        coalesce(cmp_peers, 'not_compared') as significance_vs_peers,
        coalesce({{ mhw.judge('cmp_peers', 'polarity') }}, 'not_compared') as assessment_vs_peers,
        case
            when geography_level = 'national' then 'England and Wales is the comparator'
            when withheld_reason is not null then 'value withheld (disclosure control)'
            -- before 'incomplete': an aggregate with no force to sum is incomplete because no force has a denominator
            when value is null
                 and (forces_expected = 0 or (numerator is not null
                      and (denominator is null or (method = 'rate_ratio' and reference_denominator is null))))
                then 'no denominator'
            when is_small_population_rate then 'small resident population: not comparable with other forces'
            -- what is missing, as the counts say (no extract for the month, a condition not recorded, the forces an
            -- aggregate covers)
            when not is_complete
                then coalesce(completeness_note, 'submissions for the period are incomplete') || ': significance withheld'
            when value is null then 'no value'
            when cmp_lcl95 is null then 'no interval (a mean): compared descriptively only'
        end as comparison_note,
        -- funnel (forces; complete and published only)
        case when is_compared then funnel_target end as funnel_target,
        case when is_compared then funnel_lcl95 end as funnel_lcl95,
        case when is_compared then funnel_ucl95 end as funnel_ucl95,
        case when is_compared then funnel_lcl998 end as funnel_lcl998,
        case when is_compared then funnel_ucl998 end as funnel_ucl998,
        case when is_compared then funnel_z end as funnel_z,
        case when is_compared then funnel_z_adjusted end as funnel_z_adjusted,
        case when is_compared then funnel_position
             when geography_level = 'force' and method in ('rate', 'proportion') then 'not_compared' end
            as funnel_position,
        case when is_compared then funnel_phi end as funnel_phi,
        case when is_compared then funnel_tau2 end as funnel_tau2,
        case when is_compared then funnel_od_adjusted end as funnel_od_adjusted,
        funnel_units,
        -- rank among the same level's geographies with a comparable value (1 = highest value)
        value_rank,
        ranked_of,
        -- change on the period before
        previous_period,
        case when is_shown and is_previous_comparable then previous_value_exact end as previous_value,
        case when is_change_tested then {{ mhw.round_double('change_exact', 6) }} end as change,
        case when is_change_tested and method = 'rate' then 'rate_ratio'
             when is_change_tested and method = 'proportion' then 'difference' end as change_statistic,
        case when is_change_tested and method = 'rate' then change_rate_ratio
             when is_change_tested and method = 'proportion'
                 then {{ mhw.round_double('change_exact', 6) }} end as change_estimate,
        case when is_change_tested and method = 'rate' then change_rr_lcl95
             when is_change_tested and method = 'proportion' then {{ mhw.round_double('change_diff_lcl95', 6) }}
        end as change_lcl95,
        case when is_change_tested and method = 'rate' then change_rr_ucl95
             when is_change_tested and method = 'proportion' then {{ mhw.round_double('change_diff_ucl95', 6) }}
        end as change_ucl95,
        case when is_change_tested and method = 'rate' then 'rate_ratio_' || change_rr_method
             when is_change_tested and method = 'proportion' then 'newcombe_wilson' end as change_method,
        case
            when not is_change_tested then 'not_tested'
            when method = 'rate' and change_rr_lcl95 > 1 then 'increase'
            when method = 'rate' and change_rr_ucl95 < 1 then 'decrease'
            when method = 'proportion' and change_diff_lcl95 > 0 then 'increase'
            when method = 'proportion' and change_diff_ucl95 < 0 then 'decrease'
            else 'no_significant_change'
        end as change_significance
    from assessed
)

select
    cast(measure_id as varchar) as measure_id,
    cast(measure_name as varchar) as measure_name,
    cast(unit as varchar) as unit,
    cast(method as varchar) as method,
    cast(disclosure_rule as varchar) as disclosure_rule,
    cast(polarity as varchar) as polarity,
    cast(geography_level as varchar) as geography_level,
    cast(geography_code as varchar) as geography_code,
    cast(geography_name as varchar) as geography_name,
    cast(force_code as varchar) as force_code,
    cast(region_code as varchar) as region_code,
    cast(region_name as varchar) as region_name,
    cast(period_type as varchar) as period_type,
    cast(period as varchar) as period,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    {%- for col in ['numerator', 'denominator', 'reference_numerator', 'reference_denominator', 'value', 'lcl95',
                    'ucl95', 'lcl998', 'ucl998'] %}
    cast({{ col }} as {{ mhw.type_double() }}) as {{ col }},
    {%- endfor %}
    cast(numerator_sdc_flag as varchar) as numerator_sdc_flag,
    cast(denominator_sdc_flag as varchar) as denominator_sdc_flag,
    cast(denominator_source as varchar) as denominator_source,
    cast(ci_method as varchar) as ci_method,
    cast(withheld_reason as varchar) as withheld_reason,
    is_complete,
    cast(completeness_note as varchar) as completeness_note,
    cast(forces_expected as integer) as forces_expected,
    cast(forces_included as integer) as forces_included,
    {%- for col in ['national_value', 'region_value', 'peer_value'] %}
    cast({{ col }} as {{ mhw.type_double() }}) as {{ col }},
    {%- endfor %}
    cast(peer_forces_included as integer) as peer_forces_included,
    {%- for col in ['significance_vs_national', 'assessment_vs_national', 'significance_vs_region',
                    'significance_vs_peers', 'assessment_vs_peers'] %}
    cast({{ col }} as varchar) as {{ col }},
    {%- endfor %}
    cast(comparison_note as varchar) as comparison_note,
    {%- for col in ['funnel_target', 'funnel_lcl95', 'funnel_ucl95', 'funnel_lcl998', 'funnel_ucl998', 'funnel_z',
                    'funnel_z_adjusted'] %}
    cast({{ col }} as {{ mhw.type_double() }}) as {{ col }},
    {%- endfor %}
    cast(funnel_position as varchar) as funnel_position,
    cast(funnel_phi as {{ mhw.type_double() }}) as funnel_phi,
    cast(funnel_tau2 as {{ mhw.type_double() }}) as funnel_tau2,
    funnel_od_adjusted,
    cast(funnel_units as integer) as funnel_units,
    cast(value_rank as integer) as value_rank,
    cast(ranked_of as integer) as ranked_of,
    cast(previous_period as varchar) as previous_period,
    {%- for col in ['previous_value', 'change', 'change_estimate', 'change_lcl95', 'change_ucl95'] %}
    cast({{ col }} as {{ mhw.type_double() }}) as {{ col }},
    {%- endfor %}
    cast(change_statistic as varchar) as change_statistic,
    cast(change_method as varchar) as change_method,
    cast(change_significance as varchar) as change_significance
from final
