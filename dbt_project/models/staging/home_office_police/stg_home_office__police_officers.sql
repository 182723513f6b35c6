-- Police officer headcount / FTE by force and date from every loaded edition; for one entity and date the edition
-- whose data reach the latest date is current (a later edition carries the Home Office's revisions).
with source as (
    select * from {{ source('raw', 'home_office_police_officers') }}
),

loads as (
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where source = 'home_office_officers' and status = 'loaded'
),

ranked as (
    select
        o.edition,
        o.edition_last_as_at,
        o.force_name,
        o.force_code,
        o.entity_type,
        o.geo_code,
        o.region,
        o.as_at,
        cast(o.officer_headcount as {{ mhw.type_double() }}) as officer_headcount,
        cast(o.officer_fte as {{ mhw.type_double() }}) as officer_fte,
        o.row_number,
        o.load_id,
        o.source_file,
        l.loaded_at,
        row_number() over (
            partition by o.entity_type, coalesce(o.force_code, o.force_name), o.as_at
            order by o.edition_last_as_at desc, l.loaded_at desc, o.load_id desc
        ) as edition_rank
    from source as o
    inner join loads as l on o.load_id = l.load_id
)

select
    edition,
    edition_last_as_at,
    force_name,
    force_code,
    entity_type,
    geo_code,
    region,
    as_at,
    officer_headcount,
    officer_fte,
    (edition_rank = 1) as is_current_edition,
    row_number,
    load_id,
    source_file,
    loaded_at
from ranked
