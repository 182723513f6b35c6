-- Wilson score limits (macros/stats/wilson.sql) against reference values computed from methods.md §2.2
-- (z = 1.959964): 1/10 -> 0.017876212896, 0.404150029525; 0/10 -> 0, 0.277532803026; 10/10 -> 0.722467196974, 1;
-- and NULL for n = 0. Returns the rows that disagree. Attached to the mart that uses the macro (a Dagster check):
-- depends_on: {{ ref('mart_use_of_force_mh') }}
with cases as (
    select 1 as x, 10 as n, 0.017876212896 as lower_expected, 0.404150029525 as upper_expected
    union all select 0, 10, 0.0, 0.277532803026
    union all select 10, 10, 0.722467196974, 1.0
),

computed as (
    select
        x, n, lower_expected, upper_expected,
        {{ mhw.wilson_lower('x', 'n') }} as lower_got,
        {{ mhw.wilson_upper('x', 'n') }} as upper_got
    from cases
)

select x, n, lower_got, upper_got
from computed
where abs(lower_got - lower_expected) > 1e-9 or abs(upper_got - upper_expected) > 1e-9
   or lower_got is null or upper_got is null
union all
select 0, 0, {{ mhw.wilson_lower('0', '0') }}, {{ mhw.wilson_upper('0', '0') }}
where {{ mhw.wilson_lower('0', '0') }} is not null or {{ mhw.wilson_upper('0', '0') }} is not null
