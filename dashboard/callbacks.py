"""Callbacks: what each control changes. The content comes from :mod:`dashboard.state` and
:mod:`dashboard.views`, the same functions that build the first view.

Every server callback has ``prevent_initial_call=True``: the layout arrives filled for the URL.
The URL query is kept in sync by a client-side callback (``history.replaceState``), so the
permalink always matches the view with no server round trip and no callback cycle; another
client-side callback applies the URL after load when the layout could not be built for it.
"""

from __future__ import annotations

import dash
import shapely
from dash import ALL, Input, Output, State, ctx, html, no_update
from pyproj import Transformer

from pipelines.settings import CRS_L93, CRS_WGS84

from . import i18n, maps, state, views
from .data import Data

TO_L93 = Transformer.from_crs(CRS_WGS84, CRS_L93, always_xy=True)

#: Applies the URL query after load when the layout was built for another one (no Referer).
RESTORE_JS = """
function(search, builtFor, options) {
    const nu = window.dash_clientside.no_update;
    // Only the URL the page was opened with: later changes are our own replaceState.
    if (window.cartopolisRestored) { return [nu, nu, nu, nu]; }
    window.cartopolisRestored = true;
    if ((search || '') === (builtFor || '')) { return [nu, nu, nu, nu]; }
    const q = new URLSearchParams(search || '');
    let t = q.get('t');
    const values = (options || []).map(o => o.value);
    if (t && !values.includes(t)) {
        const byInsee = (options || []).find(o => String(o.label).includes('(' + t + ')'));
        t = byInsee ? byInsee.value : null;
    }
    const tabs = ['carte', 'programmes', 'quartier', 'comparer', 'sources'];
    const v = q.get('v');
    const l = q.has('l') ? q.get('l').split(',').filter(x => x) : nu;
    return [t || nu, l, tabs.includes(v) ? v : nu, {p: q.get('p'), m: q.get('m')}];
}
"""

#: Writes the view into the address bar and the permalink.
PERMALINK_JS = """
function(t, v, p, m, l) {
    const q = new URLSearchParams();
    if (t) q.set('t', t);
    if (v && v !== 'carte') q.set('v', v);
    if (p) q.set('p', p);
    if (m) q.set('m', m);
    if (l) q.set('l', l.join(','));
    const search = '?' + q.toString();
    if (window.location.search !== search) {
        window.history.replaceState(null, '', window.location.pathname + search);
    }
    return [search, search];
}
"""


def to_l93(lon: float, lat: float) -> shapely.Point:
    """A WGS84 point (degrees) in Lambert-93 (m)."""
    return shapely.Point(*TO_L93.transform(lon, lat))


def register(app: dash.Dash, data: Data) -> None:
    """Attach every callback of the page to ``app``."""
    app.clientside_callback(
        RESTORE_JS,
        Output("territory", "value"),
        Output("layers", "value"),
        Output("tabs", "data"),
        Output("pending", "data"),
        Input("url", "search"),
        State("built-for", "data"),
        State("territory", "options"),
    )
    app.clientside_callback(
        PERMALINK_JS,
        Output("permalink", "href"),
        Output("url-sink", "children"),
        Input("territory", "value"),
        Input("tabs", "data"),
        Input("programme", "value"),
        Input("measure", "value"),
        Input("layers", "value"),
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
        Output("legend", "children"),
        Output("badges", "children"),
        Output("map-table", "children"),
        Input("territory", "value"),
        Input("layers", "value"),
        prevent_initial_call=True,
    )
    def layers_changed(territory, layers):
        props = state.layers_props(data, territory, layers or [])
        return props["legend"], props["badges"], props["map_table"]

    @app.callback(Output("band", "data"), Input("map", "zoom"), State("band", "data"), prevent_initial_call=True)
    def zoom_band(zoom, band):
        new = maps.band_for_zoom(zoom)
        return no_update if new == band else new

    @app.callback(
        Output("map-layers", "children"),
        Input("territory", "value"),
        Input("layers", "value"),
        Input("band", "data"),
        prevent_initial_call=True,
    )
    def map_layers(territory, layers, band):
        return state.map_children(data, territory, layers or [], band)

    @app.callback(
        Output("map-target", "children"),
        Input("territory", "value"),
        Input("programme", "value"),
        Input("measure", "value"),
        prevent_initial_call=True,
    )
    def map_target(territory, programme, measure):
        return state.target_children(data, territory, programme, measure)

    @app.callback(
        Output("measure", "options"),
        Output("measure", "value"),
        Output("non-spatial", "children"),
        Input("programme", "value"),
        Input("theme", "value"),
        State("pending", "data"),
        State("measure", "value"),
        prevent_initial_call=True,
    )
    def programme_changed(programme, theme, pending, current):
        props = state.programme_props(data, programme, theme, current)
        if props["measure"] is None:
            props = state.programme_props(data, programme, theme, (pending or {}).get("m"))
        return props["measure_options"], props["measure"], props["non_spatial"]

    @app.callback(
        Output("measure-detail", "children"),
        Input("measure", "value"),
        Input("programme", "value"),
        Input("territory", "value"),
        prevent_initial_call=True,
    )
    def measure_detail(measure, programme, territory):
        return views.measure_detail(data, territory, programme, measure)

    @app.callback(
        Output("place-point", "data"),
        Output("map-place", "children"),
        Output("place-card", "children"),
        Output("tabs", "data", allow_duplicate=True),
        Input("map", "clickData"),
        Input("place-search", "value"),
        State("territory", "value"),
        State("tabs", "data"),
        prevent_initial_call=True,
    )
    def choose_place(click, search, territory, tab):
        if state.is_national(territory):
            return no_update, no_update, no_update, no_update
        label = None
        if ctx.triggered_id == "map":
            latlng = (click or {}).get("latlng")
            if not latlng:
                return no_update, no_update, no_update, no_update
            lat, lon = (latlng["lat"], latlng["lng"]) if isinstance(latlng, dict) else latlng
            point = shapely.Point(lon, lat)
        else:
            if not search:
                return None, [], "", no_update
            point, label = views.place_point(data, territory, search)
            if point is None:
                return None, [], html.P("Lieu introuvable.", className="small"), no_update
        where = [round(point.x, 6), round(point.y, 6)]
        card = views.place_card(data, territory, to_l93(point.x, point.y), label)
        new_tab = "quartier" if tab in ("carte", "quartier") else no_update
        return where, state.place_children(where), card, new_tab

    @app.callback(
        Output("matrix", "children"),
        Output("contrat", "children"),
        Output("uncovered", "children"),
        Input("tabs", "data"),
        prevent_initial_call=True,
    )
    def comparer(tab):
        if tab != "comparer":
            return no_update, no_update, no_update
        return views.matrix(data), views.contrat(data), views.uncovered(data)

    @app.callback(
        Output("matrix-list", "children"),
        Input({"type": "cell", "programme": ALL, "theme": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def matrix_click(clicks):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks or []):
            return no_update
        return views.matrix_list(data, trigger["programme"], trigger["theme"])

    @app.callback(Output("sources-table", "children"), Input("tabs", "data"), prevent_initial_call=True)
    def sources(tab):
        return views.sources_table(data) if tab == "sources" else no_update

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
