-- Custody, Liaison & Diversion and street triage outcomes by force x financial year, published (data-contract.md,
-- methods.md §7.3, §7.4). Counts are disclosure controlled (0 stays 0, 1-7 NULL, else rounded to 5) with an
-- *_sdc_flag; percentages are of the stated denominator, NULL when it is 1-7, with 95% Wilson limits (§2.2) shown
-- only when the percentage is. triage_s136_per_100 is a rate: withheld when its count is 1-7.
-- Deaths following contact with an MH concern are in mart_iopc_deaths (national categories), not repeated here.
with custody as (
    select * from {{ ref('fct_custody_mh') }}
),

triage as (
    select * from {{ ref('fct_street_triage') }}
),

forces as (
    select force_code, force_name, region_name, nation from {{ ref('dim_force') }}
),

cells as (
    select force_code, fy_label from custody
    union
    select force_code, fy_label from triage
),

custody_counts as (
    select
        force_code,
        fy_label,
        count(*) as n_custody,
        count(case when is_mh_identified then 1 end) as n_mh_identified,
        count(case when is_lnd_referred then 1 end) as n_lnd_referred,
        count(case when is_lnd_referred and is_lnd_screened then 1 end) as n_lnd_screened,
        count(case when is_lnd_referred and is_lnd_assessed then 1 end) as n_lnd_assessed,
        count(case when hours_referral_to_assess >= 0 then 1 end) as n_referral_to_assess,
        {{ mhw.median('case when hours_referral_to_assess >= 0 then hours_referral_to_assess end') }}
            as median_hours_referral_to_assess_unrounded,
        count(case when is_mh_identified and outcome is not null then 1 end) as n_mh_with_outcome,
        count(case when is_mh_identified and outcome = 'oocd' then 1 end) as n_mh_oocd
    from custody
    group by force_code, fy_label
),

triage_counts as (
    select
        force_code,
        fy_label,
        count(*) as n_triage,
        count(outcome) as n_triage_outcome_known,
        count(case when outcome = 's136' then 1 end) as n_triage_s136,
        count(case when outcome = 'informal_admission' then 1 end) as n_triage_informal_admission,
        count(case when outcome in ('cmht_referral', 'crisis_team') then 1 end) as n_triage_referral,
        count(case when outcome in ('signpost', 'nfa') then 1 end) as n_triage_signpost_nfa,
        count(response_minutes) as n_response_known,
        {{ mhw.median('response_minutes') }} as median_response_minutes_unrounded
    from triage
    group by force_code, fy_label
),

joined as (
    select
        c.force_code,
        f.force_name,
        f.region_name,
        f.nation,
        c.fy_label,
        coalesce(cu.n_custody, 0) as n_custody,
        coalesce(cu.n_mh_identified, 0) as n_mh_identified,
        coalesce(cu.n_lnd_referred, 0) as n_lnd_referred,
        coalesce(cu.n_lnd_screened, 0) as n_lnd_screened,
        coalesce(cu.n_lnd_assessed, 0) as n_lnd_assessed,
        coalesce(cu.n_referral_to_assess, 0) as n_referral_to_assess,
        cu.median_hours_referral_to_assess_unrounded,
        coalesce(cu.n_mh_with_outcome, 0) as n_mh_with_outcome,
        coalesce(cu.n_mh_oocd, 0) as n_mh_oocd,
        coalesce(t.n_triage, 0) as n_triage,
        coalesce(t.n_triage_outcome_known, 0) as n_triage_outcome_known,
        coalesce(t.n_triage_s136, 0) as n_triage_s136,
        coalesce(t.n_triage_informal_admission, 0) as n_triage_informal_admission,
        coalesce(t.n_triage_referral, 0) as n_triage_referral,
        coalesce(t.n_triage_signpost_nfa, 0) as n_triage_signpost_nfa,
        coalesce(t.n_response_known, 0) as n_response_known,
        t.median_response_minutes_unrounded
    from cells as c
    inner join forces as f on f.force_code = c.force_code
    left join custody_counts as cu on cu.force_code = c.force_code and cu.fy_label = c.fy_label
    left join triage_counts as t on t.force_code = c.force_code and t.fy_label = c.fy_label
)


