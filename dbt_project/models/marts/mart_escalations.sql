{#-
  Escalation items (docs/methods.md §6): the signals of the latest period turned into items by the rules in
  seeds/ref_escalation_rule.csv (signal type, geography level, how many periods it must have held, and the level it
  escalates to: local, regional or national).
    SPC signals (mart_spc): the latest point of a series is special cause - concern (a measure with a direction) or
      neutral (no agreed direction); periods_running counts the consecutive latest points of that kind (point_type:
      a neutral special cause above the centre and one below it are two signals, not one run).
    Funnel signals (mart_benchmark, forces): the latest period's position beyond the 99.8% or the 95% limit, on the
      side of concern (or either side when the measure has no agreed direction); periods_running counts the
      consecutive periods beyond that limit on the same side.
  One item per measure x geography x signal source (spc, funnel); its id is a hash of those three, so the same item
  keeps its id across refreshes. Status is carried from the model's own previous rows (incremental; a full refresh
  does not reset it): new when it first appears (or reappears after being resolved), continuing once a later period
  still shows it, resolved when it no longer does. The clock is the data period, not the refresh: refreshing the same
  data twice changes nothing. Only published values feed signals (nothing withheld by disclosure control), and an
  item carries no value of its own: rows kept from earlier refreshes could otherwise hold a value a later delivery
  withholds (the value is in mart_benchmark / mart_spc at latest_period).
-#}
{{ config(
    materialized='incremental',
    unique_key='escalation_id',
    incremental_strategy='delete+insert',
    full_refresh=false,
    on_schema_change='fail'
) }}

{%- set evaluated_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}

with measures as (
    select measure_id, measure_name, polarity from {{ ref('dim_measure') }}
),

rules as (
    select
        rule_id,
        signal_type,
        geography_level,
        min_periods_running,
        escalation_level,
        case escalation_level when 'local' then 1 when 'regional' then 2 when 'national' then 3 end as level_rank
    from {{ ref('ref_escalation_rule') }}
),

-- ---------------------------------------------------------------------------------------------- SPC signals
spc_points as (
    select
        measure_id, geography_level, geography_code, geography_name, region_name, period, month_start, value,
        special_cause_type, point_type, is_latest_point,
        case when point_type = 'special_cause_concern' then 'spc_special_cause_concern'
             when point_type like 'special_cause_neutral%' then 'spc_special_cause_neutral' end as signal_type
    from {{ ref('mart_spc') }}
),

spc_runs as (
    select
        *,
        row_number() over (partition by measure_id, geography_code order by month_start)
            - row_number() over (partition by measure_id, geography_code, point_type order by month_start) as island
    from spc_points
),

spc_latest as (
    select measure_id, geography_code, max(period) as latest_period
    from spc_points
    group by measure_id, geography_code
),

spc_signals as (
    select
        l.measure_id,
        l.geography_level,
        l.geography_code,
        l.geography_name,
        l.region_name,
        'spc' as signal_source,
        l.signal_type,
        l.period as latest_period,
        l.special_cause_type,
        cast(count(*) as integer) as periods_running,
        min(r.period) as since_period
    from spc_runs as l
    inner join spc_runs as r
        on r.measure_id = l.measure_id and r.geography_code = l.geography_code and r.point_type = l.point_type
        and r.island = l.island
    where l.is_latest_point and l.signal_type is not null
    group by l.measure_id, l.geography_level, l.geography_code, l.geography_name, l.region_name, l.signal_type,
             l.period, l.special_cause_type
),

-- ---------------------------------------------------------------------------------------------- funnel signals
benchmark as (
    select
        b.measure_id, b.geography_level, b.geography_code, b.geography_name, b.region_name, b.period,
        b.value, b.national_value, b.funnel_position, m.polarity,
        dense_rank() over (partition by b.measure_id order by b.period) as period_index
    from {{ ref('mart_benchmark') }} as b
    inner join measures as m on m.measure_id = b.measure_id
    where b.geography_level = 'force'
),

