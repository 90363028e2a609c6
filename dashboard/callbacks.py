"""Callbacks: what each control changes. This module holds the page's own (URL,
permalink, tabs, territory, exports); each view registers its callbacks beside its content
(``register`` in :mod:`dashboard.views`), built from the same functions as the first view.

Every server callback has ``prevent_initial_call=True``: the layout arrives filled for the URL.
The URL query is kept in sync by a client-side callback (``history.replaceState``), so the
permalink always matches the view with no server round trip and no callback cycle; another
client-side callback applies the URL after load when the layout could not be built for it. The
client-side functions are in ``assets/clientside.js`` (no inline script: the page runs under a CSP).
"""

from __future__ import annotations

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update

from . import i18n, state
from .charts import plotlyjs
from .data import Data
from .views import compare, downloads, importer, national, national_qpv, place, programmes, sources
from .views import map as map_view


def register(app: dash.Dash, data: Data) -> None:
    """Attach every callback of the page to ``app``: the page's own, then each view's."""
    app.clientside_callback(
        ClientsideFunction("cartopolis", "restore"),
        Output("territory", "value"),
        Output("layers", "value"),
        Output("tabs", "data"),
        Output("pending", "data"),
        Input("url", "search"),
        State("built-for", "data"),
        State("territory", "options"),
        State("territory", "value"),
    )
    app.clientside_callback(
        ClientsideFunction("cartopolis", "permalink"),
        Output("permalink", "href"),
        Output("url-sink", "children"),
        Input("territory", "value"),
        Input("tabs", "data"),
        Input("programme", "value"),
        Input("measure", "value"),
        Input("layers", "value"),
        Input("classes", "data"),
    )

    @app.callback(
        Output("tabs", "data", allow_duplicate=True),
        Input({"type": "tab", "tab": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def click_tab(clicks):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks or []):
            return no_update
        return trigger["tab"]

    @app.callback(
        *[Output(f"panel-{key}", "hidden") for key in i18n.TABS],
        Output({"type": "tab", "tab": ALL}, "className"),
        Output({"type": "tab", "tab": ALL}, "aria-selected"),
        Output("map-col", "className"),
        Output("panel-col", "className"),
        Output("map", "invalidateSize"),
        Input("tabs", "data"),
        prevent_initial_call=True,
    )
    def show_tab(tab):
        props = state.tab_props(tab)
        return (
            *props["hidden"],
            props["tab_classes"],
            props["tab_selected"],
            props["map_col"],
            props["panel_col"],
            tab,
        )

    @app.callback(
        Output("layers", "options"),
        Output("layer-notes", "children"),
        Output("programme", "options"),
        Output("programme", "value"),
        Output("place-search", "options"),
        Output("map", "viewport"),
        Input("territory", "value"),
        State("pending", "data"),
        prevent_initial_call=True,
    )
    def territory_changed(territory, pending):
        props = state.territory_props(data, territory)
        values = [o["value"] for o in props["programme_options"]]
        wanted = (pending or {}).get("p")
        programme = wanted if wanted in values else (values[0] if values else None)
        return (
            props["layer_options"],
            props["layer_notes"],
            props["programme_options"],
            programme,
            props["place_options"],
            props["viewport"],
        )

    @app.callback(
        Output("exports", "children"),
        Input("territory", "value"),
        Input("layers", "value"),
        Input("programme", "value"),
        Input("measure", "value"),
        Input("tabs", "data"),
        prevent_initial_call=True,
    )
    def exports(territory, layers, programme, measure, tab):
        return state.exports_props(data, territory, layers or [], programme, measure, tab)

    for view in (map_view, programmes, place, compare, sources, national, national_qpv, downloads, importer):
        view.register(app, data)
    plotlyjs.register(app)
