"""Provenance labels of the exports: pure functions, and the demo town built into a temporary store."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pyogrio
import pytest

from dashboard import exports

OSM_LICENCE = "ODbL 1.0, © les contributeurs d'OpenStreetMap"


def _manifest(kind: str = "real", licences=(OSM_LICENCE,), fictional: bool = False) -> dict:
    prov = {
        "kind": kind,
        "publishers": ["Contributeurs OpenStreetMap"],
        "licences": list(licences),
        "vintages": ["2019"],
    }
    return {
        "territory": {"id": "t", "name": "Ville T", "fictional": fictional},
        "layers": {"shops": {"status": "ok", "provenance": prov}},
    }


def test_osm_layer_carries_the_odbl_attribution_once():
    info = exports.provenance(_manifest(), "t", "shops")
    assert info["attribution"] == "© les contributeurs d'OpenStreetMap, ODbL"
    assert info["licence"] == OSM_LICENCE  # already names the contributors: not repeated
    derived = exports.provenance(_manifest(licences=["ODbL 1.0 (dérivé d'OpenStreetMap)", "CC BY 4.0"]), "t", "shops")
    assert derived["licence"] == (
        "ODbL 1.0 (dérivé d'OpenStreetMap) ; CC BY 4.0 ; © les contributeurs d'OpenStreetMap, ODbL"
    )
    assert (derived["provenance"], derived["fictional"]) == ("real", False)


def test_fictional_territory_is_fictional_whatever_the_layer():
    info = exports.provenance(_manifest(fictional=True), "t", "population")  # layer not in the manifest
    assert (info["provenance"], info["fictional"], info["licences"]) == ("fictional", True, [])
    assert info["note"] == exports.FICTIONAL_NOTE


def test_member_is_inserted_in_compact_and_indented_geojson():
    info = {"provenance": "fictional"}
    compact = exports.with_member('{"type":"FeatureCollection","features":[]}', info)
    assert compact == '{"type":"FeatureCollection","cartopolis":{"provenance": "fictional"},"features":[]}'
    indented = json.loads(exports.with_member('{\n"type": "FeatureCollection",\n"name": "x",\n"features": []\n}', info))
    assert list(indented) == ["type", "cartopolis", "name", "features"]
    reordered = json.loads(exports.with_member('{"features": [], "type": "FeatureCollection"}', info))
    assert list(reordered) == ["type", "cartopolis", "features"]


def test_non_spatial_measure_keeps_one_need_row_with_its_reason():
    measure = pd.Series(
        {
            "programme": "p",
            "measure_id": "m",
            "territory": "t",
            "layer": None,
            "need": float("nan"),
            "need_unit": None,
            "need_label": None,
            "share_in_qpv": float("nan"),
            "status": "non_spatial",
            "reason": "procédure, sans lieu",
        }
    )
    rows = exports.measure_rows(measure, None, "Ville T")
    assert rows[["section", "indicator", "status", "reason"]].values.tolist() == [
        ["mesure", "need", "non_spatial", "procédure, sans lieu"]
    ]
    assert rows["value"].isna().all()


# -- the demo town built into tmp ------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_client(tmp_path_factory):
    from dashboard.app import create_app
    from pipelines.build import build_territory
    from pipelines.catalog import Catalog
    from pipelines.store import Store

    catalog = Catalog.load()
    store = Store(tmp_path_factory.mktemp("demo") / "layers")
    build_territory(catalog.territory("demo"), catalog, store, log=lambda _: None, only=["commune", "qpv", "shops"])
    return create_app(store, tmp_path_factory.mktemp("no-programme")).server.test_client(), store


def test_demo_geojson_export_is_labelled_fictional(demo_client, tmp_path):
    client, store = demo_client
    answer = client.get("/export/demo/shops.geojson")
    assert answer.status_code == 200
    body = json.loads(answer.data)
    member = body["cartopolis"]
    assert (member["territory"], member["layer"], member["provenance"], member["fictional"]) == (
        "demo",
        "shops",
        "fictional",
        True,
    )
    assert member["vintages"] == ["fictif"] and "inventées" in member["note"]
    assert len(body["features"]) == len(store.read_layer("demo", "shops"))
    assert {f["properties"]["provenance"] for f in body["features"]} == {"fictional"}
    path = tmp_path / "shops.geojson"
    path.write_bytes(answer.data)
    assert set(pyogrio.read_dataframe(path)["provenance"]) == {"fictional"}  # GDAL ignores the member


def test_demo_geopackage_reads_back_fictional(demo_client, tmp_path):
    client, store = demo_client
    answer = client.get("/export/demo/qpv.gpkg")
    assert answer.status_code == 200
    path = tmp_path / "qpv.gpkg"
    path.write_bytes(answer.data)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 2154
    assert len(frame) == len(store.read_layer("demo", "qpv"))
    assert set(frame["provenance"]) == {"fictional"}
    assert set(frame["licence"]) == {"Licence Ouverte / Etalab 2.0"}
    metadata = pyogrio.read_info(path)["layer_metadata"]
    assert metadata["provenance"] == "fictional" and metadata["territory"] == "demo"
    assert "inventées" in metadata["DESCRIPTION"]


def test_demo_api_and_csv_say_fictional(demo_client):
    client, _ = demo_client
    layer = client.get("/api/territories/demo/layers/qpv.geojson").get_json()
    assert layer["cartopolis"]["provenance"] == "fictional"
    assert client.get("/api/territories/demo/indicators").get_json()["fictional"] is True
    answer = client.get("/export/demo/indicators.csv?layers=shops")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert {r["layer"] for r in rows} == {"zone", "shops"}  # population was not built
    assert {r["provenance"] for r in rows} == {"fictional"}
