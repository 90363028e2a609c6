"""Indicators on hand-drawn squares (answers computed by hand), properties, and the overlay reference."""

from __future__ import annotations

import _indicator_fixtures as fx
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from pipelines import indicators as ind

COMMUNE = fx.commune(box(0, 0, 1000, 1000))  # 1 km²


def value(table: pd.DataFrame, indicator: str, zone: str) -> float:
    row = table[(table["indicator"] == indicator) & (table["zone_id"] == zone)]
    assert len(row) == 1, (indicator, zone)
    return float(row["value"].iloc[0])


def reason(table: pd.DataFrame, indicator: str, zone: str) -> str:
    return str(table[(table["indicator"] == indicator) & (table["zone_id"] == zone)]["reason"].iloc[0])


# -- zones ------------------------------------------------------------------------------------
def test_zones_clip_a_straddling_qpv_to_the_commune():
    # 400 m × 100 m QPV, half of it west of the commune (like Périgueux's QP024005: 32 of 45 ha)
    zones = ind.make_zones(COMMUNE, fx.qpv([box(-200, 0, 200, 100)], codes=["QP024005"], names=["La Boucle"]))
    areas = zones.set_index("zone_id")["area_m2"]
    assert list(zones["zone_id"]) == ["QP024005", "hors_qpv", "commune"]
    assert list(zones["zone_kind"]) == ["qpv", "hors_qpv", "commune"]
    assert areas["QP024005"] == pytest.approx(20_000)  # 2 ha inside, not 4
    assert areas["hors_qpv"] == pytest.approx(980_000)
    assert areas["commune"] == pytest.approx(1_000_000)
    assert zones.set_index("zone_id").loc["hors_qpv", "zone_name"] == "Testville hors QPV"


def test_zones_prefer_the_2024_code_and_drop_qpv_outside_or_without_perimeter():
    frame = fx.qpv([box(0, 0, 100, 100), box(2000, 0, 2100, 100), box(990, 0, 1090, 100)])
    frame.loc[0, "code_qp"] = "QN09901M"
    frame = pd.concat([frame, frame.iloc[[0]].assign(code_qp="QN09999I", geometry=None)], ignore_index=True)
    zones = ind.make_zones(COMMUNE, gpd.GeoDataFrame(frame, crs=fx.CRS))
    # the second QPV lies outside; the third has 10 m × 100 m = 1,000 m² inside (kept, at the threshold)
    assert list(zones["zone_id"]) == ["QN09901M", "QP099003", "hors_qpv", "commune"]


def test_territory_without_qpv_has_only_the_commune_zone():
    for qpv in (None, fx.qpv([box(5000, 0, 5100, 100)])):
        zones = ind.make_zones(COMMUNE, qpv)
        assert list(zones["zone_id"]) == ["commune"]


# -- flood ------------------------------------------------------------------------------------
QPV_100 = fx.qpv([box(0, 0, 100, 100)])  # 1 ha
ZONES_100 = ind.make_zones(COMMUNE, QPV_100)


def test_flood_share_of_a_qpv_half_inside_a_fort_polygon():
    flood = fx.flood([box(0, 0, 50, 100)], ["fort"])  # 0.5 ha, the western half of the QPV
    table = ind.flood_indicators(ZONES_100, flood)
    assert value(table, "share_fort", "QP099001") == pytest.approx(0.5)
    assert value(table, "share_fort", "commune") == pytest.approx(0.005)  # 5,000 m² / 1 km²
    assert value(table, "share_fort", "hors_qpv") == pytest.approx(0.0)
    assert value(table, "area_fort", "QP099001") == pytest.approx(0.5)  # ha
    # moyen and faible absent from the source: not computed, and said so
    assert np.isnan(value(table, "share_moyen_ou_fort", "QP099001"))
    assert reason(table, "share_moyen_ou_fort", "QP099001") == "scénario(s) moyen absent(s) de la source"


