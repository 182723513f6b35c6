-- Police use of force and perceived mental health, force (and England & Wales) x financial year x tactic.
-- Mental-health share = (Mental + Physical and mental) / tactics with a reported condition (Mental + Physical +
-- Physical and mental + None), i.e. 'Not reported' is left out of the denominator, with a Wilson 95% interval.
-- Rates per 1,000 officers (FTE at 31 March at the end of the year) and per 1,000 arrests use the same year when
-- published, else the latest earlier year ('carried_forward', the year is named), else none ('missing').
with uof as (
    select * from {{ ref('stg_home_office__use_of_force') }}
),

denominators as (
    select * from {{ ref('int_force_denominators_year') }}
),

force_years as (
    select distinct fy_label, fy_start_year, force_code
    from uof
    where entity_type = 'force'
),

officer_candidates as (
    select
        k.fy_label,
        k.force_code,
        d.fy_label as den_fy_label,
        d.officers_fte,
        d.officers_as_at,
        row_number() over (partition by k.fy_label, k.force_code order by d.fy_start_year desc) as pick
    from force_years as k
    inner join denominators as d
        on d.force_code = k.force_code and d.fy_start_year <= k.fy_start_year and d.officers_fte is not null
),

arrest_candidates as (
    select
        k.fy_label,
        k.force_code,
        d.fy_label as den_fy_label,
        d.arrests,
        row_number() over (partition by k.fy_label, k.force_code order by d.fy_start_year desc) as pick
    from force_years as k
    inner join denominators as d
        on d.force_code = k.force_code and d.fy_start_year <= k.fy_start_year and d.arrests is not null
),

force_denominators as (
    select
        k.fy_label,
        k.force_code,
        o.officers_fte,
        o.officers_as_at,
        o.den_fy_label as officers_fy_label,
        case when o.officers_fte is null then 'missing'
             when o.den_fy_label = k.fy_label then 'same_year'
             else 'carried_forward' end as officers_denominator_status,
        a.arrests,
        a.den_fy_label as arrests_fy_label,
        case when a.arrests is null then 'missing'
             when a.den_fy_label = k.fy_label then 'same_year'
             else 'carried_forward' end as arrests_denominator_status
    from force_years as k
    left join officer_candidates as o on o.fy_label = k.fy_label and o.force_code = k.force_code and o.pick = 1
    left join arrest_candidates as a on a.fy_label = k.fy_label and a.force_code = k.force_code and a.pick = 1
),

-- England & Wales: the forces' own denominators summed, only when every force in the table has one
national_denominators as (
    select
        fy_label,
        case when count(officers_fte) = count(*) then sum(officers_fte) end as officers_fte,
        max(officers_as_at) as officers_as_at,
        case when count(officers_fte) < count(*) then null
             when min(officers_fy_label) = max(officers_fy_label) then min(officers_fy_label)
             else min(officers_fy_label) || ' to ' || max(officers_fy_label) end as officers_fy_label,
        case when count(officers_fte) < count(*) then 'missing'
             when max(case when officers_denominator_status = 'carried_forward' then 1 else 0 end) = 1
                 then 'carried_forward'
             else 'same_year' end as officers_denominator_status,
        case when count(arrests) = count(*) then cast(sum(arrests) as bigint) end as arrests,
        case when count(arrests) < count(*) then null
             when min(arrests_fy_label) = max(arrests_fy_label) then min(arrests_fy_label)
             else min(arrests_fy_label) || ' to ' || max(arrests_fy_label) end as arrests_fy_label,
        case when count(arrests) < count(*) then 'missing'
             when max(case when arrests_denominator_status = 'carried_forward' then 1 else 0 end) = 1
                 then 'carried_forward'
             else 'same_year' end as arrests_denominator_status
    from force_denominators
    group by fy_label
),

forces as (
    select force_code, force_name, region_name from {{ ref('ref_force') }}
),

joined as (
    select
        u.*,
        coalesce(fd.officers_fte, nd.officers_fte) as officers_fte,
        coalesce(fd.officers_as_at, nd.officers_as_at) as officers_as_at,
        coalesce(fd.officers_fy_label, nd.officers_fy_label) as officers_fy_label,
        coalesce(fd.officers_denominator_status, nd.officers_denominator_status) as officers_denominator_status,
        coalesce(fd.arrests, nd.arrests) as arrests,
        coalesce(fd.arrests_fy_label, nd.arrests_fy_label) as arrests_fy_label,
        coalesce(fd.arrests_denominator_status, nd.arrests_denominator_status) as arrests_denominator_status
    from uof as u
    left join force_denominators as fd
        on u.entity_type = 'force' and fd.fy_label = u.fy_label and fd.force_code = u.force_code
    left join national_denominators as nd
        on u.entity_type = 'total' and nd.fy_label = u.fy_label
)

select
    j.edition,
    j.fy_label,
    coalesce(j.force_code, 'K04000001') as area_code,
    j.force_code,
    case when j.entity_type = 'total' then 'England and Wales' else coalesce(f.force_name, j.police_force) end
        as area_name,
    j.police_force as published_name,
    f.region_name,
    (j.entity_type = 'total') as is_national,
    j.type_of_force,
    j.tactic,
    j.tactic_level,
    j.parent_tactic,
    j.n_mental,
    j.n_physical,
    j.n_physical_and_mental,
    j.n_none,
    j.n_not_reported,
    j.n_tactic_reported,
    j.n_condition_reported,
    j.n_mental_health,
    {{ mhw.round_double('100.0 * ' ~ mhw.safe_divide('j.n_mental_health', 'j.n_condition_reported'), 2) }}
        as pct_mental_health,
    {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('j.n_mental_health', 'j.n_condition_reported'), 2) }}
        as pct_mental_health_lcl95,
    {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('j.n_mental_health', 'j.n_condition_reported'), 2) }}
        as pct_mental_health_ucl95,
    case when j.n_condition_reported > 0 then 'wilson' end as ci_method,
    {{ mhw.round_double(mhw.safe_divide('j.n_not_reported * 100.0', 'j.n_tactic_reported'), 2) }}
        as pct_condition_not_reported,
    case when j.n_condition_reported is null then 'condition_breakdown_not_published'
         when j.n_condition_reported = 0 then 'no_reported_condition'
         when 2 * j.n_not_reported > j.n_tactic_reported then 'condition_not_reported_over_half'
         else 'ok' end as share_caution,
    {{ mhw.round_double('j.officers_fte', 2) }} as officers_fte,
    j.officers_as_at,
    j.officers_fy_label,
    j.officers_denominator_status,
    {{ mhw.round_double(mhw.safe_divide('j.n_tactic_reported * 1000.0', 'j.officers_fte'), 2) }}
        as tactics_per_1000_officers,
    {{ mhw.round_double(mhw.safe_divide('j.n_mental_health * 1000.0', 'j.officers_fte'), 2) }}
        as mh_tactics_per_1000_officers,
    j.arrests,
    j.arrests_fy_label,
    j.arrests_denominator_status,
    {{ mhw.round_double(mhw.safe_divide('j.n_tactic_reported * 1000.0', 'j.arrests'), 2) }}
        as tactics_per_1000_arrests,
    {{ mhw.round_double(mhw.safe_divide('j.n_mental_health * 1000.0', 'j.arrests'), 2) }}
        as mh_tactics_per_1000_arrests
from joined as j
left join forces as f on f.force_code = j.force_code
