"""The import screen's routes: ``POST /api/import`` (a programme file → drafts as JSON, parsed in
memory and dropped) and ``/carto/<id>/cible.geojson`` (what a draft's target covers, for the map).

``POST /api/import``: multipart form-data with fields ``file`` (≤ 5 MB: txt, md, pdf, html, docx)
and ``territory``. The upload does not go through a Dash callback (base64 in JSON would weigh a
third more); this route's body cap is 6 MB (file plus form overhead). Answers: 200
``{programme, mode, mesures}``; 413 too big; 400 missing field, unknown territory, wrong type,
binary or unknown encoding; 422 scanned or unreadable PDF, empty page, no measure found — each
with a French ``error`` (the API's one error format). Nothing is written on the server, not even a spooled upload.

Each measure of the answer carries, beside the YAML fields, what the screen needs and the YAML
does not hold (:data:`dashboard.components.drafts.SCREEN_KEYS`): ``ligne`` (where the reviewer
finds it in the text), ``suivante`` (the next draft's id) and ``suite`` (the normalised text
between the two quotes, so that merging two neighbours gives a quote still verbatim in the
text; null when they overlap or lie far apart).

``/carto/<id>/cible.geojson?layer=…&select=…&scope=…[&buffer_m=…]``: the features a target
selects in its scope, styled like a measure's target (the same builder as the Programmes view).
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import flask

from pipelines._text import normalise_quote
from pipelines.importer import ImportRefused, draft_from_bytes, public, territory_qpv
from pipelines.importer.refusals import MAX_FILE_BYTES
from pipelines.measures import SCOPES, SELECTIONS, Target

from .data import Data

#: Body cap of this route (bytes): the 5 MB file and its multipart envelope.
MAX_BODY_BYTES = 6 * 1024 * 1024
_STATUS = {"too_big": 413, "wrong_type": 400, "binary": 400, "encoding": 400}
#: Longest text kept between two neighbouring quotes (characters) for a verbatim merge.
MAX_SEQUEL_CHARS = 400


class InMemoryRequest(flask.Request):
    """A request whose uploaded files stay in memory (werkzeug spools those over 500 kB to a
    temporary file on disk): with a 6 MB body cap, memory is the smaller risk."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def _error(message: str, status: int, code: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"error": message, "code": code}), status


def sequels(text: str, quotes: list[str]) -> list[str | None]:
    """For each quote, the normalised text between its end and the start of the next quote.

    The text is normalised as quotes are checked (:func:`pipelines._text.normalise_quote`). None
    for the last quote, when the next one does not start after this one's end, or when more
    than :data:`MAX_SEQUEL_CHARS` characters separate them.
    """
    norm = normalise_quote(text)
    spans, cursor = [], 0
    for quote in quotes:
        start = norm.find(quote, cursor)
        start = norm.find(quote) if start < 0 else start
        spans.append(None if start < 0 else (start, start + len(quote)))
        if start >= 0:
            cursor = start + len(quote)
    out: list[str | None] = []
    for here, after in zip(spans, [*spans[1:], None], strict=True):
        ok = here is not None and after is not None and 0 <= after[0] - here[1] <= MAX_SEQUEL_CHARS
        out.append(norm[here[1] : after[0]] if ok else None)
    return out


def _target_from_args(args) -> Target | None:
    """The target named by the query, or None when a value is not in the vocabularies."""
    layer, select, scope = args.get("layer"), args.get("select"), args.get("scope")
    if layer not in SELECTIONS or select not in SELECTIONS[layer] or scope not in SCOPES:
        return None
    try:
        buffer = float(args["buffer_m"]) if args.get("buffer_m") else None
    except ValueError:
        return None
    return None if buffer is not None and buffer < 0 else Target(layer, select, scope, buffer)


def register(server: flask.Flask, data: Data) -> None:
    """Add ``POST /api/import`` and ``/carto/<id>/cible.geojson`` to ``server``, on ``data``'s store.

    The server's requests become :class:`InMemoryRequest`: an upload never touches the disk.
    """
    server.request_class = InMemoryRequest

    @server.post("/api/import")
    def import_programme_upload():
        length = flask.request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            size = f"{length / (1024 * 1024):.1f}".replace(".", ",")
            return _error(f"Fichier trop gros ({size} Mo ; {limit} Mo au plus).", 413, "too_big")
        upload = flask.request.files.get("file")
        territory = (flask.request.form.get("territory") or "").strip()
        if upload is None or not upload.filename:
            return _error("Aucun fichier reçu : choisissez un programme (txt, md, pdf, html, docx).", 400, "no_file")
        if territory not in data.territory_ids():
            return _error(
                f"Territoire inconnu : « {territory} ». Choisissez un territoire de la liste.", 400, "territory"
            )
        content = upload.stream.read(MAX_FILE_BYTES + 1)  # in memory only, never saved
        qpv = territory_qpv(territory, data.store)  # the app's store, not the default one
        try:
            draft = draft_from_bytes(content, upload.filename, territory=territory, qpv=qpv)
        except ImportRefused as refused:
            return _error(refused.french, _STATUS.get(refused.code, 422), refused.code)
        lines = [m.get("_line") for m in draft["measures"]]
        programme = public(draft)
        ids = [m["id"] for m in programme["measures"]]
        gaps = sequels(draft["_text"], [m["quote"] for m in programme["measures"]])
        for n, (measure, line, gap) in enumerate(zip(programme["measures"], lines, gaps, strict=True)):
            measure["ligne"] = line  # where the reviewer finds it in the text
            measure["suivante"] = ids[n + 1] if n + 1 < len(ids) and gap is not None else None
            measure["suite"] = gap
        return flask.jsonify({"programme": programme, "mode": draft.get("_mode"), "mesures": len(lines)})

    @server.get("/carto/<key>/cible.geojson")
    def carto_draft_target(key: str):
        tid = data.resolve(key)
        if tid is None:
            return flask.jsonify({"error": f"territoire inconnu : « {key} »"}), 404
        target = _target_from_args(flask.request.args)
        if target is None:
            return flask.jsonify({"error": "cible inconnue (layer, select, scope des vocabulaires)"}), 400
        text = data.target_geojson(tid, target)
        if text is None:
            return flask.jsonify({"error": f"couche « {target.layer} » indisponible pour « {tid} »"}), 404
        response = flask.Response(text, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "public, max-age=3600"  # the URL holds the layer's version
        return response


def target_url(data: Data, territory: str, target: dict) -> str:
    """URL of :func:`register`'s ``cible.geojson`` for a draft's target dict (with the layers' versions)."""
    query = {k: target[k] for k in ("layer", "select", "scope") if k in target}
    if target.get("buffer_m"):
        query["buffer_m"] = target["buffer_m"]
    versions = [(data.layer_entry(territory, name) or {}).get("sha256", "")[:8] for name in (target["layer"], "qpv")]
    query["v"] = "".join(versions)
    return f"/carto/{territory}/cible.geojson?{urlencode(query)}"
