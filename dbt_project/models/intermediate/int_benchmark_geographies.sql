{#-
  Every benchmark measure by geography and period (exact counts, restricted): the force rows of int_benchmark_counts,
  plus one row per region (Wales is its own) and one for England and Wales, each the sum of the numerators and
  denominators of the forces in it whose submissions for the period are complete (docs/methods.md §2.4).
  forces_expected counts the forces with a denominator for the measure and period (BTP has no resident population,
  so it is not expected in a per-resident rate; it has no region), and the forces whose denominator is counted from
  their own extracts (denominator_source force_*) but missing because the extract is (a month without an
  all-incident total, custody or street triage file, a year without an s136 return): the force row says it is
  incomplete, and so must every aggregate it belongs to. forces_included counts those summed. An aggregate row is
  complete when every expected force is included.
-#}
{{ config(materialized='table') }}

with counts as (
    select * from {{ ref('int_benchmark_counts') }}
),

measures as (
    select measure_id, method, multiplier, disclosure_rule from {{ ref('ref_benchmark_measure') }}
),

forces as (
    select force_code, force_name, region_code, region_name from {{ ref('ref_force') }}
),

force_rows as (
    select
        c.*,
        f.force_name,
        f.region_code,
        f.region_name,
        (c.denominator is not null
            and (c.measure_id <> 's136_black_white_rr' or c.reference_denominator is not null))
            or (not c.is_complete and left(coalesce(c.denominator_source, ''), 6) = 'force_') as is_expected,
        c.is_complete and c.numerator is not null and c.denominator is not null
            and (c.measure_id <> 's136_black_white_rr'
                 or (c.reference_numerator is not null and c.reference_denominator is not null)) as is_included
    from counts as c
    inner join forces as f on f.force_code = c.force_code
),

{%- set sums -%}
        {{ mhw.exact_sum("case when is_included then numerator end") }} as numerator,
        {{ mhw.exact_sum("case when is_included then denominator end") }} as denominator,
        {{ mhw.exact_sum("case when is_included then reference_numerator end") }} as reference_numerator,
        {{ mhw.exact_sum("case when is_included then reference_denominator end") }} as reference_denominator,
        cast(count(case when is_expected then 1 end) as integer) as forces_expected,
        cast(count(case when is_included then 1 end) as integer) as forces_included,
        -- the one source of the forces summed in, 'mixed' when they differ, none when no force is summed in
        case when count(distinct case when is_included then denominator_source end) > 1 then 'mixed'
             else min(case when is_included then denominator_source end) end as denominator_source
{%- endset %}

regions as (
    select
        measure_id, 'region' as geography_level, region_code as geography_code, region_name as geography_name,
        region_code, region_name, period_type, period, period_start, period_end,
        {{ sums }}
    from force_rows
    where region_code is not null
    group by measure_id, region_code, region_name, period_type, period, period_start, period_end
),

national as (
    select
        measure_id, 'national' as geography_level, 'E&W' as geography_code, 'England and Wales' as geography_name,
        cast(null as varchar) as region_code, cast(null as varchar) as region_name, period_type, period, period_start,
        period_end,
        {{ sums }}
    from force_rows
    group by measure_id, period_type, period, period_start, period_end
),

aggregates as (
    select
        *,
        forces_included > 0 and forces_included = forces_expected as is_complete,
        case when forces_expected = 0 then 'no force has a denominator'
             when forces_included = 0 then 'no force with complete data'
             when forces_included < forces_expected
                 then 'covers ' || cast(forces_included as varchar(3)) || ' of ' || cast(forces_expected as varchar(3))
                     || ' forces (the others are incomplete)' end as completeness_note
    from (select * from regions union all select * from national) as a
),

geographies as (
    select
        measure_id, 'force' as geography_level, force_code as geography_code, force_name as geography_name,
        force_code, region_code, region_name, period_type, period, period_start, period_end,
        numerator, denominator, reference_numerator, reference_denominator,
        cast(null as integer) as forces_expected, cast(null as integer) as forces_included,
        is_complete, completeness_note, denominator_source
    from force_rows
    union all
    select
        measure_id, geography_level, geography_code, geography_name,
        cast(null as varchar) as force_code, region_code, region_name, period_type, period, period_start, period_end,
        numerator, denominator, reference_numerator, reference_denominator,
        forces_expected, forces_included,
        is_complete, completeness_note, denominator_source
    from aggregates
)

select
    g.measure_id,
    m.method,
    m.multiplier,
    m.disclosure_rule,
    g.geography_level,
    g.geography_code,
    g.geography_name,
    g.force_code,
    g.region_code,
    g.region_name,
    g.period_type,
    g.period,
    g.period_start,
    g.period_end,
    g.numerator,
    g.denominator,
    g.reference_numerator,
    g.reference_denominator,
    g.forces_expected,
    g.forces_included,
    g.is_complete,
    g.completeness_note,
    g.denominator_source
from geographies as g
inner join measures as m on m.measure_id = g.measure_id
