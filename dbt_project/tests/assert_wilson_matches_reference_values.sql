-- Wilson score limits and Newcombe's difference (macros/stats/wilson.sql; docs/methods.md §2.3) against the references'
-- own published values. Wilson, PHEindicatormethods tests/testthat/testdata_Byars_Wilson.xlsx (full precision):
-- 65/100 -> 0.5525444329688797, 0.7363575175690247 (95%), 0.4954946574070431, 0.7783540614089697 (99.8%);
-- 1045/5000 -> 0.19795549880013297, 0.22049130373189027 (95%). Edge cases from the formula: 0/10 -> 0,
-- 0.2775327998628892; 10/10 -> 0.7224672001371107, 1; NULL for n = 0. Newcombe's hybrid score interval,
-- contingencytables tests/testthat/test-ch4.R (Newcombe_hybrid_score_CI_2x2 on [7, 27; 1, 33]): 7/34 - 1/34 =
-- 0.1765, 95% 0.0189 to 0.3404 (4 dp). Returns the rows that disagree. Attached to the mart that uses the macro
-- (a Dagster check):
-- depends_on: {{ ref('mart_use_of_force_mh') }}
with cases as (
    select 65 as x, 100 as n, '95' as level, 0.5525444329688797 as lower_expected, 0.7363575175690247 as upper_expected
    union all select 65, 100, '998', 0.4954946574070431, 0.7783540614089697
    union all select 1045, 5000, '95', 0.19795549880013297, 0.22049130373189027
    union all select 0, 10, '95', 0.0, 0.2775327998628892
    union all select 10, 10, '95', 0.7224672001371107, 1.0
),

computed as (
    select
        x, n, lower_expected, upper_expected,
        case when level = '95' then {{ mhw.wilson_lower('x', 'n') }}
             else {{ mhw.wilson_lower('x', 'n', mhw.z998()) }} end as lower_got,
        case when level = '95' then {{ mhw.wilson_upper('x', 'n') }}
             else {{ mhw.wilson_upper('x', 'n', mhw.z998()) }} end as upper_got
    from cases
),

newcombe as (
    select
        {{ mhw.newcombe_difference_limit('7', '34', '1', '34', mhw.z95(), 'lower') }} as lower_got,
        {{ mhw.newcombe_difference_limit('7', '34', '1', '34', mhw.z95(), 'upper') }} as upper_got
)

select x, n, lower_got, upper_got
from computed
where abs(lower_got - lower_expected) > 1e-12 or abs(upper_got - upper_expected) > 1e-12
   or lower_got is null or upper_got is null
union all
select 0, 0, {{ mhw.wilson_lower('0', '0') }}, {{ mhw.wilson_upper('0', '0') }}
where {{ mhw.wilson_lower('0', '0') }} is not null or {{ mhw.wilson_upper('0', '0') }} is not null
union all
select 7, 34, lower_got, upper_got
from newcombe
where {{ mhw.round_double('lower_got', 4) }} <> 0.0189 or {{ mhw.round_double('upper_got', 4) }} <> 0.3404
