"""The Mon quartier view: search a QPV or a street (accent-insensitive) or click the map, and
read the card of that place (QPV, flood, heat, shops, cycle, the measures that reach it).

The facts are computed by the pure :mod:`dashboard.place`; this module turns them into text.
"""

from __future__ import annotations

import functools

import dash
import geopandas as gpd
import shapely
from dash import Input, Output, State, ctx, dcc, html, no_update
from pyproj import Transformer
from unidecode import unidecode

from pipelines.settings import CRS_L93, CRS_WGS84

from .. import i18n, maps, place
from ..components.qpv_facts import no_qpv_in_2024, qpv_facts
from ..data import Data
from ..measure_text import distinct_measures


@functools.lru_cache(maxsize=8)
def _from_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs(CRS_WGS84, crs, always_xy=True)


def to_territory_crs(lon: float, lat: float, crs: str = CRS_L93) -> shapely.Point:
    """A WGS84 point (degrees) in the territory's CRS (m; Lambert-93 in metropolitan France)."""
    return shapely.Point(*_from_wgs84(crs).transform(lon, lat))


def search_text(label: str) -> str:
    """What the place search matches: the label in lower case without accents (« pres saint » finds
    « Près Saint Jean »), then the label itself."""
    return f"{unidecode(label).lower()} {label}"


def place_options(data: Data, territory: str) -> list[dict]:
    """Search options: every QPV (name and code), then every named street (accent-insensitive search)."""
    options = []
    qpv = data.frame(territory, "qpv")
    if qpv is not None:
        for _, row in qpv[qpv.geometry.notna()].iterrows():
            code = row.get("code_qp") or row.get("code_qp_2015") or ""
            options.append({"label": f"QPV — {row['name']} ({code})", "value": f"qpv:{code or row['name']}"})
    streets = data.frame(territory, "streets")
    if streets is not None:
        names = sorted({str(n) for n in streets["name"].dropna() if str(n).strip()})
        options += [{"label": f"Rue — {name}", "value": f"rue:{name}"} for name in names]
    return [{**o, "search": search_text(o["label"])} for o in options]


def street_anchor(data: Data, territory: str, name: str):
    """(point, whole street) in EPSG:2154 of a named street, the point inside the commune; (None, None)."""
    streets = data.frame(territory, "streets")
    if streets is None:
        return None, None
    hit = streets[streets["name"] == name]
    if hit.empty:
        return None, None
    commune = data.frame(territory, "commune")
    town = shapely.union_all(commune.geometry.values) if commune is not None and len(commune) else None
    return maps.street_anchor(hit.geometry, town)


def place_point(data: Data, territory: str, value: str):
    """(point in EPSG:4326, label) of a search choice (``qpv:CODE`` or ``rue:NAME``)."""
    kind, _, key = value.partition(":")
    if kind == "qpv":
        qpv = data.frame(territory, "qpv")
        if qpv is None:
            return None, None
        hit = qpv[(qpv["code_qp"] == key) | (qpv["code_qp_2015"] == key) | (qpv["name"] == key)]
        hit = hit[hit.geometry.notna()]
        if hit.empty:
            return None, None
        geom = hit.geometry.iloc[0].representative_point()
        label = f"QPV {hit['name'].iloc[0]}"
    else:
        geom, _ = street_anchor(data, territory, key)
        if geom is None:
            return None, None
        label = key
    point = gpd.GeoSeries([geom], crs=data.territory_crs(territory)).to_crs(CRS_WGS84).iloc[0]
    return shapely.Point(point.x, point.y), label


def former_qpv(data: Data, territory: str, point_l93: shapely.Point) -> list[tuple[str, str]]:
    """The 2015 QPV the place lay in, when it left the priority geography or its contour changed."""
    history = data.frame(territory, "qpv_2015")
    if history is None or history.empty:
        return []
    hits = history.iloc[history.sindex.query(point_l93, predicate="intersects")]
    return [
        ("QPV de 2015", f"{row['name']} ({row['code_qp_2015']}) : {row['status_2024']}")
        for _, row in hits.iterrows()
        if row["status_2024"] != "inchangé en 2024"
    ]


#: What a figure reads outside the extent of a partial source (Redon's OSM extract of the town centre).
OUTSIDE_EXTENT = "inconnu : ce lieu est hors de l'emprise de la source (extrait partiel)"


PARTIAL_EXTENT = " — au moins : le rayon de 300 m dépasse l'emprise de la source (extrait partiel)"


def extent_status(data: Data, territory: str, layer: str, geom) -> str | None:
    """``outside`` when ``geom`` lies outside the extent the layer's source covers, ``partial`` when 300 m
    around it reaches beyond it, None when the source covers it all (or covers the whole commune)."""
    coverage = (data.layer_entry(territory, layer) or {}).get("coverage")
    if not coverage or not coverage.get("bbox"):
        return None
    extent = shapely.box(*coverage["bbox"])
    if not extent.intersects(geom):
        return "outside"
    return None if extent.contains(geom.buffer(maps.NEAR_M)) else "partial"


HEAT_WORDS = {"chaud": "chaude", "tiede": "tiède", "frais": "fraîche"}
PLACE_LAYERS = ("commune", "qpv", "flood", "heat", "shops", "cycle", "population")