funnel_flags as (
    {%- for limit in ['998', '95'] %}
    select
        *,
        'funnel_outside_{{ limit }}_' || case when polarity = 'no_judgement' then 'neutral' else 'concern' end
            as signal_type,
        case when funnel_position like 'above%' then 'above' else 'below' end as side
    from benchmark
    where (polarity in ('lower_is_better', 'no_judgement')
           and funnel_position in ('above_998'{{ ", 'above_95'" if limit == '95' }}))
       or (polarity in ('higher_is_better', 'no_judgement')
           and funnel_position in ('below_998'{{ ", 'below_95'" if limit == '95' }}))
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

funnel_runs as (
    select
        *,
        period_index
            - row_number() over (partition by measure_id, geography_code, signal_type, side order by period_index)
            as island
    from funnel_flags
),

measure_latest as (
    select measure_id, max(period) as latest_period from benchmark group by measure_id
),

funnel_signals as (
    select
        f.measure_id,
        f.geography_level,
        f.geography_code,
        f.geography_name,
        f.region_name,
        'funnel' as signal_source,
        f.signal_type,
        f.period as latest_period,
        max(f.funnel_position) as special_cause_type,
        cast(count(*) as integer) as periods_running,
        min(r.period) as since_period
    from funnel_runs as f
    inner join measure_latest as l on l.measure_id = f.measure_id and l.latest_period = f.period
    inner join funnel_runs as r
        on r.measure_id = f.measure_id and r.geography_code = f.geography_code and r.signal_type = f.signal_type
        and r.side = f.side and r.island = f.island
    group by f.measure_id, f.geography_level, f.geography_code, f.geography_name, f.region_name, f.signal_type,
             f.period
),

-- ---------------------------------------------------------------------------------------------- items
signals as (
    select * from spc_signals
    union all
    select * from funnel_signals
),

matched as (
    select
        s.*,
        r.rule_id,
        r.escalation_level,
        r.level_rank,
        row_number() over (
            partition by s.measure_id, s.geography_code, s.signal_source
            order by r.level_rank desc, s.signal_type desc, r.min_periods_running desc
        ) as pick
    from signals as s
    inner join rules as r
        on r.signal_type = s.signal_type and r.geography_level = s.geography_level
        and s.periods_running >= r.min_periods_running
),

current_items as (
    select
        {{ dbt.hash("m.measure_id || '|' || m.geography_code || '|' || m.signal_source") }} as escalation_id,
        m.measure_id,
        ms.measure_name,
        m.geography_level,
        m.geography_code,
        m.geography_name,
        m.region_name,
        m.signal_source,
        m.signal_type,
        m.escalation_level,
        m.rule_id,
        m.since_period,
        m.periods_running,
        m.latest_period,
        ms.measure_name || ', ' || m.geography_name || ': '
        || case
            when m.signal_source = 'spc' then
                case m.special_cause_type
                    when 'above_upper_limit' then 'a point above the upper process limit'
                    when 'below_lower_limit' then 'a point below the lower process limit'
                    when 'trend_increasing' then 'a run of points each higher than the one before'
                    when 'trend_decreasing' then 'a run of points each lower than the one before'
                    when 'two_of_three_above' then 'two of three points close to the upper process limit'
                    when 'two_of_three_below' then 'two of three points close to the lower process limit'
                    when 'shift_above' then 'a run of points above the centre line'
                    when 'shift_below' then 'a run of points below the centre line'
                end
                || case when m.signal_type = 'spc_special_cause_concern' then ' (special cause, concern)'
                        else ' (special cause; no agreed good direction)' end
            else 'beyond the ' || case when m.special_cause_type like '%998' then '99.8%' else '95%' end
                || ' funnel limit, ' || case when m.special_cause_type like 'above%' then 'above' else 'below' end
                || ' the forces'' centre line'
                || case when m.signal_type like '%neutral' then ' (no agreed good direction)' else ' (concern)' end
        end
        || ' in ' || m.latest_period
        || case when m.periods_running > 1
            then ', ' || cast(m.periods_running as varchar) || ' periods running since ' || m.since_period
            else '' end
        || '.' as signal_text
    from matched as m
    inner join measures as ms on ms.measure_id = m.measure_id
    where m.pick = 1
),

-- the latest period each geography's series has now (so a quiet item resolves at the current period)
evaluated as (
    select measure_id, geography_code, 'spc' as signal_source, latest_period from spc_latest
    union all
    select b.measure_id, b.geography_code, 'funnel', l.latest_period
    from (select distinct measure_id, geography_code from benchmark) as b
    inner join measure_latest as l on l.measure_id = b.measure_id
),

{%- set carried = [
    ('escalation_id', 'varchar'), ('status', 'varchar'), ('escalation_level', 'varchar'),
    ('first_raised_at', 'timestamp'), ('status_changed_at', 'timestamp'), ('evaluated_period', 'varchar'),
    ('resolved_period', 'varchar'), ('measure_id', 'varchar'), ('measure_name', 'varchar'),
    ('geography_level', 'varchar'), ('geography_code', 'varchar'), ('geography_name', 'varchar'),
    ('region_name', 'varchar'), ('signal_source', 'varchar'), ('signal_type', 'varchar'),
    ('previous_escalation_level', 'varchar'), ('rule_id', 'varchar'), ('since_period', 'varchar'), ('periods_running', 'integer'),
    ('latest_period', 'varchar'), ('signal_text', 'varchar'),
] %}

-- this model's own rows from the last refresh (none on the first build)
previous as (
    select
        {%- for name, type in carried %}
        {% if is_incremental() %}{{ name }}{% else %}cast(null as {{ type }}) as {{ name }}{% endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- if is_incremental() %}
    from {{ this }}
    {%- else %}
    where 1 = 0
    {%- endif %}
),

combined as (
    select
        coalesce(c.escalation_id, p.escalation_id) as escalation_id,
        c.escalation_id is not null as has_signal,
        p.escalation_id is not null as was_known,
        p.status as previous_status,
        -- the level at the last evaluated period before this one: a refresh of the same periods keeps it
        case when coalesce(c.latest_period, e.latest_period, p.evaluated_period) > p.evaluated_period
             then p.escalation_level else p.previous_escalation_level end as previous_level,
        p.first_raised_at as previous_first_raised_at,
        p.status_changed_at as previous_status_changed_at,
        p.evaluated_period as previous_evaluated_period,
        p.resolved_period as previous_resolved_period,
        coalesce(c.measure_id, p.measure_id) as measure_id,
        coalesce(c.measure_name, p.measure_name) as measure_name,
        coalesce(c.geography_level, p.geography_level) as geography_level,
        coalesce(c.geography_code, p.geography_code) as geography_code,
        coalesce(c.geography_name, p.geography_name) as geography_name,
        coalesce(c.region_name, p.region_name) as region_name,
        coalesce(c.signal_source, p.signal_source) as signal_source,
        coalesce(c.signal_type, p.signal_type) as signal_type,
        coalesce(c.escalation_level, p.escalation_level) as escalation_level,
        coalesce(c.rule_id, p.rule_id) as rule_id,
        coalesce(c.since_period, p.since_period) as since_period,
        coalesce(c.periods_running, p.periods_running) as periods_running,
        coalesce(c.latest_period, p.latest_period) as latest_period,
        coalesce(c.signal_text, p.signal_text) as signal_text,
        coalesce(c.latest_period, e.latest_period, p.evaluated_period) as evaluated_period
    from current_items as c
    full outer join previous as p on p.escalation_id = c.escalation_id
    left join evaluated as e
        on e.measure_id = coalesce(c.measure_id, p.measure_id)
        and e.geography_code = coalesce(c.geography_code, p.geography_code)
        and e.signal_source = coalesce(c.signal_source, p.signal_source)
),

statused as (
    select
        *,
        case
            when has_signal and (not was_known or previous_status = 'resolved') then 'new'
            when has_signal and evaluated_period > previous_evaluated_period then 'continuing'
            when has_signal then previous_status
            when previous_status in ('new', 'continuing') then 'resolved'
            else previous_status
        end as status
    from combined
)

select
    cast(escalation_id as varchar) as escalation_id,
    cast(measure_id as varchar) as measure_id,
    cast(measure_name as varchar) as measure_name,
    cast(geography_level as varchar) as geography_level,
    cast(geography_code as varchar) as geography_code,
    cast(geography_name as varchar) as geography_name,
    cast(region_name as varchar) as region_name,
    cast(signal_source as varchar) as signal_source,
    cast(signal_type as varchar) as signal_type,
    cast(escalation_level as varchar) as escalation_level,
    cast(previous_level as varchar) as previous_escalation_level,
    cast(rule_id as varchar) as rule_id,
    cast(signal_text as varchar) as signal_text,
    cast(since_period as varchar) as since_period,
    cast(periods_running as integer) as periods_running,
    cast(latest_period as varchar) as latest_period,
    cast(status as varchar) as status,
    cast(case when status = 'new' and previous_status is distinct from 'new' then {{ evaluated_at }}
              else previous_first_raised_at end as timestamp) as first_raised_at,
    cast(case when status is distinct from previous_status then {{ evaluated_at }}
              else previous_status_changed_at end as timestamp) as status_changed_at,
    cast(case when status = 'resolved' and previous_status is distinct from 'resolved' then evaluated_period
              when status = 'resolved' then previous_resolved_period end as varchar) as resolved_period,
    cast(evaluated_period as varchar) as evaluated_period
from statused
