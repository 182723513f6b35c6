-- The scheme register (published): one row per scheme. For each force and scheme type the force's own register
-- is used when it lists that type, else the published records; the start of a scheme is its first phase (the
-- start record with the earliest possible date). Every other record of the same force and type (later phases,
-- other sources' dates, announcements) is listed in other_records, so disagreements are shown, not resolved
-- silently (docs/methods.md, "Scheme register").
with records as (
    select * from {{ ref('int_scheme_records') }}
),

register_types as (
    select distinct force_code, scheme_type from records where source_kind = 'force_register'
),

used as (
    select r.*
    from records as r
    left join register_types as t on t.force_code = r.force_code and t.scheme_type = r.scheme_type
    where r.source_kind = 'force_register' or t.force_code is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by scheme_group
            order by case when event_kind = 'start' then 0 else 1 end,
                     case when start_to is null then 1 else 0 end,
                     start_from nulls first, start_to, record_key
        ) as record_rank,
        count(*) over (partition by scheme_group) as n_records
    from used
),

chosen as (
    select * from ranked where record_rank = 1
),

others as (
    select
        c.scheme_group,
        {{ dbt.listagg(
            "coalesce(r.phase, r.event_kind) || ', ' || coalesce(r.date_as_printed, 'no date') || ' ('"
            " || case when r.source_kind = 'force_register' then 'force register' else 'published' end"
            " || case r.date_basis when 'assumed' then ', date assumed' when 'force_record' then ', date recorded by the force' else '' end"
            " || case when r.event_kind <> 'start' then ', ' || r.event_kind else '' end || ')'",
            "'; '", "order by r.start_from, r.record_key") }} as other_records
    from chosen as c
    inner join records as r
        on r.force_code = c.force_code and r.scheme_type = c.scheme_type and r.record_key <> c.record_key
    group by c.scheme_group
),

forces as (
    select force_code, force_name from {{ ref('dim_force') }}
)

select
    c.scheme_group as scheme_key,
    c.force_code,
    f.force_name,
    c.scheme_type,
    case c.scheme_type
        when 'rcrp' then 'Right Care, Right Person'
        when 'street_triage' then 'Street triage'
        when 'control_room_mh_practitioner' then 'Mental health practitioner in the control room'
        when 'mh_conveyance_vehicle' then 'Mental health conveyance vehicle'
    end as scheme_type_label,
    c.scheme_name,
    c.model_type,
    c.source_kind,
    c.record_key as start_record_key,
    case when c.event_kind = 'start' and c.start_to is not null then c.start_from end as start_from,
    case when c.event_kind = 'start' then c.start_to end as start_to,
    case when c.event_kind = 'start' then c.start_precision else 'not_stated' end as start_precision,
    c.date_basis as start_basis,
    c.date_as_printed as start_as_printed,
    c.is_year_supplied,
    c.is_planned,
    c.event_kind = 'start' and c.start_to is not null as has_start_date,
    c.end_date,
    c.n_records,
    o.other_records,
    c.note,
    c.source_reference
from chosen as c
inner join forces as f on f.force_code = c.force_code
left join others as o on o.scheme_group = c.scheme_group
