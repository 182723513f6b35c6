{#-
  Wilson score interval for a proportion x/n (methods.md §2.2, as PHEindicatormethods wilson_lower/upper):
      (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))
  z from macros/stats/levels.sql (95% when not given). Returns a proportion on the 0-1 scale (multiply by 100 for a
  percentage); NULL when n is NULL or <= 0, or x is NULL or outside 0..n. Clamped to [0, 1] against rounding.
  Checked by tests/assert_wilson_matches_reference_values.sql (1/10 -> 0.017876, 0.404150).
-#}

{% macro _wilson_limit(x, n, z, sign, clamp) -%}
    (case when {{ n }} is null or {{ n }} <= 0 or {{ x }} is null or {{ x }} < 0 or {{ x }} > {{ n }} then null
          else {{ clamp }}(
              (2 * cast({{ x }} as {{ mhw.type_double() }}) + {{ z }} * {{ z }}
               {{ sign }} {{ z }} * sqrt({{ z }} * {{ z }} + 4 * cast({{ x }} as {{ mhw.type_double() }})
                   * (1 - cast({{ x }} as {{ mhw.type_double() }}) / cast({{ n }} as {{ mhw.type_double() }}))))
              / (2 * (cast({{ n }} as {{ mhw.type_double() }}) + {{ z }} * {{ z }})),
              {{ 0.0 if clamp == 'greatest' else 1.0 }}) end)
{%- endmacro %}

{% macro wilson_lower(x, n, z=none) -%}
    {{ mhw._wilson_limit(x, n, z if z is not none else mhw.z95(), '-', 'greatest') }}
{%- endmacro %}

{% macro wilson_upper(x, n, z=none) -%}
    {{ mhw._wilson_limit(x, n, z if z is not none else mhw.z95(), '+', 'least') }}
{%- endmacro %}

{#-
  Difference of two proportions p1 - p2 (x1/n1 - x2/n2) with Newcombe's hybrid score limits (Newcombe 1998,
  method 10), built from the two Wilson intervals above; bound 'lower' or 'upper'. On the 0-1 scale.
-#}
{% macro newcombe_difference_limit(x1, n1, x2, n2, z, bound) -%}
    {%- set p1 = mhw.safe_divide(x1, n1) -%}
    {%- set p2 = mhw.safe_divide(x2, n2) -%}
    {%- if bound == 'lower' -%}
    ({{ p1 }} - {{ p2 }} - sqrt(power({{ p1 }} - {{ mhw.wilson_lower(x1, n1, z) }}, 2)
                                + power({{ mhw.wilson_upper(x2, n2, z) }} - {{ p2 }}, 2)))
    {%- else -%}
    ({{ p1 }} - {{ p2 }} + sqrt(power({{ mhw.wilson_upper(x1, n1, z) }} - {{ p1 }}, 2)
                                + power({{ p2 }} - {{ mhw.wilson_lower(x2, n2, z) }}, 2)))
    {%- endif -%}
{%- endmacro %}
