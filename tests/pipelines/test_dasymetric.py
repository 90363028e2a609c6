"""Residents placed on buildings: hand-computed fixtures, then Périgueux from the mirror."""

from __future__ import annotations

import _indicator_fixtures as fx
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from pipelines import indicators as ind
from pipelines.layers._dasymetric import METHOD, residential_buildings, spread

CRS = "EPSG:2154"


def footprints(boxes, heights, residential=None, ids=None) -> gpd.GeoDataFrame:
    n = len(boxes)
    return gpd.GeoDataFrame(
        {
            "building_id": ids or [f"b{i}" for i in range(n)],
            "height_m": heights,
            "residential": residential if residential is not None else [None] * n,
        },
        geometry=list(boxes),
        crs=CRS,
    )


def test_four_buildings_share_a_commune_total_by_floor_area():
    # commune total 1,000 residents; four footprints of 100 m²: 3 m → 1 floor, 9 m → 3 floors,
    # unknown → the median known height (9 m) → 3 floors, 10 m → round(3.3) = 3 floors;
    # floor areas 100, 300, 300, 300 m² (sum 1,000) → 100, 300, 300, 300 residents
    commune = fx.population([box(0, 0, 1000, 1000)], [1000.0], support="commune")
    houses = footprints(
        [box(0, 0, 10, 10), box(100, 0, 110, 10), box(200, 0, 210, 10), box(300, 0, 310, 10)],
        [3.0, 9.0, np.nan, 10.0],
    )
    kept, stats = residential_buildings(houses)
    assert kept["floors"].tolist() == [1.0, 3.0, 3.0, 3.0]  # median of 3, 9, 10 is 9 m → 3 floors
    assert stats.median_height_m == 9.0 and stats.unknown_height == 1
    placed = spread(commune, kept, ("population",))
    assert placed["population"].tolist() == pytest.approx([100.0, 300.0, 300.0, 300.0])
    assert placed["floor_area_m2"].tolist() == pytest.approx([100.0, 300.0, 300.0, 300.0])
    assert placed["population"].sum() == pytest.approx(1000.0)
    assert set(placed["support"]) == {"batiment"}


def test_non_residential_annexes_and_marked_footprints_are_left_out():
    houses = footprints(
        [box(0, 0, 10, 10), box(100, 0, 110, 10), box(200, 0, 204, 4), box(300, 0, 310, 10)],
        [6.0, 6.0, 6.0, 6.0],
        residential=[None, False, None, None],  # b1: BDNB says "tertiaire"
    )
    # an OSM school covering 60 % of b3 (another drawing of the same building)
    school = footprints([box(300, 0, 306, 10)], [np.nan], residential=[False])
    kept, stats = residential_buildings(houses, school)
    assert kept["building_id"].tolist() == ["b0"]  # b2 is a 16 m² annex
    assert (stats.non_residential, stats.covered_by_non_residential, stats.annexes) == (1, 1, 1)
    commune = fx.population([box(0, 0, 1000, 1000)], [50.0], support="commune")
    assert spread(commune, kept, ("population",))["population"].tolist() == [50.0]


def test_three_cells_refined_by_their_buildings_lose_nobody():
    # cells of 100 residents each; cell A holds two houses (1 and 2 floors), cell B one house
    # straddling into cell C (half its footprint each side), cell C has no other building
    cells = fx.population(
        [box(0, 0, 200, 200), box(200, 0, 400, 200), box(400, 0, 600, 200)],
        [100.0, 100.0, 100.0],
        support="carreau_200m",
        households=[40.0, 40.0, 40.0],
    )
    houses = footprints([box(10, 10, 20, 20), box(50, 10, 60, 20), box(390, 10, 410, 20)], [3.0, 6.0, 3.0])
    kept, _ = residential_buildings(houses)
    placed = spread(cells, kept, ("population", "households"))
    by_id = dict(zip(placed["cell_id"], placed["population"], strict=True))
    # A: 100 m² and 200 m² of floor → 33.3 and 66.7; the straddling house splits 100 m² per cell,
    # all of B's residents go to its half, all of C's to the other half
    assert by_id["b0"] == pytest.approx(100 / 3) and by_id["b1"] == pytest.approx(200 / 3)
    assert by_id["b2@p1"] == pytest.approx(100.0) and by_id["b2@p2"] == pytest.approx(100.0)
    assert placed["population"].sum() == pytest.approx(300.0) and placed["households"].sum() == pytest.approx(120.0)
    # zones now see where people live: a zone over cell A's eastern half holds nobody
    zones = ind.make_zones(fx.commune(box(0, 0, 600, 200)), fx.qpv([box(100, 0, 200, 200)]))
    got = ind.residents(zones, placed)["population"]
    assert got["QP099001"] == pytest.approx(0.0) and got["commune"] == pytest.approx(300.0)


def test_a_cell_without_building_keeps_its_residents():
    cells = fx.population([box(0, 0, 200, 200), box(200, 0, 400, 200)], [80.0, 20.0], support="carreau_200m")
    kept, _ = residential_buildings(footprints([box(10, 10, 20, 20)], [3.0]))
    placed = spread(cells, kept, ("population",))
    assert placed["cell_id"].tolist() == ["b0", "p1"] and placed["population"].tolist() == [80.0, 20.0]


# -- the mirror ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def perigueux(mirror, tmp_path_factory):
    from pipelines.build import build_territory
    from pipelines.catalog import Catalog
    from pipelines.store import Store

    store = Store(tmp_path_factory.mktemp("perigueux"))
    catalog = Catalog.load()
    build_territory(catalog.territory("perigueux"), catalog, store, offline=True, mirror=mirror, log=lambda _: None)
    return store


def test_perigueux_residents_from_buildings(perigueux):
    entry = perigueux.manifest("perigueux")["layers"]["population"]
    assert entry["status"] == "ok" and entry["method"] == METHOD and entry["parent_support"] == "commune"
    buildings = ["cstb.bdnb.perigueux", "osm.geofabrik.batiments.perigueux"]
    assert entry["sources"] == ["ign.bdtopo.commune.perigueux", *buildings]
    # 10,381 BDNB footprints: 145 covered by an OSM non-residential building, 403 annexes < 20 m²
    assert entry["buildings"]["footprints"] == 10_381 and entry["buildings"]["kept"] == 9_833
    assert any(note.startswith("estimation par le bâti") for note in entry["notes"])
    table = perigueux.read_table("perigueux", "indicators").set_index(["indicator", "zone_id"])
    residents = table.loc["residents", "value"]
    # the commune's zones add up to its population (BD TOPO: 29,896)
    assert residents["commune"] == pytest.approx(29_896)
    assert residents["QN02405M"] + residents["hors_qpv"] == pytest.approx(29_896)
    assert residents["QN02405M"] == pytest.approx(874, abs=1)
    fort = table.loc["residents_fort", "value"]
    assert fort["QN02405M"] == pytest.approx(1.4, abs=0.1) and fort["commune"] == pytest.approx(643, abs=1)
    assert {m.split(",")[0] for m in table.loc["residents", "method"]} == {"estimation par le bâti"}
