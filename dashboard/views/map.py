"""The Carte view: the layer checklist (unavailable layers said so), the class sub-toggles, the
notes on missing layers, the table beside the map, and the callbacks that redraw the map.

What the map itself draws is in :mod:`dashboard.views.map_layers`; the legend and the badges are
shared components (:mod:`dashboard.components`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html, no_update

from pipelines.schemas import CONTEXT_LAYERS, LAYERS

from .. import i18n, maps
from ..components.badges import layer_entry
from ..components.legends import shown
from ..components.profile import zone_profile
from ..components.qpv_facts import no_qpv_in_2024, published_table
from ..components.tables import html_table, indicator_table, qpv_perimeters, url_links
from ..data import Data
from ..maps import TOGGLE_LAYERS

if TYPE_CHECKING:
    from ..state import ViewState

#: Checklist value suffix of an unavailable layer (see :func:`layer_options`).
UNAVAILABLE_VALUE = "indisponible"


def layer_options(data: Data, territory: str) -> list[dict]:
    """Checklist options: available layers enabled; the others disabled and labelled « indisponible ».

    An unavailable layer's value is ``<layer>:indisponible``, never in the checklist's value, so
    its disabled box is never shown ticked (the view keeps the layer: another territory may have it).
    """
    options = []
    no_qpv_2024 = no_qpv_in_2024(data, territory)
    for layer in TOGGLE_LAYERS:
        entry = layer_entry(data, territory, layer)
        ok = data.layer_ok(territory, layer)
        label = i18n.QPV_2015_LEFT_LABEL if layer == "qpv_2015" and no_qpv_2024 else i18n.layer_label(layer)
        if layer == "qpv" and no_qpv_2024:  # nothing to draw, and nothing missing: say it
            ok, label = False, f"{label} — {i18n.NO_QPV_2024_LABEL}"
        elif ok:
            label += f" ({i18n.fmt_number(entry.get('rows', 0))})"
        else:
            label += f" — {i18n.STATUS.get(entry.get('status'), 'indisponible')}"
        options.append({"label": label, "value": layer if ok else f"{layer}:{UNAVAILABLE_VALUE}", "disabled": not ok})
    return options


def class_options(data: Data, territory: str, layer: str) -> list[dict]:
    """Sub-toggles of a layer's classes: value = URL word, label with the count of features.

    Only the classes present are listed, except flood scenarios: all four are, the absent ones
    disabled and labelled « absent de la source » (listed in the manifest's ``scenarios_missing``,
    or the manifest says nothing) or « aucune zone dans la commune » (the source has it).
    """
    frame = data.frame(territory, layer)
    if frame is None:
        return []
    counts = maps.legend_keys(layer, frame).value_counts() if len(frame) else {}
    entry = layer_entry(data, territory, layer)
    missing = set(entry.get("scenarios_missing") or [])
    told = "scenarios_present" in entry or "scenarios_missing" in entry
    options = []
    for key, label in i18n.CLASS_LABELS[layer].items():
        count = int(counts.get(key, 0))
        if count:
            options.append({"label": f"{label} ({i18n.fmt_number(count)})", "value": maps.class_slug(key)})
        elif layer == "flood":
            why = i18n.ABSENT_FROM_SOURCE if key in missing or not told else i18n.ABSENT_FROM_TOWN
            options.append({"label": f"{label} — {why}", "value": maps.class_slug(key), "disabled": True})
    return options


def class_lists(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]]) -> list:
    """One collapsible list of class checkboxes per available layer with classes.

    The list of a hidden layer is hidden too; a list opens by itself when the view restricts it.
    """
    blocks = []
    for layer in maps.CLASS_LAYERS:
        if not data.layer_ok(territory, layer):
            continue
        options = data.memo(("classes", layer), territory, lambda layer=layer: class_options(data, territory, layer))
        if not options:
            continue
        enabled = [o["value"] for o in options if not o.get("disabled")]
        wanted = classes.get(layer)
        value = enabled if wanted is None else [v for v in enabled if v in wanted]
        blocks.append(
            html.Details(
                [
                    html.Summary(i18n.CLASS_TITLES[layer]),
                    dcc.Checklist(
                        id={"type": "classes", "layer": layer},
                        options=options,
                        value=value,
                        className="layer-list class-list",
                        inputClassName="me-2",
                    ),
                    *([html.P(i18n.CLASS_HINTS[layer], className="small mb-0")] if layer in i18n.CLASS_HINTS else []),
                ],
                id={"type": "class-box", "layer": layer},
                className="class-box",
                open=wanted is not None,
                hidden=layer not in layers,
            )
        )
    return blocks


def layer_notes(data: Data, territory: str) -> html.Div:
    """Every layer that is not available, named, with its reason and the official URLs.

    A commune without QPV in 2024 is said first: every « en QPV » figure is « sans objet ».
    """
    items = []
    no_qpv = no_qpv_in_2024(data, territory)
    if no_qpv:
        notes = layer_entry(data, territory, "qpv").get("notes") or []
        items.append(
            html.Li(
                [html.Strong(f"{i18n.layer_label('qpv')} — {i18n.NO_QPV_2024_LABEL}"), f" : {' '.join(notes)}"],
                className="no-qpv-2024",
            )
        )
    for layer in (*LAYERS[1:], *CONTEXT_LAYERS):
        entry = layer_entry(data, territory, layer)
        if data.layer_ok(territory, layer):
            continue
        items.append(
            html.Li(
                [
                    html.Strong(i18n.layer_label(layer)),
                    f" — {i18n.STATUS.get(entry.get('status'), 'indisponible')} : {entry.get('reason', '')}",
                    html.Div(url_links(entry.get("urls") or []), className="urls"),
                ],
                className="unavailable",
            )
        )
    if not items:
        return html.Div()
    title = "Couches indisponibles" + (" ou sans objet" if no_qpv else "")
    return html.Div([html.H3(title, className="h6 mt-3"), html.Ul(items, className="small")])


def map_table(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]] | None = None) -> list:
    """The accessible equivalent of the map: features per shown legend class, then indicators per zone."""
    rows = []
    for layer in ("commune", *[x for x in TOGGLE_LAYERS if x in layers]):
        keyed = data.memo(("summary", layer), territory, lambda layer=layer: _summary_rows(data, territory, layer))
        rows += [row for key, row in keyed if shown(layer, key, classes)]
    out = [html_table(["Couche", "Classe", "Objets", "Étendue"], rows, "Contenu de la carte", "summary")]
    indicators = data.table(territory, "indicators")
    if indicators is None:
        out.append(html.P("Indicateurs non calculés pour ce territoire.", className="small"))
        return out
    out += data.memo(("profile",), territory, lambda: zone_profile(data, territory))
    for layer in ["zone", *[x for x in TOGGLE_LAYERS if x in layers]]:
        table = data.memo(
            ("indicators", layer),
            territory,
            lambda layer=layer: indicator_table(indicators, layer, qpv_perimeters(data, territory)),
        )
        if table is not None:
            out.append(table)
    if "population" in layers and (published := published_table(data, territory)) is not None:
        out.append(published)
    return out


def _summary_rows(data: Data, territory: str, layer: str) -> list[tuple[str, list]]:
    """(legend key, table row) of each class of the layer."""
    frame = data.frame(territory, layer)
    if frame is None:
        return []
    return [
        (r["cle"], [r["couche"], r["classe"], i18n.fmt_number(r["nombre"]), r["mesure"]])
        for r in maps.layer_summary(layer, frame)
    ]


def panel(props: dict, layer_props: dict, view: ViewState, class_children: list) -> list:
    """The panel's children: layers, their classes (``class_children``), legend, missing layers."""
    return [
        html.H2("Couches", className="h5"),
        dcc.Checklist(
            id="layers",
            options=props["layer_options"],
            value=view.layers,  # unavailable layers have other values (layer_options): never ticked
            className="layer-list",
            inputClassName="me-2",
        ),
        html.Div(class_children, id="class-lists"),
        html.H2("Légende", className="h5 mt-3"),
        html.Div(layer_props["legend"], id="legend", className="legend"),
        html.Div(props["layer_notes"], id="layer-notes"),
    ]


CLASSES = {"type": "classes", "layer": ALL}
LAYER_MAPS = {"type": "gj", "layer": ALL}
CLASS_BOXES = {"type": "class-box", "layer": ALL}


def register(app: dash.Dash, data: Data) -> None:
    """Attach the callbacks of the map: class lists, legend, badges, table, drawn layers, target."""
    from .. import state  # state builds on the view modules: imported here, the graph stays one-way

    app.clientside_callback(
        ClientsideFunction("cartopolis", "classes"),
        Output("classes", "data"),
        Input(CLASSES, "value"),
        State(CLASSES, "options"),
        State(CLASSES, "id"),
        State("classes", "data"),
    )
    app.clientside_callback(
        ClientsideFunction("cartopolis", "hideout"),
        Output(LAYER_MAPS, "hideout"),
        Input("classes", "data"),
        State(LAYER_MAPS, "hideout"),
        State(LAYER_MAPS, "id"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("cartopolis", "classBoxes"),
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
        State("classes", "data"),  # class changes only restyle the drawn layers (assets/clientside.js: hideout)
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
