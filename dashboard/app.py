"""The app factory and the module-level ``server`` that gunicorn serves (``dashboard.app:server``).

The page is French (``<html lang="fr">``), offline (no CDN: styles and scripts come from
``assets/`` and the installed Dash packages) and draws no third-party tiles unless
``CARTOPOLIS_TILES`` is set. Headers, body caps and error answers: :mod:`dashboard.security`.
"""

from __future__ import annotations

from pathlib import Path

import dash
import flask

from pipelines.store import Store

from . import api, callbacks, i18n, import_route, security, state
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


def create_app(store: Store | None = None, programmes_dir: Path | None = None) -> dash.Dash:
    """Build the dashboard on ``store`` (default: ``CARTOPOLIS_DATA`` or ``geodata/layers``).

    ``programmes_dir`` defaults to ``geodata/programmes``. An empty store gives a page with a
    French message saying how to build the data.
    """
    data = Data(store, programmes_dir)
    server = flask.Flask(__name__)
    security.configure_server(server)
    app = dash.Dash(
        __name__,
        server=server,
        title=f"{i18n.APP_TITLE} — {i18n.APP_SUBTITLE}",
        update_title=None,
        serve_locally=True,
        compress=True,  # flask-compress: scripts, GeoJSON and GeoPackage travel compressed
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX_STRING
    app.layout = lambda: build_layout(data, _page_query())
    callbacks.register(app, data)
    api.register(server, data)
    import_route.register(server, data)  # the import screen's upload and draft targets
    security.install(app)  # after every callback: the CSP carries the inline scripts' hashes
    # Dash registers the scripts it may serve when it first renders the page: render it now, or
    # a worker asked for a script before it served the page (another one did) refuses it.
    with server.test_request_context("/"):
        app.index()
    app.cartopolis_data = data  # for tests and benchmarks
    return app


app = create_app()
server = app.server
