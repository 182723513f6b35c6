{#-
  Funnel plot statistics with the overdispersion adjustment, as FunnelPlotR does it by default (Spiegelhalter 2005;
  nhs-r-community/FunnelPlotR R/od_adjustment.R, R/calculate_limits.R, R/funnel_plot.R; docs/methods.md §3):

  rates ('rate': events over a population or other exposure), as standardised ratios O / E with E = target x n
  (target = pooled rate), and standardised ratios ('ratio': O over a given expected count E, target 1), both by
  the SHMI method: Y = ln(O / E), s = 1 / sqrt(E), z = sqrt(E) ln(O / E) (O = 0 counts as 0.5 here only);
                    the top and bottom 10% of z are truncated (dropped) before phi;
  proportions ('proportion'): Y = asin(sqrt(p)), s = 1 / (2 sqrt(n)), centre asin(sqrt(p0)), z = (Y - centre) / s;
                    z is Winsorised at its 10th and 90th percentiles (type 7);
  then phi = mean of the squared z used, tau2 = max(0, (n phi - (n - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2
  (0 when n phi < n - 1). As FunnelPlotR, the limits are the overdispersed (additive random effects) ones only when
  phi > 1: rates target x exp(-/+ z sqrt(1/E + tau2)), proportions sin^2(centre -/+ z sqrt(s^2 + tau2)). Otherwise the
  unadjusted limits: for proportions the same formula with tau2 = 0; for rates the Poisson limits on a count with
  expectation E (exact below E = 10, from seeds/ref_poisson_limits_small_expected.csv; Byar's from 10, as PHE), / n.
  A proportion's angle is held in [0, pi/2] (FunnelPlotR truncates the limits to [0, 1]).

  `relation` needs the columns in `group_by` (one funnel per group, e.g. measure and period), `unit`, numerator,
  denominator (n > 0), funnel_type ('rate', 'ratio' or 'proportion') and multiplier (the value is numerator / denominator x
  multiplier). Returns one row per unit with funnel_target, funnel_expected, the limits at the unit's own denominator
  (funnel_lcl95 .. funnel_ucl998, on the value's scale), funnel_z (unadjusted), funnel_z_adjusted, funnel_position
  (above_998, above_95, within, below_95, below_998), funnel_phi, funnel_tau2, funnel_od_adjusted, funnel_units and
  funnel_units_used. A subquery: `select * from ({{ mhw.funnel_statistics('units', ['measure_id', 'period'], 'force_code') }}) as f`.
-#}
{% macro funnel_statistics(relation, group_by, unit) -%}
    {%- set g = group_by | join(', ') -%}
    {%- set trim = var('funnel_trim') | float -%}
    {%- set trim_groups = (1 / trim) | round | int -%}
    with fu_units as (
        select
            {{ g }},
            {{ unit }} as fu_unit,
            cast(numerator as {{ mhw.type_double() }}) as o,
            cast(denominator as {{ mhw.type_double() }}) as n,
            funnel_type,
            cast(multiplier as {{ mhw.type_double() }}) as multiplier
        from {{ relation }}
        where numerator >= 0 and denominator > 0
          and (funnel_type in ('rate', 'ratio') or (funnel_type = 'proportion' and numerator <= denominator))
    ),

    fu_target as (
        select
            *,
            case when funnel_type = 'ratio' then 1.0
                 else sum(o) over (partition by {{ g }}) / sum(n) over (partition by {{ g }}) end as p0,
            count(*) over (partition by {{ g }}) as k
        from fu_units
    ),

    fu_scored as (
        select
            *,
            case when funnel_type <> 'proportion' then p0 * n end as expected,
            case when funnel_type <> 'proportion' then 1 / sqrt(p0 * n) else 1 / (2 * sqrt(n)) end as s,
            case when funnel_type <> 'proportion' then ln(greatest(o, 0.5) / (p0 * n)) else asin(sqrt(o / n)) end
                as y,
            case when funnel_type <> 'proportion' then 0.0 else asin(sqrt(p0)) end as y0
        from fu_target
        where funnel_type = 'proportion' or p0 > 0  -- a rate funnel needs events somewhere
    ),

    fu_z as (
        select
            *,
            (y - y0) / s as z,
            -- average rank of z (ties share it), as R's rank(ties.method = 'average')
            rank() over (partition by {{ g }} order by (y - y0) / s)
                + (count(*) over (partition by {{ g }}, (y - y0) / s) - 1) / 2.0 as z_rank
        from fu_scored
    ),

    fu_winsor as (
        select
            {{ g }},
            {{ mhw.percentile_cont('z', trim) }} as z_low,
            {{ mhw.percentile_cont('z', 1 - trim) }} as z_high
        from fu_z
        group by {{ g }}
    ),

    fu_trimmed as (
        select
            z.*,
            case when z.funnel_type <> 'proportion' then
                     case when floor(z.z_rank * {{ trim_groups }} / (z.k + 1)) > 0
                               and floor(z.z_rank * {{ trim_groups }} / (z.k + 1)) < {{ trim_groups - 1 }}
                          then z.z end
                 else least(greatest(z.z, w.z_low), w.z_high) end as z_used
        from fu_z as z
        inner join fu_winsor as w on {% for c in group_by %}w.{{ c }} = z.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
    ),

    fu_dispersion as (
        select
            {{ g }},
            count(z_used) as n_used,
            sum(z_used * z_used) / count(z_used) as phi,
            sum(case when z_used is not null then 1 / (s * s) end) as sum_w,
            sum(case when z_used is not null then 1 / (s * s * s * s) end) as sum_w2
        from fu_trimmed
        group by {{ g }}
    ),

    fu_tau as (
        select
            *,
            case when n_used < 2 or n_used * phi < n_used - 1 then 0.0
                 else greatest(0.0, (n_used * phi - (n_used - 1)) / (sum_w - sum_w2 / sum_w)) end as tau2
        from fu_dispersion
    ),

    fu_joined as (
        select
            t.*,
            d.n_used,
            d.phi,
            d.tau2,
            d.phi > 1 as od_adjusted,
            case when d.phi > 1 then d.tau2 else 0.0 end as tau2_used,
            small.*
        from fu_trimmed as t
        inner join fu_tau as d on {% for c in group_by %}d.{{ c }} = t.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
        left join {{ ref('ref_poisson_limits_small_expected') }} as small
            on t.expected < 10 and small.interval_index = cast(floor(t.expected / 0.02) as integer)
    ),

    fu_limits as (
        select
            *,
            {%- for level in mhw.ci_levels() %}
            {%- for bound, sign in [('lower', '-'), ('upper', '+')] %}
            multiplier * case
                when funnel_type = 'proportion' then power(sin(least(greatest(
                    y0 {{ sign }} {{ level.z }} * sqrt(s * s + tau2_used), 0.0), pi() / 2)), 2)
                when od_adjusted then p0 * exp({{ sign }}{{ level.z }} * sqrt(1 / expected + tau2_used))
                when expected < 10 then ({{ bound }}{{ level.tag }}_from + (expected - expected_from) / 0.02
                    * ({{ bound }}{{ level.tag }}_to - {{ bound }}{{ level.tag }}_from)) / n
                else {{ mhw.byars_lower('expected', level.z) if bound == 'lower' else mhw.byars_upper('expected', level.z) }} / n
            end as funnel_{{ 'lcl' if bound == 'lower' else 'ucl' }}{{ level.tag }},
            {%- endfor %}
            {%- endfor %}
            o / n * multiplier as fu_value
        from fu_joined
    )

    select
        {{ g }},
        fu_unit as {{ unit }},
        p0 * multiplier as funnel_target,
        expected as funnel_expected,
        funnel_lcl95,
        funnel_ucl95,
        funnel_lcl998,
        funnel_ucl998,
        z as funnel_z,
        (y - y0) / sqrt(s * s + tau2_used) as funnel_z_adjusted,
        case when fu_value > funnel_ucl998 then 'above_998'
             when fu_value > funnel_ucl95 then 'above_95'
             when fu_value < funnel_lcl998 then 'below_998'
             when fu_value < funnel_lcl95 then 'below_95'
             else 'within' end as funnel_position,
        phi as funnel_phi,
        tau2 as funnel_tau2,
        od_adjusted as funnel_od_adjusted,
        cast(k as integer) as funnel_units,
        cast(n_used as integer) as funnel_units_used
    from fu_limits
{%- endmacro %}
