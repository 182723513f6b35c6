-- active s136 loads (files still in force) with the financial year their period folder falls in.
-- period is 'YYYY-YY' (financial year) or 'YYYY-MM' (month), as ingestion/read.py period_bounds().
with ledger as (
    select load_id, force_code, period, loaded_at, rows_read, rows_loaded, rows_rejected, key_id
    from {{ source('raw', 'load_ledger') }}
    where source = 's136' and status = 'loaded' and period like '____-__'
),

parsed as (
    select
        *,
        cast(substr(period, 1, 4) as integer) as period_year,
        cast(substr(period, 6, 2) as integer) as period_tail
    from ledger
)

select
    load_id,
    force_code,
    period,
    case when period_tail = mod(period_year + 1, 100) then 'financial_year' else 'month' end as period_type,
    case when period_tail = mod(period_year + 1, 100) then period_year
         when period_tail >= 4 then period_year
         else period_year - 1 end as fy_start_year,
    loaded_at,
    rows_read,
    rows_loaded,
    rows_rejected,
    key_id
from parsed
