-- active monthly incident loads (MH incidents and all-incident totals): one row per file still in force, with the
-- month its period folder names ('YYYY-MM'). A load with no rows is a nil return for that force and month.
with ledger as (
    select load_id, source, force_code, period, loaded_at, rows_read, rows_loaded, rows_rejected
    from {{ source('raw', 'load_ledger') }}
    where source in ('incidents', 'incident_totals') and status = 'loaded' and period like '____-__'
)

select
    load_id,
    source,
    force_code,
    period,
    -- the cast under the where's own test: a query may compute it before filtering (a 'YYYY-YY' period loaded
    -- before monthly sources refused one would stop the build)
    cast(case when cast(substr(period, 6, 2) as integer) between 1 and 12 then period || '-01' end as date)
        as month_start,
    loaded_at,
    rows_read,
    rows_loaded,
    rows_rejected
from ledger
where cast(substr(period, 6, 2) as integer) between 1 and 12
