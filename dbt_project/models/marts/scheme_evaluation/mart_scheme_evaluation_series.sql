-- The series behind each evaluation (published), scheme x outcome x period: the records behind the period
-- (disclosure-controlled: 0 stays 0, 1-7 NULL, else rounded to 5), the observed rate (withheld when the records, or
-- the denominator of a share, are 1-7), and the model's fitted rate, the counterfactual on the force's own trend
-- with its 95% band and the counterfactual that follows the comparison forces (complex statistics from exact
-- counts, withheld with the period's records). docs/methods.md, "Disclosure control" and "Evaluating schemes".
with periods as (
    select
        *,
        {{ mhw.is_suppressed_1_7('numerator_count') }}
            or coalesce({{ mhw.is_suppressed_1_7('denominator_count') }}, false) as is_withheld
    from {{ ref('int_scheme_evaluation_series') }}
)

select
    scheme_key,
    outcome,
    force_code,
    period_start,
    phase,
    fit_usable,
    is_covid_restrictions,
    {{ mhw.sdc_round5('numerator_count') }} as records,
    {{ mhw.sdc_round5('denominator_count') }} as denominator_records,
    case when is_withheld then 'suppressed_1_7'
         when numerator_count = 0 then 'none'
         else 'rounded5' end as observed_sdc_flag,
    case when not is_withheld then observed_rate end as observed_rate,
    case when not {{ mhw.is_suppressed_1_7('numerator_count') }} then fitted_rate end as fitted_rate,
    case when not {{ mhw.is_suppressed_1_7('numerator_count') }} then counterfactual_rate end as counterfactual_rate,
    case when not {{ mhw.is_suppressed_1_7('numerator_count') }} then counterfactual_lcl end as counterfactual_lcl,
    case when not {{ mhw.is_suppressed_1_7('numerator_count') }} then counterfactual_ucl end as counterfactual_ucl,
    case when not {{ mhw.is_suppressed_1_7('numerator_count') }} then comparison_counterfactual_rate end
        as comparison_counterfactual_rate
from periods
