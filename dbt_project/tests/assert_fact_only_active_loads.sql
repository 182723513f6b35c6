-- no detention in the fact may come from a load that is not 'loaded' (superseded loads must disappear)
select f.detention_key, f.load_id, l.status
from {{ ref('fct_s136_detentions') }} as f
left join {{ source('raw', 'load_ledger') }} as l on l.load_id = f.load_id
where l.status is null or l.status <> 'loaded'
