-- MH demand by force x month, published (methods.md §6, §7.1; docs/methods.md "Disclosure control"): counts about
-- people (MH incidents and their parts, s136 detentions, triage contacts) are disclosure controlled (0 stays 0, 1-7
-- NULL, else rounded to 5); all_incidents (not about individuals) is exact. Rates are computed from unrounded counts
-- but withheld when the MH count is 1-7; each percentage is published with its numerator and denominator and is
-- withheld when either is 1-7. A source without data for the month gives NULL, never 0 (int_demand_force_month).
with demand as (
    select * from {{ ref('int_demand_force_month') }}
),

forces as (
    select force_code, force_name, region_name, nation from {{ ref('dim_force') }}
),

joined as (
    select
        d.*,
        f.force_name,
        f.region_name,
        f.nation,
        not {{ mhw.is_suppressed_1_7('d.n_mh_incidents') }} as publish_rate
    from demand as d
    inner join forces as f on f.force_code = d.force_code
),

final as (
    select
        force_code,
        force_name,
        region_name,
        nation,
        month_start,
        fy_label,
        is_partial_month,
        {{ mhw.sdc_round5('n_mh_incidents') }} as mh_incidents,
        {{ mhw.sdc_flag('n_mh_incidents') }} as mh_incidents_sdc_flag,
        all_incidents,
        case when publish_rate then
            {{ mhw.round_double(mhw.crude_rate('n_mh_incidents', 'all_incidents', 1000), 2) }} end
            as mh_per_1000_incidents,
        population,
        population_fy_label,
        population_source,
        is_standin_denominator,
        is_small_population,
        case when publish_rate then
            {{ mhw.round_double(mhw.crude_rate('n_mh_incidents', 'population'), 2) }} end as mh_per_100k_population,
        hours_in_month,
        case when publish_rate then
            {{ mhw.round_double(mhw.safe_divide('n_mh_incidents', 'hours_in_month'), 3) }} end as incidents_per_hour,
        {{ mhw.sdc_round5('n_deployed') }} as deployed,
        {{ mhw.sdc_round5('n_deployed_known') }} as deployment_recorded,
        {{ mhw.pct('n_deployed', 'n_deployed_known') }} as pct_deployed,
        {{ mhw.sdc_round5('n_officer_minutes_known') }} as officer_time_recorded,
        case when not {{ mhw.base_withheld('n_officer_minutes_known') }} then
            {{ mhw.round_double(mhw.safe_divide('officer_minutes', 60), 1) }} end as officer_hours,
        {{ mhw.sdc_round5('n_flags_agree') }} as flags_agree,
        {{ mhw.pct('n_flags_agree', 'n_mh_incidents') }} as pct_flag_agreement,
        {{ mhw.sdc_round5('n_contacts_with_person') }} as contacts_with_person,
        {{ mhw.sdc_flag('n_contacts_with_person') }} as contacts_with_person_sdc_flag,
        {{ mhw.pct('n_contacts_with_person', 'n_mh_incidents') }} as pct_contacts_with_person,
        repeat_lookback_complete,
        {{ mhw.sdc_round5('n_repeat_contacts') }} as repeat_contacts,
        {{ mhw.sdc_flag('n_repeat_contacts') }} as repeat_contacts_sdc_flag,
        {{ mhw.pct('n_repeat_contacts', 'n_contacts_with_person') }} as repeat_share,
        {{ mhw.sdc_round5('n_high_intensity_contacts') }} as high_intensity_contacts,
        {{ mhw.sdc_flag('n_high_intensity_contacts') }} as high_intensity_contacts_sdc_flag,
        {{ mhw.pct('n_high_intensity_contacts', 'n_contacts_with_person') }} as high_intensity_share,
        {{ mhw.sdc_round5('n_s136_detentions') }} as s136_detentions,
        {{ mhw.sdc_flag('n_s136_detentions') }} as s136_detentions_sdc_flag,
        {{ mhw.sdc_round5('n_triage_contacts') }} as triage_contacts,
        {{ mhw.sdc_flag('n_triage_contacts') }} as triage_contacts_sdc_flag,
        rcrp_go_live_date,
        rcrp_go_live_basis,
        rcrp_live,
        is_rcrp_go_live_month
    from joined
)

select * from final
