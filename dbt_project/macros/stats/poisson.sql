{#-
  Confidence limits for a Poisson count d and for a crude rate d/N, exactly as PHEindicatormethods
  (R/Rates.R, R/utils.R; methods.md §2.2):
    d < 10  : exact Poisson   L = qchisq(alpha/2, 2d)/2,  U = qchisq(1 - alpha/2, 2d + 2)/2
    d >= 10 : Byar's          L = d (1 - 1/(9d) - z/(3 sqrt d))^3,  U = (d+1) (1 - 1/(9(d+1)) + z/(3 sqrt(d+1)))^3
  z from macros/stats/levels.sql (95% or 99.8%).

  The exact limits are tabulated below (d = 0..9), computed at authoring time with
      from scipy.stats import chi2
      L = chi2.ppf(alpha/2, 2*d)/2 if d > 0 else 0.0
      U = chi2.ppf(1 - alpha/2, 2*d + 2)/2
  scipy 1.16, alpha = 0.05 and 0.002. The SQL engines have no chi-square quantile function.
-#}

{#- No helper here starts with an underscore: SQLMesh (`make plan`) rewrites every bare call inside a 'private'
    macro, return() included (docs/operations.md, SQLMesh). -#}
{% macro poisson_exact_table() -%}
{{ return({
    '95': {
        'lower': [0.0, 0.025317807984289876, 0.24220927854396496, 0.6186721228956014, 1.0898653736263249,
                  1.6234863901184207, 2.2018942534908508, 2.8143630515198654, 3.4538321767485014, 4.115373097378334],
        'upper': [3.6888794541139354, 5.571643390938898, 7.22468766772396, 8.767273069742323, 10.241588675403694,
                  11.66833207932267, 13.059474022518685, 14.422675361702376, 15.763189220193313, 17.084803451419166],
    },
    '998': {
        'lower': [0.0, 0.001000500333583534, 0.045402017769489544, 0.1905333775684032, 0.428552413628423,
                  0.7393717319178323, 1.1071046602556394, 1.5203362603988093, 1.9708139217403657, 2.452424404363775],
        'upper': [6.907755278982137, 9.233413476451585, 11.228872242412661, 13.06224077918807, 14.79414922253721,
                  16.454745203680105, 18.061636840199064, 19.626177395384232, 21.15619816583998, 22.65737330906293],
    },
}) }}
{%- endmacro %}

{% macro poisson_ci_level(z) -%}
    {%- for level in mhw.ci_levels() if (z | float - level.z) | abs < 0.000001 -%}{{ return(level.tag) }}
    {%- else -%}{{ exceptions.raise_compiler_error('poisson limits: z must be one of macros/stats/levels.sql, got ' ~ z) }}
    {%- endfor -%}
{%- endmacro %}

{% macro poisson_exact_limit(count, z, bound) -%}
    {%- set values = mhw.poisson_exact_table()[mhw.poisson_ci_level(z)][bound] -%}
    case {{ count }}{% for v in values %} when {{ loop.index0 }} then {{ v }}{% endfor %} end
{%- endmacro %}

{% macro byars_lower(count, z) -%}
    (cast({{ count }} as {{ mhw.type_double() }})
        * power(1 - 1 / (9 * cast({{ count }} as {{ mhw.type_double() }}))
                  - {{ z }} / (3 * sqrt(cast({{ count }} as {{ mhw.type_double() }}))), 3))
{%- endmacro %}

{% macro byars_upper(count, z) -%}
    (cast({{ count }} + 1 as {{ mhw.type_double() }})
        * power(1 - 1 / (9 * cast({{ count }} + 1 as {{ mhw.type_double() }}))
                  + {{ z }} / (3 * sqrt(cast({{ count }} + 1 as {{ mhw.type_double() }}))), 3))
{%- endmacro %}

{# Lower/upper confidence limit for a Poisson count: exact below 10, Byar's from 10. #}
{% macro poisson_lower(count, z) -%}
    (case when {{ count }} is null or {{ count }} < 0 then null
          when {{ count }} < 10 then cast({{ mhw.poisson_exact_limit(count, z, 'lower') }} as {{ mhw.type_double() }})
          else {{ mhw.byars_lower(count, z) }} end)
{%- endmacro %}

{% macro poisson_upper(count, z) -%}
    (case when {{ count }} is null or {{ count }} < 0 then null
          when {{ count }} < 10 then cast({{ mhw.poisson_exact_limit(count, z, 'upper') }} as {{ mhw.type_double() }})
          else {{ mhw.byars_upper(count, z) }} end)
{%- endmacro %}

{% macro poisson_ci_method(count) -%}
    (case when {{ count }} is null then null when {{ count }} < 10 then 'exact_poisson' else 'byars' end)
{%- endmacro %}

{# Crude rate per `per` population and its limits (limits = count limits / N * per). #}
{% macro crude_rate(count, population, per=100000) -%}
    ({{ mhw.safe_divide(count, population) }} * {{ per }})
{%- endmacro %}

{% macro rate_lower(count, population, z, per=100000) -%}
    ({{ mhw.safe_divide(mhw.poisson_lower(count, z), population) }} * {{ per }})
{%- endmacro %}

{% macro rate_upper(count, population, z, per=100000) -%}
    ({{ mhw.safe_divide(mhw.poisson_upper(count, z), population) }} * {{ per }})
{%- endmacro %}
