"""Flask routes on the dashboard's server: the JSON API, map layers, and exports.

JSON API (read-only, UTF-8):

- ``/api/territories``: every built territory (id, name, insee, fictional, layer statuses)
- ``/api/territories/<id>``: its manifest (id or INSEE code)
- ``/api/territories/<id>/layers/<layer>.geojson``: the layer in EPSG:4326, 6 decimals
- ``/api/territories/<id>/indicators``: rows of ``indicators.parquet``
- ``/api/programmes``, ``/api/programmes/<id>``: programmes and their measures

Map layers for the browser: ``/carto/<id>/<layer>/<band>.geojson`` (simplified, styled).
Exports of the current selection: ``/export/<id>/indicators.csv``, ``/export/<id>/<layer>.geojson``
and ``.gpkg`` (EPSG:2154; a measure's target with ``?programme=…&measure=…``).

Unknown ids give a 404 with ``{"error": "…"}``; any other failure a 500 with a JSON error (the
traceback goes to the server log, never to the client).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import tempfile
from pathlib import Path

import flask
import geopandas as gpd
import pandas as pd
import pyogrio

from pipelines.schemas import CONTEXT_LAYERS, LAYERS
from pipelines.settings import CRS_L93, CRS_WGS84

from . import maps
from .data import Data

log = logging.getLogger(__name__)
EXPORT_LAYERS = (*LAYERS, *CONTEXT_LAYERS)


class NotFound(Exception):
    """An unknown territory, layer, programme or measure (becomes a 404 JSON answer)."""


def _json(data: object, status: int = 200) -> flask.Response:
    text = json.dumps(data, ensure_ascii=False, default=_default)
    return flask.Response(text, status=status, mimetype="application/json")


def _default(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN → None."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")


def programme_json(programme, full: bool = True) -> dict:
    """A programme as JSON (measures included when ``full``)."""
    out = {
        "id": programme.id,
        "title": programme.title,
        "kind": programme.kind,
        "source": programme.source,
        "territories": list(programme.territories),
        "measures_count": len(programme.measures),
        "collectives_count": len(programme.collectives),
    }
    if full:
        out["metadata"] = programme.metadata
        out["measures"] = [dataclasses.asdict(m) for m in programme.measures]
        out["collectives"] = [dataclasses.asdict(c) for c in programme.collectives]
    return out


def _territory(data: Data, key: str) -> str:
    tid = data.resolve(key)
    if tid is None:
        raise NotFound(f"territoire inconnu : « {key} »")
    return tid


def _layer_frame(data: Data, tid: str, layer: str) -> gpd.GeoDataFrame:
    if layer not in EXPORT_LAYERS:
        raise NotFound(f"couche inconnue : « {layer} » (couches : {', '.join(EXPORT_LAYERS)})")
    frame = data.frame(tid, layer)
    if frame is None:
        entry = data.layer_entry(tid, layer) or {}
        reason = entry.get("reason") or "couche non construite"
        raise NotFound(f"couche « {layer} » indisponible pour « {tid} » : {reason}")
    return frame


def _selection(data: Data, tid: str, layer: str, args) -> tuple[gpd.GeoDataFrame, str]:
    """The frame to export and its file stem: a layer, or a measure's target (``layer == target``)."""
    if layer != "target":
        return _layer_frame(data, tid, layer), f"{tid}_{layer}"
    programme = data.programme(args.get("programme"))
    if programme is None:
        raise NotFound(f"programme inconnu : « {args.get('programme')} »")
    try:
        measure = programme.measure(args.get("measure", ""))
    except KeyError:
        raise NotFound(f"mesure inconnue : « {args.get('measure')} »") from None
    if measure.target is None:
        raise NotFound(f"la mesure « {measure.id} » n'a pas de lieu (non spatialisée)")
    frame = _layer_frame(data, tid, measure.target.layer)
    t = measure.target
    chosen = maps.select_features(t.layer, frame, t.select)
    area = maps.scope_area(t.scope, data.frame(tid, "qpv"), data.frame(tid, "commune"))
    if area is not None:
        chosen = chosen[chosen.intersects(area)]
    return chosen, f"{tid}_{measure.id}"


