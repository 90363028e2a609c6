"""The view state (territory, tab, programme, measure, layers) and what each part of the page shows.

The same functions fill the page twice: when the layout is built for a URL (so the first view
arrives complete, without a chain of callback round trips) and in the callbacks when a person
changes something. Each returns plain props (lists, dicts, Dash components).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import dash_leaflet as dl
from dash import html

from . import i18n, maps, views
from .data import Data


@dataclass
class ViewState:
    """What the URL query holds: ``?t=…&v=…&p=…&m=…&l=a,b:class,b:class``.

    ``classes`` maps a shown layer to the URL words of the classes shown (see
    :func:`dashboard.maps.parse_layers`); a layer absent from it shows every class.
    """

    territory: str = i18n.NATIONAL
    tab: str = "carte"
    programme: str | None = None
    measure: str | None = None
    layers: list[str] = field(default_factory=lambda: list(maps.DEFAULT_LAYERS))
    classes: dict[str, list[str]] = field(default_factory=dict)
    #: French notices of what the URL asked for and could not be shown (unknown ids).
    notices: list[str] = field(default_factory=list)


def parse_query(search: str | None) -> dict:
    """The raw view of a URL query: t (territory), v (tab), p, m, l (layers; None when absent), c (classes)."""
    raw = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    one = {key: values[0] for key, values in raw.items() if values}
    layers, classes = maps.parse_layers(one["l"]) if "l" in one else (None, {})
    return {"t": one.get("t"), "v": one.get("v"), "p": one.get("p"), "m": one.get("m"), "l": layers, "c": classes}


def query_of_url(url: str | None) -> str:
    """The query string (``?…``) of a full URL, or ``""``."""
    query = urlsplit(url or "").query
    return f"?{query}" if query else ""


def resolve_state(data: Data, search: str | None) -> ViewState:
    """A valid state from a URL query: unknown ids fall back to the defaults, with a notice.

    The territory defaults to the first built one (the national overview when none); the
    programme to the territory's first; the measure must belong to the programme. Each unknown
    id given in the URL adds a French notice (``notices``) naming it and what is shown instead.
    """
    query = parse_query(search)
    ids = data.territory_ids()
    notices = []
    if query["t"] == i18n.NATIONAL:
        territory = i18n.NATIONAL
    else:
        territory = data.resolve(query["t"]) or (ids[0] if ids else i18n.NATIONAL)
        if query["t"] and not data.resolve(query["t"]):
            notices.append(f"territoire inconnu « {query['t']} » : {territory_name(data, territory)} affiché")
    options = programme_options(data, territory)
    values = [o["value"] for o in options]
    programme = query["p"] if query["p"] in values else (values[0] if values else None)
    if query["p"] and query["p"] not in values:
        shown = data.programme(programme)
        notices.append(
            f"programme inconnu pour ce territoire « {query['p']} » : "
            + (f"{shown.title} affiché" if shown else "aucun programme affiché")
        )
    found = data.programme(programme)
    measure = query["m"] if found and any(m.id == query["m"] and m.spatial for m in found.measures) else None
    if query["m"] and measure is None and not (found and any(m.id == query["m"] for m in found.measures)):
        notices.append(f"mesure inconnue « {query['m']} » : aucune mesure choisie")
    return ViewState(
        territory=territory,
        tab=query["v"] if query["v"] in i18n.TABS else "carte",
        programme=programme,
        measure=measure,
        layers=query["l"] if query["l"] is not None else list(maps.DEFAULT_LAYERS),
        classes=query["c"],
        notices=notices,
    )


def territory_name(data: Data, territory: str) -> str:
    """The territory's name (« la vue nationale » for the overview)."""
    if is_national(territory):
        return "la vue nationale"
    return next((i.get("name", territory) for i in data.territories() if i["id"] == territory), territory)


NO_LAYERS = "Choisissez un territoire pour afficher ses couches."


def is_national(territory: str | None) -> bool:
    return territory in (None, i18n.NATIONAL)


# -- territory ------------------------------------------------------------------------------------
def programme_options(data: Data, territory: str | None) -> list[dict]:
    if is_national(territory):
        return [{"label": p.title, "value": p.id} for p in data.programmes().values() if p.measures]
    return [{"label": p.title, "value": p.id} for p in data.programmes_for(territory)]


def class_props(data: Data, territory: str | None, layers: list[str], classes: dict | None) -> list:
    """The lists of class checkboxes under the layer list; for the national overview (no layers)
    the sentence saying why the list is empty."""
    if is_national(territory):
        return [html.P(NO_LAYERS, className="small")]
    return views.class_lists(data, territory, layers or [], classes or {})


