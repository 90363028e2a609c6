"""The page: header (territory, permalink, exports), tabs, the map with its table, the panels
(each built by its view module, :mod:`dashboard.views`).

The layout is built per page load for the URL being opened (read from the ``Referer`` of the
layout request, which the page sends because of its ``referrer`` meta tag): every component
arrives already filled for that view, so the first view needs no callback round trip. When the
URL cannot be known, a client-side callback applies it after load (see :mod:`dashboard.callbacks`).

Every control is a native form element or a button, so the whole page works with the keyboard.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import dash_leaflet as dl
from dash import dcc, html
from unidecode import unidecode

from pipelines import settings

from . import i18n, maps, state
from .data import Data
from .state import ViewState
from .views import compare, importer, national, place, programmes, sources
from .views import map as map_view


def territory_options(data: Data) -> list[dict]:
    """Options of the territory picker: the national overview, then every built territory.

    Each built territory is found by its name (accents and case ignored), INSEE code, département
    or id: the option's ``search`` text holds them all.
    """
    options = [{"label": i18n.NATIONAL_LABEL, "value": i18n.NATIONAL}]
    for info in sorted(data.territories(), key=lambda i: (unidecode(str(i.get("name", i["id"]))).lower(), i["id"])):
        name, insee, dep = info.get("name", info["id"]), info.get("insee", ""), info.get("departement", "")
        label = f"{name} ({insee})" + (" — fictif" if info.get("fictional") else "") + (f" — dép. {dep}" if dep else "")
        search = f"{name} {unidecode(str(name))} {insee} {dep} {info['id']}"
        options.append({"label": label, "value": info["id"], "search": search})
    return options


def _panes() -> list:
    # Leaflet's overlay pane is at z-index 400, tooltips at 650: stay between them.
    return [dl.Pane(name=maps.pane_name(name), style={"zIndex": 401 + 10 * i}) for i, name in enumerate(maps.PANES)]


def _map(data: Data, view: ViewState, viewport: dict) -> html.Div:
    tiles = settings.tiles_url()
    # Only whoever runs the server can ask for third-party tiles (CARTOPOLIS_TILES); their
    # attribution is then shown, as tile providers require.
    attribution = os.environ.get("CARTOPOLIS_TILES_ATTRIBUTION", f"Fond de carte : {urlsplit(tiles or '').netloc}")
    base = [dl.TileLayer(url=tiles, id="tiles", attribution=attribution)] if tiles else []
    return html.Div(
        dl.Map(
            id="map",
            children=[
                *base,
                *_panes(),
                dl.LayerGroup(
                    id="map-layers", children=state.map_children(data, view.territory, view.layers, 0, view.classes)
                ),
                dl.LayerGroup(
                    id="map-target",
                    children=state.target_children(data, view.territory, view.programme, view.measure),
                ),
                dl.LayerGroup(id="map-place", children=[]),
                dl.LayerGroup(id="map-import", children=[]),  # the import screen's draft targets
            ],
            # Initial view: the bounds, and their centre (dash-leaflet needs a centre to track the
            # viewport; an initial zoom would be re-applied after the fit and undo it).
            bounds=viewport["bounds"],
            center=maps.bounds_center(viewport["bounds"]),
            style={"height": "100%", "width": "100%", "background": "#f4f1ea"},
            keyboard=True,
            attributionControl=bool(tiles),
            zoomSnap=0.5,
        ),
        className="map-frame",
        role="region",
        **{"aria-label": "Carte (un tableau équivalent suit la carte)"},
    )


def _panel(panel_id: str, children: list, hidden: bool) -> html.Section:
    return html.Section(
        children, id=f"panel-{panel_id}", className="panel", hidden=hidden, **{"aria-label": i18n.TABS[panel_id]}
    )


def _header(data: Data, view: ViewState, options: list[dict]) -> html.Header:
    exports = state.exports_props(data, view.territory, view.layers, view.programme, view.measure, view.tab)
    return html.Header(
        [
            html.Div(
                [html.H1(i18n.APP_TITLE, className="h3 mb-0"), html.P(i18n.APP_SUBTITLE, className="small mb-0")],
                className="brand",
            ),
            html.Div(
                [
                    html.Label("Territoire", htmlFor="territory", className="form-label mb-0 me-2"),
                    dcc.Dropdown(
                        labels=i18n.DROPDOWN_LABELS,
                        id="territory",
                        options=options,
                        value=view.territory,
                        clearable=False,
                        className="territory-picker",
                    ),
                ],
                className="picker",
            ),
            html.Div(
                [
                    html.A("Lien permanent", id="permalink", href="?", className="btn btn-outline"),
                    html.Div(exports, id="exports", className="exports"),
                ],
                className="actions",
            ),
        ],
        className="topbar",
    )


def _tabs(tabs: dict) -> html.Div:
    # Plain buttons (focusable, Enter/Space) with the ARIA tab roles; the active tab is in a Store.
    return html.Div(
        [
            html.Button(
                label,
                id={"type": "tab", "tab": key},
                className=tabs["tab_classes"][i],
                role="tab",
                n_clicks=0,
                **{"aria-selected": tabs["tab_selected"][i], "aria-controls": f"panel-{key}"},
            )
            for i, (key, label) in enumerate(i18n.TABS.items())
        ],
        role="tablist",
        className="nav nav-tabs",
        **{"aria-label": "Vues"},
    )


def _programme_notice(failures: dict[str, str]) -> html.Div:
    """A banner naming each programme file left out of the app, and why (empty when none)."""
    lines = [
        html.P(f"Programme écarté : le fichier « {name} » n'a pas pu être chargé ({reason}).", className="mb-0")
        for name, reason in failures.items()
    ]
    return html.Div(lines, id="programme-notice", role="alert", className="notice notice-warning", hidden=not lines)


def build_layout(data: Data, search: str = "") -> html.Div:
    """The whole page for the view of URL query ``search`` (called per page load)."""
    options = territory_options(data)
    view = state.resolve_state(data, search)
    props = state.territory_props(data, view.territory)
    layer_props = state.layers_props(data, view.territory, view.layers, view.classes)
    tabs = state.tab_props(view.tab)
    empty = len(options) == 1
    notice = (
        html.Div(i18n.EMPTY_STORE, role="alert", className="notice notice-warning", id="empty-store")
        if empty
        else html.Div(id="empty-store")
    )
    panels = {
        "carte": map_view.panel(
            props, layer_props, view, state.class_props(data, view.territory, view.layers, view.classes)
        ),
        "programmes": programmes.panel(
            data, props, view, state.programme_props(data, view.programme, None, view.measure)
        ),
        "quartier": place.panel(props),
        "comparer": compare.panel(data, view),
        "sources": sources.panel(data, view),
        "importer": importer.panel(view, options),
    }
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            # The query the layout was built for: the client applies the URL only if it differs.
            dcc.Store(id="built-for", data=search or ""),
            dcc.Store(id="pending", data={}),
            # Classes shown per layer (URL words; a layer absent shows all), from the class checkboxes.
            dcc.Store(id="classes", data=view.classes),
            dcc.Store(id="tabs", data=view.tab),
            dcc.Store(id="band", data=0),
            dcc.Store(id="place-point", data=None),
            html.Div(id="url-sink", hidden=True),
            _header(data, view, options),
            notice,
            _programme_notice(data.programme_failures()),
            html.Div(
                [html.P(text, className="mb-0") for text in view.notices],
                id="url-notice",
                role="status",
                className="notice notice-warning",
                hidden=not view.notices,
            ),
            _tabs(tabs),
            html.Main(
                [
                    html.Div(
                        [
                            html.Div(layer_props["badges"], id="badges", className="badges"),
                            _map(data, view, props["viewport"]),
                            html.Div(layer_props["map_table"], id="map-table", className="map-table"),
                            html.Div(national.ranking(data, state.is_national(view.territory)), id="national-ranking"),
                        ],
                        id="map-col",
                        className=tabs["map_col"],
                    ),
                    html.Div(
                        [
                            _panel(key, children, hidden)
                            for (key, children), hidden in zip(panels.items(), tabs["hidden"], strict=True)
                        ],
                        id="panel-col",
                        className=tabs["panel_col"],
                    ),
                ],
                className="content",
                id="content",
            ),
        ],
        className="app",
    )
