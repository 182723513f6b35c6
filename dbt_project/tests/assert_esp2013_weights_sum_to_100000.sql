-- ESP2013 has 19 bands whose weights sum to 100,000 (methods.md §2.2)
select count(*) as n_bands, sum(weight) as total_weight
from {{ ref('ref_esp2013') }}
having count(*) <> 19 or sum(weight) <> 100000
