"""``POST /api/import``: a programme file → draft measures as JSON, parsed in memory and dropped.

Multipart form-data with fields ``file`` (≤ 5 MB: txt, md, pdf, html, docx) and ``territory``.
The upload does not go through a Dash callback (base64 in JSON would weigh a third more); this
route's body cap is 6 MB (file plus form overhead). Answers: 200 ``{programme, measures}``;
413 too big; 400 missing field, unknown territory, wrong type, binary or unknown encoding;
422 scanned or unreadable PDF, empty page, no measure found — each with a French ``erreur``.
Nothing is written on the server.
"""

from __future__ import annotations

import flask

from pipelines.importer import ImportRefused, draft_from_bytes, public
from pipelines.importer.refusals import MAX_FILE_BYTES

#: Body cap of this route (bytes): the 5 MB file and its multipart envelope.
MAX_BODY_BYTES = 6 * 1024 * 1024
_STATUS = {"too_big": 413, "wrong_type": 400, "binary": 400, "encoding": 400}


def _error(message: str, status: int, code: str) -> tuple[flask.Response, int]:
    return flask.jsonify({"erreur": message, "code": code}), status


def register(server: flask.Flask, territories: callable) -> None:
    """Add ``POST /api/import`` to ``server``; ``territories()`` gives the known territory ids."""

    @server.post("/api/import")
    def import_programme_upload():
        length = flask.request.content_length
        if length is not None and length > MAX_BODY_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return _error(f"Fichier trop gros ({length / (1024 * 1024):.1f} Mo ; {limit} Mo au plus).", 413, "too_big")
        upload = flask.request.files.get("file")
        territory = (flask.request.form.get("territory") or "").strip()
        if upload is None or not upload.filename:
            return _error("Aucun fichier reçu : choisissez un programme (txt, md, pdf, html, docx).", 400, "no_file")
        if territory not in territories():
            return _error(
                f"Territoire inconnu : « {territory} ». Choisissez un territoire de la liste.", 400, "territory"
            )
        data = upload.stream.read(MAX_FILE_BYTES + 1)  # in memory only, never saved
        try:
            draft = draft_from_bytes(data, upload.filename, territory=territory)
        except ImportRefused as refused:
            return _error(refused.french, _STATUS.get(refused.code, 422), refused.code)
        lines = [m.get("_line") for m in draft["measures"]]
        programme = public(draft)
        for measure, line in zip(programme["measures"], lines, strict=True):
            measure["ligne"] = line  # where the reviewer finds it in the text
        return flask.jsonify({"programme": programme, "mode": draft.get("_mode"), "mesures": len(lines)})
