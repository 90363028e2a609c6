"""The dashboard served from PostGIS answers exactly what it answers from the GeoParquet store.

The demo town and Alès (from the mirror) and the national QPV table are built into a folder store,
published into PostGIS, and every API route, map layer, export and the page layout of both
territories and of the national view is requested from two apps, one per store: JSON answers must
be equal value for value, GeoJSON and CSV byte for byte, GeoPackages feature for feature; « Mon
quartier » gives the same card.
"""

from __future__ import annotations

import json

import pyogrio
import pytest

from dashboard.app import create_app
from dashboard.data import Data
from dashboard.views import place
from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.measures import load_programmes
from pipelines.national_qpv import build_national_qpv
from pipelines.publish import publish_national, publish_territory
from pipelines.schemas import CONTEXT_LAYERS, LAYERS
from pipelines.store import Store, open_store

TERRITORIES = ("demo", "ales")


@pytest.fixture(scope="module")
def stores(mirror, postgis_database, tmp_path_factory):
    """The folder store with demo, Alès and the national QPV table, and the PostGIS store they are published to."""
    from pipelines import _pgserver

    _pgserver.empty_database(postgis_database)
    catalog = Catalog.load()
    folder = Store(tmp_path_factory.mktemp("parquet") / "layers")
    for territory in TERRITORIES:
        build_territory(catalog.territory(territory), catalog, folder, offline=True, mirror=mirror, log=lambda m: None)
    build_national_qpv(folder, catalog, offline=True, mirror=mirror)
    postgis = open_store(postgis_database)
    for territory in TERRITORIES:
        publish_territory(folder, postgis, territory)
    assert "qpv" in publish_national(folder, postgis)  # every QPV of France, in EPSG:4326
    yield folder, postgis
    postgis.close()


@pytest.fixture(scope="module")
def clients(stores):
    return tuple(create_app(store).server.test_client() for store in stores)


def _urls(client) -> list[str]:
    """Every answer the dashboard gives about the two territories (and the programmes)."""
    urls = ["/api/territories", "/api/programmes", "/carto/_national/qpv.geojson"]
    programmes = load_programmes()
    urls += [f"/api/programmes/{pid}" for pid in programmes]
    for territory in TERRITORIES:
        manifest = client.get(f"/api/territories/{territory}").get_json()
        insee = manifest["territory"]["insee"]
        urls += [f"/api/territories/{territory}", f"/api/territories/{insee}"]
        urls += [f"/api/territories/{territory}/indicators"]
        urls += [f"/export/{territory}/indicators.csv", f"/export/{territory}/indicators.csv?sep=;"]
        urls += [f"/export/{territory}/measures.csv"]
        for layer in (*LAYERS, *CONTEXT_LAYERS):
            urls.append(f"/api/territories/{territory}/layers/{layer}.geojson")  # 404 JSON when unavailable
            urls.append(f"/export/{territory}/{layer}.geojson")
            urls += [f"/carto/{territory}/{layer}/{band}.geojson" for band in (0, 1, 2)]
        for programme in programmes.values():
            if territory not in programme.territories:
                continue
            for measure in programme.measures:
                query = f"programme={programme.id}&measure={measure.id}"
                urls.append(f"/export/{territory}/indicators.csv?{query}")
                if measure.target is not None:
                    urls.append(f"/export/{territory}/target.geojson?{query}")
    return urls


def test_every_answer_about_demo_and_ales_is_the_same_from_postgis(clients):
    parquet, postgis = clients
    urls = _urls(parquet)
    ok = 0
    for url in urls:
        left, right = parquet.get(url), postgis.get(url)
        assert (left.status_code, left.mimetype) == (right.status_code, right.mimetype), url
        if left.mimetype == "application/json":
            assert left.get_json() == right.get_json(), url
        else:
            assert left.data == right.data, url
        ok += left.status_code == 200
    print(f"{len(urls)} answers compared, {ok} of them 200")
    assert len(urls) > 200 and ok > 100  # most of them are real answers, not 404s


def test_geopackage_exports_hold_the_same_features(clients, tmp_path):
    parquet, postgis = clients
    compared = 0
    for territory in TERRITORIES:
        for layer in (*LAYERS, *CONTEXT_LAYERS):
            left = parquet.get(f"/export/{territory}/{layer}.gpkg")
            right = postgis.get(f"/export/{territory}/{layer}.gpkg")
            assert left.status_code == right.status_code, (territory, layer)
            if left.status_code != 200:
                continue
            paths = [tmp_path / f"{side}.gpkg" for side in ("parquet", "postgis")]
            for path, answer in zip(paths, (left, right), strict=True):
                path.write_bytes(answer.data)
            a, b = (pyogrio.read_dataframe(path) for path in paths)
            assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), (territory, layer)
            assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all() and a.crs == b.crs, (territory, layer)
            compared += 1
    assert compared >= 10


def test_the_national_view_is_the_same_from_postgis(clients):
    parquet, postgis = clients
    national = parquet.get("/carto/_national/qpv.geojson")
    assert national.status_code == 200 and national.data == postgis.get("/carto/_national/qpv.geojson").data
    headers = {"Referer": "http://127.0.0.1/?t=_national"}
    left = parquet.get("/_dash-layout", headers=headers).get_json()
    right = postgis.get("/_dash-layout", headers=headers).get_json()
    assert json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)
    assert "Villeneuve - Village Olympique" in national.data.decode()


def test_the_place_card_is_the_same_from_postgis(stores):
    cards = []
    for store in stores:
        data = Data(store)
        point, label = place.place_point(data, "ales", "qpv:QN03001I")
        where = place.to_territory_crs(point.x, point.y, data.territory_crs("ales"))
        cards.append((point.wkt, label, str(place.place_card(data, "ales", where, label))))
    assert cards[0] == cards[1]
    assert (
        cards[0][1] == "QPV Près Saint Jean - Cévennes - Tamaris - Cauvel-la Royale - Rochebelle - Centre ville"
        and "44,3" in cards[0][2]
    )


def test_the_pages_are_the_same_from_postgis(clients):
    parquet, postgis = clients
    for territory in TERRITORIES:
        for view in ("carte", "programmes", "sources"):
            headers = {"Referer": f"http://127.0.0.1/?t={territory}&v={view}"}
            left = parquet.get("/_dash-layout", headers=headers).get_json()
            right = postgis.get("/_dash-layout", headers=headers).get_json()
            assert json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True), (territory, view)
