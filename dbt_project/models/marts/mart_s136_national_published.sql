{#-
  England and Wales s136 detentions as published (HAC 2015, PQ 190083) beside the warehouse's own national totals
  of the same year (mart_s136_national_year), where it holds that year: a national cross-check of the records
  against the statistics. Exact national figures (docs/methods.md, "Disclosure control"); the difference is the
  warehouse's minus the published, and is not like for like where the source leaves a force out (coverage_note).
-#}
with published as (
    select * from {{ ref('stg_s136_published__national_totals') }}
),

warehouse as (
    select fy_label, s136_detentions, s135_detentions, forces_reporting, is_partial_year
    from {{ ref('mart_s136_national_year') }}
)

select
    p.fy_label,
    p.publication,
    p.s136_detentions as published_s136_detentions,
    p.s136_police_cell as published_s136_police_cell,
    p.s136_health_based as published_s136_health_based,
    p.s135_detentions as published_s135_detentions,
    p.is_rounded,
    p.coverage_note,
    w.s136_detentions as warehouse_s136_detentions,
    w.s135_detentions as warehouse_s135_detentions,
    w.forces_reporting as warehouse_forces_reporting,
    w.is_partial_year as warehouse_is_partial_year,
    w.s136_detentions - p.s136_detentions as s136_difference,
    {{ mhw.round_double('100.0 * (w.s136_detentions - p.s136_detentions) / p.s136_detentions', 1) }}
        as s136_difference_pct
from published as p
left join warehouse as w on p.fy_label = w.fy_label
