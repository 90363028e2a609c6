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
#: ``l`` holds layers and their class restrictions (``flood:fort``, see maps.parse_layers): the
#: layers go to the checklist, the restrictions to ``pending`` for the class lists.
RESTORE_JS = """
function(search, builtFor, options, current) {
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
    let l = nu;
    const c = {}, bare = new Set();
    if (q.has('l')) {
        l = [];
        q.get('l').split(',').filter(x => x).forEach(token => {
            const [name, word] = token.split(':');
            if (!l.includes(name)) { l.push(name); }
            if (word === undefined) { bare.add(name); return; }
            c[name] = c[name] || [];
            if (word !== '__NONE__') { c[name].push(word); }
        });
        bare.forEach(name => { delete c[name]; });
    }
    return [t || nu, l, tabs.includes(v) ? v : nu, {p: q.get('p'), m: q.get('m'), c: c, t: t || current}];
}
""".replace("__NONE__", maps.NO_CLASS)

#: Writes the view into the address bar and the permalink (same text as maps.format_layers;
#: commas and colons are left readable: ``?t=demo&l=qpv,flood:fort,flood:moyen``).
PERMALINK_JS = """
function(t, v, p, m, l, classes) {
    const parts = [];
    const readable = value => encodeURIComponent(value).replace(/%2C/g, ',').replace(/%3A/g, ':');
    const put = (key, value) => parts.push(key + '=' + readable(value));
    if (t) put('t', t);
    if (v && v !== 'carte') put('v', v);
    if (p) put('p', p);
    if (m) put('m', m);
    if (l) {
        const tokens = [];
        l.forEach(layer => {
            const words = (classes || {})[layer];
            if (!words) { tokens.push(layer); return; }
            if (!words.length) { tokens.push(layer + ':__NONE__'); return; }
            words.forEach(w => tokens.push(layer + ':' + w));
        });
        put('l', tokens.join(','));
    }
    const search = '?' + parts.join('&');
    if (window.location.search !== search) {
        window.history.replaceState(null, '', window.location.pathname + search);
    }
    return [search, search];
}
""".replace("__NONE__", maps.NO_CLASS)

#: Class checkboxes → the ``classes`` store: URL words of the shown classes of each layer whose
#: enabled classes are not all ticked (a layer showing every class is left out).
CLASSES_JS = """
function(values, options, ids, current) {
    const out = {};
    (ids || []).forEach((id, i) => {
        const enabled = (options[i] || []).filter(o => !o.disabled).map(o => o.value);
        const ticked = values[i] || [];
        if (!enabled.every(x => ticked.includes(x))) {
            out[id.layer] = enabled.filter(x => ticked.includes(x));
        }
    });
    return JSON.stringify(out) === JSON.stringify(current || {}) ? window.dash_clientside.no_update : out;
}
"""

#: Shows the class list of a layer only while the layer is shown.
CLASS_BOXES_JS = """
function(layers, ids) {
    return (ids || []).map(id => !(layers || []).includes(id.layer));
}
"""

#: The ``classes`` store → ``hideout.only`` of each drawn layer (legend keys; null for all). Only
#: the style options change: dash-leaflet redraws the features it holds, nothing is fetched.
HIDEOUT_JS = """
function(classes, hideouts, ids) {
    const nu = window.dash_clientside.no_update;
    return (ids || []).map((id, i) => {
        const hideout = hideouts[i] || {};
        const words = (classes || {})[id.layer];
        const only = words ? words.map(w => (hideout.keys || {})[w]).filter(k => k !== undefined) : null;
        if (JSON.stringify(only) === JSON.stringify(hideout.only === undefined ? null : hideout.only)) { return nu; }
        return Object.assign({}, hideout, {only: only});
    });
}
"""

CLASSES = {"type": "classes", "layer": ALL}
LAYER_MAPS = {"type": "gj", "layer": ALL}
CLASS_BOXES = {"type": "class-box", "layer": ALL}


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
        State("territory", "value"),
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
        Input("classes", "data"),
    )
    app.clientside_callback(
        CLASSES_JS,
        Output("classes", "data"),
        Input(CLASSES, "value"),
        State(CLASSES, "options"),
        State(CLASSES, "id"),
        State("classes", "data"),
    )
    app.clientside_callback(
        HIDEOUT_JS,
        Output(LAYER_MAPS, "hideout"),
        Input("classes", "data"),
        State(LAYER_MAPS, "hideout"),
        State(LAYER_MAPS, "id"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        CLASS_BOXES_JS,
        Output(CLASS_BOXES, "hidden"),
        Input("layers", "value"),
        State(CLASS_BOXES, "id"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("class-lists", "children"),
        Input("territory", "value"),
        Input("pending", "data"),
        State("layers", "value"),
        prevent_initial_call=True,
    )
    def class_lists(territory, pending, layers):
        # a new territory shows every class, except the restrictions of the URL being restored
        pending = pending or {}
        wanted = (pending.get("c") or {}) if pending.get("t") == territory else {}
        # the same words as a server-side parse of the URL would keep (unknown words dropped)
        classes = maps.parse_layers(maps.format_layers(list(wanted), wanted))[1]
        return state.class_props(data, territory, layers or [], classes)

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
        Input("classes", "data"),
        prevent_initial_call=True,
    )
    def layers_changed(territory, layers, classes):
        props = state.layers_props(data, territory, layers or [], classes or {})
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
        State("classes", "data"),  # class changes only restyle the drawn layers (HIDEOUT_JS)
        prevent_initial_call=True,
    )
    def map_layers(territory, layers, band, classes):
        return state.map_children(data, territory, layers or [], band, classes or {})

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
        street = search.partition(":")[2] if ctx.triggered_id != "map" and search.startswith("rue:") else None
        card = views.place_card(data, territory, to_l93(point.x, point.y), label, street)
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
