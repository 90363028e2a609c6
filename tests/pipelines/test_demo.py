"""The fictional demo town: deterministic, plausible figures, every layer in its schema."""

from __future__ import annotations

import shapely

from pipelines import demo
from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.schemas import CONTEXT_LAYERS, LAYERS, validate

TOWN = demo.generate()


#: Every layer but the historical 2015 QPV, which a fictional town has no reason to invent.
DEMO_LAYERS = tuple(layer for layer in (*LAYERS, *CONTEXT_LAYERS) if layer != "qpv_2015")


def test_every_layer_is_generated_and_validates_in_lambert93():
    assert set(TOWN) == set(DEMO_LAYERS)
    for layer, frame in TOWN.items():
        out = validate(layer, frame)
        assert out.crs.to_epsg() == 2154
        assert out.geometry.is_valid.all(), layer
        assert len(out) > 0, layer


def test_generation_is_deterministic():
    demo._town.cache_clear()
    again = demo.generate()
    for layer, frame in TOWN.items():
        assert frame.geometry.geom_equals_exact(again[layer].geometry, tolerance=0).all(), layer
        assert frame.drop(columns="geometry").equals(again[layer].drop(columns="geometry")), layer


def test_two_builds_write_byte_identical_layers(store, tmp_path):
    catalog = Catalog.load()
    territory = catalog.territory("demo")
    outcomes = build_territory(territory, catalog, store, log=lambda _: None)
    statuses = {o.layer: o.status for o in outcomes if o.layer in (*LAYERS, *CONTEXT_LAYERS)}
    assert statuses == {**dict.fromkeys(DEMO_LAYERS, "ok"), "qpv_2015": "unavailable"}
    first = {layer: entry["sha256"] for layer, entry in store.manifest("demo")["layers"].items() if "sha256" in entry}
    build_territory(territory, catalog, store, log=lambda _: None)
    second = {layer: entry["sha256"] for layer, entry in store.manifest("demo")["layers"].items() if "sha256" in entry}
    assert first == second
    manifest = store.manifest("demo")
    assert manifest["territory"]["fictional"] is True
    for layer in DEMO_LAYERS:
        entry = manifest["layers"][layer]
        assert entry["provenance"]["kind"] == "fictional"
        assert demo.NOTE in entry["notes"]


def test_commune_is_25_km2_irregular_and_placed_in_open_country():
    commune = TOWN["commune"].geometry.iloc[0]
    assert abs(commune.area - 25e6) < 1e3  # m²
    # not a square nor a disc: its convex hull is clearly larger than itself
    assert commune.convex_hull.area / commune.area > 1.03
    assert len(commune.exterior.coords) > 100
    x, y = commune.centroid.coords[0]
    assert 640_000 < x < 660_000 and 6_690_000 < y < 6_710_000
    assert TOWN["commune"][["insee", "name", "population"]].iloc[0].tolist() == ["99999", "Ville fictive", 40_000]


def test_two_exact_qpv_inside_the_commune():
    qpv = TOWN["qpv"]
    commune = TOWN["commune"].geometry.iloc[0]
    assert qpv["name"].tolist() == ["Quartier de la Gare", "Les Tilleuls"]
    assert qpv["code_qp"].tolist() == ["QNDEMO01I", "QNDEMO02I"]
    assert set(qpv["perimeter_status"]) == {"exact"} and set(qpv["generation"]) == {"2024"}
    assert qpv.within(commune).all()
    assert ((qpv.area / 1e4).between(30, 70)).all()  # ha


def test_flood_scenarios_are_nested_and_one_qpv_is_partly_flooded():
    flood = TOWN["flood"].set_index("scenario").geometry
    assert list(flood.index) == ["fort", "moyen", "faible"]
    assert flood["fort"].difference(flood["moyen"]).area < 1.0  # m², floating-point slivers only
    assert flood["moyen"].difference(flood["faible"]).area < 1.0
    assert flood["fort"].area < flood["moyen"].area < flood["faible"].area
    gare, tilleuls = TOWN["qpv"].geometry
    share = gare.intersection(flood["faible"]).area / gare.area
    assert 0.1 < share < 0.9
    assert tilleuls.intersection(flood["faible"]).area == 0