def test_nested_scenarios_are_united_not_added():
    flood = fx.flood([box(0, 0, 50, 100), box(0, 0, 75, 100), box(0, 0, 100, 100)], ["fort", "moyen", "faible"])
    table = ind.flood_indicators(ZONES_100, flood)
    assert value(table, "share_moyen_ou_fort", "QP099001") == pytest.approx(0.75)  # not 0.5 + 0.75
    assert value(table, "share_faible_ou_plus", "QP099001") == pytest.approx(1.0)


def test_residents_exposed_to_flood_are_area_weighted():
    flood = fx.flood([box(0, 0, 50, 100)], ["fort"])
    # a 100 m cell of 100 residents exactly on the QPV, half flooded → 50 exposed
    pop = fx.population([box(0, 0, 100, 100), box(500, 500, 600, 600)], [100.0, 40.0], support="carreau_200m")
    table = ind.flood_indicators(ZONES_100, flood, pop)
    assert value(table, "residents_fort", "QP099001") == pytest.approx(50.0)
    assert value(table, "residents_fort", "commune") == pytest.approx(50.0)


# -- shops ------------------------------------------------------------------------------------
def test_shops_vacancy_rate_and_densities():
    shops = fx.shops([Point(10, 10), Point(20, 20), Point(500, 500), Point(600, 600)], [True, False, False, False])
    pop = fx.population([box(0, 0, 1000, 1000)], [2000.0])
    table = ind.shops_indicators(ZONES_100, shops, pop)
    assert value(table, "shops", "commune") == 4
    assert value(table, "vacant", "commune") == 1
    assert value(table, "vacancy_rate", "commune") == pytest.approx(0.25)
    assert value(table, "vacancy_rate", "QP099001") == pytest.approx(0.5)  # 1 vacant of 2
    assert value(table, "shops_per_km2", "commune") == pytest.approx(4.0)
    assert value(table, "shops_per_km2", "QP099001") == pytest.approx(200.0)  # 2 shops on 0.01 km²
    assert value(table, "shops_per_1000", "commune") == pytest.approx(2.0)  # 4 shops, 2,000 residents
    assert value(table, "shops_per_1000", "QP099001") == pytest.approx(100.0)  # 2 shops, 20 residents


# -- cycle ------------------------------------------------------------------------------------
ZONES_500 = ind.make_zones(COMMUNE, fx.qpv([box(0, 0, 500, 500)]))  # 0.25 km² QPV


def test_cycle_km_inside_the_qpv():
    line = LineString([(-1000, 250), (1000, 250)])  # 2 km, of which 500 m inside the QPV, 1 km in the commune
    planned = LineString([(250, 0), (250, 400)])  # 400 m planned, inside the QPV
    cycle = fx.cycle(
        [line, planned], facility=["piste", "bande"], protected=[True, False], status=["existant", "projet"]
    )
    table = ind.cycle_indicators(ZONES_500, cycle)
    assert value(table, "km", "QP099001") == pytest.approx(0.5)
    assert value(table, "km", "commune") == pytest.approx(1.0)
    assert value(table, "km_piste", "hors_qpv") == pytest.approx(0.5)
    assert value(table, "km_per_km2", "QP099001") == pytest.approx(2.0)  # 0.5 km / 0.25 km²
    assert value(table, "protected_share", "commune") == pytest.approx(1.0)
    assert value(table, "km_projet", "QP099001") == pytest.approx(0.4)


def test_residents_within_300_m_of_a_protected_facility():
    # four 500 m cells of 100 residents; a protected track along x = 100 covers x ∈ [0, 400]
    cells = [box(0, 0, 500, 500), box(0, 500, 500, 1000), box(500, 0, 1000, 500), box(500, 500, 1000, 1000)]
    pop = fx.population(cells, [100.0] * 4, support="carreau_200m")
    cycle = fx.cycle([LineString([(100, -500), (100, 1500)])])
    table = ind.cycle_indicators(ZONES_500, cycle, pop, proximity_m=300)
    assert value(table, "residents_near_protected", "commune") == pytest.approx(160.0)  # 2 × 100 × 400/500
    assert value(table, "residents_near_protected", "QP099001") == pytest.approx(80.0)
    assert value(table, "share_near_protected", "commune") == pytest.approx(0.4)
    need = ind.target_need(ZONES_500, {"cycle": cycle, "population": pop}, "cycle", "protege", 300)
    assert need.frame.loc["commune", "need"] == pytest.approx(240.0)  # residents farther than 300 m


