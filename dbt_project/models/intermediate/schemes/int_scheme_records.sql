-- Every dated record of a scheme, whatever its source, in one shape: the forces' own registers and the published
-- RCRP / street triage files. A record's start is a window [start_from, start_to] with its precision and basis;
-- scheme_group says which records describe one scheme (docs/methods.md, "Scheme register").
with register as (
    select
        'register:' || record_key as record_key,
        force_code,
        scheme_type,
        'force_register' as source_kind,
        force_code || ':' || scheme_id as scheme_group,
        scheme_name,
        model_type,
        'start' as event_kind,
        cast(null as varchar(200)) as phase,
        case when start_date is null then null
             when start_precision = 'month' then cast({{ dbt.date_trunc('month', 'start_date') }} as date)
             when start_precision = 'year' then make_date(cast(extract(year from start_date) as integer), 1, 1)
             else start_date end as start_from,
        case when start_date is null then null
             when start_precision = 'month'
                 then cast({{ dbt.date_trunc('month', 'start_date') }} + interval '1 month' - interval '1 day' as date)
             when start_precision = 'year' then make_date(cast(extract(year from start_date) as integer), 12, 31)
             else start_date end as start_to,
        case when start_date is null then 'not_stated' else start_precision end as start_precision,
        date_basis,
        false as is_year_supplied,
        false as is_planned,
        cast(start_date as varchar(10)) as date_as_printed,
        end_date,
        note,
        'register ' || register_period as source_reference
    from {{ ref('stg_scheme_register__schemes') }}
),

rcrp as (
    select
        record_key,
        force_code,
        'rcrp' as scheme_type,
        'published' as source_kind,
        force_code || ':rcrp:published' as scheme_group,
        'Right Care, Right Person' as scheme_name,
        cast(null as varchar(40)) as model_type,
        event_kind,
        phase_or_event as phase,
        start_from,
        start_to,
        date_precision as start_precision,
        'published' as date_basis,
        is_year_supplied,
        is_planned,
        date_as_printed,
        cast(null as date) as end_date,
        note,
        source_reference
    from {{ ref('stg_rcrp_published__events') }}
    where entity_type = 'force'
),

mh as (
    select
        record_key,
        force_code,
        scheme_type,
        'published' as source_kind,
        record_key as scheme_group,
        scheme_name,
        model_as_described as model_type,
        event_kind,
        cast(null as varchar(200)) as phase,
        start_from,
        start_to,
        date_precision as start_precision,
        'published' as date_basis,
        is_year_supplied,
        is_planned,
        start_as_printed as date_as_printed,
        cast(null as date) as end_date,
        detail as note,
        source_reference
    from {{ ref('stg_mh_schemes_published__schemes') }}
    where entity_type = 'force'
)

select * from register
union all
select * from rcrp
union all
select * from mh