def test_heat_has_a_hot_core_and_consistent_classes():
    heat = TOWN["heat"]
    table = {"chaud": set("1 2 3 7 8 10 E".split()), "tiede": set("4 5 6 9 F".split()), "frais": set("ABCDG")}
    for heat_class, codes in table.items():
        assert set(heat.loc[heat["heat_class"] == heat_class, "lcz"]) <= codes
    centre = shapely.Point(demo.CENTRE)
    disc = centre.buffer(demo.CORE_M)
    hot = heat[heat["heat_class"] == "chaud"].intersection(disc).area.sum()
    assert hot / disc.area > 0.85  # the old centre, apart from its small square
    outskirts = centre.buffer(2500).difference(centre.buffer(1500))
    hot_outskirts = heat[heat["heat_class"] == "chaud"].intersection(outskirts).area.sum()
    assert hot_outskirts / outskirts.area < 0.2  # only the industrial estate and the retail park
    # the layer is a partition of the commune + 500 m (no overlap, almost no gap)
    aoi = TOWN["commune"].geometry.iloc[0].buffer(500)
    assert abs(heat.area.sum() / aoi.area - 1) < 0.001
    assert {"chaud", "tiede", "frais"} == set(heat["heat_class"])


def test_300_shops_12_percent_vacant_concentrated_in_the_centre_and_a_qpv():
    shops = TOWN["shops"]
    commune = TOWN["commune"].geometry.iloc[0]
    assert len(shops) == 300 and shops["shop_id"].is_unique
    assert shops["vacant"].sum() == 36  # 12 %
    assert shops.within(commune).all()
    assert set(shops.loc[shops["vacant"], "vacancy_source"]) <= {"shop=vacant", "disused:shop"}
    assert shops.loc[~shops["vacant"], "vacancy_source"].isna().all()
    tilleuls = TOWN["qpv"].geometry.iloc[1]
    in_tilleuls = shops[shops.within(tilleuls.buffer(1))]
    assert in_tilleuls["vacant"].mean() > 0.3  # the parade, far above the town's 12 %
    core = shops[shops.distance(shapely.Point(demo.CENTRE)) < demo.CORE_M]
    assert len(core) >= 150


def test_cycle_network_has_protected_tracks_lanes_a_greenway_plans_and_gaps():
    cycle = TOWN["cycle"]
    assert {"piste", "bande", "voie verte"} <= set(cycle["facility"])
    assert set(cycle["status"]) == {"existant", "projet"}
    assert cycle.loc[cycle["facility"].isin(["piste", "voie verte"]), "protected"].all()
    assert not cycle.loc[cycle["facility"] == "bande", "protected"].any()
    assert (abs(cycle["length_m"] - cycle.length) < 1e-6).all()
    existing = cycle.loc[cycle["status"] == "existant", "length_m"].sum()
    assert 8_000 < existing < 20_000  # m
    # a district with no facility at all: the south-west quarter 1.2 km from the centre
    assert cycle[cycle["status"] == "existant"].distance(shapely.Point(demo.CENTRE).buffer(1)).min() < 100
    gap = shapely.Point(*demo._polar(1200, 150)).buffer(250)
    assert not cycle.intersects(gap).any()


def test_population_grid_of_40000_residents_denser_in_the_centre_and_qpv():
    pop = TOWN["population"]
    assert set(pop["support"]) == {"carreau_200m"}
    assert abs(pop["population"].sum() - 40_000) < 0.5
    assert (abs(pop.area - 40_000) < 1e-6).all()  # 200 m × 200 m cells, m²
    assert pop["cell_id"].is_unique
    assert (pop["poor_households"] <= pop["households"]).all()
    density = pop.set_index(pop.distance(shapely.Point(demo.CENTRE)))["population"]
    assert density[density.index < 600].mean() > 3 * density[density.index > 1800].mean()
    qpv = TOWN["qpv"].geometry.union_all()
    in_qpv = pop[pop.centroid.within(qpv)]
    assert in_qpv["poor_households"].sum() / in_qpv["households"].sum() > 0.3


def test_streets_have_french_names_and_a_hierarchy():
    streets = TOWN["streets"]
    assert len(streets) > 150
    assert {"primary", "secondary", "residential"} <= set(streets["highway"])
    assert streets["name"].str.match(r"^(Rue|Avenue|Boulevard|Allée|Impasse|Chemin|Route|Grande|Quai|Square) ").all()
    assert streets["name"].nunique() > 150