# -- population -------------------------------------------------------------------------------
def test_a_quarter_of_a_1km_cell_gives_250_residents():
    cell = fx.population([box(500, 500, 1500, 1500)], [1000.0])
    table = ind.population_indicators(ZONES_100, cell)
    assert value(table, "residents", "commune") == pytest.approx(250.0)
    assert value(table, "density", "commune") == pytest.approx(250.0)  # per km²
    assert value(table, "residents", "QP099001") == pytest.approx(0.0)


def test_poverty_fields_are_weighted_like_residents():
    cell = fx.population([box(0, 0, 200, 100)], [300.0], households=[100.0], poor_households=[20.0])
    table = ind.population_indicators(ZONES_100, cell)  # half the cell in the QPV
    assert value(table, "households", "QP099001") == pytest.approx(50.0)
    assert value(table, "poor_households", "QP099001") == pytest.approx(10.0)
    assert value(table, "poverty_rate", "QP099001") == pytest.approx(0.2)


def test_a_commune_total_is_not_spread_over_districts():
    total = fx.population([box(0, 0, 1000, 1000)], [5000.0], support="commune")
    table = ind.population_indicators(ZONES_100, total)
    assert value(table, "residents", "commune") == 5000.0
    assert np.isnan(value(table, "residents", "QP099001"))
    assert reason(table, "residents", "QP099001") == ind.COARSE_POPULATION_REASON
    flood = ind.flood_indicators(ZONES_100, fx.flood([box(0, 0, 50, 100)], ["fort"]), total)
    assert np.isnan(value(flood, "residents_fort", "commune"))


# -- heat -------------------------------------------------------------------------------------
def test_heat_shares_and_area_weighted_anomaly():
    heat = fx.heat(
        [box(0, 0, 25, 100), box(25, 0, 100, 100), box(100, 0, 1000, 1000), box(0, 100, 100, 1000)],
        ["chaud", "frais", "tiede", "tiede"],
        anomaly=[3.0, -1.0, 0.5, 0.5],
    )
    table = ind.heat_indicators(ZONES_100, heat)
    assert value(table, "share_chaud", "QP099001") == pytest.approx(0.25)
    assert value(table, "share_frais", "QP099001") == pytest.approx(0.75)
    assert value(table, "lst_anomaly_mean", "QP099001") == pytest.approx(0.0)  # 0.25 × 3 + 0.75 × (−1)
    assert value(table, "share_tiede", "commune") == pytest.approx(0.99)


# -- measures ---------------------------------------------------------------------------------
def test_need_share_and_equity_ratio_of_a_heat_measure():
    # QPV entirely chaud (1 ha of 1 ha); hors QPV 9.9 ha chaud of 99 ha → rates 1 and 0.1
    heat = fx.heat([box(0, 0, 100, 100), box(500, 0, 600, 990)], ["chaud", "chaud"])
    need = ind.target_need(ZONES_100, {"heat": heat}, "heat", "chaud")
    row = ind.summarise_need(ZONES_100, need, "qpv")
    assert row["status"] == "ok"
    assert row["need"] == pytest.approx(1.0)  # ha in scope (QPV)
    assert row["need_commune"] == pytest.approx(10.9)
    assert row["share_in_qpv"] == pytest.approx(1 / 10.9)
    assert row["equity_ratio"] == pytest.approx(10.0)
    per_qpv = ind.need_per_qpv(ZONES_100, need)
    assert per_qpv.loc[0, "rate"] == pytest.approx(1.0)
    assert per_qpv.loc[0, "share_of_commune"] == pytest.approx(1 / 10.9)


