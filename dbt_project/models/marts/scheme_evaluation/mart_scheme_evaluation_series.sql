-- The series behind each evaluation (published), scheme x outcome x period: the observed rate (withheld when the
-- records behind it are 1-7, methods §4.1; deaths as the IOPC published them), the fitted rate, the counterfactual
-- on the force's own trend with its 95% band, and the counterfactual that follows the comparison forces.
with periods as (
    select * from {{ ref('int_scheme_evaluation_series') }}
)

select
    scheme_key,
    outcome,
    force_code,
    period_start,
    phase,
    fit_usable,
    is_covid_restrictions,
    case when outcome <> 'deaths_following_contact'
              and ({{ mhw.is_suppressed_1_7('numerator_count') }}
                   or coalesce({{ mhw.is_suppressed_1_7('denominator_count') }}, false)) then null
         else observed_rate end as observed_rate,
    case when outcome = 'deaths_following_contact' then 'published'
         when {{ mhw.is_suppressed_1_7('numerator_count') }}
              or coalesce({{ mhw.is_suppressed_1_7('denominator_count') }}, false) then 'suppressed_1_7'
         else 'none' end as observed_sdc_flag,
    fitted_rate,
    counterfactual_rate,
    counterfactual_lcl,
    counterfactual_ucl,
    comparison_counterfactual_rate
from periods
