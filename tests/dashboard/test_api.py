"""JSON API, map routes and exports, through Flask's test client on the mini town."""

from __future__ import annotations

import csv
import io
import json
import re

import pyogrio
import pytest

from dashboard.state import parse_query


def test_territories_list(client):
    answer = client.get("/api/territories")
    assert answer.status_code == 200
    body = answer.get_json()
    ids = [t["id"] for t in body["territories"]]
    assert ids == ["fictiveville", "testville"]
    fictive = body["territories"][0]
    assert fictive["fictional"] is True
    assert fictive["layers"] == {"commune": "ok", "heat": "unavailable"}


def test_territory_by_id_and_by_insee(client):
    by_id = client.get("/api/territories/testville").get_json()
    by_insee = client.get("/api/territories/99001").get_json()
    assert by_id["territory"]["name"] == by_insee["territory"]["name"] == "Testville"
    assert by_id["programmes"] == ["test-prog"]
    assert by_id["layers"]["qpv"]["rows"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/territories/atlantis",
        "/api/territories/atlantis/indicators",
        "/api/territories/atlantis/layers/qpv.geojson",
        "/api/territories/testville/layers/volcans.geojson",
        "/api/territories/fictiveville/layers/heat.geojson",
        "/api/programmes/inconnu",
        "/api/nimporte/quoi",
        "/export/atlantis/indicators.csv",
        "/export/testville/qpv.shp",
    ],
)
def test_unknown_ids_give_404_json(client, url):
    answer = client.get(url)
    assert answer.status_code == 404
    assert answer.mimetype == "application/json"
    error = answer.get_json()["error"]
    assert error and "Traceback" not in error


def test_unavailable_layer_404_names_the_reason_and_the_urls(client):
    answer = client.get("/api/territories/fictiveville/layers/heat.geojson")
    assert answer.status_code == 404
    body = answer.get_json()
    assert "aucune donnée de chaleur hors ligne" in body["error"]
    assert body["status"] == "unavailable"
    assert body["reason"] == "aucune donnée de chaleur hors ligne"
    assert body["urls"] == ["https://example.org/lcz"]
    assert body["declared"] == []  # the fixture records no declared source
    # a layer never recorded in the manifest says so
    never = client.get("/api/territories/fictiveville/layers/qpv.geojson").get_json()
    assert (never["status"], never["reason"], never["urls"]) == ("absent", "couche non construite", [])


def test_layer_geojson_in_wgs84(client):
    answer = client.get("/api/territories/testville/layers/shops.geojson")
    assert answer.status_code == 200
    data = answer.get_json()
    assert [f["properties"]["shop_id"] for f in data["features"]] == ["s1", "s2", "s3"]
    assert [f["properties"]["vacant"] for f in data["features"]] == [True, False, True]
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    assert 0 < lon < 5 and 45 < lat < 48 and round(lon, 6) == lon


def test_indicators_and_programmes(client):
    body = client.get("/api/territories/testville/indicators").get_json()
    assert (body["fictional"], body["provenance"]) == (False, "real")
    assert {r["provenance"] for r in body["indicators"]} == {"real"}
    fictive = client.get("/api/territories/fictiveville/indicators").get_json()
    assert (fictive["fictional"], fictive["provenance"]) == (True, "fictional")
    assert "inventées" in fictive["note"]
    fort = [r for r in body["indicators"] if r["zone_kind"] == "qpv" and r["indicator"] == "share_fort"]
    assert fort[0]["value"] == 0.5
    assert body["measures"][0]["need"] == 2.0
    programmes = client.get("/api/programmes").get_json()["programmes"]
    assert [(p["id"], p["measures_count"]) for p in programmes] == [("test-prog", 4)]
    detail = client.get("/api/programmes/test-prog").get_json()
    assert detail["measures"][0]["target"] == {
        "layer": "shops",
        "select": "vacant",
        "scope": "commune",
        "buffer_m": None,
    }


