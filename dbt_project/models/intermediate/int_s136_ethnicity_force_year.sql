-- s136 detentions (power = 's136') by force x financial year x self-defined ethnic group, on the SDE 18+1 scheme
-- and on the broad groups, as a complete grid: every force-year cell with an active return gets every group (0 when
-- none). Not stated / unknown codes are not a group here: they are counted in n_not_stated beside every row.
with cells as (
    select force_code, fy_label from {{ ref('int_s136_force_year') }}
),

detentions as (
    select force_code, fy_label, ethnicity_sde_code, ethnicity_broad_5p1
    from {{ ref('fct_s136_detentions') }}
    where power = 's136'
),

sde_groups as (
    select
        'SDE_2011_18p1' as ethnicity_scheme,
        code as ethnic_group,
        label as ethnic_group_label,
        broad_5p1 as broad_group,
        is_other_residual,
        sort_order as group_order
    from {{ ref('ref_ethnicity') }}
    where scheme = 'SDE_2011_18p1' and not is_not_stated
),

groups as (
    select * from sde_groups
    union all
    select
        'broad_5p1' as ethnicity_scheme,
        broad_group as ethnic_group,
        broad_group as ethnic_group_label,
        broad_group,
        broad_group = 'Other' as is_other_residual,
        min(group_order) as group_order
    from sde_groups
    group by broad_group
),

by_code as (
    select force_code, fy_label, ethnicity_sde_code, ethnicity_broad_5p1, count(*) as n
    from detentions
    group by force_code, fy_label, ethnicity_sde_code, ethnicity_broad_5p1
),

counts as (
    select force_code, fy_label, 'SDE_2011_18p1' as ethnicity_scheme, ethnicity_sde_code as ethnic_group, sum(n) as n
    from by_code
    group by force_code, fy_label, ethnicity_sde_code
    union all
    select force_code, fy_label, 'broad_5p1' as ethnicity_scheme, ethnicity_broad_5p1 as ethnic_group, sum(n) as n
    from by_code
    group by force_code, fy_label, ethnicity_broad_5p1
),

totals as (
    select
        force_code,
        fy_label,
        sum(n) as n_all,
        sum(case when ethnicity_broad_5p1 = 'Not stated/Unknown' then n else 0 end) as n_not_stated
    from by_code
    group by force_code, fy_label
)

select
    c.force_code,
    c.fy_label,
    g.ethnicity_scheme,
    g.ethnic_group,
    g.ethnic_group_label,
    g.broad_group,
    g.is_other_residual,
    g.group_order,
    cast(coalesce(n.n, 0) as integer) as n_detentions,
    cast(coalesce(t.n_all, 0) as integer) as n_all,
    cast(coalesce(t.n_not_stated, 0) as integer) as n_not_stated
from cells as c
cross join groups as g
left join counts as n
    on n.force_code = c.force_code and n.fy_label = c.fy_label
    and n.ethnicity_scheme = g.ethnicity_scheme and n.ethnic_group = g.ethnic_group
left join totals as t on t.force_code = c.force_code and t.fy_label = c.fy_label
