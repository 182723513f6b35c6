-- What works (published): one row per scheme x outcome. Either the interrupted time series estimates (level change
-- at the start and trend change per year, as ratios with 95% intervals) with the difference in differences against
-- comparison forces, or the reason there are none. Estimates are complex statistics computed from exact counts
-- (docs/methods.md "Disclosure control"); the before / after event counts are disclosure-controlled like every force
-- count (IOPC deaths too: sums over years of the published figures, rounded all the same). docs/methods.md,
-- "Evaluating schemes".
with evaluations as (
    select * from {{ ref('int_scheme_evaluation') }}
),

schemes as (
    select * from {{ ref('dim_scheme') }}
),

forces as (
    select force_code, region_name from {{ ref('dim_force') }}
)

select
    e.scheme_key,
    s.force_code,
    s.force_name,
    f.region_name,
    s.scheme_type,
    s.scheme_type_label,
    s.scheme_name,
    s.start_from,
    s.start_to,
    s.start_precision,
    s.start_basis,
    s.start_as_printed,
    s.source_reference,
    e.outcome,
    e.outcome_label,
    e.outcome_unit,
    e.expected_direction,
    e.period_grain,
    e.first_period,
    e.last_period,
    e.periods_before,
    e.periods_after,
    e.periods_excluded,
    {{ mhw.sdc_round5('e.events_before') }} as events_before,
    {{ mhw.sdc_flag('e.events_before') }} as events_before_sdc_flag,
    {{ mhw.sdc_round5('e.events_after') }} as events_after,
    {{ mhw.sdc_flag('e.events_after') }} as events_after_sdc_flag,
    e.status,
    e.reason,
    e.caveats,
    e.n_used,
    e.level_ratio,
    e.level_lcl,
    e.level_ucl,
    case when e.status <> 'evaluated' then null
         when e.level_ucl < 1 then 'fell' when e.level_lcl > 1 then 'rose' else 'no clear change' end
        as level_finding,
    e.trend_ratio_per_year,
    e.trend_lcl,
    e.trend_ucl,
    e.dispersion,
    e.residual_autocorrelation,
    e.ljung_box_p,
    e.n_comparison_forces,
    e.comparison_basis,
    e.comparison_forces,
    e.did_level_ratio,
    e.did_level_lcl,
    e.did_level_ucl,
    case when e.did_level_ratio is null then null
         when e.did_level_ucl < 1 then 'fell' when e.did_level_lcl > 1 then 'rose' else 'no clear change' end
        as did_level_finding,
    e.did_trend_ratio_per_year,
    e.did_trend_lcl,
    e.did_trend_ucl
from evaluations as e
inner join schemes as s on s.scheme_key = e.scheme_key
left join forces as f on f.force_code = s.force_code