def _csv_rows(answer, sep: str = ",") -> list[dict]:
    assert answer.status_code == 200, answer.data
    assert answer.data.startswith("\ufeff".encode())  # BOM: Excel reads the accents
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=sep))


def test_csv_export_filters_layers(client):
    rows = _csv_rows(client.get("/export/testville/indicators.csv?layers=flood"))
    assert {r["layer"] for r in rows} == {"flood"}  # the mini table has no zone or population rows
    assert {r["section"] for r in rows} == {"indicateur"}
    assert [float(r["value"]) for r in rows if r["zone_kind"] == "qpv"] == [0.5]
    assert {(r["provenance"], r["licence"]) for r in rows} == {("real", "Licence Ouverte")}


def test_csv_export_with_a_measure_has_its_result_and_per_qpv_rows(client):
    query = "layers=flood&programme=test-prog&measure=vitrines"
    answer = client.get(f"/export/testville/indicators.csv?{query}")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="testville_vitrines_indicateurs.csv"'
    rows = _csv_rows(answer)
    # the toggled layer (flood) plus the target layer (shops): 3 + 2 indicator rows of the fixture
    assert [(r["layer"], r["zone_id"]) for r in rows if r["section"] == "indicateur"] == [
        ("flood", "QN09901A"),
        ("flood", "hors_qpv"),
        ("flood", "commune"),
        ("shops", "QN09901A"),
        ("shops", "commune"),
    ]
    result = {r["indicator"]: r for r in rows if r["section"] == "mesure"}
    # measures.parquet of the fixture: 2 vacant shops (s1 in the QPV, s3 outside), ratio 16
    assert {k: float(r["value"]) for k, r in result.items()} == {
        "need": 2.0,
        "need_in_qpv": 1.0,
        "share_in_qpv": 0.5,
        "equity_ratio": 16.0,
    }
    need = result["need"]
    assert (need["unit"], need["label"], need["status"], need["zone_id"], need["layer"]) == (
        "commerces",
        "vitrines vides",
        "ok",
        "commune",
        "shops",
    )
    assert (need["programme"], need["measure_id"]) == ("test-prog", "vitrines")
    per_qpv = {
        r["indicator"]: (r["zone_id"], r["zone_name"], float(r["value"])) for r in rows if r["section"] == "mesure_qpv"
    }
    assert per_qpv == {
        "need": ("QN09901A", "Les Tilleuls", 1.0),
        "share_of_commune": ("QN09901A", "Les Tilleuls", 0.5),
        "rate": ("QN09901A", "Les Tilleuls", 0.5),
    }


def test_csv_export_of_a_measure_without_result_keeps_the_reason(client):
    # « veto » is non-spatial and absent from the fixture's measures table
    rows = _csv_rows(client.get("/export/testville/indicators.csv?layers=flood&programme=test-prog&measure=veto"))
    measure = [r for r in rows if r["section"] == "mesure"]
    assert [(r["indicator"], r["value"], r["status"]) for r in measure] == [("need", "", "non_evaluee")]
    assert "relancer le calcul des mesures" in measure[0]["reason"]
    assert client.get("/export/testville/indicators.csv?programme=test-prog&measure=inconnue").status_code == 404


def test_csv_export_for_french_excel(client):
    rows = _csv_rows(client.get("/export/testville/indicators.csv?layers=flood&sep=;"), sep=";")
    assert [r["value"] for r in rows if r["zone_kind"] == "qpv"] == ["0,5"]  # decimal comma
    assert client.get("/export/testville/indicators.csv?sep=|").status_code == 400


def test_measures_csv_export(client):
    rows = _csv_rows(client.get("/export/testville/measures.csv"))
    assert [(r["measure_id"], float(r["need"]), r["need_unit"], r["status"]) for r in rows] == [
        ("vitrines", 2.0, "commerces", "ok"),
        ("chaleur-qpv", 25.0, "ha", "ok"),
    ]
    assert rows[0]["equity_ratio"] == "16.0" and rows[1]["equity_ratio"] == ""
    assert {r["provenance"] for r in rows} == {"real"}
    assert client.get("/export/fictiveville/measures.csv").status_code == 404


