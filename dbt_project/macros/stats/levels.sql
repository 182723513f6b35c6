{#-
  The two confidence levels every statistic in the project uses (docs/methods.md §1): 95% and 99.8% two-sided,
  z = qnorm(0.975) = 1.959963984540054 and qnorm(0.999) = 3.090232306167813, as PHEindicatormethods computes them
  (FunnelPlotR writes them rounded, 1.959964 and 3.090232). Defined here once; models and macros ask for them.
-#}

{% macro ci_levels() -%}
    {{ return([
        {'tag': '95', 'z': 1.959963984540054, 'tail': 0.025},
        {'tag': '998', 'z': 3.090232306167813, 'tail': 0.001},
    ]) }}
{%- endmacro %}

{% macro z95() -%}1.959963984540054{%- endmacro %}
{% macro z998() -%}3.090232306167813{%- endmacro %}

{# z of a level tag ('95' or '998'). #}
{% macro z_of(tag) -%}
    {%- for level in mhw.ci_levels() if level.tag == tag | string -%}{{ level.z }}{%- else -%}
        {{ exceptions.raise_compiler_error('unknown confidence level ' ~ tag ~ " (use '95' or '998')") }}
    {%- endfor -%}
{%- endmacro %}