def test_equity_ratio_is_none_with_a_reason_when_hors_qpv_rate_is_zero():
    shops = fx.shops([Point(10, 10), Point(20, 20), Point(500, 500), Point(600, 600)], [True, False, False, False])
    need = ind.target_need(ZONES_100, {"shops": shops}, "shops", "vacant")
    row = ind.summarise_need(ZONES_100, need, "commune")
    assert (row["need"], row["need_in_qpv"], row["share_in_qpv"]) == (1.0, 1.0, 1.0)
    assert row["equity_ratio"] is None
    assert "égal(e) à 0 hors QPV" in row["reason"]


def test_without_qpv_the_split_is_missing_and_said_so():
    zones = ind.make_zones(COMMUNE, None)
    shops = fx.shops([Point(10, 10), Point(500, 500)], [True, False])
    need = ind.target_need(zones, {"shops": shops}, "shops", "vacant")
    commune_row = ind.summarise_need(zones, need, "commune")
    assert commune_row["status"] == "ok" and commune_row["need"] == 1.0
    assert commune_row["share_in_qpv"] is None and "aucun périmètre de QPV" in commune_row["reason"]
    qpv_row = ind.summarise_need(zones, need, "qpv")
    assert qpv_row["status"] == "no_qpv" and qpv_row["need"] is None


def test_a_missing_flood_scenario_makes_the_need_unavailable():
    flood = fx.flood([box(0, 0, 50, 100)], ["fort"])
    with pytest.raises(ind.NeedUnavailable, match="moyen"):
        ind.target_need(ZONES_100, {"flood": flood}, "flood", "moyen_ou_fort", flood_scenarios=["fort"])


# -- properties -------------------------------------------------------------------------------
coord = st.floats(-200, 1200, allow_nan=False)
size = st.floats(5, 600, allow_nan=False)
boxes = st.lists(st.tuples(coord, coord, size, size), min_size=1, max_size=6)


def _boxes(raw) -> list:
    return [box(x, y, x + w, y + h) for x, y, w, h in raw]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    qpv_raw=st.lists(st.tuples(st.floats(0, 250), coord, st.floats(5, 80), size), min_size=1, max_size=3),
    flood_raw=boxes,
    pop_raw=boxes,
    residents=st.lists(st.floats(0, 5000), min_size=6, max_size=6),
)
def test_properties_on_random_boxes(qpv_raw, flood_raw, pop_raw, residents):
    # QPV i lives in the vertical strip [i × 333, i × 333 + 330] so that QPV never overlap each other
    qpv = fx.qpv([box(i * 333 + x, y, i * 333 + x + w, y + h) for i, (x, y, w, h) in enumerate(qpv_raw)])
    zones = ind.make_zones(COMMUNE, qpv)
    flood = fx.flood(_boxes(flood_raw), ["fort"] * len(flood_raw))
    pop = fx.population(_boxes(pop_raw), residents[: len(pop_raw)])
    table = ind.flood_indicators(zones, flood, pop)
    shares = table[table["indicator"] == "share_fort"]["value"]
    assert ((shares >= -1e-12) & (shares <= 1 + 1e-9)).all()
    people = ind.residents(zones, pop)["population"]
    qpv_ids = zones.loc[zones["zone_kind"] == "qpv", "zone_id"]
    if "hors_qpv" in people.index:
        split = people[qpv_ids].sum() + people["hors_qpv"]
        assert split == pytest.approx(people["commune"], rel=1e-6, abs=1e-6)
    for layer, select in (("flood", "fort"), ("population", "tous")):
        need = ind.target_need(zones, {"flood": flood, "population": pop}, layer, select).frame["need"]
        assert need[qpv_ids].sum() <= need["commune"] * (1 + 1e-9) + 1e-9


# -- reference: geopandas.overlay on the demo town ------------------------------------------------
@pytest.fixture(scope="module")
def demo_layers():
    demo = pytest.importorskip("pipelines.demo")
    layers = demo.generate()
    return layers, ind.make_zones(layers["commune"], layers["qpv"])


