-- The Home Office's 'Total England and Wales' all-tactics row equals the sum of the forces' rows, column by column
-- (PROVENANCE §7 check). Returns the columns that disagree.
with all_tactics as (
    select * from {{ ref('mart_use_of_force_mh') }} where tactic_level = 'all_tactics'
),

national as (
    select fy_label, n_mental, n_physical, n_physical_and_mental, n_none, n_not_reported, n_tactic_reported
    from all_tactics where is_national
),

forces as (
    select
        fy_label,
        sum(n_mental) as n_mental,
        sum(n_physical) as n_physical,
        sum(n_physical_and_mental) as n_physical_and_mental,
        sum(n_none) as n_none,
        sum(n_not_reported) as n_not_reported,
        sum(n_tactic_reported) as n_tactic_reported
    from all_tactics where not is_national
    group by fy_label
)

select n.fy_label
from national as n
left join forces as f on f.fy_label = n.fy_label
where f.fy_label is null
   or n.n_mental <> f.n_mental or n.n_physical <> f.n_physical
   or n.n_physical_and_mental <> f.n_physical_and_mental or n.n_none <> f.n_none
   or n.n_not_reported <> f.n_not_reported or n.n_tactic_reported <> f.n_tactic_reported
