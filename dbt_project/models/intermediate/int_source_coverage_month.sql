-- Which force has data for which source and calendar month (docs/methods.md, "Partial periods"): one row per
-- force x landing source x month that an active load covers (status 'loaded'; a nil return covers its period too,
-- a file none of whose rows could be loaded does not: its period is "no data", with the rejects saying why).
-- A monthly file covers its month; an annual return ('YYYY-YY', s136) the twelve months of its financial year.
-- A file cannot hold a month that had not begun when it was loaded, and holds only part of a month that had not
-- ended: such months are left out or marked incomplete. Marts use this to tell "no data" (NULL or a partial
-- period) from a real zero.
with loads as (
    select source, force_code, period, period_type, month_start, loaded_at
    from {{ ref('stg_ingestion__loads') }}
    where status = 'loaded' and force_code <> 'national' and period_type in ('month', 'financial_year')
        and {{ mhw.covers_its_period() }}
),

fy_months as (
    -- 0 = April ... 11 = March
    select t.n from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)) as t (n)
),

covered as (
    select source, force_code, month_start, loaded_at
    from loads
    where period_type = 'month'
    union all
    select
        l.source,
        l.force_code,
        make_date(cast(substr(l.period, 1, 4) as integer) + case when m.n >= 9 then 1 else 0 end,
                  case when m.n >= 9 then m.n - 8 else m.n + 4 end, 1) as month_start,
        l.loaded_at
    from loads as l
    cross join fy_months as m
    where l.period_type = 'financial_year'
),

months as (
    select
        source,
        force_code,
        month_start,
        max(loaded_at) as last_loaded_at,
        cast(month_start + interval '1 month' as date) as next_month_start
    from covered
    group by source, force_code, month_start
)

select
    source,
    force_code,
    month_start,
    {{ mhw.fy_start_year('month_start') }} as fy_start_year,
    last_loaded_at,
    last_loaded_at >= cast(next_month_start as timestamp) as is_complete
from months
where last_loaded_at >= cast(month_start as timestamp)