def place_card(
    data: Data, territory: str, point_l93: shapely.Point, label: str | None, street: str | None = None
) -> html.Div:
    """The card of a place: QPV, flood, heat, shops, cycle, and the measures that reach it.

    With ``street`` (a street's name, when the place comes from a street search) the shops are
    counted within 300 m of the whole street, not of its midpoint.
    """
    layers = {layer: data.frame(territory, layer) for layer in PLACE_LAYERS}
    around = street_anchor(data, territory, street)[1] if street else None
    card = place.describe_place(point_l93, layers, around=around)
    unavailable = "donnée indisponible pour ce territoire"
    lines = []
    if not card.in_commune:
        lines.append(("Commune", "ce lieu est hors de la commune"))
    if card.qpv is None:
        lines.append(("Quartier prioritaire", unavailable))
    elif card.qpv:
        lines.append(
            (
                "Quartier prioritaire",
                ", ".join(f"{q['name']} ({q['code']}, {i18n.perimeter_label(q.get('perimeter'))})" for q in card.qpv),
            )
        )
        for q in card.qpv:
            lines += qpv_facts(data, territory, q["code"])
    elif no_qpv_in_2024(data, territory):
        lines.append(("Quartier prioritaire", f"non : {i18n.NO_QPV_2024_LABEL} dans la commune"))
    else:
        lines.append(("Quartier prioritaire", "non, ce lieu n'est pas dans un QPV"))
    lines += former_qpv(data, territory, point_l93)
    if card.flood is None:
        lines.append(("Inondation", unavailable))
    else:
        lines.append(
            (
                "Inondation",
                "zone inondable : " + ", ".join(i18n.CLASS_LABELS["flood"].get(s, s) for s in card.flood)
                if card.flood
                else "hors zone inondable connue",
            )
        )
    if card.heat is None:
        lines.append(("Chaleur", unavailable))
    else:
        heat = f"zone {HEAT_WORDS.get(card.heat, card.heat)}" if card.heat else "aucune zone climatique renseignée"
        lines.append(("Chaleur", heat))
    shops_term = "Commerces à moins de 300 m" + (" de la rue" if street else "")
    if card.shops is None:
        lines.append((shops_term, unavailable))
    elif (extent := extent_status(data, territory, "shops", around if around is not None else point_l93)) == "outside":
        lines.append((shops_term, OUTSIDE_EXTENT))
    else:
        counted = f"{i18n.plural(card.shops, 'commerce')} dont {i18n.plural(card.vacant, 'vitrine vide')}"
        lines.append((shops_term, counted + (PARTIAL_EXTENT if extent == "partial" else "")))
    if card.cycle_m is not None and extent_status(data, territory, "cycle", point_l93) == "outside":
        lines.append(("Aménagement cyclable protégé le plus proche", OUTSIDE_EXTENT))
    elif card.cycle_m is None:
        lines.append(
            ("Aménagement cyclable protégé le plus proche", unavailable if layers["cycle"] is None else "aucun")
        )
    else:
        lines.append(
            (
                "Aménagement cyclable protégé le plus proche",
                f"{card.cycle_facility}, à {i18n.fmt_number(round(card.cycle_m))} m",
            )
        )
    reached, unknown = [], []
    for programme in data.programmes_for(territory):
        for measure in distinct_measures(programme):
            reach = place.measure_reach(measure.target, point_l93, card, layers)
            item = html.Li([html.Strong(programme.title), f" — {measure.title}"])
            if reach == "oui":
                reached.append(item)
            elif reach:
                unknown.append(item)
    title = label or "Lieu choisi sur la carte"
    children = [
        html.H3(title, className="h5 place-title"),
        html.Dl([item for term, value in lines for item in (html.Dt(term), html.Dd(value))], className="facts"),
        html.H4("Mesures qui concernent ce lieu", className="h6"),
        html.Ul(reached) if reached else html.P("Aucune mesure localisée ne l'atteint.", className="small"),
    ]
    if unknown:
        children.append(
            html.Details(
                [
                    html.Summary(
                        f"{i18n.plural(len(unknown), 'mesure')} à vérifier : leur couche manque pour ce territoire"
                    ),
                    html.Ul(unknown, className="small"),
                ]
            )
        )
    return html.Div(
        children,
        className="card place-card",
    )


def panel(props: dict) -> list:
    """The panel's children: the search box (options from ``props``) and the place's card."""
    return [
        html.P("Cherchez un quartier prioritaire (nom ou code) ou une rue, ou cliquez sur la carte."),
        html.Label("Rechercher", htmlFor="place-search", className="form-label"),
        dcc.Dropdown(
            labels=i18n.DROPDOWN_LABELS,
            id="place-search",
            options=props["place_options"],
            placeholder="Nom ou code du QPV, nom de rue…",
            searchable=True,
        ),
        html.Div(id="place-card", className="mt-3", **{"aria-live": "polite"}),
    ]


def register(app: dash.Dash, data: Data) -> None:
    """Attach the callback that picks a place (map click or search) and shows its card."""
    from .. import state  # state builds on the view modules: imported here, the graph stays one-way

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
            point, label = place_point(data, territory, search)
            if point is None:
                return None, [], html.P("Lieu introuvable.", className="small"), no_update
        where = [round(point.x, 6), round(point.y, 6)]
        street = search.partition(":")[2] if ctx.triggered_id != "map" and search.startswith("rue:") else None
        card = place_card(
            data, territory, to_territory_crs(point.x, point.y, data.territory_crs(territory)), label, street
        )
        new_tab = "quartier" if tab in ("carte", "quartier") else no_update
        return where, state.place_children(where), card, new_tab