def _overlay_area(zones: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.Series:
    """Reference: overlay each zone with the dissolved selection, then sum areas."""
    union = gpd.GeoDataFrame(geometry=[polygons.geometry.union_all()], crs=zones.crs)
    pieces = gpd.overlay(zones[["zone_id", "geometry"]], union, how="intersection", keep_geom_type=True)
    return pieces.assign(a=pieces.area).groupby("zone_id")["a"].sum().reindex(zones["zone_id"], fill_value=0.0)


def _overlay_residents(zones, population, mask=None) -> pd.Series:
    pop = population.assign(cell_area=population.area)[["population", "cell_area", "geometry"]]
    pieces = gpd.overlay(zones[["zone_id", "geometry"]], pop, how="intersection", keep_geom_type=True)
    if mask is not None:
        pieces = gpd.overlay(pieces, gpd.GeoDataFrame(geometry=[mask], crs=zones.crs), keep_geom_type=True)
    weighted = pieces["population"] * pieces.area / pieces["cell_area"]
    return weighted.groupby(pieces["zone_id"]).sum().reindex(zones["zone_id"], fill_value=0.0)


def _assert_close(fast: pd.Series, slow: pd.Series) -> None:
    fast, slow = fast.reindex(slow.index).to_numpy(float), slow.to_numpy(float)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(slow).max())))


def test_vectorised_functions_agree_with_overlay_on_the_demo_town(demo_layers):
    layers, zones = demo_layers
    assert (zones["zone_kind"] == "qpv").sum() == 2
    flood, heat, pop = layers["flood"], layers["heat"], layers["population"]
    for scenarios in ind.FLOOD_SELECTIONS.values():
        selected = flood[flood["scenario"].isin(scenarios)]
        _assert_close(ind.area_in_zones(zones, selected), _overlay_area(zones, selected))
        mask = selected.geometry.union_all()
        _assert_close(
            ind.residents(zones, pop, ind._geoms(selected))["population"], _overlay_residents(zones, pop, mask)
        )
    hot = heat[heat["heat_class"] == "chaud"]
    _assert_close(ind.area_in_zones(zones, hot), _overlay_area(zones, hot))
    _assert_close(ind.residents(zones, pop)["population"], _overlay_residents(zones, pop))
    cycle = layers["cycle"]
    pieces = gpd.overlay(cycle, zones[["zone_id", "geometry"]], how="intersection", keep_geom_type=True)
    slow = pieces.length.groupby(pieces["zone_id"]).sum().reindex(zones["zone_id"], fill_value=0.0)
    _assert_close(ind.length_in_zones(zones, cycle), slow)
    protected = ind.cycle_selection(cycle, "protege")
    buffers = shapely.union_all(shapely.buffer(protected.geometry.to_numpy(), 300))
    near = ind.residents(zones, pop, ind.near(protected, 300))["population"]
    _assert_close(near, _overlay_residents(zones, pop, buffers))
    shops = layers["shops"]
    joined = gpd.sjoin(shops, zones[["zone_id", "geometry"]], predicate="intersects")
    _assert_close(
        ind.count_in_zones(zones, shops), joined.groupby("zone_id").size().reindex(zones["zone_id"], fill_value=0)
    )


def test_a_qpv_stored_in_two_rows_is_one_zone():
    zones = ind.make_zones(COMMUNE, fx.qpv([box(0, 0, 100, 100), box(200, 0, 300, 100)], codes=["QP1", "QP1"]))
    assert list(zones["zone_id"]) == ["QP1", "hors_qpv", "commune"]
    assert zones["area_m2"].iloc[0] == pytest.approx(20_000)


def test_dissolve_overlaps_unites_nested_and_crossing_polygons_only():
    squares = [box(0, 0, 10, 10), box(2, 2, 4, 4), box(5, 0, 15, 10), box(15, 0, 20, 10), box(50, 50, 60, 60)]
    parts = ind.dissolve_overlaps(np.array(squares, dtype=object))
    # the small square lies inside the first; the first and third cross (union 150 m²); the fourth
    # only touches the third and stays apart; the last is alone: 150 + 50 + 100 = 300 m²
    assert shapely.area(parts).sum() == pytest.approx(300.0)
    assert len(parts) == 3
    parts = ind.near(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 0)])] * 2, crs=fx.CRS), 10)
    assert shapely.area(parts).sum() == pytest.approx(100 * 20 + np.pi * 100, rel=1e-2)  # one stadium, not two


