{#-
  XmR (individuals) statistical process control as Making Data Count / NHSRplotthedots compute it
  (nhs-r-community/NHSRplotthedots R/ptd_spc_standard.R, R/ptd_calculate_point_type.R,
  R/ptd_calculate_assurance_type.R; docs/methods.md §4). Per series and segment (a segment starts at a declared change
  point, NHSRplotthedots' 'rebase'):
    centre = mean of the baseline points (the first var('spc_baseline_points') of the segment; 0 = all);
    MR = |x_i - x_(i-1)| over the baseline; moving ranges of 3.267 x their mean or more are screened out and the mean
    moving range recomputed (screen_outliers = TRUE); limits = centre -/+ 2.66 x mean MR; 'near' the limits = beyond
    centre -/+ (2/3) x 2.66 x mean MR.
  Special-cause rules, within the segment, in this order of precedence:
    1. a point outside the limits;
    2. a run of var('spc_trend_run_length') points each strictly higher (or lower) than the one before: every point
       of the run is marked, and named by its own step (the next step when the next point is in a trend too);
    3. two of three consecutive points near a limit (between the near and the process limit), all three on the same
       side of the centre: the near points are marked;
    4. a run of var('spc_shift_run_length') points on the same side of the centre (a point on the centre breaks it):
       every point of the run is marked.
  Sides of the centre and steps are judged at the published precision (6 decimal places; docs/methods.md §4).
  Point types from the measure's improvement direction (1 higher is better, -1 lower is better, 0 none):
  common_cause, special_cause_improvement, special_cause_concern, special_cause_neutral_high / _low. Assurance
  against a target (last segment): consistent_pass / consistent_fail / inconsistent; NULL without a target or a
  direction. variation_type is the latest point's type with its side (improvement_high, concern_low, ...).

  `relation` needs series_id, point_date, value (not NULL), improvement_direction, target and is_segment_start.
  A subquery: `select * from ({{ mhw.xmr_chart('series') }}) as spc`.
-#}
{% macro xmr_chart(relation) -%}
    {%- set baseline = var('spc_baseline_points') | int -%}
    {%- set seg = 'partition by series_id, segment' -%}
    {%- set seg_order = 'partition by series_id, segment order by point_date' -%}
    with spc_input as (
        select
            series_id,
            point_date,
            cast(value as {{ mhw.type_double() }}) as value,
            cast(improvement_direction as integer) as improvement_direction,
            cast(target as {{ mhw.type_double() }}) as target,
            cast(sum(case when is_segment_start then 1 else 0 end)
                 over (partition by series_id order by point_date rows unbounded preceding) as integer) as segment
        from {{ relation }}
    ),

    spc_numbered as (
        select
            *,
            cast(row_number() over ({{ seg_order }}) as integer) as segment_point,
            cast(count(*) over ({{ seg }}) as integer) as segment_points
        from spc_input
    ),

    spc_baseline as (
        select
            *,
            case when {{ baseline }} = 0 or segment_point <= {{ baseline }} then value end as baseline_value
        from spc_numbered
    ),

    spc_moving_range as (
        select
            *,
            abs(baseline_value - lag(baseline_value) over ({{ seg_order }})) as moving_range
        from spc_baseline
    ),

    spc_centre as (
        select
            *,
            avg(baseline_value) over ({{ seg }}) as centre,
            avg(moving_range) over ({{ seg }}) as mr_mean_unscreened,
            cast(count(baseline_value) over ({{ seg }}) as integer) as baseline_points
        from spc_moving_range
    ),

    spc_screened as (
        select
            *,
            avg(case when moving_range < 3.267 * mr_mean_unscreened then moving_range end) over ({{ seg }})
                as mr_mean
        from spc_centre
    ),

    spc_limits as (
        select
            *,
            centre - 2.66 * mr_mean as lpl,
            centre + 2.66 * mr_mean as upl,
            centre - 2.0 / 3.0 * 2.66 * mr_mean as near_lpl,
            centre + 2.0 / 3.0 * 2.66 * mr_mean as near_upl
        from spc_screened
    ),

    spc_sides as (
        select
            *,
            coalesce(value > upl or value < lpl, false) as outside_limits,
            -- sides and steps as published (6 decimal places): a point shown on the centre is on it
            cast(sign({{ mhw.round_double('value', 6) }} - {{ mhw.round_double('centre', 6) }}) as integer)
                as relative_to_mean,
            cast(sign({{ mhw.round_double('value', 6) }}
                - {{ mhw.round_double('lag(value) over (' ~ seg_order ~ ')', 6) }}) as integer) as step_sign
        from spc_limits
    ),

    spc_close as (
        select
            *,
            not outside_limits and coalesce(value < near_lpl or value > near_upl, false) as close_to_limits
        from spc_sides
    ),

    -- islands: consecutive points with the same side of the centre, consecutive steps with the same sign
    spc_islands as (
        select
            *,
            segment_point - row_number() over (partition by series_id, segment, relative_to_mean order by point_date)
                as side_island,
            segment_point - row_number() over (partition by series_id, segment, step_sign order by point_date)
                as step_island,
            -- two-of-three: the window of this point and the two before it
            sum(case when close_to_limits then 1 else 0 end)
                over ({{ seg_order }} rows between 2 preceding and current row) as window_close,
            sum(relative_to_mean) over ({{ seg_order }} rows between 2 preceding and current row) as window_side,
            count(*) over ({{ seg_order }} rows between 2 preceding and current row) as window_points
        from spc_close
    ),

    spc_runs as (
        select
            *,
            count(*) over (partition by series_id, segment, relative_to_mean, side_island) as side_run,
            case when step_sign <> 0
                then count(*) over (partition by series_id, segment, step_sign, step_island) end as step_run,
            window_points = 3 and window_close >= 2 and abs(window_side) = 3 as window_two_of_three
        from spc_islands
    ),

    spc_run_flags as (
        select
            *,
            coalesce(step_run >= {{ var('spc_trend_run_length') | int - 1 }}, false) as step_in_trend
        from spc_runs
    ),

    spc_rules as (
        select
            *,
            outside_limits as rule_outside_limits,
            step_in_trend or coalesce(lead(step_in_trend) over ({{ seg_order }}), false) as rule_trend,
            close_to_limits and (window_two_of_three
                or coalesce(lead(window_two_of_three, 1) over ({{ seg_order }}), false)
                or coalesce(lead(window_two_of_three, 2) over ({{ seg_order }}), false)) as rule_two_of_three,
            relative_to_mean <> 0 and side_run >= {{ var('spc_shift_run_length') | int }} as rule_shift,
            lead(step_sign) over ({{ seg_order }}) as next_step_sign
        from spc_run_flags
    ),

    spc_typed as (
        select
            *,
            case
                when rule_outside_limits then case when relative_to_mean = 1 then 'above_upper_limit'
                                                   else 'below_lower_limit' end
                when rule_trend then
                    case when (case when coalesce(lead(rule_trend) over ({{ seg_order }}), false) then next_step_sign
                                    else coalesce(step_sign, 0) end) = 1
                         then 'trend_increasing' else 'trend_decreasing' end
                when rule_two_of_three then case when relative_to_mean > 0 then 'two_of_three_above'
                                                 else 'two_of_three_below' end
                when rule_shift then case when relative_to_mean > 0 then 'shift_above' else 'shift_below' end
                else 'common_cause'
            end as special_cause_type
        from spc_rules
    ),

    spc_pointed as (
        select
            *,
            case when special_cause_type in ('above_upper_limit', 'trend_increasing', 'two_of_three_above',
                                             'shift_above') then 1
                 when special_cause_type = 'common_cause' then 0 else -1 end as special_cause_side
        from spc_typed
    ),

    spc_point_types as (
        select
            *,
            case
                when special_cause_side = 0 then 'common_cause'
                when improvement_direction = 0 then case when special_cause_side > 0
                    then 'special_cause_neutral_high' else 'special_cause_neutral_low' end
                when special_cause_side * improvement_direction > 0 then 'special_cause_improvement'
                else 'special_cause_concern'
            end as point_type,
            max(segment) over (partition by series_id) as last_segment,
            max(point_date) over (partition by series_id) as last_point_date
        from spc_pointed
    )

    select
        series_id,
        point_date,
        value,
        segment,
        segment_point,
        segment_points,
        baseline_points,
        baseline_points < {{ var('spc_trial_limits_below') | int }} as is_trial_limits,
        centre,
        mr_mean,
        upl,
        lpl,
        near_upl,
        near_lpl,
        relative_to_mean,
        outside_limits,
        close_to_limits,
        rule_outside_limits,
        rule_trend,
        rule_two_of_three,
        rule_shift,
        special_cause_type,
        point_type,
        point_date = last_point_date as is_latest_point,
        case when point_date = last_point_date then
            case when point_type = 'common_cause' then 'common_cause'
                 else case when point_type = 'special_cause_improvement' then 'improvement'
                           when point_type = 'special_cause_concern' then 'concern' else 'neutral' end
                      || case when special_cause_side > 0 then '_high' else '_low' end end
        end as variation_type,
        case when segment = last_segment and target is not null and improvement_direction <> 0 then
            case when target > upl then case when improvement_direction > 0 then 'consistent_fail'
                                             else 'consistent_pass' end
                 when target < lpl then case when improvement_direction > 0 then 'consistent_pass'
                                             else 'consistent_fail' end
                 else 'inconsistent' end
        end as assurance_type
    from spc_point_types
{%- endmacro %}
