{#-
  Data quality by force x source x period (data-contract.md): what was expected, received, read, loaded and
  rejected, and the least complete key field (mart_data_completeness has them all). Expected = every period any force delivered for that source, for every force that has ever delivered
  it, so a force-month whose only file was rejected (or never came) shows as received = false. A file refused
  for its folder (an unknown force, a period outside the calendar) has no force or period in the ledger and is
  left out here: it is reported in the ledger and `mhw rejects`.
  Row counts are counts of person-level records cut by force, so they are disclosure controlled like every other
  force count (methods.md §4); file counts are not about people and stay exact.
-#}
with loads as (
    select * from {{ ref('stg_ingestion__loads') }}
    where force_code is not null and force_code <> 'national' and period is not null and status <> 'duplicate'
),

expected as (
    select distinct f.source, f.force_code, p.period, p.period_type, p.month_start
    from (select distinct source, force_code from loads) as f
    inner join (select distinct source, period, period_type, month_start from loads) as p
        on f.source = p.source
),

rejects as (
    select r.load_id, r.field, count(*) as n
    from {{ source('raw', 'rejected_rows') }} as r
    where r.row_number is not null
    group by r.load_id, r.field
),

field_counts as (
    select l.source, l.force_code, l.period, rj.field, sum(rj.n) as n
    from rejects as rj
    inner join loads as l on rj.load_id = l.load_id
    where l.status in ('loaded', 'rejected_file')
    group by l.source, l.force_code, l.period, rj.field
),

ranked as (
    select
        *,
        row_number() over (partition by source, force_code, period order by n desc, field) as field_rank
    from field_counts
),

top_fields as (
    select source, force_code, period, {{ mhw.string_agg_ordered('field', 'field_rank', "', '") }} as top_reject_fields
    from ranked
    where field_rank <= 3
    group by source, force_code, period
),

per_period as (
    select
        source,
        force_code,
        period,
        count(*) as files_delivered,
        cast(sum(case when status = 'loaded' then 1 else 0 end) as bigint) as files_active,
        cast(sum(case when status = 'superseded' then 1 else 0 end) as bigint) as files_superseded,
        cast(sum(case when status = 'rejected_file' then 1 else 0 end) as bigint) as files_rejected,
        cast(sum(case when status = 'withdrawn' then 1 else 0 end) as bigint) as files_withdrawn,
        sum(case when status in ('loaded', 'rejected_file') then rows_read else 0 end) as rows_read,
        sum(case when status = 'loaded' then rows_loaded else 0 end) as rows_loaded,
        sum(case when status in ('loaded', 'rejected_file') then rows_rejected else 0 end) as rows_rejected,
        -- the files in force alone: a period's reject rate (a refused file and its replacement hold the same rows)
        sum(case when status = 'loaded' then rows_read else 0 end) as rows_read_in_force,
        sum(case when status = 'loaded' then rows_rejected else 0 end) as rows_rejected_in_force,
        max(loaded_at) as last_delivery_at,
        {{ mhw.string_agg_ordered("case when status = 'rejected_file' then message end", 'file_path', "' | '") }}
            as rejected_file_reasons
    from loads
    group by source, force_code, period
),

-- the least complete key field of the cell (mart_data_completeness), when every key field's percentage is shown
least_complete as (
    select source, force_code, period, field as lowest_key_field, pct_complete as lowest_key_field_pct
    from (
        select
            source, force_code, period, field, pct_complete,
            row_number() over (partition by source, force_code, period order by pct_complete, field_order)
                as rank_in_cell,
            count(*) over (partition by source, force_code, period)
                = count(pct_complete) over (partition by source, force_code, period) as all_shown
        from {{ ref('mart_data_completeness') }}
    ) as ranked_fields
    where rank_in_cell = 1 and all_shown
),

joined as (
    select
        e.source,
        e.force_code,
        e.period,
        e.period_type,
        e.month_start,
        coalesce(p.files_delivered, 0) as files_delivered,
        coalesce(p.files_active, 0) as files_active,
        coalesce(p.files_superseded, 0) as files_superseded,
        coalesce(p.files_rejected, 0) as files_rejected,
        coalesce(p.files_withdrawn, 0) as files_withdrawn,
        coalesce(p.files_active, 0) > 0 as received,
        coalesce(p.rows_read, 0) as rows_read,
        coalesce(p.rows_loaded, 0) as rows_loaded,
        coalesce(p.rows_rejected, 0) as rows_rejected,
        coalesce(p.rows_read_in_force, 0) as rows_read_in_force,
        coalesce(p.rows_rejected_in_force, 0) as rows_rejected_in_force,
        p.last_delivery_at,
        t.top_reject_fields,
        p.rejected_file_reasons,
        c.lowest_key_field,
        c.lowest_key_field_pct
    from expected as e
    left join per_period as p
        on e.source = p.source and e.force_code = p.force_code and e.period = p.period
    left join top_fields as t
        on e.source = t.source and e.force_code = t.force_code and e.period = t.period
    left join least_complete as c
        on e.source = c.source and e.force_code = c.force_code and e.period = c.period
)

select
    source,
    force_code,
    period,
    period_type,
    month_start,
    files_delivered,
    files_active,
    files_superseded,
    files_rejected,
    files_withdrawn,
    received,
    received and {{ mhw.covers_its_period() }} as has_usable_data,  -- the cell's active files, summed
    {{ mhw.sdc_round5('rows_read') }} as rows_read,
    {{ mhw.sdc_flag('rows_read') }} as rows_read_sdc_flag,
    {{ mhw.sdc_round5('rows_loaded') }} as rows_loaded,
    {{ mhw.sdc_flag('rows_loaded') }} as rows_loaded_sdc_flag,
    {{ mhw.sdc_round5('rows_rejected') }} as rows_rejected,
    {{ mhw.sdc_flag('rows_rejected') }} as rows_rejected_sdc_flag,
    {{ mhw.pct('rows_rejected', 'rows_read', places=2) }} as pct_rows_rejected,
    {{ mhw.sdc_round5('rows_read_in_force') }} as rows_read_in_force,
    {{ mhw.sdc_flag('rows_read_in_force') }} as rows_read_in_force_sdc_flag,
    {{ mhw.sdc_round5('rows_rejected_in_force') }} as rows_rejected_in_force,
    {{ mhw.sdc_flag('rows_rejected_in_force') }} as rows_rejected_in_force_sdc_flag,
    {{ mhw.pct('rows_rejected_in_force', 'rows_read_in_force', places=2) }} as pct_rows_rejected_in_force,
    last_delivery_at,
    top_reject_fields,
    rejected_file_reasons,
    lowest_key_field,
    lowest_key_field_pct
from joined
