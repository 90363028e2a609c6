"""Serve plotly.js to ``dcc.Graph``: the cartesian bundle (bar, heatmap), fetched only by a page
that draws a chart, after the first view.

``dcc.Graph`` loads plotly.js asynchronously from ``_dash-component-suites/plotly/package_data/
plotly.min.js`` (the full 4.8 MB bundle, 1.5 MB compressed). This route answers that address with
``static/plotly-cartesian-4.1.1.min.js`` (npm ``plotly.js-cartesian-dist-min`` 4.1.1, MIT, the
version of the ``plotly`` package's bundle): 1.5 MB, 0.5 MB compressed, every trace the charts use.
``make install`` fetches it from the npm registry (checked by its sha256); without it, dcc.Graph gets
Dash's own full bundle and the charts still draw (a warning says so).
"""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import flask

log = logging.getLogger(__name__)

BUNDLE = Path(__file__).resolve().parents[1] / "static" / "plotly-cartesian-4.1.1.min.js"
#: Where dcc.Graph asks for plotly.js when the app serves its scripts itself.
ADDRESS = "/_dash-component-suites/plotly/package_data/plotly.min.js"


def register(app: dash.Dash) -> None:
    """Answer dcc.Graph's request for plotly.js with the cartesian bundle (cached for a day)."""
    if not BUNDLE.exists():
        log.warning("%s missing (run `make install`): charts load Dash's full plotly.js bundle", BUNDLE.name)
        return

    def plotly_js() -> flask.Response:
        answer = flask.send_file(BUNDLE, mimetype="application/javascript", max_age=86_400)
        return answer

    app.server.add_url_rule(ADDRESS, "cartopolis_plotly_js", plotly_js)
