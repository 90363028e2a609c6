"""A layer whose update failed is still served, as its last good version, and says so in French."""

from __future__ import annotations

import json
import re

import pytest
from _expect import expect

from pipelines.store import Store

TRI = "flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp"
NOTICE = r"^données du \d\d/\d\d/\d{4}, la mise à jour a échoué : mirror file of source `georisques.tri.24` `flood/"


@pytest.fixture
def stale_client(env, tmp_path):
    path = env.own(TRI)
    path.write_bytes(path.read_bytes()[:1000])
    code, out = env.run()
    expect(code, out, 1, r"failed: perigueux/flood \(last good version kept\)")
    from dashboard.app import create_app

    return create_app(Store(env.store), tmp_path / "aucun-programme").server.test_client()


def test_api_serves_the_last_good_layer_with_the_notice(stale_client):
    answer = stale_client.get("/api/territories/perigueux/layers/flood.geojson")
    assert answer.status_code == 200
    body = json.loads(answer.data)
    assert len(body["features"]) == 36  # the 36 polygons of the good build, not 0
    assert body["cartopolis"]["stale"] is True and re.match(NOTICE, body["cartopolis"]["notice"])


def test_api_manifest_and_list_carry_the_notice(stale_client):
    manifest = json.loads(stale_client.get("/api/territories/perigueux").data)
    flood = manifest["layers"]["flood"]
    assert flood["status"] == "stale" and re.match(NOTICE, flood["notice"])
    assert "notice" not in manifest["layers"]["qpv"]
    listed = json.loads(stale_client.get("/api/territories").data)["territories"]
    row = next(t for t in listed if t["id"] == "perigueux")
    assert row["layers"]["flood"] == "stale" and list(row["notices"]) == ["flood"]
    assert "/tmp/" not in json.dumps(manifest)  # reasons name files relative to the mirror


def test_map_layer_of_a_stale_layer_is_drawn(stale_client):
    answer = stale_client.get("/carto/perigueux/flood/0.geojson")
    assert answer.status_code == 200 and len(json.loads(answer.data)["features"]) == 36


def _texts(component) -> list[str]:
    """Every text a person reads in a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    return _texts(getattr(component, "children", None) or [])


def test_map_badge_and_sources_page_say_it_in_french(env, tmp_path):
    path = env.own(TRI)
    path.write_bytes(path.read_bytes()[:1000])
    assert env.run("--only", "flood")[0] == 1
    from dashboard.components.badges import badges
    from dashboard.data import Data
    from dashboard.views.sources import sources_table

    data = Data(Store(env.store), tmp_path / "aucun-programme")
    shown = _texts(badges(data, "perigueux", ["qpv", "flood"]))
    notices = [t for t in shown if "la mise à jour a échoué" in t]
    assert len(notices) == 2  # under the badge, and first of the layer's notes (in « détails »)
    assert re.match(r"^Zones inondables : données du \d\d/\d\d/\d{4}, la mise à jour a échoué : mirror", notices[1])
    page = " ".join(_texts(sources_table(data)))
    assert "version précédente : mirror file of source `georisques.tri.24`" in page
    assert re.search(r"données du \d\d/\d\d/\d{4}, la mise à jour a échoué : mirror file", page)
