-- the force x financial year cells s136 statistics are published for: every cell with an active detention,
-- plus cells covered only by an active return without rows (a nil return shows 0, not a missing row; a return whose
-- rows were all refused covers nothing)
with detention_cells as (
    select distinct force_code, {{ mhw.fy_start_year('detained_at') }} as fy_start_year
    from {{ ref('stg_s136__detentions') }}
),

return_cells as (
    select force_code, fy_start_year, count(*) as n_active_loads
    from {{ ref('stg_s136__loads') }}
    where {{ mhw.covers_its_period() }}
    group by force_code, fy_start_year
),

cells as (
    select force_code, fy_start_year from detention_cells
    union
    select force_code, fy_start_year from return_cells
)

select
    c.force_code,
    {{ mhw.fy_label('c.fy_start_year') }} as fy_label,
    c.fy_start_year,
    coalesce(r.n_active_loads, 0) as n_active_loads
from cells as c
left join return_cells as r on r.force_code = c.force_code and r.fy_start_year = c.fy_start_year
