"""Streets context layer: named OSM ways as LineStrings, on a hand-written extract and on Redon."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from _context import make_context
from _osm_fixture import node, way, write_osm

from pipelines.layers import streets

REDON = "osm/redon_centre_overpass_2019-09-09.osm"


def street_extract(path):
    lon, lat = -2.0900, 47.6500
    return write_osm(
        path,
        [
            node(1, lon, lat),
            node(2, lon + 0.002, lat),
            node(3, lon + 0.002, lat + 0.001),
            node(4, lon, lat + 0.001),
            node(5, lon + 0.001, lat + 0.0005, highway="bus_stop", name="Gare"),  # a node: not a street
            node(6, lon + 0.050, lat),  # ~3.8 km east
            way(10, [1, 2, 99], highway="residential", name="Rue de la Gare"),  # 99 is outside the extract
            way(11, [2, 3], highway="service"),  # unnamed
            way(12, [3, 4], highway="footway", name="Venelle du Port"),
            way(13, [1, 2, 3, 4, 1], highway="pedestrian", area="yes", name="Place du Marché"),  # an area
            way(14, [4, 1], waterway="canal", name="Canal de Nantes à Brest"),  # not a highway
            way(15, [2, 6], highway="primary", name="Route de Rennes"),  # leaves the commune + 500 m
        ],
    )


def test_named_ways_become_lines(tmp_path):
    frame, report = streets.read_osm_streets(street_extract(tmp_path / "streets.osm"))
    assert report.missing_node_refs == 1
    assert frame[["name", "highway"]].values.tolist() == [
        ["Rue de la Gare", "residential"],
        ["Venelle du Port", "footway"],
        ["Place du Marché", "pedestrian"],
        ["Route de Rennes", "primary"],
    ]
    assert set(frame.geom_type) == {"LineString"}
    assert frame.geometry.iloc[2].is_closed  # the square's outline


def test_build_clips_to_the_commune_and_context(tmp_path):
    street_extract(tmp_path / "streets.osm")
    # node 2 (start of Route de Rennes) and node 6 (its far end), in Lambert-93
    (x2, y2), (x6, y6) = (
        gpd.GeoSeries(gpd.points_from_xy([-2.0880, -2.0400], [47.6500, 47.6500]), crs="EPSG:4326")
        .to_crs("EPSG:2154")
        .map(lambda p: p.coords[0])
    )
    commune = shapely.box(x2 - 200, y2 - 100, x2, y2 + 100)  # node 2 in the middle of the east edge
    ctx = make_context(tmp_path, "streets", [("test.osm", "osm-xml", "streets.osm", {})], commune)
    result = streets.build(ctx)
    frame = result.frame
    assert sorted(frame["name"]) == ["Place du Marché", "Route de Rennes", "Rue de la Gare", "Venelle du Port"]
    # Route de Rennes leaves the east edge at an angle θ to the Lambert-93 x axis (the parallel is
    # not a grid line: meridian convergence), so it crosses the 500 m context in 500 / cos θ metres
    cos_theta = (x6 - x2) / math.hypot(x6 - x2, y6 - y2)
    route = frame.loc[frame["name"] == "Route de Rennes", "geometry"].iloc[0]
    assert route.length == pytest.approx(500 / cos_theta, abs=0.5)
    assert result.extra["streets"] == {"segments": 4, "names": 4}
    assert result.extra["osm_cleaning"]["missing_node_refs"] == 1


def test_redon_named_streets(mirror):
    frame, report = streets.read_osm_streets(mirror / REDON)
    # 146 named highway ways survive the cleaning, 87 distinct names
    assert (len(frame), frame["name"].nunique()) == (146, 87)
    assert frame["highway"].value_counts().head(3).to_dict() == {"residential": 68, "primary": 21, "tertiary": 13}
    assert (frame["name"] == "Quai Duguay-Trouin").sum() >= 1
    assert report.ways_dropped == 23
