select
    scheme,
    code,
    label,
    broad_5p1,
    is_other_residual,
    is_not_stated,
    census_2021_map,
    sort_order
from {{ ref('ref_ethnicity') }}
