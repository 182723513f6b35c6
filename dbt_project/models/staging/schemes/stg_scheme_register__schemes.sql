-- Forces' own scheme registers: the schemes of each force's newest active register (a register delivery is the
-- force's whole register as at its period); rename and cast only.
with loads as (
    select load_id, force_code, period, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where source = 'scheme_register' and status = 'loaded'
),

newest as (
    select force_code, max(period) as period
    from loads
    group by force_code
),

current_loads as (
    select l.load_id, l.period, l.loaded_at
    from loads as l
    inner join newest as n on n.force_code = l.force_code and n.period = l.period
)

select
    s.force_code || ':' || s.scheme_id as record_key,
    s.scheme_id,
    s.force_code,
    s.scheme_type,
    s.scheme_name,
    s.model_type,
    cast(s.start_date as date) as start_date,
    coalesce(s.start_precision, 'day') as start_precision,
    s.date_basis,
    cast(s.end_date as date) as end_date,
    s.note,
    c.period as register_period,
    c.loaded_at
from {{ source('raw', 'scheme_register') }} as s
inner join current_loads as c on c.load_id = s.load_id
