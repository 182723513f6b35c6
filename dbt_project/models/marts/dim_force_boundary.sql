-- Police force area boundaries for a choropleth: one GeoJSON geometry (WGS84 lon/lat) per territorial force.
-- Empty when the boundary file is not loaded. No BTP (no area).
with boundaries as (
    select * from {{ ref('stg_ons__pfa_boundaries') }}
),

forces as (
    select force_code, force_name from {{ ref('dim_force') }}
)

select
    b.force_code,
    f.force_name,
    b.geometry_geojson,
    b.centroid_lon,
    b.centroid_lat,
    'ONS Open Geography Portal: ' || b.boundary_vintage as source,
    'Source: Office for National Statistics licensed under the Open Government Licence v3.0. '
        || 'Contains OS data © Crown copyright and database right' as attribution,
    b.source_file
from boundaries as b
inner join forces as f on f.force_code = b.force_code
