-- mart_demand_hour_weekday: no force-year that withholds a cell (1-7) publishes any cell's pct_of_year. The shares
-- (2 dp, from exact counts) of the other cells pin their exact counts and the year's total, which less them gives the
-- withheld cell back (the demo's 2023-24 gave one force's Friday 05:00 cell of 5 this way). Returns the force-years.
with cells as (
    select * from {{ ref('mart_demand_hour_weekday') }} where geography_level = 'force'
)

select geography_code, fy_label
from cells
group by geography_code, fy_label
having count(case when mh_incidents_sdc_flag = 'suppressed_1_7' then 1 end) > 0
   and count(pct_of_year) > 0