def territory_props(data: Data, territory: str | None) -> dict:
    """Layer checklist, unavailable layers, programmes, search options and map viewport."""
    if is_national(territory):
        # no layer boxes at all (rather than a column of disabled ones): the notes say why
        return {
            "layer_options": [],
            "layer_notes": html.Div(),
            "programme_options": programme_options(data, territory),
            "place_options": [],
            "viewport": {"bounds": maps.FRANCE_BOUNDS},
        }
    bounds = views.territory_bounds(data, territory)
    return {
        "layer_options": views.layer_options(data, territory),
        "layer_notes": views.layer_notes(data, territory),
        "programme_options": programme_options(data, territory),
        "place_options": views.place_options(data, territory),
        "viewport": {"bounds": bounds} if bounds else {"bounds": maps.FRANCE_BOUNDS},
    }


def layers_props(data: Data, territory: str | None, layers: list[str], classes: dict | None = None) -> dict:
    """Legend, provenance badges and the table beside the map."""
    if is_national(territory):
        return {
            "legend": views.national_legend(),
            "badges": views.national_badges(),
            "map_table": views.national_table(data),
        }
    return {
        "legend": views.legend(data, territory, layers, classes),
        "badges": views.badges(data, territory, layers),
        "map_table": views.map_table(data, territory, layers, classes),
    }


# -- map ------------------------------------------------------------------------------------------
def map_children(data: Data, territory: str | None, layers: list[str], band: int, classes: dict | None = None) -> list:
    """The drawn layers: commune outline then the chosen layers (their shown classes), bottom to top."""
    if is_national(territory):
        return views.national_map(data)
    children = []
    if data.layer_ok(territory, "commune"):
        children.append(views.geojson_layer(data, territory, "commune", band))
    wanted = set(layers or [])
    for layer in maps.DRAW_ORDER:
        if layer in wanted and data.layer_ok(territory, layer):
            children.append(views.geojson_layer(data, territory, layer, band, (classes or {}).get(layer)))
    return children


def target_children(data: Data, territory: str | None, programme: str | None, measure: str | None) -> list:
    """The selected measure's target (empty when it has none or its layer is missing)."""
    if is_national(territory) or views.selected_target(data, territory, programme, measure) is None:
        return []
    return [views.target_layer(territory, programme, measure)]


def place_children(point: list | None) -> list:
    """The marker of the place chosen in « Mon quartier »."""
    if not point:
        return []
    lon, lat = point
    return [
        dl.CircleMarker(
            center=[lat, lon],
            radius=9,
            color="#000",
            pane=maps.pane_name("points"),
            weight=3,
            fillColor="#ffeb3b",
            fillOpacity=0.9,
            id="place-marker",
            children=dl.Tooltip("Lieu choisi"),
        )
    ]


# -- programmes -----------------------------------------------------------------------------------
def programme_props(data: Data, programme_id: str | None, theme: str | None, wanted: str | None) -> dict:
    """Measure choices of a programme (filtered by theme), the chosen one, the non-spatial list."""
    programme = data.programme(programme_id)
    if programme is None:
        return {
            "measure_options": [],
            "measure": None,
            "non_spatial": html.P("Aucun programme pour ce territoire.", className="small"),
        }
    spatial, others = views.split_measures(programme, theme)
    options = [{"label": m.title, "value": m.id} for m in spatial]
    ids = {o["value"] for o in options}
    return {
        "measure_options": options,
        "measure": wanted if wanted in ids else None,
        "non_spatial": views.non_spatial_list(programme, others),
    }


def exports_props(data: Data, territory: str | None, layers: list[str], programme, measure, tab: str):
    if is_national(territory):
        return ""
    chosen = (programme, measure) if tab == "programmes" else None
    return views.export_links(data, territory, layers, chosen)


def tab_props(tab: str) -> dict:
    """Which panel shows, the classes of the two columns (map hidden for wide tables)."""
    tab = tab if tab in i18n.TABS else "carte"
    wide = tab in ("comparer", "sources")
    return {
        "hidden": [key != tab for key in i18n.TABS],
        "tab_classes": ["nav-link active" if key == tab else "nav-link" for key in i18n.TABS],
        "tab_selected": ["true" if key == tab else "false" for key in i18n.TABS],
        "map_col": "map-col is-hidden" if wide else "map-col",
        "panel_col": "panel-col is-wide" if wide else "panel-col",
    }
