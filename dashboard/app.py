"""The app factory and the module-level ``server`` that gunicorn serves (``dashboard.app:server``).

The page is French (``<html lang="fr">``), offline (no CDN: styles and scripts come from
``assets/`` and the installed Dash packages) and draws no third-party tiles unless
``CARTOPOLIS_TILES`` is set.
"""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from pipelines.store import Store

from . import api, callbacks, i18n, state
from .data import Data
from .layout import build_layout

INDEX_STRING = """<!DOCTYPE html>
<html lang="fr">
    <head>
        {%metas%}
        <meta name="referrer" content="same-origin">
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <a class="skip-link" href="#panel-col">Aller au panneau</a>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
"""


def _page_query() -> str:
    """The query of the page being loaded: the layout request's Referer is that page's URL."""
    if not flask.has_request_context():
        return ""
    return state.query_of_url(flask.request.referrer)


#: flask-compress's default types (kept), to which GeoJSON is added.
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "text/xml", "text/javascript", "application/javascript"]
COMPRESSED_TYPES += ["application/json", "application/vnd.api+json", "application/x-javascript"]


def create_app(store: Store | None = None, programmes_dir: Path | None = None) -> dash.Dash:
    """Build the dashboard on ``store`` (default: ``CARTOPOLIS_DATA`` or ``geodata/layers``).

    ``programmes_dir`` defaults to ``geodata/programmes``. An empty store gives a page with a
    French message saying how to build the data.
    """
    data = Data(store, programmes_dir)
    server = flask.Flask(__name__)
    # flask-compress leaves application/geo+json out by default: the national QPV map is 0.6 MB raw
    server.config["COMPRESS_MIMETYPES"] = [*COMPRESSED_TYPES, "application/geo+json"]
    app = dash.Dash(
        __name__,
        server=server,
        title=f"{i18n.APP_TITLE} — {i18n.APP_SUBTITLE}",
        update_title=None,
        serve_locally=True,
        compress=True,  # flask-compress: scripts and GeoJSON travel gzip/brotli-compressed
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX_STRING
    app.layout = lambda: build_layout(data, _page_query())
    callbacks.register(app, data)
    api.register(server, data)
    app.cartopolis_data = data  # for tests and benchmarks
    return app


app = create_app()
server = app.server
