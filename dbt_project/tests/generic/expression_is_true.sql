{#- Rows where `expression` is false (NULL counts as passing, like SQL check constraints). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
