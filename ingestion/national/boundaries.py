"""ONS police force area boundaries (GeoJSON, PROVENANCE §12) -> raw.ons_pfa_boundaries, one geometry per force.

Every feature's PFA code must be a known territorial force (seeds/ref_force.csv) and appear once; the CRS must be
WGS84 lon/lat (CRS84, the GeoJSON default), since the app draws the shapes on a web map. The geometry is kept as
GeoJSON text; dbt publishes it as dim_force_boundary for a choropleth. The area ONS publishes with each feature
(Shape__Area, square metres) is kept in km2 for the peer groups' population density (NULL when absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from ingestion.forces import known_force_codes
from ingestion.national.formats import PublicFileError
from ingestion.national.load import Publication, PublicLoadReport

BOUNDARIES = Publication("ons_pfa_boundaries", "ons_pfa_boundaries")
BOUNDARY_FILE = "ons_police_force_areas_dec2016_ultra_generalised_clipped_ew.geojson"
WGS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}
GEOMETRY_TYPES = {"Polygon", "MultiPolygon"}


class BoundaryFileError(PublicFileError):
    """The boundary file does not have the expected form; the message names file, feature (row) and field."""


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _area_sq_km(value) -> float | None:
    square_metres = _number(value)
    return square_metres / 1e6 if square_metres is not None and square_metres > 0 else None


def read_pfa_boundaries(path: Path) -> pl.DataFrame:
    """Features -> pfa_code, pfa_name, geometry_geojson, centroid_lon, centroid_lat, area_sq_km, boundary_vintage."""
    name = path.name
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{name}: not a readable GeoJSON file ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise BoundaryFileError(f"{name}: not a GeoJSON FeatureCollection")
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if crs is not None and crs not in WGS84:
        raise BoundaryFileError(f"{name}: field 'crs': '{crs}' is not WGS84 lon/lat (CRS84)")
    known = known_force_codes() - {"BTP"}
    rows, seen = [], {}
    for i, feature in enumerate(doc["features"], start=1):
        props = (feature or {}).get("properties") or {}
        code = props.get("PFA16CD")
        if code not in known:
            raise BoundaryFileError(
                f"{name}: feature {i}, field 'properties.PFA16CD': '{code}' is not a known police force area"
            )
        if code in seen:
            raise BoundaryFileError(
                f"{name}: feature {i}, field 'properties.PFA16CD': '{code}' already given by feature {seen[code]}"
            )
        seen[code] = i
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in GEOMETRY_TYPES or not geometry.get("coordinates"):
            raise BoundaryFileError(
                f"{name}: feature {i}, field 'geometry': expected a Polygon or MultiPolygon, "
                f"got {geometry.get('type')!r}"
            )
        rows.append(
            {
                "pfa_code": code,
                "pfa_name": props.get("PFA16NM"),
                "geometry_geojson": json.dumps(geometry, separators=(",", ":")),
                "centroid_lon": _number(props.get("LONG")),
                "centroid_lat": _number(props.get("LAT")),
                "area_sq_km": _area_sq_km(props.get("Shape__Area")),
            }
        )
    if not rows:
        raise BoundaryFileError(f"{name}: the FeatureCollection has no features")
    schema = {"pfa_code": pl.String, "pfa_name": pl.String, "geometry_geojson": pl.String,
              "centroid_lon": pl.Float64, "centroid_lat": pl.Float64, "area_sq_km": pl.Float64}  # fmt: skip
    vintage = str(doc.get("name") or name).replace("__", " (", 1).replace("__", ") ", 1).replace("_", " ")
    return pl.DataFrame(rows, schema=schema).with_columns(pl.lit(vintage).alias("boundary_vintage"))


def load_pfa_boundaries(con: duckdb.DuckDBPyConnection, public_dir: Path | str | None) -> PublicLoadReport:
    """Load the PFA boundary GeoJSON from public_dir (absent or unchanged: nothing loaded)."""
    return BOUNDARIES.load_latest(
        con, public_dir, BOUNDARY_FILE, layout="ons_pfa16_ugc_geojson", read=read_pfa_boundaries, period="2016-12"
    )
