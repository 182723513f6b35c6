select
    fy_label,
    start_date,
    end_date,
    fy_start_year,
    label
from {{ ref('ref_financial_year') }}
