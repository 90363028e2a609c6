"""Flask routes on the dashboard's server: the JSON API, map layers, and exports.

JSON API (read-only, UTF-8):

- ``/api/territories``: every built territory (id, name, insee, fictional, layer statuses)
- ``/api/territories/<id>``: its manifest (id or INSEE code)
- ``/api/territories/<id>/layers/<layer>.geojson``: the layer in EPSG:4326, 6 decimals
- ``/api/territories/<id>/indicators``: rows of ``indicators.parquet``
- ``/api/programmes``, ``/api/programmes/<id>``: programmes and their measures

Map layers for the browser: ``/carto/<id>/<layer>/<band>.geojson`` (simplified, styled).
Exports of the current selection (formats in :mod:`dashboard.exports`):
``/export/<id>/indicators.csv?layers=a,b[&programme=…&measure=…][&sep=;]``,
``/export/<id>/measures.csv``, ``/export/<id>/<layer>.geojson`` and ``.gpkg`` (EPSG:2154; a
measure's target with ``layer`` = ``target`` and ``?programme=…&measure=…``).

Every layer given out (API and exports) says where it comes from: a top-level GeoJSON member
``cartopolis`` (territory, layer, ``provenance`` = ``fictional`` / ``real``, publishers, licences,
vintages, attribution, note) and per-feature columns ``provenance`` and ``licence``.

A layer whose last update failed (``stale``) is served as its last good version, with a French
``notice`` « données du JJ/MM/AAAA, la mise à jour a échoué : … » in the territory's manifest, in
``/api/territories`` (``notices``) and in the layer's ``cartopolis`` member.

Unknown ids give a 404 with ``{"error": "…"}``; an unavailable layer adds its ``status``,
``reason``, ``urls`` and ``declared`` sources; any other failure a 500 with a JSON error (one
line in the server log, see :func:`dashboard.security.log_failure`; nothing to the client).
``/api/programmes`` lists under ``excluded`` the programme files left out (file, reason).
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

from pipelines.schemas import CONTEXT_LAYERS, LAYERS
from pipelines.transaction import stale_notice

from . import exports, maps, security
from .data import Data

log = logging.getLogger(__name__)
EXPORT_LAYERS = (*LAYERS, *CONTEXT_LAYERS)


class NotFound(Exception):
    """An unknown territory, layer, programme or measure (becomes a 404 JSON answer).

    ``details`` are added to the JSON body next to ``error`` (status, reason, urls…).
    """

    code = 404

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


class BadQuery(NotFound):
    """A query parameter with a value the route does not know (a 400 JSON answer)."""

    code = 400


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
        # Stores built before ``declared`` was recorded only have the source ids.
        declared = entry.get("declared") or [{"id": sid} for sid in entry.get("sources") or []]
        raise NotFound(
            f"couche « {layer} » indisponible pour « {tid} » : {reason}",
            territory=tid,
            layer=layer,
            status=entry.get("status") or "absent",
            reason=reason,
            urls=list(entry.get("urls") or []),
            declared=declared,
        )
    return frame


def _with_notice(entry: dict) -> dict:
    """A manifest entry with, for a stale layer, its French ``notice`` (« données du JJ/MM/AAAA… »)."""
    notice = stale_notice(entry)
    return {**entry, "notice": notice} if notice else entry


def _measure(data: Data, args):
    """The (programme, measure) named by ``?programme=…&measure=…`` (NotFound when unknown)."""
    programme = data.programme(args.get("programme"))
    if programme is None:
        raise NotFound(f"programme inconnu : « {args.get('programme')} »")
    try:
        return programme, programme.measure(args.get("measure", ""))
    except KeyError:
        raise NotFound(f"mesure inconnue : « {args.get('measure')} »") from None


def _selection(data: Data, tid: str, layer: str, args) -> tuple[gpd.GeoDataFrame, str, str]:
    """The frame to export, its file stem and its layer: a layer, or a measure's target (``target``)."""
    if layer != "target":
        return _layer_frame(data, tid, layer), f"{tid}_{layer}", layer
    _, measure = _measure(data, args)
    if measure.target is None:
        raise NotFound(f"la mesure « {measure.id} » n'a pas de lieu (non spatialisée)")
    frame = _layer_frame(data, tid, measure.target.layer)
    t = measure.target
    chosen = maps.select_features(t.layer, frame, t.select)
    area = maps.scope_area(t.scope, data.frame(tid, "qpv"), data.frame(tid, "commune"))
    if area is not None:
        chosen = chosen[chosen.intersects(area)]
    return chosen, f"{tid}_{measure.id}", t.layer


