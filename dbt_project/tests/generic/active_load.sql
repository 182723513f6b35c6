{#- Every row's load is still active ('loaded' in the ledger), so superseded or withdrawn loads have left the fact.
    Checks the distinct load ids against the small ledger, not the fact against its staging view (which re-reads the
    whole raw table: minutes at national scale, docs/benchmarks.md). -#}
{% test active_load(model, column_name) %}
with used as (
    select distinct {{ column_name }} as load_id from {{ model }} where {{ column_name }} is not null
)
select u.load_id, l.status
from used as u
left join {{ source('raw', 'load_ledger') }} as l on l.load_id = u.load_id
where l.status is null or l.status <> 'loaded'
{% endtest %}
