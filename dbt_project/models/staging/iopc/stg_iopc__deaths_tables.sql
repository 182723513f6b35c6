-- IOPC deaths time-series tables, every edition whose load is still in force (a corrected file of the same edition
-- supersedes the earlier one in the ledger; other editions stay side by side).
with source as (
    select * from {{ source('raw', 'iopc_deaths_tables') }}
),

loads as (
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where source = 'iopc_deaths' and status = 'loaded'
)

select
    t.edition,
    t.table_id,
    t.sheet,
    t.table_title,
    t.iopc_category,
    t.dimension,
    t.category,
    t.measure,
    t.financial_year as financial_year_published,
    t.fy_label,
    cast(substr(t.fy_label, 1, 4) as integer) as fy_start_year,
    (t.financial_year = 'Total') as is_all_years_total,
    cast(t.value as integer) as value,
    t.flag,
    (coalesce(t.flag, '') like '%~%') as is_revised,
    t.force_code,
    t.entity_type,
    t.row_number,
    t.load_id,
    t.source_file,
    l.loaded_at
from source as t
inner join loads as l on t.load_id = l.load_id
