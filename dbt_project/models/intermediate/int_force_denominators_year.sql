-- Workforce and activity denominators by force x financial year, as published (nothing carried forward here):
-- officers at 31 March at the END of the financial year (FY 2019-20 -> 31 March 2020) from the current edition,
-- and arrests in the financial year. A force-year appears when either figure exists in a loaded file.
with officers as (
    select
        force_code,
        {{ mhw.fy_label('cast(extract(year from as_at) as integer) - 1') }} as fy_label,
        as_at as officers_as_at,
        officer_fte,
        officer_headcount,
        edition as officers_edition
    from {{ ref('stg_home_office__police_officers') }}
    where is_current_edition
      and entity_type = 'force'
      and cast(extract(month from as_at) as integer) = 3
      and cast(extract(day from as_at) as integer) = 31
),

arrests as (
    select force_code, fy_label, arrests_total, arrests_status, n_source_cells_missing, edition as arrests_edition
    from {{ ref('stg_home_office__arrests') }}
    where entity_type = 'force'
),

spine as (
    select force_code, fy_label from officers
    union
    select force_code, fy_label from arrests
)

select
    s.force_code,
    s.fy_label,
    cast(substr(s.fy_label, 1, 4) as integer) as fy_start_year,
    o.officer_fte as officers_fte,
    o.officer_headcount as officers_headcount,
    o.officers_as_at,
    o.officers_edition,
    a.arrests_total as arrests,
    coalesce(a.arrests_status, 'not_in_source') as arrests_status,
    a.n_source_cells_missing as arrests_source_cells_missing,
    a.arrests_edition
from spine as s
left join officers as o on o.force_code = s.force_code and o.fy_label = s.fy_label
left join arrests as a on a.force_code = s.force_code and a.fy_label = s.fy_label
