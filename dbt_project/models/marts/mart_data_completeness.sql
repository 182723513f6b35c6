{#-
  Completeness of key fields (data-contract.md: mart_data_quality's "completeness % of key fields", in full here):
  one row per force x record-level source x period x key field, from the active loads of the cell (several parts of
  a period add up; superseded and withdrawn files do not count). What a key field is, and why these: docs/methods.md
  "Completeness of key fields". Row counts are disclosure controlled like mart_data_quality's, and the percentage
  like every percentage (withheld when its numerator or denominator is 1-7; methods.md §4.1).
-#}
with loads as (
    select load_id, source, force_code, period, period_type, month_start
    from {{ ref('stg_ingestion__loads') }}
    where status = 'loaded' and force_code is not null and force_code <> 'national' and period is not null
),

cells as (
    select
        l.source,
        l.force_code,
        l.period,
        min(l.period_type) as period_type,
        min(l.month_start) as month_start,
        c.field,
        min(c.field_order) as field_order,
        sum(c.rows_loaded) as rows_loaded,
        sum(c.rows_recorded) as rows_recorded
    from {{ ref('int_load_field_completeness') }} as c
    inner join loads as l on c.load_id = l.load_id
    group by l.source, l.force_code, l.period, c.field
)

select
    source,
    force_code,
    period,
    period_type,
    month_start,
    field,
    field_order,
    {{ mhw.sdc_round5('rows_loaded') }} as rows_loaded,
    {{ mhw.sdc_flag('rows_loaded') }} as rows_loaded_sdc_flag,
    {{ mhw.sdc_round5('rows_recorded') }} as rows_recorded,
    {{ mhw.sdc_flag('rows_recorded') }} as rows_recorded_sdc_flag,
    {{ mhw.pct('rows_recorded', 'rows_loaded') }} as pct_complete
from cells
