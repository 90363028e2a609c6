"""What the server refuses and what every answer carries: headers, body caps, safe errors and logs.

- Every response carries a Content-Security-Policy without ``unsafe-eval`` and without inline
  scripts except Dash's own (allowed by their sha256, :meth:`dash.Dash.csp_hashes`), with
  ``frame-ancestors 'none'``; plus ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and
  ``X-Frame-Options`` for older browsers.
- Request bodies are capped per path (:data:`BODY_LIMITS`, :data:`DEFAULT_BODY_LIMIT` for the
  rest): a larger declared ``Content-Length`` gets a 413 before anything is read; a chunked body
  (no ``Content-Length``, which browsers never send) a 411, unread.
- A malformed callback (not JSON, unknown output, inputs that do not match the callback) gets a
  400 JSON answer; a failure inside a callback or route a 500 JSON answer. Neither sends a
  traceback, and the log line holds the exception type, where it was raised and a short escaped
  prefix of its message (:func:`short`), never a client payload.
- ``/_reload-hash`` (Dash's hot reload) answers 404 unless the app runs with hot reload.
- Reasons and notes read from the manifest lose absolute paths (:func:`redact_paths`).
- GeoJSON and GeoPackage answers are compressed like JSON (:data:`COMPRESS_MIMETYPES`).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from pathlib import Path
from urllib.parse import urlsplit

import dash
import flask
from dash.exceptions import DependencyException, PreventUpdate
from werkzeug.exceptions import HTTPException

from pipelines import settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: Cap of a request body, per path (the programme upload: a multipart form with a file ≤ 5 MB).
BODY_LIMITS: dict[str, int] = {"/api/import": 6 * MB}
#: What a person reads when a body is over its path's cap (default: the generic sentence).
TOO_LARGE: dict[str, str] = {"/api/import": "Fichier trop gros : 5 Mo au plus pour un programme."}
#: Cap of every other request body (a Dash callback is a few kB).
DEFAULT_BODY_LIMIT = 1 * MB
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: What flask-compress compresses: what this app serves, GeoJSON and GeoPackage included.
COMPRESS_MIMETYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/geopackage+sqlite3",
    "image/svg+xml",
    "image/x-icon",
    "image/vnd.microsoft.icon",
]

_CALLBACK_ROUTE = "_dash-update-component"
_RELOAD_ROUTE = "_reload-hash"
# An absolute POSIX path of two segments or more that is not part of a URL or a fraction.
#: Addresses of this app, which a text may quote and which are no file paths.
_ROUTES = ("/api/", "/carto/", "/export/", "/assets/", "/_dash-")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/\\-])/(?:[^\s/'\"`«»()\[\]{},;]+/)+[^\s/'\"`«»()\[\]{},;]*")


# -- logs and public text ---------------------------------------------------------------------
def short(value: object, length: int = 80) -> str:
    """A log-safe rendering of a client-supplied value: its first ``length`` characters, escaped.

    Newlines and control characters are escaped (``repr``), so a value cannot forge log lines;
    a longer value ends with ``…(N chars)``.
    """
    text = str(value)
    head = repr(text[:length])
    return head if len(text) <= length else f"{head}…({len(text)} chars)"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def log_failure(what: str, exc: BaseException) -> None:
    """One log line for a failure: type, where it was raised, short escaped message (no payload)."""
    log.error("%s failed: %s at %s: %s", what, type(exc).__name__, _where(exc), short(exc, 200))


def _relative(path: str, roots: list[Path]) -> str:
    """``path`` relative to the first root holding it, else its file name (a route is kept)."""
    if path.startswith(_ROUTES):
        return path
    for root in roots:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return Path(path).name


def redact_paths(value: object, store_root: Path | None = None) -> object:
    """``value`` (text, or lists and dicts of texts) without absolute paths.

    A path inside the mirror becomes relative to it (``qpv/QP_2015.shp``), one inside the store
    relative to it, any other its file name; URLs and the app's own routes (``/api/…``) are kept.
    """
    roots = [Path(root).resolve() for root in (settings.mirror_dir(), store_root) if root is not None]

    def clean(item: object) -> object:
        if isinstance(item, str):
            if "/" not in item:
                return item
            return _ABSOLUTE_PATH.sub(lambda m: _relative(m.group(0), roots), item)
        if isinstance(item, dict):
            return {k: clean(v) for k, v in item.items()}
        if isinstance(item, list):
            return [clean(v) for v in item]
        return item

    return clean(value)


def _json_error(message: str, status: int) -> flask.Response:
    text = json.dumps({"error": message}, ensure_ascii=False)
    return flask.Response(text, status=status, mimetype="application/json")


# -- content security policy ------------------------------------------------------------------
def _tile_source() -> str | None:
    """The CSP source of the configured tile server (``{s}`` subdomains as ``*``), if any."""
    tiles = settings.tiles_url()
    if not tiles:
        return None
    parts = urlsplit(tiles)
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else None


def content_security_policy(app: dash.Dash) -> str:
    """The CSP of every answer: same origin only, Dash's inline scripts by hash, no eval.

    ``style-src`` keeps ``'unsafe-inline'``: Dash components, Leaflet and plotly.js set
    ``style`` attributes and inject ``<style>`` elements at run time (no script can run from a
    style). Images may be ``data:``/``blob:`` (Leaflet icons, plotly's export) and tiles from the
    configured tile server.
    """
    images = ["'self'", "data:", "blob:"]
    tiles = _tile_source()
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# -- callbacks --------------------------------------------------------------------------------
def _is_dependency(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), (str, dict)) and isinstance(item.get("property"), str)


def _dependencies_match(given: object, declared: list) -> bool:
    """``given`` is a list of one entry per declared dependency (a list of them for a pattern)."""
    if not isinstance(given, list) or len(given) != len(declared):
        return False
    return all(_is_dependency(x) or (isinstance(x, list) and all(map(_is_dependency, x))) for x in given)


def callback_problem(app: dash.Dash, body: object) -> str | None:
    """Why ``body`` is not a callback request of ``app`` (French, for the 400 answer), or None."""
    if not isinstance(body, dict):
        return "requête de rappel invalide : un objet JSON est attendu"
    output = body.get("output")
    callback = app.callback_map.get(output) if isinstance(output, str) else None
    if callback is None or "callback" not in callback:  # clientside callbacks run in the browser
        return "requête de rappel invalide : sortie inconnue"
    if not _dependencies_match(body.get("inputs"), callback.get("inputs", [])):
        return "requête de rappel invalide : entrées non conformes au rappel"
    if not _dependencies_match(body.get("state", []), callback.get("state", [])):
        return "requête de rappel invalide : états non conformes au rappel"
    if not isinstance(body.get("outputs", []), (list, dict)):
        return "requête de rappel invalide : sorties non conformes"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(x, str) for x in changed):
        return "requête de rappel invalide : changedPropIds doit être une liste de textes"
    return None


def _guard_callbacks(app: dash.Dash) -> None:
    endpoint = app.config.routes_pathname_prefix + _CALLBACK_ROUTE
    dispatch = app.server.view_functions[endpoint]

    def guarded_dispatch():
        body = flask.request.get_json(silent=True)
        problem = callback_problem(app, body)
        if problem is not None:
            output = body.get("output") if isinstance(body, dict) else None
            log.warning("callback refused (%s): output %s", problem, short(output, 60))
            return _json_error(problem, 400)
        try:
            return dispatch()
        except (PreventUpdate, HTTPException):
            raise
        except Exception as exc:  # noqa: BLE001 - the client gets no traceback
            log_failure(f"callback {short(body['output'], 60)}", exc)
            return _json_error("erreur interne pendant le rappel (détails dans le journal)", 500)

    app.server.view_functions[endpoint] = guarded_dispatch


# -- installation -----------------------------------------------------------------------------
def configure_server(server: flask.Flask) -> None:
    """Settings read when Dash wraps ``server`` (call before ``dash.Dash(server=server)``)."""
    server.config["COMPRESS_MIMETYPES"] = list(COMPRESS_MIMETYPES)
    server.config["MAX_CONTENT_LENGTH"] = max(DEFAULT_BODY_LIMIT, *BODY_LIMITS.values())


def _body_limit(path: str) -> int:
    return BODY_LIMITS.get(path, DEFAULT_BODY_LIMIT)


def _too_large(path: str, limit: int) -> str:
    return TOO_LARGE.get(path, f"corps de requête trop volumineux : {limit // MB} Mo au plus")


def install(app: dash.Dash) -> None:
    """Add the headers, body caps, callback guard, error answers and reload gate to ``app``.

    Call once, after every callback (clientside ones included) is registered: the CSP carries
    the hashes of their inline scripts.
    """
    server = app.server
    policy = content_security_policy(app)
    reload_path = app.config.routes_pathname_prefix + _RELOAD_ROUTE
    _guard_callbacks(app)

    def refuse_early() -> flask.Response | None:
        request = flask.request
        if request.path == reload_path and not app._dev_tools.get("hot_reload"):  # noqa: SLF001
            return _json_error("adresse inconnue", 404)
        if request.method in _BODY_METHODS:
            limit = _body_limit(request.path)
            request.max_content_length = limit
            if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
                # Browsers always send a Content-Length (fetch, forms); a chunked body could only
                # be measured by reading it, so it is refused unread.
                return _json_error("corps de requête sans Content-Length refusé", 411)
            if request.content_length is not None and request.content_length > limit:
                return _json_error(_too_large(request.path, limit), 413)
        return None

    # First of the before-request hooks: nothing may read a body before its size is checked.
    server.before_request_funcs.setdefault(None, []).insert(0, refuse_early)

    @server.after_request
    def add_headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        headers["Content-Security-Policy"] = policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers.pop("Server", None)
        return response

    @server.errorhandler(DependencyException)
    def unknown_script(exc: DependencyException) -> flask.Response:
        return _json_error("ressource inconnue", 404)

    @server.errorhandler(Exception)
    def answer_error(exc: Exception) -> flask.Response:
        if isinstance(exc, HTTPException):
            if exc.code == 413:  # a body longer than it declared
                return _json_error(_too_large(flask.request.path, _body_limit(flask.request.path)), 413)
            return _json_error(exc.name, exc.code or 500)
        log_failure(f"{flask.request.method} {short(flask.request.path, 80)}", exc)
        return _json_error("erreur interne du serveur (détails dans le journal)", 500)
