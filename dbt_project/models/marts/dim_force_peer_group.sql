{#-
  Peer group of each force (docs/methods.md §5): its var('peer_group_size') nearest forces by Euclidean distance over
  the standardised covariates of dim_force_peer_covariate that every force has. Not the Home Office's Most Similar
  Force groups (which are not loaded); built the same way in spirit (demographic and economic likeness), from public
  data. Groups are not symmetric: B can be among A's peers without A among B's. City of London and BTP have no peer
  group (no meaningful resident population). peer_method and peer_group_caveat say on every row which covariates
  were used, and say so plainly when the public data are absent and only the stand-in population is left.
-#}
with covariates as (
    select * from {{ ref('dim_force_peer_covariate') }} where is_used
),

forces as (
    select force_code, force_name, region_code, region_name from {{ ref('ref_force') }}
),

pairs as (
    select
        a.force_code,
        b.force_code as peer_force_code,
        sqrt(sum((a.z_score - b.z_score) * (a.z_score - b.z_score))) as distance
    from covariates as a
    inner join covariates as b on b.covariate = a.covariate and b.force_code <> a.force_code
    group by a.force_code, b.force_code
),

ranked as (
    select
        *,
        row_number() over (partition by force_code order by distance, peer_force_code) as peer_rank
    from pairs
),

basis as (
    select
        {{ mhw.string_agg_ordered('covariate_label', 'covariate_order', "', '") }} as covariates_used,
        count(*) as n_covariates,
        max(case when is_standin then 1 else 0 end) = 1 as uses_standin
    from (select distinct covariate, covariate_label, covariate_order, is_standin from covariates) as c
),

method as (
    select
        covariates_used,
        uses_standin,
        case when n_covariates = 1 and uses_standin then 'nearest_neighbours_standin_population'
             when n_covariates = 5 then 'nearest_neighbours'
             else 'nearest_neighbours_partial' end as peer_method,
        'Nearest ' || cast({{ var('peer_group_size') | int }} as varchar)
            || ' forces by distance over standardised ' || covariates_used || '.'
            || case when n_covariates < 5
                then ' Covariates missing from the warehouse are left out (public data folder not loaded, or not'
                    || ' for every force).' else '' end
            || case when uses_standin
                then ' Populations are the approximate stand-in, not ONS figures: a rough size-based grouping only.'
                else '' end
            || ' Built by this warehouse, not the Home Office Most Similar Force groups.' as peer_group_caveat
    from basis
)

select
    cast(r.force_code as varchar) as force_code,
    cast(f.force_name as varchar) as force_name,
    cast(r.peer_rank as integer) as peer_rank,
    cast(r.peer_force_code as varchar) as peer_force_code,
    cast(p.force_name as varchar) as peer_force_name,
    coalesce(f.region_code = p.region_code, false) as is_same_region,
    cast(r.distance as {{ mhw.type_double() }}) as distance,
    cast(m.peer_method as varchar) as peer_method,
    cast(m.covariates_used as varchar) as covariates_used,
    m.uses_standin as is_standin_basis,
    cast(m.peer_group_caveat as varchar) as peer_group_caveat
from ranked as r
cross join method as m
inner join forces as f on f.force_code = r.force_code
inner join forces as p on p.force_code = r.peer_force_code
where r.peer_rank <= {{ var('peer_group_size') | int }}
