-- ONS police force area boundaries (active load only): one GeoJSON geometry per force.
with source as (
    select * from {{ source('raw', 'ons_pfa_boundaries') }}
),

loads as (
    select load_id from {{ source('raw', 'load_ledger') }} where status = 'loaded'
)

select
    s.pfa_code as force_code,
    s.pfa_name as force_name_ons,
    s.geometry_geojson,
    s.centroid_lon,
    s.centroid_lat,
    s.area_sq_km,
    s.boundary_vintage,
    s.source_file,
    s.load_id
from source as s
inner join loads as l on l.load_id = s.load_id
