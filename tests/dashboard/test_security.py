"""Server hardening in the Flask test client: headers, body caps, callbacks, logs, paths, notice."""

from __future__ import annotations

import gzip
import io
import json
import logging
import textwrap

import dash
import flask
import pytest
from dash import Input, Output, dcc, html

from dashboard import security

MB = 1024 * 1024
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The mini town plus a bad programme file and a reason quoting absolute paths."""
    import minitown

    root = tmp_path_factory.mktemp("hostile")
    store, programmes = minitown.build(root)
    (programmes / "zz-casse.yaml").write_text("id: casse\nkind: programme_electoral\nmeasures: oops\n", "utf-8")
    path = store.folder("fictiveville") / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["layers"]["heat"]["reason"] = (
        f"lecture impossible de {security.settings.mirror_dir() or '/srv/miroir'}/lcz/redon/lcz.shp "
        f"(GDAL : /tmp/cartopolis-osm-x1/extrait.osm illisible), voir https://example.org/a/b.zip ; 2015/2024"
    )
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return store, programmes


@pytest.fixture(scope="module")
def app(hostile):
    from dashboard.app import create_app

    return create_app(*hostile)


@pytest.fixture
def client(app):
    return app.server.test_client()


def _callback_body(app, output: str = "sources-table.children") -> dict:
    spec = app.callback_map[output]
    return {
        "output": output,
        "outputs": {"id": "sources-table", "property": "children"},
        "inputs": [{**dep, "value": None} for dep in spec["inputs"]],
        "changedPropIds": [],
    }


def test_security_headers_on_every_kind_of_answer(client, app):
    answers = {
        "page": client.get("/"),
        "layout": client.get("/_dash-layout"),
        "api": client.get("/api/territories"),
        "api 404": client.get("/api/territories/nulle-part"),
        "asset": client.get("/assets/style.css"),
        "405": client.post("/", data=b"{}"),
        "callback 400": client.post("/_dash-update-component", json={"output": "x"}),
    }
    for name, answer in answers.items():
        for header, value in HEADERS.items():
            assert answer.headers.get(header) == value, (name, header)
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy, name
        assert "Server" not in answer.headers, name
    assert answers["page"].status_code == 200 and answers["405"].status_code == 405
    directives = answers["page"].headers["Content-Security-Policy"].split("; ")
    script_src = next(d for d in directives if d.startswith("script"))
    assert script_src.split()[1:] == ["'self'", *app.csp_hashes()]  # no 'unsafe-inline' for scripts


def test_reload_hash_is_not_answered_without_hot_reload(client):
    answer = client.get("/_reload-hash")
    assert answer.status_code == 404 and answer.is_json and "reloadHash" not in answer.get_data(as_text=True)


def test_body_caps_per_path(client, app):
    big = b"x" * (2 * MB)
    answer = client.post("/_dash-update-component", data=big, content_type="application/json")
    assert answer.status_code == 413 and answer.json == {"error": "corps de requête trop volumineux : 1 Mo au plus"}
    assert client.post("/api/territories", data=b"x" * (MB + 1)).status_code == 413
    # the programme upload has its own cap: 5 MB is let through to the route, 6 MB + 1 is not
    assert client.post("/api/import", data=b"x" * (5 * MB)).status_code != 413
    over = client.post("/api/import", data=b"x" * (6 * MB + 1))
    assert over.status_code == 413 and "Fichier trop gros" in over.json["error"]
    # a body under the cap still reaches the callback
    assert client.post("/_dash-update-component", json=_callback_body(app)).status_code == 200


def test_a_chunked_body_is_refused_unread(client):
    """No Content-Length (browsers always send one): 411 before any byte of the body is read."""
    read = []

    class Stream(io.BytesIO):
        def read(self, *args):
            read.append(args)
            return super().read(*args)

    answer = client.post(
        "/_dash-update-component",
        input_stream=Stream(b"[" + b"1," * MB + b"1]"),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
        headers={"Transfer-Encoding": "chunked"},
    )
    assert answer.status_code == 411 and answer.is_json
    assert read == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"pas du json", "un objet JSON est attendu"),
        (b"[1, 2]", "un objet JSON est attendu"),
        (json.dumps({"output": "inconnue.children"}).encode(), "sortie inconnue"),
        (json.dumps({"output": "classes.data"}).encode(), "sortie inconnue"),  # a clientside callback
        (json.dumps({"output": "sources-table.children", "inputs": "x"}).encode(), "entrées non conformes"),
        (json.dumps({"output": "sources-table.children", "inputs": [{"id": 3}]}).encode(), "entrées non conformes"),
    ],
)
def test_malformed_callbacks_answer_400_json_without_traceback(client, caplog, body, message):
    caplog.set_level(logging.INFO)
    answer = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    assert message in answer.json["error"]
    assert "Traceback" not in caplog.text and "Traceback" not in answer.get_data(as_text=True)


def test_client_values_are_logged_only_as_a_short_escaped_prefix(client, caplog):
    caplog.set_level(logging.INFO)
    marker = "INJECTION\n[ERROR] faux message " + "A" * 500_000
    answer = client.post("/_dash-update-component", json={"output": marker})
    assert answer.status_code == 400
    assert "\n[ERROR] faux message" not in caplog.text  # the newline is escaped, no forged line
    assert "INJECTION\\n[ERROR]" in caplog.text
    assert len(caplog.text) < 1_000


def test_a_failing_callback_is_a_500_json_with_one_short_log_line(caplog):
    server = flask.Flask(__name__)
    security.configure_server(server)
    app = dash.Dash(__name__, server=server)
    app.layout = html.Div([dcc.Input(id="in"), html.Div(id="out")])

    @app.callback(Output("out", "children"), Input("in", "value"))
    def explode(value):
        raise ValueError(f"valeur refusée : {value}")

    security.install(app)
    caplog.set_level(logging.INFO)
    body = {
        "output": "out.children",
        "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "in", "property": "value", "value": "Z" * 100_000}],
        "changedPropIds": ["in.value"],
    }
    answer = server.test_client().post("/_dash-update-component", json=body)
    assert answer.status_code == 500 and answer.json["error"].startswith("erreur interne pendant le rappel")
    (record,) = [r for r in caplog.records if r.name == "dashboard.security"]
    line = record.getMessage()
    assert "ValueError at test_security.py:" in line and "in explode" in line
    assert "Z" * 201 not in line and "…(100017 chars)" in line
    assert "Traceback" not in caplog.text


def test_geojson_and_geopackage_answers_are_compressed(client):
    plain = client.get("/api/territories/testville/layers/heat.geojson")
    packed = client.get("/api/territories/testville/layers/heat.geojson", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    gpkg = client.get("/export/testville/heat.gpkg", headers={"Accept-Encoding": "gzip"})
    assert gpkg.status_code == 200 and gpkg.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gpkg.data)[:16] == b"SQLite format 3\x00"


def test_redact_paths(tmp_path, monkeypatch):
    mirror = tmp_path / "raw"
    mirror.mkdir()
    monkeypatch.setenv("GEODATA_MIRROR", str(mirror))
    text = (
        f"{mirror}/qpv/QP_2015.shp: record 7 has no geometry (GDAL: {tmp_path}/store/redon/.flood.tmp). "
        "See https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip, 12 km/km² in 2015/2024 and /api/x"
    )
    clean = security.redact_paths({"layers": {"qpv": {"reason": text, "urls": [text]}}}, tmp_path / "store")
    reason = clean["layers"]["qpv"]["reason"]
    assert reason == (
        "qpv/QP_2015.shp: record 7 has no geometry (GDAL: redon/.flood.tmp). "
        "See https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip, 12 km/km² in 2015/2024 and /api/x"
    )
    assert clean["layers"]["qpv"]["urls"] == [reason]
    assert security.redact_paths("/etc/passwd est lu") == "passwd est lu"
    assert security.redact_paths("miroir /nonexistent/raw absent") == "miroir raw absent"


def test_no_absolute_path_reaches_the_api_or_the_page(client, hostile):
    store, _ = hostile
    answer = client.get("/api/territories/fictiveville")
    reason = answer.json["layers"]["heat"]["reason"]
    assert reason.startswith("lecture impossible de lcz/redon/lcz.shp (GDAL : extrait.osm illisible)")
    assert "https://example.org/a/b.zip ; 2015/2024" in reason
    for text in (answer.get_data(as_text=True), client.get("/api/territories").get_data(as_text=True)):
        assert "/tmp/" not in text and str(store.root) not in text


def test_a_bad_programme_file_is_left_out_with_a_french_notice(client, app):
    programmes = client.get("/api/programmes")
    assert programmes.status_code == 200
    assert [p["id"] for p in programmes.json["programmes"]] == ["test-prog"]
    assert programmes.json["excluded"] == [{"file": "zz-casse.yaml", "reason": "`measures:` must be a list, not a str"}]
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout", headers={"Referer": "http://x/?t=testville&v=programmes"})
    assert layout.status_code == 200
    notice = _find(layout.json, "programme-notice")
    assert notice["props"]["hidden"] is False and notice["props"]["role"] == "alert"
    (line,) = notice["props"]["children"]
    assert line["props"]["children"] == textwrap.dedent(
        "Programme écarté : le fichier « zz-casse.yaml » n'a pas pu être chargé "
        "(`measures:` must be a list, not a str)."
    )


def _find(node, component_id: str):
    """The component of a serialised Dash layout with ``component_id`` (depth-first)."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        children = node.get("props", {}).get("children")
        return _find(children, component_id) if children is not None else None
    if isinstance(node, list):
        for child in node:
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_short_escapes_and_cuts():
    assert security.short("a\nb") == "'a\\nb'"
    assert security.short("x" * 100, 10) == "'xxxxxxxxxx'…(100 chars)"
