{#-
  England and Wales s136 detentions as published (HAC 2015, PQ 190083) beside the warehouse's own national totals
  of the same year (mart_s136_national_year), where it holds that year: a national cross-check of the records
  against the statistics. Exact national figures (docs/methods.md, "Disclosure control"). The like-for-like total
  leaves out the forces the published figure leaves out (s136_excluded_forces, e.g. Dyfed-Powys), and the
  difference compares that total with the published one.
-#}
with published as (
    select * from {{ ref('stg_s136_published__national_totals') }}
),

warehouse as (
    select fy_label, s136_detentions, s135_detentions, forces_reporting, is_partial_year
    from {{ ref('mart_s136_national_year') }}
),

-- the warehouse's s136 detentions of the forces each published figure leaves out
excluded as (
    select p.fy_label, p.publication, count(d.detention_key) as s136_detentions
    from published as p
    inner join {{ ref('fct_s136_detentions') }} as d
        on d.fy_label = p.fy_label and d.power = 's136'
        and position(d.force_code in coalesce(p.s136_excluded_forces, '')) > 0
    group by p.fy_label, p.publication
),

compared as (
    select
        p.*,
        w.s136_detentions as warehouse_s136_detentions,
        w.s136_detentions - coalesce(x.s136_detentions, 0) as warehouse_s136_like_for_like,
        w.s135_detentions as warehouse_s135_detentions,
        w.forces_reporting as warehouse_forces_reporting,
        w.is_partial_year as warehouse_is_partial_year
    from published as p
    left join warehouse as w on p.fy_label = w.fy_label
    left join excluded as x on x.fy_label = p.fy_label and x.publication = p.publication
)

select
    fy_label,
    publication,
    s136_detentions as published_s136_detentions,
    s136_police_cell as published_s136_police_cell,
    s136_health_based as published_s136_health_based,
    s135_detentions as published_s135_detentions,
    is_rounded,
    s136_excluded_forces,
    coverage_note,
    warehouse_s136_detentions,
    warehouse_s136_like_for_like,
    warehouse_s135_detentions,
    warehouse_forces_reporting,
    warehouse_is_partial_year,
    warehouse_s136_like_for_like - s136_detentions as s136_difference,
    {{ mhw.round_double('100.0 * (warehouse_s136_like_for_like - s136_detentions) / s136_detentions', 1) }}
        as s136_difference_pct
from compared
