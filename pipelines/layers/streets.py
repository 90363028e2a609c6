"""Context layer ``streets``: the named streets of OpenStreetMap, for the dashboard's street search.

Reader ``osm-xml`` (:mod:`._osm_xml`): every way tagged ``highway`` with one of
:data:`STREET_HIGHWAYS` and a ``name``, as LineStrings (multi-lines split; a pedestrian square
drawn as an area, ``area=yes``, becomes its outline) with columns ``name`` and ``highway``, clipped
to the commune + 500 m. Paths, steps and footways are kept when they are named, since people
search them too ("Passage …", "Venelle …"); unnamed ways and bus stops (nodes) are not streets.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import validate
from ._common import BuildContext, LayerResult, clip, to_territory_crs
from ._osm_xml import CleaningReport, read_osm_features, record_cleaning, tag

STREET_HIGHWAYS = frozenset(
    "motorway trunk primary secondary tertiary motorway_link trunk_link primary_link secondary_link "
    "tertiary_link unclassified residential living_street pedestrian service road track "
    "footway path steps cycleway bridleway".split()
)


def read_osm_streets(path: Path) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    """Named street LineStrings of an OSM XML file (EPSG:2154, unclipped) and the cleaning report."""
    features, report = read_osm_features(path)
    highway, name = tag(features, "highway"), tag(features, "name")
    elements = features.index.get_level_values(0)
    keep = (highway.isin(STREET_HIGHWAYS) & name.notna()).to_numpy() & (elements == "way")
    ways = features[keep]
    geometry = ways.geometry.boundary.where(ways.geom_type.isin(["Polygon", "MultiPolygon"]), ways.geometry)
    frame = gpd.GeoDataFrame(
        {"name": name[keep].to_numpy(), "highway": highway[keep].to_numpy()}, geometry=geometry.to_numpy(), crs=ways.crs
    )
    return to_territory_crs(frame, path), report


def lines_only(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split multi-lines into LineStrings and drop anything else (points left by clipping)."""
    parts = frame[frame.geom_type.isin(["LineString", "MultiLineString"])].explode(index_parts=False)
    return parts[~parts.geometry.is_empty].reset_index(drop=True)


def build(ctx: BuildContext) -> LayerResult:
    """Build the streets context layer from the first OSM source that resolves."""
    resolved = ctx.resolve("streets")
    for source, path in resolved:
        if source.format != "osm-xml":
            raise SourceFormatError(f"source `{source.id}`: format `{source.format}` is not a streets format")
        frame, report = read_osm_streets(path)
        notes, extra = [], {}
        record_cleaning(ctx, "streets", source.id, report, notes, extra)
        frame = lines_only(clip(frame, ctx.area_of_interest))
        if frame.empty:
            raise LayerUnavailable(f"aucune rue nommée dans l'extrait OSM de {ctx.territory.name}", [source.url])
        frame = validate("streets", frame[["name", "highway", "geometry"]])
        extra["streets"] = {"segments": len(frame), "names": frame["name"].nunique()}
        return LayerResult(frame, [source.id], notes, extra)
    raise LayerUnavailable("aucune source OSM pour les rues", [])  # pragma: no cover - resolve raises first