def _send_temp(path: Path, name: str, mimetype: str) -> flask.Response:
    payload = path.read_bytes()
    response = flask.Response(payload, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def write_export(frame: gpd.GeoDataFrame, fmt: str, folder: Path, stem: str) -> Path:
    """Write a frame as GeoJSON (EPSG:4326) or GeoPackage (EPSG:2154) with pyogrio; return the path."""
    frame = maps.export_frame(frame)
    if fmt == "geojson":
        path = folder / f"{stem}.geojson"
        out = frame.to_crs(CRS_WGS84)
        out["geometry"] = maps.round_coordinates(out.geometry.values)
        pyogrio.write_dataframe(out, path, driver="GeoJSON", layer=stem)
    else:
        path = folder / f"{stem}.gpkg"
        pyogrio.write_dataframe(frame.to_crs(CRS_L93), path, driver="GPKG", layer=stem)
    return path


def register(server: flask.Flask, data: Data) -> None:
    """Add the API, map and export routes to ``server``."""

    @server.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return _json({"error": str(exc)}, 404)

    def _guard(view):
        # Every route answers JSON on failure; the traceback stays in the server log.
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except NotFound:
                raise
            except Exception:  # noqa: BLE001 - never send a stack trace to the client
                log.exception("route %s failed", flask.request.path)
                return _json({"error": "erreur interne du serveur (détails dans le journal)"}, 500)

        wrapped.__name__ = view.__name__
        return wrapped

    @server.route("/api/territories")
    @_guard
    def api_territories():
        out = []
        for info in data.territories():
            layers = data.manifest(info["id"]).get("layers") or {}
            out.append({**info, "layers": {k: v.get("status") for k, v in layers.items()}})
        return _json({"territories": out})

    @server.route("/api/territories/<key>")
    @_guard
    def api_territory(key: str):
        tid = _territory(data, key)
        manifest = data.manifest(tid)
        return _json({**manifest, "programmes": [p.id for p in data.programmes_for(tid)]})

    @server.route("/api/territories/<key>/layers/<layer>.geojson")
    @_guard
    def api_layer(key: str, layer: str):
        tid = _territory(data, key)
        frame = maps.export_frame(_layer_frame(data, tid, layer))
        out = maps.to_wgs84(frame)
        props = pd.DataFrame(out.drop(columns="geometry"))
        props = props.astype(object).where(props.notna(), None)
        text = maps.feature_collection(out, props)
        return flask.Response(text, mimetype="application/geo+json")

    @server.route("/api/territories/<key>/indicators")
    @_guard
    def api_indicators(key: str):
        tid = _territory(data, key)
        table = data.table(tid, "indicators")
        measures = data.table(tid, "measures")
        return _json(
            {
                "territory": tid,
                "indicators": [] if table is None else _records(table),
                "measures": [] if measures is None else _records(measures),
            }
        )

    @server.route("/api/programmes")
    @_guard
    def api_programmes():
        return _json({"programmes": [programme_json(p, full=False) for p in data.programmes().values()]})

    @server.route("/api/programmes/<programme_id>")
    @_guard
    def api_programme(programme_id: str):
        programme = data.programme(programme_id)
        if programme is None:
            raise NotFound(f"programme inconnu : « {programme_id} »")
        return _json(programme_json(programme))

    @server.route("/api/<path:rest>")
    def api_unknown(rest: str):
        return _json({"error": f"adresse d'API inconnue : /api/{rest}"}, 404)

    @server.route("/carto/_national/departements.geojson")
    @_guard
    def carto_national():
        text = data.national_outline
        if text is None:
            raise NotFound("contours des départements indisponibles (table des communes absente)")
        response = flask.Response(text, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @server.route("/carto/<key>/<layer>/<int:band>.geojson")
    @_guard
    def carto_layer(key: str, layer: str, band: int):
        tid = _territory(data, key)
        if layer == "target":
            programme = data.programme(flask.request.args.get("programme"))
            measure = None
            if programme is not None:
                measure = next((m for m in programme.measures if m.id == flask.request.args.get("measure")), None)
            if measure is None or measure.target is None:
                raise NotFound("mesure inconnue ou sans lieu")
            text = data.target_geojson(tid, measure.target)
        else:
            if layer not in EXPORT_LAYERS:
                raise NotFound(f"couche inconnue : « {layer} »")
            text = data.geojson(tid, layer, band)
        if text is None:
            raise NotFound(f"couche « {layer} » indisponible pour « {tid} »")
        response = flask.Response(text, mimetype="application/geo+json")
        # The URL carries the file version (?v=sha), so the browser may keep it.
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @server.route("/export/<key>/indicators.csv")
    @_guard
    def export_indicators(key: str):
        tid = _territory(data, key)
        table = data.table(tid, "indicators")
        if table is None:
            raise NotFound(f"aucun indicateur calculé pour « {tid} »")
        wanted = [x for x in flask.request.args.get("layers", "").split(",") if x]
        if wanted and "layer" in table:
            # the zone rows (area, residents) are the denominators of every other indicator
            table = table[table["layer"].isin([*wanted, "zone"])]
        text = table.to_csv(index=False)
        response = flask.Response("\ufeff" + text, mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{tid}_indicateurs.csv"'
        return response

    @server.route("/export/<key>/<layer>.<fmt>")
    @_guard
    def export_layer(key: str, layer: str, fmt: str):
        if fmt not in ("geojson", "gpkg"):
            raise NotFound(f"format inconnu : « {fmt} » (geojson ou gpkg)")
        tid = _territory(data, key)
        frame, stem = _selection(data, tid, layer, flask.request.args)
        with tempfile.TemporaryDirectory(prefix="cartopolis-export-") as folder:
            path = write_export(frame, fmt, Path(folder), stem)
            mimetype = "application/geo+json" if fmt == "geojson" else "application/geopackage+sqlite3"
            return _send_temp(path, os.path.basename(path), mimetype)
