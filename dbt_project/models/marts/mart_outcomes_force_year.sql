-- Custody, Liaison & Diversion and street triage outcomes by force x financial year, published (data-contract.md,
-- methods.md §7.3, §7.4; docs/methods.md "Disclosure control", "Partial periods"). Counts are disclosure controlled
-- (0 stays 0, 1-7 NULL, else rounded to 5) with an *_sdc_flag on the headline counts; each percentage is published
-- with its numerator and denominator, is withheld when either is 1-7, and carries 95% Wilson limits (§2.2) withheld
-- with it. Medians need a base of 8 or more. A source with no data for the force-year gives NULL, never 0; the months
-- each source covers come from the load ledger, and a year either source covers only in part is flagged.
-- Deaths following contact with an MH concern are in mart_iopc_deaths (national categories), not repeated here.
{% set custody_measures = ['n_custody', 'n_mh_identified', 'n_lnd_referred', 'n_lnd_screened', 'n_lnd_assessed',
    'n_referral_to_assess', 'n_mh_with_outcome', 'n_mh_oocd'] %}
{% set triage_measures = ['n_triage', 'n_triage_outcome_known', 'n_triage_s136', 'n_triage_informal_admission',
    'n_triage_referral', 'n_triage_signpost_nfa', 'n_response_known'] %}
{#- The four triage outcomes are the parts of triage_outcome_known: the shares of three of them (from exact counts) pin
    those parts and the whole, which less them give back the fourth when it is withheld (s136 has its own share, of
    all contacts, with which the others give a withheld part back too), so the three shares of the known outcomes are
    withheld when any part is 1-7. -#}
{% set triage_part_withheld -%}
    ({% for n in ['n_triage_s136', 'n_triage_informal_admission', 'n_triage_referral', 'n_triage_signpost_nfa'] -%}
    {{ mhw.is_suppressed_1_7(n) }}{{ ' or ' if not loop.last }}{%- endfor %})
{%- endset %}

with custody as (
    select * from {{ ref('fct_custody_mh') }}
),

triage as (
    select * from {{ ref('fct_street_triage') }}
),

forces as (
    select force_code, force_name, region_name, nation from {{ ref('dim_force') }}
),

coverage as (
    select
        force_code,
        {{ mhw.fy_label('fy_start_year') }} as fy_label,
        count(case when source = 'custody' then 1 end) as custody_months,
        count(case when source = 'custody' and is_complete then 1 end) as custody_months_complete,
        count(case when source = 'street_triage' then 1 end) as triage_months,
        count(case when source = 'street_triage' and is_complete then 1 end) as triage_months_complete
    from {{ ref('int_source_coverage_month') }}
    where source in ('custody', 'street_triage')
    group by force_code, fy_start_year
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

-- the force-years any source has: from the counts, so the ten years of custody rows are scanned once
cells as (
    select force_code, fy_label from custody_counts
    union
    select force_code, fy_label from triage_counts
    union
    select force_code, fy_label from coverage
),

joined as (
    select
        c.force_code,
        f.force_name,
        f.region_name,
        f.nation,
        c.fy_label,
        cast(coalesce(cv.custody_months_complete, 0) as integer) as custody_months_covered,
        cast(coalesce(cv.triage_months_complete, 0) as integer) as triage_months_covered,
        coalesce(cv.custody_months, 0) > 0 or cu.force_code is not null as has_custody,
        coalesce(cv.triage_months, 0) > 0 or t.force_code is not null as has_triage,
        cu.median_hours_referral_to_assess_unrounded,
        t.median_response_minutes_unrounded,
        {%- for measure in custody_measures %}
        case when coalesce(cv.custody_months, 0) > 0 or cu.force_code is not null
            then coalesce(cu.{{ measure }}, 0) end as {{ measure }},
        {%- endfor %}
        {%- for measure in triage_measures %}
        case when coalesce(cv.triage_months, 0) > 0 or t.force_code is not null
            then coalesce(t.{{ measure }}, 0) end as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from cells as c
    inner join forces as f on f.force_code = c.force_code
    left join coverage as cv on cv.force_code = c.force_code and cv.fy_label = c.fy_label
    left join custody_counts as cu on cu.force_code = c.force_code and cu.fy_label = c.fy_label
    left join triage_counts as t on t.force_code = c.force_code and t.fy_label = c.fy_label
)

select
    force_code,
    force_name,
    region_name,
    nation,
    fy_label,
    custody_months_covered,
    triage_months_covered,
    (has_custody and custody_months_covered < 12) or (has_triage and triage_months_covered < 12) as is_partial_year,
    {{ mhw.sdc_round5('n_custody') }} as custody_detentions,
    {{ mhw.sdc_flag('n_custody') }} as custody_detentions_sdc_flag,
    {{ mhw.sdc_round5('n_mh_identified') }} as mh_identified,
    {{ mhw.sdc_flag('n_mh_identified') }} as mh_identified_sdc_flag,
    {{ mhw.pct('n_mh_identified', 'n_custody') }} as pct_mh_identified,
    {{ mhw.pct_wilson('n_mh_identified', 'n_custody', 'lower') }} as pct_mh_identified_lcl95,
    {{ mhw.pct_wilson('n_mh_identified', 'n_custody', 'upper') }} as pct_mh_identified_ucl95,
    {{ mhw.sdc_round5('n_lnd_referred') }} as lnd_referred,
    {{ mhw.sdc_flag('n_lnd_referred') }} as lnd_referred_sdc_flag,
    {{ mhw.pct('n_lnd_referred', 'n_custody') }} as pct_lnd_referred,
    {{ mhw.pct_wilson('n_lnd_referred', 'n_custody', 'lower') }} as pct_lnd_referred_lcl95,
    {{ mhw.pct_wilson('n_lnd_referred', 'n_custody', 'upper') }} as pct_lnd_referred_ucl95,
    {{ mhw.sdc_round5('n_lnd_screened') }} as lnd_screened,
    {{ mhw.pct('n_lnd_screened', 'n_lnd_referred') }} as pct_lnd_screened,
    {{ mhw.pct_wilson('n_lnd_screened', 'n_lnd_referred', 'lower') }} as pct_lnd_screened_lcl95,
    {{ mhw.pct_wilson('n_lnd_screened', 'n_lnd_referred', 'upper') }} as pct_lnd_screened_ucl95,
    {{ mhw.sdc_round5('n_lnd_assessed') }} as lnd_assessed,
    {{ mhw.pct('n_lnd_assessed', 'n_lnd_referred') }} as pct_lnd_assessed,
    {{ mhw.pct_wilson('n_lnd_assessed', 'n_lnd_referred', 'lower') }} as pct_lnd_assessed_lcl95,
    {{ mhw.pct_wilson('n_lnd_assessed', 'n_lnd_referred', 'upper') }} as pct_lnd_assessed_ucl95,
    {{ mhw.sdc_round5('n_referral_to_assess') }} as referral_to_assess_known,
    case when not {{ mhw.base_withheld('n_referral_to_assess') }}
        then {{ mhw.round_double('median_hours_referral_to_assess_unrounded', 1) }} end
        as median_hours_referral_to_assess,
    {{ mhw.sdc_round5('n_mh_with_outcome') }} as mh_with_outcome,
    {{ mhw.sdc_flag('n_mh_with_outcome') }} as mh_with_outcome_sdc_flag,
    {{ mhw.sdc_round5('n_mh_oocd') }} as mh_oocd,
    {{ mhw.pct('n_mh_oocd', 'n_mh_with_outcome') }} as pct_oocd_mh,
    {{ mhw.pct_wilson('n_mh_oocd', 'n_mh_with_outcome', 'lower') }} as pct_oocd_mh_lcl95,
    {{ mhw.pct_wilson('n_mh_oocd', 'n_mh_with_outcome', 'upper') }} as pct_oocd_mh_ucl95,
    {{ mhw.sdc_round5('n_triage') }} as triage_contacts,
    {{ mhw.sdc_flag('n_triage') }} as triage_contacts_sdc_flag,
    {{ mhw.sdc_round5('n_triage_s136') }} as triage_s136,
    {{ mhw.pct('n_triage_s136', 'n_triage') }} as triage_s136_per_100,
    {{ mhw.sdc_round5('n_triage_outcome_known') }} as triage_outcome_known,
    {{ mhw.sdc_round5('n_triage_informal_admission') }} as triage_informal_admission,
    case when not {{ triage_part_withheld }}
        then {{ mhw.pct('n_triage_informal_admission', 'n_triage_outcome_known') }} end
        as pct_triage_informal_admission,
    {{ mhw.sdc_round5('n_triage_referral') }} as triage_cmht_crisis_referral,
    case when not {{ triage_part_withheld }}
        then {{ mhw.pct('n_triage_referral', 'n_triage_outcome_known') }} end as pct_triage_cmht_crisis_referral,
    {{ mhw.sdc_round5('n_triage_signpost_nfa') }} as triage_signpost_nfa,
    case when not {{ triage_part_withheld }}
        then {{ mhw.pct('n_triage_signpost_nfa', 'n_triage_outcome_known') }} end as pct_triage_signpost_nfa,
    {{ mhw.sdc_round5('n_response_known') }} as triage_response_known,
    case when not {{ mhw.base_withheld('n_response_known') }}
        then {{ mhw.round_double('median_response_minutes_unrounded', 1) }} end as median_triage_response_minutes
from joined
