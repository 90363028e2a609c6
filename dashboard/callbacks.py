"""Callbacks: what each control changes. This module holds the page's own (URL,
permalink, tabs, territory, exports); each view registers its callbacks beside its content
(``register`` in :mod:`dashboard.views`), built from the same functions as the first view.

Every server callback has ``prevent_initial_call=True``: the layout arrives filled for the URL.
The URL query is kept in sync by a client-side callback (``history.replaceState``), so the
permalink always matches the view with no server round trip and no callback cycle; another
client-side callback applies the URL after load when the layout could not be built for it.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, no_update

from . import i18n, maps, state
from .data import Data
from .views import compare, national_qpv, place, programmes, sources
from .views import map as map_view

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


def register(app: dash.Dash, data: Data) -> None:
    """Attach every callback of the page to ``app``: the page's own, then each view's."""
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

    for view in (map_view, programmes, place, compare, sources, national_qpv):
        view.register(app, data)
