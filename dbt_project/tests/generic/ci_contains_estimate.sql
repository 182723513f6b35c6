{#- Every non-NULL estimate lies inside its confidence interval: lcl <= estimate <= ucl (and lcl >= 0). -#}
{% test ci_contains_estimate(model, estimate, lcl, ucl) %}
select *
from {{ model }}
where {{ estimate }} is not null
  and ({{ lcl }} is null or {{ ucl }} is null
       or {{ lcl }} < 0
       or {{ lcl }} > {{ estimate }}
       or {{ estimate }} > {{ ucl }})
{% endtest %}
