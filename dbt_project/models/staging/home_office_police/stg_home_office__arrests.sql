-- Arrests by force and financial year; where two loaded editions cover the same force-year the latest load wins.
with source as (
    select * from {{ source('raw', 'home_office_arrests') }}
),

loads as (
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where source = 'home_office_arrests' and status = 'loaded'
),

ranked as (
    select
        a.edition,
        a.force_name,
        a.force_code,
        a.entity_type,
        a.financial_year as financial_year_published,
        a.fy_label,
        cast(substr(a.fy_label, 1, 4) as integer) as fy_start_year,
        cast(a.arrests_total as bigint) as arrests_total,
        cast(a.n_source_cells_missing as integer) as n_source_cells_missing,
        a.row_number,
        a.load_id,
        a.source_file,
        l.loaded_at,
        row_number() over (
            partition by a.entity_type, coalesce(a.force_code, a.force_name), a.fy_label
            order by l.loaded_at desc, a.load_id desc
        ) as load_rank
    from source as a
    inner join loads as l on a.load_id = l.load_id
)

select
    edition,
    force_name,
    force_code,
    entity_type,
    financial_year_published,
    fy_label,
    fy_start_year,
    arrests_total,
    n_source_cells_missing,
    case when arrests_total is null then 'not_supplied'
         when n_source_cells_missing > 0 then 'partial'
         else 'reported' end as arrests_status,
    row_number,
    load_id,
    source_file,
    loaded_at
from ranked
where load_rank = 1
