"""The national overview: département outlines, the towns of the programmes and of the
municipalist collectives, and the table listing them."""

from __future__ import annotations

import dash
import dash_leaflet as dl
from dash import Input, Output, html

from .. import i18n
from ..components import ranking as ranking_block
from ..components.tables import html_table
from ..data import Data
from ..maps import pane_name
from . import national_qpv

NATIONAL_STYLES = {
    "departement": {"color": "#9e9e9e", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.6, "interactive": False},
    "programme": {"color": "#ffffff", "weight": 1.5, "fillColor": "#7b3294", "fillOpacity": 0.95, "radius": 8},
    "collectif": {"color": "#ffffff", "weight": 1, "fillColor": "#1b9e77", "fillOpacity": 0.95, "radius": 6},
}


def national_map(data: Data) -> list:
    """Département outlines, then one point per commune listing its programmes and collectives."""
    points = data.national_points().dropna(subset=["lon", "lat"])
    features = []
    for (lon, lat), group in points.groupby(["lon", "lat"], sort=False):
        kind = "programme" if (group["kind"] == "programme").any() else "collectif"
        names = "; ".join(dict.fromkeys(group["name"]))
        features.append(
            {
                "type": "Feature",
                "properties": {"_k": kind, "_t": f"{group['commune'].iloc[0]} : {names}"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return [
        national_qpv.qpv_layer(),
        dl.GeoJSON(
            id="gj-departements",
            url="/carto/_national/departements.geojson",
            pane=pane_name("fond"),
            style={"variable": "cartopolis.style"},
            hideout={"styles": NATIONAL_STYLES},
        ),
        dl.GeoJSON(
            id="gj-national",
            data={"type": "FeatureCollection", "features": features},
            pane=pane_name("points"),
            pointToLayer={"variable": "cartopolis.point"},
            onEachFeature={"variable": "cartopolis.tooltip"},
            hideout={"styles": NATIONAL_STYLES, "pane": pane_name("points")},
        ),
    ]


def national_legend() -> list:
    items = [
        html.Li([html.Span(className="swatch dot", style={"background": "#7b3294"}), "Ville d'un programme"]),
        html.Li([html.Span(className="swatch dot", style={"background": "#1b9e77"}), "Collectif municipaliste"]),
        *national_qpv.legend(),
    ]
    return [html.Ul(items, className="legend-list")]


def national_badges() -> list:
    return [
        html.Div(
            "Vue nationale : tous les QPV de France (couleur : statut 2024), villes des programmes et "
            "collectifs, placés au centre de leur commune."
        )
    ]


def national_table(data: Data) -> list:
    points = data.national_points()
    rows = [
        ["Programme" if r.kind == "programme" else "Collectif", r.name, f"{r.commune} ({r.insee})", _detail(r)]
        for r in points.itertuples()
    ]
    missing = points[points["lon"].isna()]
    out = [
        *national_qpv.section(data),
        html_table(["Type", "Nom", "Commune", "Détail"], rows, "Programmes et collectifs de la carte", "summary"),
    ]
    if len(missing):
        out.append(
            html.P(
                f"{i18n.plural(len(missing), 'ligne')} sans position sur la carte (voir « Détail »).", className="small"
            )
        )
    return out


def _detail(row) -> object:
    """A collective's description is quoted from its (English) site: said so, not translated."""
    if row.kind != "collectif" or not isinstance(row.detail, str) or not row.detail.strip():
        return row.detail
    return html.Span([f"« {row.detail.strip()} » ", html.Em(COLLECTIVE_QUOTE, className="small")])


COLLECTIVE_QUOTE = "(citation en anglais)"


def ranking(data: Data, national: bool) -> list:
    """Under the national map: the ranking of the built territories' QPV (nothing elsewhere)."""
    return [ranking_block.block(data)] if national else []


def register(app: dash.Dash, data: Data) -> None:
    """The ranking follows the territory picker; its indicator picker has its own callback."""
    from .. import state  # state builds on the view modules: imported here, the graph stays one-way

    ranking_block.register(app, data)

    @app.callback(Output("national-ranking", "children"), Input("territory", "value"), prevent_initial_call=True)
    def show_ranking(territory):
        return ranking(data, state.is_national(territory))
