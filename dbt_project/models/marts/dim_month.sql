-- Calendar months of the financial years in ref_financial_year (April 2010 to March 2031), with the hours in each
-- month (days x 24; clock changes ignored) used by incidents_per_hour.
with years as (
    select fy_label, fy_start_year from {{ ref('ref_financial_year') }}
),

fy_months as (
    -- position 1 = April ... 12 = March
    select t.n as fy_month_number
    from (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) as t (n)
),

months as (
    select
        y.fy_label,
        y.fy_start_year,
        m.fy_month_number,
        case when m.fy_month_number <= 9 then y.fy_start_year else y.fy_start_year + 1 end as calendar_year,
        case when m.fy_month_number <= 9 then m.fy_month_number + 3 else m.fy_month_number - 9 end as month_number
    from years as y
    cross join fy_months as m
),

dated as (
    select
        *,
        make_date(calendar_year, month_number, 1) as month_start
    from months
)

select
    month_start,
    cast(month_start + interval '1 month' - interval '1 day' as date) as month_end,
    calendar_year,
    month_number,
    cast(calendar_year as varchar(4)) || '-' || right('0' || cast(month_number as varchar(2)), 2) as month_label,
    fy_label,
    fy_start_year,
    fy_month_number,
    cast(extract(day from month_start + interval '1 month' - interval '1 day') as integer) as days_in_month,
    24 * cast(extract(day from month_start + interval '1 month' - interval '1 day') as integer) as hours_in_month
from dated
