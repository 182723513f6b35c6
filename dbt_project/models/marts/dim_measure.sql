-- The benchmark measure catalogue (seeds/ref_benchmark_measure.csv; docs/methods.md §2): what each measure counts,
-- how it is judged and computed. Published so that every number in mart_benchmark / mart_spc can be read with its
-- definition.
select
    cast(measure_id as varchar) as measure_id,
    cast(measure_name as varchar) as measure_name,
    cast(unit as varchar) as unit,
    cast(multiplier as {{ mhw.type_double() }}) as multiplier,
    cast(method as varchar) as method,
    cast(numerator_definition as varchar) as numerator_definition,
    cast(denominator_definition as varchar) as denominator_definition,
    cast(polarity as varchar) as polarity,
    cast(case polarity when 'higher_is_better' then 1 when 'lower_is_better' then -1 else 0 end as integer)
        as improvement_direction,
    cast(frequency as varchar) as frequency,
    cast(source as varchar) as source,
    cast(npcc_objective as integer) as npcc_objective,
    cast(disclosure_rule as varchar) as disclosure_rule,
    cast(change_point as varchar) as change_point,
    cast(target as {{ mhw.type_double() }}) as target,
    cast(case method when 'rate' then 'rate (SHMI: log, 10% truncation)' when 'proportion'
                     then 'proportion (arcsine, 10% Winsorised)' end as varchar) as funnel_method,
    cast(caveats as varchar) as caveats,
    cast(sort_order as integer) as sort_order,
    cast(force_sources as varchar) as force_sources
from {{ ref('ref_benchmark_measure') }}