def _csv_response(text: str, name: str) -> flask.Response:
    response = flask.Response(text, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _separator(args) -> str:
    sep = args.get("sep", ",")
    if sep not in (",", ";"):
        raise BadQuery(f"séparateur inconnu : « {sep} » (« , » ou « ; »)")
    return sep


def _measure_result(data: Data, tid: str, programme: str, measure) -> tuple[pd.Series, pd.DataFrame | None]:
    """The measure's row of ``measures.parquet`` and its rows of ``measures_qpv.parquet``.

    A measure missing from the table (measures not recomputed since the programme changed) gets
    a row with status ``non_evaluee`` and a reason, so the export says so instead of failing.
    """
    layer = measure.target.layer if measure.target is not None else None
    table = data.table(tid, "measures")
    rows = None if table is None else table[(table["programme"] == programme) & (table["measure_id"] == measure.id)]
    if rows is None or rows.empty:
        reason = "mesure non évaluée pour ce territoire : relancer le calcul des mesures"
        row = {"programme": programme, "measure_id": measure.id, "territory": tid, "layer": layer}
        return pd.Series({**row, "need": None, "status": "non_evaluee", "reason": reason}), None
    row = rows.iloc[0].copy()
    if not isinstance(row.get("layer"), str) and layer:  # older tables had no layer column
        row["layer"] = layer
    per_qpv = data.table(tid, "measures_qpv")
    if per_qpv is not None:
        per_qpv = per_qpv[(per_qpv["programme"] == programme) & (per_qpv["measure_id"] == measure.id)]
    return row, per_qpv


def _send_temp(path: Path, name: str, mimetype: str) -> flask.Response:
    payload = path.read_bytes()
    response = flask.Response(payload, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def register(server: flask.Flask, data: Data) -> None:
    """Add the API, map and export routes to ``server``."""

    @server.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return _json({"error": str(exc), **exc.details}, exc.code)

    def _guard(view):
        # Every route answers JSON on failure; the traceback stays in the server log.
        def wrapped(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except NotFound:
                raise
            except Exception as exc:  # noqa: BLE001 - never send a stack trace to the client
                security.log_failure(f"route {security.short(flask.request.path)}", exc)
                return _json({"error": "erreur interne du serveur (détails dans le journal)"}, 500)

        wrapped.__name__ = view.__name__
        return wrapped

    @server.route("/api/territories")
    @_guard
    def api_territories():
        out = []
        for info in data.territories():
            layers = data.manifest(info["id"]).get("layers") or {}
            notices = {k: notice for k, v in layers.items() if (notice := stale_notice(v))}
            out.append({**info, "layers": {k: v.get("status") for k, v in layers.items()}, "notices": notices})
        return _json({"territories": out})

    @server.route("/api/territories/<key>")
    @_guard
    def api_territory(key: str):
        tid = _territory(data, key)
        manifest = data.manifest(tid)
        layers = {k: _with_notice(v) for k, v in (manifest.get("layers") or {}).items()}
        return _json({**manifest, "layers": layers, "programmes": [p.id for p in data.programmes_for(tid)]})

    @server.route("/api/territories/<key>/layers/<layer>.geojson")
    @_guard
    def api_layer(key: str, layer: str):
        tid = _territory(data, key)

        def build() -> str:
            info = exports.provenance(data.manifest(tid), tid, layer)
            notice = stale_notice(data.layer_entry(tid, layer))
            if notice:  # the last good version is served: say from when, and why it was not updated
                info = {**info, "stale": True, "notice": notice}
            frame = exports.label_features(maps.export_frame(_layer_frame(data, tid, layer)), info)
            out = maps.to_wgs84(frame)
            props = pd.DataFrame(out.drop(columns="geometry"))
            props = props.astype(object).where(props.notna(), None)
            return exports.with_member(maps.feature_collection(out, props), info)

        # Built once per version of the territory's files (a rebuild changes the manifest).
        text = data.memo(("api-geojson", layer), tid, build)
        return flask.Response(text, mimetype="application/geo+json")

    @server.route("/api/territories/<key>/indicators")
    @_guard
    def api_indicators(key: str):
        tid = _territory(data, key)
        manifest = data.manifest(tid)
        table = data.table(tid, "indicators")
        measures = data.table(tid, "measures")
        published = data.table(tid, "published")
        provenance = exports.territory_provenance(manifest)
        return _json(
            {
                "territory": tid,
                "fictional": provenance == "fictional",
                "provenance": provenance,
                "note": exports.FICTIONAL_NOTE if provenance == "fictional" else exports.REAL_NOTE,
                "indicators": [] if table is None else _records(exports.add_provenance(table, manifest, tid)),
                "measures": [] if measures is None else _records(exports.add_provenance(measures, manifest, tid)),
                # what INSEE published per QPV (year, contour) beside our estimate and the gap in %
                "published": [] if published is None else _records(published),
                "population_method": (manifest.get("layers", {}).get("population") or {}).get("support_label"),
            }
        )

    @server.route("/api/programmes")
    @_guard
    def api_programmes():
        # A programme file that cannot be loaded is left out and named, never a 500 for all.
        excluded = [{"file": name, "reason": reason} for name, reason in data.programme_failures().items()]
        return _json(
            {"programmes": [programme_json(p, full=False) for p in data.programmes().values()], "excluded": excluded}
        )

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
        args = flask.request.args
        sep = _separator(args)
        table = data.table(tid, "indicators")
        if table is None:
            raise NotFound(f"aucun indicateur calculé pour « {tid} »")
        wanted = [x for x in args.get("layers", "").split(",") if x]
        row = per_qpv = None
        name = f"{tid}_indicateurs.csv"
        if args.get("programme") or args.get("measure"):
            programme, measure = _measure(data, args)
            row, per_qpv = _measure_result(data, tid, programme.id, measure)
            name = f"{tid}_{measure.id}_indicateurs.csv"
        out = exports.selection_table(data.manifest(tid), tid, table, wanted, row, per_qpv)
        return _csv_response(exports.to_csv(out, sep), name)

    @server.route("/export/<key>/measures.csv")
    @_guard
    def export_measures(key: str):
        tid = _territory(data, key)
        sep = _separator(flask.request.args)
        table = data.table(tid, "measures")
        if table is None:
            raise NotFound(f"aucune mesure évaluée pour « {tid} »")
        out = exports.add_provenance(table, data.manifest(tid), tid)
        return _csv_response(exports.to_csv(out, sep), f"{tid}_mesures.csv")

    @server.route("/export/<key>/<layer>.<fmt>")
    @_guard
    def export_layer(key: str, layer: str, fmt: str):
        if fmt not in ("geojson", "gpkg"):
            raise NotFound(f"format inconnu : « {fmt} » (geojson ou gpkg)")
        tid = _territory(data, key)
        frame, stem, source_layer = _selection(data, tid, layer, flask.request.args)
        info = exports.provenance(data.manifest(tid), tid, source_layer)
        with tempfile.TemporaryDirectory(prefix="cartopolis-export-") as folder:
            path = exports.write_export(frame, fmt, Path(folder), stem, info)
            mimetype = "application/geo+json" if fmt == "geojson" else "application/geopackage+sqlite3"
            return _send_temp(path, os.path.basename(path), mimetype)
