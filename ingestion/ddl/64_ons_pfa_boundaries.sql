-- ONS police force area boundaries (public reference data): one GeoJSON geometry (WGS84 lon/lat) per force.
CREATE TABLE IF NOT EXISTS raw.ons_pfa_boundaries (
    load_id           VARCHAR NOT NULL,
    pfa_code          VARCHAR NOT NULL,
    pfa_name          VARCHAR,
    geometry_geojson  TEXT NOT NULL,     -- the feature's geometry object as GeoJSON text
    centroid_lon      DOUBLE PRECISION,  -- the file's LONG / LAT label point
    centroid_lat      DOUBLE PRECISION,
    boundary_vintage  VARCHAR NOT NULL,  -- the FeatureCollection name
    source_file       VARCHAR NOT NULL
);
-- the area ONS publishes with each feature (Shape__Area, square metres on the British National Grid), in km2:
-- population density for the peer groups. Added after the first release, hence ALTER (idempotent).
ALTER TABLE raw.ons_pfa_boundaries ADD COLUMN IF NOT EXISTS area_sq_km DOUBLE PRECISION;