select
    force_code,
    force_name,
    region_name,
    nation,
    fy_label,
    {{ mhw.sdc_round5('n_custody') }} as custody_detentions,
    {{ mhw.sdc_flag('n_custody') }} as custody_detentions_sdc_flag,
    {{ mhw.sdc_round5('n_mh_identified') }} as mh_identified,
    {{ mhw.sdc_flag('n_mh_identified') }} as mh_identified_sdc_flag,
    {{ mhw.pct('n_mh_identified', 'n_custody') }} as pct_mh_identified,
    case when n_custody > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('n_mh_identified', 'n_custody'), 1) }}
        end as pct_mh_identified_lcl95,
    case when n_custody > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('n_mh_identified', 'n_custody'), 1) }}
        end as pct_mh_identified_ucl95,
    {{ mhw.sdc_round5('n_lnd_referred') }} as lnd_referred,
    {{ mhw.sdc_flag('n_lnd_referred') }} as lnd_referred_sdc_flag,
    {{ mhw.pct('n_lnd_referred', 'n_custody') }} as pct_lnd_referred,
    case when n_custody > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('n_lnd_referred', 'n_custody'), 1) }}
        end as pct_lnd_referred_lcl95,
    case when n_custody > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('n_lnd_referred', 'n_custody'), 1) }}
        end as pct_lnd_referred_ucl95,
    {{ mhw.pct('n_lnd_screened', 'n_lnd_referred') }} as pct_lnd_screened,
    case when n_lnd_referred > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('n_lnd_screened', 'n_lnd_referred'), 1) }}
        end as pct_lnd_screened_lcl95,
    case when n_lnd_referred > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('n_lnd_screened', 'n_lnd_referred'), 1) }}
        end as pct_lnd_screened_ucl95,
    {{ mhw.pct('n_lnd_assessed', 'n_lnd_referred') }} as pct_lnd_assessed,
    case when n_lnd_referred > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('n_lnd_assessed', 'n_lnd_referred'), 1) }}
        end as pct_lnd_assessed_lcl95,
    case when n_lnd_referred > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('n_lnd_assessed', 'n_lnd_referred'), 1) }}
        end as pct_lnd_assessed_ucl95,
    case when n_referral_to_assess >= 8
        then {{ mhw.round_double('median_hours_referral_to_assess_unrounded', 1) }} end
        as median_hours_referral_to_assess,
    {{ mhw.sdc_round5('n_mh_with_outcome') }} as mh_with_outcome,
    {{ mhw.sdc_flag('n_mh_with_outcome') }} as mh_with_outcome_sdc_flag,
    {{ mhw.pct('n_mh_oocd', 'n_mh_with_outcome') }} as pct_oocd_mh,
    case when n_mh_with_outcome > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_lower('n_mh_oocd', 'n_mh_with_outcome'), 1) }}
        end as pct_oocd_mh_lcl95,
    case when n_mh_with_outcome > 7 then
        {{ mhw.round_double('100.0 * ' ~ mhw.wilson_upper('n_mh_oocd', 'n_mh_with_outcome'), 1) }}
        end as pct_oocd_mh_ucl95,
    {{ mhw.sdc_round5('n_triage') }} as triage_contacts,
    {{ mhw.sdc_flag('n_triage') }} as triage_contacts_sdc_flag,
    case when not {{ mhw.is_suppressed_1_7('n_triage_s136') }} and n_triage > 7
        then {{ mhw.round_double(mhw.crude_rate('n_triage_s136', 'n_triage', 100), 1) }} end as triage_s136_per_100,
    {{ mhw.pct('n_triage_informal_admission', 'n_triage_outcome_known') }} as pct_triage_informal_admission,
    {{ mhw.pct('n_triage_referral', 'n_triage_outcome_known') }} as pct_triage_cmht_crisis_referral,
    {{ mhw.pct('n_triage_signpost_nfa', 'n_triage_outcome_known') }} as pct_triage_signpost_nfa,
    case when n_response_known >= 8
        then {{ mhw.round_double('median_response_minutes_unrounded', 1) }} end as median_triage_response_minutes
from joined
