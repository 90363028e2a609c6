"""Pure map builders, on hand-built geometries (see minitown.py for the numbers)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from minitown import CRS, line, pt, sq

from dashboard import i18n, maps


def frame(rows, geoms):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def test_band_for_zoom():
    assert [maps.band_for_zoom(z) for z in (None, 5, 12.5, 13, 14.5, 15, 18)] == [0, 0, 0, 1, 1, 2, 2]
    assert maps.clamp_band("7") == 2 and maps.clamp_band("x") == 0 and maps.clamp_band(-1) == 0


def test_legend_keys_cycle_and_shops():
    cycle = frame(
        [
            {"facility": "piste", "protected": True, "status": "existant"},
            {"facility": "bande", "protected": False, "status": "existant"},
            {"facility": "piste", "protected": True, "status": "projet"},
        ],
        [line((0, 0), (1, 1))] * 3,
    )
    assert maps.legend_keys("cycle", cycle).tolist() == ["piste", "bande", "projet"]
    shops = frame([{"vacant": True}, {"vacant": False}], [pt(0, 0), pt(1, 1)])
    assert maps.legend_keys("shops", shops).tolist() == ["vacant", "actif"]


def test_population_density_classes():
    # 1 km² cells with 400, 300, 200, 100 residents: densities 400…100 /km²; tertile breaks
    # of [100, 200, 300, 400] are 200 and 300, so classes are p2, p1, p0, p0.
    cells = [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 1000), sq(0, 1000, 1000, 2000), sq(1000, 1000, 2000, 2000)]
    population = frame([{"population": p} for p in (400.0, 300.0, 200.0, 100.0)], cells)
    assert maps.density_per_km2(population).round(6).tolist() == [400.0, 300.0, 200.0, 100.0]
    assert maps.density_breaks(maps.density_per_km2(population)) == pytest.approx((200.0, 300.0))
    assert maps.legend_keys("population", population).tolist() == ["p2", "p1", "p0", "p0"]


def test_layer_geojson_is_wgs84_rounded_and_styled():
    heat = frame([{"lcz": "2", "heat_class": "chaud"}], [sq(0, 0, 1000, 1000)])
    data = json.loads(maps.layer_geojson("heat", heat, band=0))
    feature = data["features"][0]
    assert feature["properties"]["_k"] == "chaud"
    assert feature["properties"]["heat_class"] == "chaud"
    coords = [c for ring in feature["geometry"]["coordinates"] for c in ring]
    for lon, lat in coords:
        assert -5 < lon < 10 and 41 < lat < 52  # EPSG:4326 around France
        assert round(lon, 6) == lon and round(lat, 6) == lat


def test_streets_band_zero_keeps_major_streets_only():
    streets = frame(
        [{"name": "Rue des Lilas", "highway": "residential"}, {"name": "Avenue", "highway": "primary"}],
        [line((0, 300), (2000, 300)), line((1200, 0), (1200, 2000))],
    )
    names = lambda band: [
        f["properties"]["name"] for f in json.loads(maps.layer_geojson("streets", streets, band))["features"]
    ]  # noqa: E731
    assert names(0) == ["Avenue"]
    assert names(1) == ["Rue des Lilas", "Avenue"]


def test_simplification_drops_vertices_below_tolerance():
    # A 1 km line with a 2 m kink: kept at band 2 (1 m), removed at band 0 (12 m).
    kinked = frame([{"name": "x", "highway": "primary"}], [line((0, 0), (500, 2), (1000, 0))])
    vertices = lambda band: len(
        json.loads(maps.layer_geojson("streets", kinked, band))["features"][0]["geometry"]["coordinates"]
    )  # noqa: E731
    assert vertices(2) == 3
    assert vertices(0) == 2


def test_select_features_flood_and_cycle():
    flood = frame([{"scenario": s} for s in ("fort", "moyen", "faible")], [sq(0, 0, 10, 10)] * 3)
    assert maps.select_features("flood", flood, "fort")["scenario"].tolist() == ["fort"]
    assert maps.select_features("flood", flood, "moyen_ou_fort")["scenario"].tolist() == ["fort", "moyen"]
    assert len(maps.select_features("flood", flood, "faible_ou_plus")) == 3
    cycle = frame(
        [
            {"protected": True, "status": "existant"},
            {"protected": False, "status": "existant"},
            {"protected": True, "status": "projet"},
        ],
        [line((0, 0), (1, 1))] * 3,
    )
    assert maps.select_features("cycle", cycle, "protege").index.tolist() == [0]
    assert maps.select_features("cycle", cycle, "projet").index.tolist() == [2]


def test_target_frame_clips_polygons_to_qpv():
    # Heat chaud on 0–1000², QPV on 0–500²: the target is the QPV square, 0.25 km².
    heat = frame(
        [{"lcz": "2", "heat_class": "chaud"}, {"lcz": "A", "heat_class": "frais"}],
        [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 2000)],
    )
    qpv = frame([{"name": "Q"}], [sq(0, 0, 500, 500)])
    commune = frame([{"name": "C"}], [sq(0, 0, 2000, 2000)])
    target = maps.target_frame("heat", heat, "chaud", "qpv", None, qpv=qpv, commune=commune)
    assert target.area.sum() == pytest.approx(250_000.0)
    outside = maps.target_frame("heat", heat, "chaud", "hors_qpv", None, qpv=qpv, commune=commune)
    assert outside.area.sum() == pytest.approx(1_000_000.0 - 250_000.0)


def test_target_frame_buffer_ring():
    # A 2 km protected line, 300 m buffer, clipped to the 2 km commune: 2000 × 600 m = 1.2 km².
    cycle = frame([{"protected": True, "status": "existant"}], [line((0, 600), (2000, 600))])
    commune = frame([{"name": "C"}], [sq(0, 0, 2000, 2000)])
    target = maps.target_frame("cycle", cycle, "protege", "commune", 300.0, qpv=None, commune=commune)
    assert len(target) == 2
    assert target.geometry.iloc[1].area == pytest.approx(2000 * 600, rel=1e-6)
    assert target["_t"].iloc[1] == "À moins de 300 m"


def test_layer_summary_counts_and_areas():
    flood = frame([{"scenario": "fort"}, {"scenario": "moyen"}], [sq(0, 0, 1000, 250), sq(1000, 0, 2000, 250)])
    rows = maps.layer_summary("flood", flood)
    assert [(r["classe"].split(" — ")[1][:15], r["nombre"], r["mesure"]) for r in rows] == [
        ("scénario fort (", 1, "0,25 km²"),
        ("scénario moyen", 1, "0,25 km²"),
    ]


def test_round_coordinates_keeps_structure():
    poly = shapely.Polygon([(0.1234567, 1.7654321), (2.0000004, 1.0), (2.0, 3.0)])
    rounded = maps.round_coordinates(shapely.points([[0, 0]]).tolist() + [poly])
    assert shapely.get_coordinates(rounded[1]).tolist()[0] == [0.123457, 1.765432]


def test_french_number_formats():
    assert i18n.fmt_number(1234.5) == "1\u202f234,5"
    assert i18n.fmt_share(0.5) == "50\u00a0%"
    assert i18n.fmt_share(0.123) == "12,3\u00a0%"
    assert i18n.fmt_value(9.0, "count") == "9"
    assert i18n.indicator_label("share_area_fort") == "part de la surface (fort)"
