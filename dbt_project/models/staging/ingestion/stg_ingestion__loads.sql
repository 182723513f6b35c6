-- Every file the ingestion gate saw (all sources, every status), with the period folder parsed.
-- period is 'YYYY-YY' (financial year), 'YYYY-MM' (month) or another label for national/public sources.
with ledger as (
    select * from {{ source('raw', 'load_ledger') }}
),

parsed as (
    select
        *,
        case
            -- '2010-11' and '2011-12' are months for a source delivered by month only (ingestion/gate/landing.py)
            when period like '____-__' and cast(substr(period, 6, 2) as integer) = mod(cast(substr(period, 1, 4) as integer) + 1, 100)
                 and not (source in ('{{ var("monthly_sources") | join("', '") }}')
                          and cast(substr(period, 6, 2) as integer) between 1 and 12)
                then 'financial_year'
            when period like '____-__' and cast(substr(period, 6, 2) as integer) between 1 and 12
                then 'month'
            else 'other'
        end as period_type
    from ledger
)

select
    load_id,
    source,
    force_code,
    period,
    period_type,
    case when period_type = 'month' then cast(period || '-01' as date) end as month_start,
    file_path,
    layout,
    loaded_at,
    rows_read,
    rows_loaded,
    rows_rejected,
    status,
    message,
    superseded_by,
    key_id
from parsed