def test_layer_geojson_says_its_provenance(client):
    real = client.get("/api/territories/testville/layers/qpv.geojson").get_json()
    assert real["cartopolis"]["provenance"] == "real"
    assert real["cartopolis"]["publishers"] == ["Éditeur test"]
    assert real["features"][0]["properties"]["licence"] == "Licence Ouverte"
    fictive = client.get("/api/territories/fictiveville/layers/commune.geojson").get_json()
    member = fictive["cartopolis"]
    assert (member["territory"], member["layer"], member["fictional"], member["provenance"]) == (
        "fictiveville",
        "commune",
        True,
        "fictional",
    )
    assert member["vintages"] == ["fictif"] and "inventées" in member["note"]
    assert fictive["features"][0]["properties"]["provenance"] == "fictional"


def test_gpkg_export_is_lambert93_and_reads_back(client, tmp_path):
    answer = client.get("/export/testville/flood.gpkg")
    assert answer.status_code == 200
    path = tmp_path / "flood.gpkg"
    path.write_bytes(answer.data)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 2154
    assert sorted(frame["scenario"]) == ["fort", "moyen"]
    assert set(frame["provenance"]) == {"real"} and set(frame["licence"]) == {"Licence Ouverte"}
    assert frame.area.sum() == pytest.approx(500_000.0)  # two 1000 m × 250 m rectangles


def test_geojson_export_of_a_measure_target(client, tmp_path):
    answer = client.get("/export/testville/target.geojson?programme=test-prog&measure=vitrines")
    assert answer.status_code == 200
    path = tmp_path / "target.geojson"
    path.write_bytes(answer.data)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 4326
    assert sorted(frame["shop_id"]) == ["s1", "s3"]  # the two vacant shops
    member = json.loads(answer.data)["cartopolis"]
    assert (member["territory"], member["layer"], member["provenance"]) == ("testville", "shops", "real")


def test_map_route_and_target(client):
    layer = client.get("/carto/testville/qpv/0.geojson").get_json()
    assert layer["features"][0]["properties"]["_k"] == "qpv"
    assert layer["features"][0]["properties"]["_t"].startswith("QPV Les Tilleuls (QN09901A)")
    target = client.get("/carto/testville/target/1.geojson?programme=test-prog&measure=chaleur-qpv").get_json()
    assert len(target["features"]) == 1
    assert client.get("/carto/testville/target/1.geojson?programme=test-prog&measure=veto").status_code == 404


def test_page_is_french_and_offline(client):
    page = client.get("/").data.decode()
    assert '<html lang="fr">' in page
    assert not re.findall(r'(?:src|href)="https?://', page)
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Testville (99001)" in layout and "Fictiveville (99002) — fictif" in layout


def test_empty_store_page_says_what_to_do(tmp_path):
    from dashboard.app import create_app
    from pipelines.store import Store

    app = create_app(Store(tmp_path / "vide"), tmp_path / "aucun-programme")
    layout = json.dumps(app.server.test_client().get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "Aucune donnée n'est encore construite" in layout


def test_parse_query():
    assert parse_query("?t=ales&v=programmes&p=x&m=y&l=qpv,flood,bogus") == {
        "t": "ales",
        "v": "programmes",
        "p": "x",
        "m": "y",
        "l": ["qpv", "flood"],
        "c": {},
    }
    assert parse_query("")["l"] is None
    # classes within layers; an empty ``l`` means no layer (not the defaults)
    assert parse_query("?l=qpv,flood:fort,flood:faible,shops:vacant")["c"] == {
        "flood": ["fort", "faible"],
        "shops": ["vacant"],
    }
    assert parse_query("?t=ales&l=")["l"] == []