def test_iris_are_units_of_the_commune_but_grid_cells_straddle_it():
    """An IRIS of 1,000 residents overhanging the commune by a quarter of its area stays whole in it;
    a grid cell in the same place counts only the three quarters inside."""
    commune = fx.commune(box(0, 0, 1000, 1000))
    zones = ind.make_zones(commune, fx.qpv([box(0, 0, 500, 1000)], codes=["QA"]))
    overhang = [box(250, 0, 1250, 1000)]  # 1 km², a quarter (x > 1000) outside the commune
    iris = ind.residents(zones, fx.population(overhang, [1000.0], support="iris"))["population"]
    grid = ind.residents(zones, fx.population(overhang, [1000.0], support="carreau_1km"))["population"]
    # IRIS clipped to the commune: 750 m of width inside, of which 250 m in the QPV → 1000 × 250/750
    assert iris.to_dict() == pytest.approx({"QA": 1000 / 3, "hors_qpv": 2000 / 3, "commune": 1000.0})
    assert grid.to_dict() == pytest.approx({"QA": 250.0, "hors_qpv": 500.0, "commune": 750.0})


def test_poor_households_need_three_cells():
    # three 1 km × 1/3 km cells: west (in the QPV) 100 households of which 50 poor; centre 100 / 20;
    # east 200 / 20. The QPV is the west cell: rate 0.5 against (20 + 20) / 300 hors QPV → ratio 3.75
    cells = fx.population(
        [box(0, 0, 1000 / 3, 1000), box(1000 / 3, 0, 2000 / 3, 1000), box(2000 / 3, 0, 1000, 1000)],
        [250.0, 250.0, 500.0],
        support="carreau_200m",
        households=[100.0, 100.0, 200.0],
        poor_households=[50.0, 20.0, 20.0],
    )
    zones = ind.make_zones(COMMUNE, fx.qpv([box(0, 0, 1000 / 3, 1000)]))
    need = ind.target_need(zones, {"population": cells}, "population", "menages_pauvres")
    assert need.unit == "ménages" and need.rate_label == "part des ménages pauvres"
    summary = ind.summarise_need(zones, need, "commune")
    assert summary["need"] == pytest.approx(90.0) and summary["need_in_qpv"] == pytest.approx(50.0)
    assert summary["share_in_qpv"] == pytest.approx(50 / 90)
    assert summary["rate_qpv"] == pytest.approx(0.5) and summary["rate_hors_qpv"] == pytest.approx(40 / 300)
    assert summary["equity_ratio"] == pytest.approx(3.75)


def test_poor_households_need_without_filosofi_is_unavailable():
    total = fx.population([box(0, 0, 1000, 1000)], [1000.0], support="commune")
    zones = ind.make_zones(COMMUNE)
    with pytest.raises(ind.NeedUnavailable, match=r"ménages pauvres inconnus : la population \(total communal\)"):
        ind.target_need(zones, {"population": total}, "population", "menages_pauvres")


def test_no_qpv_in_2024_says_so_instead_of_zero():
    cells = fx.population([box(0, 0, 1000, 1000)], [1000.0], support="carreau_200m")
    zones = ind.make_zones(COMMUNE, None)
    need = ind.target_need(zones, {"population": cells}, "population", "tous")
    reason = "sans objet : aucun QPV en 2024"
    scoped = ind.summarise_need(zones, need, "qpv", no_qpv_reason=reason)
    assert scoped["status"] == "no_qpv" and scoped["reason"].startswith(reason) and scoped["need_in_qpv"] is None
    commune = ind.summarise_need(zones, need, "commune", no_qpv_reason=reason)
    assert commune["need"] == pytest.approx(1000.0) and commune["share_in_qpv"] is None
    assert commune["reason"].startswith(reason)
