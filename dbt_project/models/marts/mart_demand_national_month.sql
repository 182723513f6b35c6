-- England & Wales x month: exact national MH demand (no SDC, methods.md §4), the same measures as
-- mart_demand_force_month. Rates use matching numerators and denominators so a month in which not every force has
-- reported is not understated: per 1,000 incidents over forces that sent both MH incidents and an all-incident
-- total, per 100k residents over territorial forces with MH incidents and a population (BTP excluded). A source no
-- force has data for in the month is NULL, never 0; forces_with_* say how many forces each sum covers.
-- incidents_per_hour is the headline compared with the published national figure (var
-- published_mh_incidents_per_hour: 54 an hour, NPCC 2019).
with demand as (
    select * from {{ ref('int_demand_force_month') }}
),

national as (
    select
        month_start,
        min(fy_label) as fy_label,
        min(hours_in_month) as hours_in_month,
        count(*) as forces_reporting,
        count(n_mh_incidents) as forces_with_incidents,
        max(case when is_partial_month then 1 else 0 end) = 1 as is_partial_month,
        cast(sum(n_mh_incidents) as bigint) as mh_incidents,
        count(all_incidents) as forces_with_all_incidents,
        cast(sum(all_incidents) as bigint) as all_incidents,
        cast(sum(case when n_mh_incidents is not null then all_incidents end) as bigint) as all_incidents_with_mh,
        cast(sum(case when all_incidents is not null then n_mh_incidents end) as bigint) as mh_incidents_with_total,
        cast(sum(case when n_mh_incidents is not null then population end) as bigint) as population,
        cast(sum(case when population is not null then n_mh_incidents end) as bigint) as mh_incidents_with_population,
        max(case when is_standin_denominator then 1 else 0 end) = 1 as is_standin_denominator,
        cast(sum(n_deployed) as bigint) as n_deployed,
        cast(sum(n_deployed_known) as bigint) as n_deployed_known,
        cast(sum(officer_minutes) as bigint) as officer_minutes,
        cast(sum(n_flags_agree) as bigint) as n_flags_agree,
        cast(sum(n_contacts_with_person) as bigint) as contacts_with_person,
        cast(sum(n_repeat_contacts) as bigint) as repeat_contacts,
        cast(sum(n_high_intensity_contacts) as bigint) as high_intensity_contacts,
        cast(sum(n_s136_detentions) as bigint) as s136_detentions,
        count(n_s136_detentions) as forces_with_s136,
        cast(sum(n_triage_contacts) as bigint) as triage_contacts,
        count(n_triage_contacts) as forces_with_triage,
        count(case when rcrp_live then 1 end) as forces_rcrp_live,
        min(case when repeat_lookback_complete then 1 else 0 end) = 1 as repeat_lookback_complete
    from demand
    group by month_start
)

select
    month_start,
    fy_label,
    forces_reporting,
    is_partial_month,
    forces_with_incidents,
    mh_incidents,
    all_incidents,
    forces_with_all_incidents,
    {{ mhw.round_double(mhw.crude_rate('mh_incidents_with_total', 'all_incidents_with_mh', 1000), 2) }}
        as mh_per_1000_incidents,
    population,
    is_standin_denominator,
    {{ mhw.round_double(mhw.crude_rate('mh_incidents_with_population', 'population'), 2) }} as mh_per_100k_population,
    hours_in_month,
    {{ mhw.round_double(mhw.safe_divide('mh_incidents', 'hours_in_month'), 3) }} as incidents_per_hour,
    {{ var('published_mh_incidents_per_hour') }} as published_incidents_per_hour,
    '{{ var("published_mh_incidents_per_hour_basis") }}' as published_incidents_per_hour_basis,
    {{ mhw.round_double(mhw.safe_divide('mh_incidents', 'hours_in_month') ~ ' / '
        ~ var('published_mh_incidents_per_hour'), 3) }} as ratio_to_published_per_hour,
    n_deployed as deployed,
    n_deployed_known as deployment_recorded,
    {{ mhw.pct('n_deployed', 'n_deployed_known', sdc=false) }} as pct_deployed,
    {{ mhw.round_double(mhw.safe_divide('officer_minutes', 60), 1) }} as officer_hours,
    n_flags_agree as flags_agree,
    {{ mhw.pct('n_flags_agree', 'mh_incidents', sdc=false) }} as pct_flag_agreement,
    contacts_with_person,
    {{ mhw.pct('contacts_with_person', 'mh_incidents', sdc=false) }} as pct_contacts_with_person,
    repeat_lookback_complete,
    repeat_contacts,
    {{ mhw.pct('repeat_contacts', 'contacts_with_person', sdc=false) }} as repeat_share,
    high_intensity_contacts,
    {{ mhw.pct('high_intensity_contacts', 'contacts_with_person', sdc=false) }} as high_intensity_share,
    s136_detentions,
    forces_with_s136,
    triage_contacts,
    forces_with_triage,
    forces_rcrp_live
from national
