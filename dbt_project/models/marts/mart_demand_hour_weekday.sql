{#-
  When MH demand arrives: MH incidents by hour of the day and day of the week, per force and for England and Wales,
  each financial year (docs/methods.md "Demand by hour and weekday"). Every one of the 168 hour-weekday cells is a
  row (0 where no incident), for each force-year with incidents data and for E&W. Hours and days are those of the
  incident's creation time as the force recorded it (local time). Force counts are disclosure controlled (0 stays
  0, 1-7 NULL, else rounded to 5); national counts are exact. pct_of_year is the cell's share of the geography-year's
  MH incidents, withheld when the cell or the year counts 1-7, and in every cell of a force-year with a cell of 1-7:
  the shares of the other cells (2 dp, from exact counts) pin their exact counts and the year's, which less them
  would give the withheld cell back.
-#}
with incidents as (
    select
        force_code,
        fy_label,
        cast(extract(isodow from created_at) as integer) as weekday,
        cast(extract(hour from created_at) as integer) as hour
    from {{ ref('fct_mh_incidents') }}
),

coverage as (
    select
        force_code,
        {{ mhw.fy_label('fy_start_year') }} as fy_label,
        count(*) as months_covered,
        count(case when is_complete then 1 end) as months_complete
    from {{ ref('int_source_coverage_month') }}
    where source = 'incidents'
    group by force_code, fy_start_year
),

forces as (
    select force_code, force_name from {{ ref('dim_force') }}
),

weekdays as (
    select * from (values {% for d in range(1, 8) %}({{ d }}){{ ', ' if not loop.last }}{% endfor %}) as w (weekday)
),

hours as (
    select * from (values {% for h in range(24) %}({{ h }}){{ ', ' if not loop.last }}{% endfor %}) as h (hour)
),

force_cells as (
    select
        'force' as geography_level,
        c.force_code as geography_code,
        f.force_name as geography_name,
        c.fy_label,
        w.weekday,
        h.hour,
        c.months_complete,
        c.months_complete < 12 as is_partial_year
    from coverage as c
    inner join forces as f on f.force_code = c.force_code
    cross join weekdays as w
    cross join hours as h
),

force_counts as (
    select force_code, fy_label, weekday, hour, count(*) as n
    from incidents
    group by force_code, fy_label, weekday, hour
),

force_rows as (
    select
        c.*,
        coalesce(n.n, 0) as n_mh_incidents
    from force_cells as c
    left join force_counts as n
        on n.force_code = c.geography_code and n.fy_label = c.fy_label and n.weekday = c.weekday and n.hour = c.hour
),

national_rows as (
    select
        'national' as geography_level,
        'E&W' as geography_code,
        'England and Wales' as geography_name,
        fy_label,
        weekday,
        hour,
        min(months_complete) as months_complete,
        max(case when is_partial_year then 1 else 0 end) = 1 as is_partial_year,
        sum(n_mh_incidents) as n_mh_incidents
    from force_rows
    group by fy_label, weekday, hour
),

cells as (
    select * from force_rows
    union all
    select * from national_rows
),

with_year as (
    select
        *,
        sum(n_mh_incidents) over (partition by geography_code, fy_label) as n_year,
        count(case when {{ mhw.is_suppressed_1_7('n_mh_incidents') }} then 1 end)
            over (partition by geography_code, fy_label) as n_cells_1_7
    from cells
)

select
    cast(geography_level as varchar) as geography_level,
    cast(geography_code as varchar) as geography_code,
    cast(geography_name as varchar) as geography_name,
    cast(fy_label as varchar) as fy_label,
    cast(weekday as integer) as weekday,
    cast(hour as integer) as hour,
    cast(case when geography_level = 'national' then n_mh_incidents
              else {{ mhw.sdc_round5('n_mh_incidents') }} end as bigint) as mh_incidents,
    cast(case when geography_level = 'national' then 'none'
              else {{ mhw.sdc_flag('n_mh_incidents') }} end as varchar) as mh_incidents_sdc_flag,
    cast(case when geography_level = 'national' then n_year
              else {{ mhw.sdc_round5('n_year') }} end as bigint) as mh_incidents_year,
    cast(case when geography_level = 'national' then {{ mhw.pct('n_mh_incidents', 'n_year', sdc=false, places=2) }}
              when n_cells_1_7 = 0 then {{ mhw.pct('n_mh_incidents', 'n_year', places=2) }}
         end as {{ mhw.type_double() }}) as pct_of_year,
    cast(months_complete as integer) as months_complete,
    is_partial_year
from with_year
