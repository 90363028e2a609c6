"""The Exporter menu of the header: indicators and measures as CSV, layers and the selected
measure's target as GeoJSON / GeoPackage."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from .. import i18n
from ..data import Data
from ..maps import TOGGLE_LAYERS
from .map_layers import selected_target


def export_links(data: Data, territory: str, layers: list[str], measure: tuple | None) -> html.Details:
    """Download links for the current selection: indicators CSV, layers (and target) as GeoJSON/GPKG."""
    links = []
    if data.table(territory, "indicators") is not None:
        params = {"layers": ",".join(layers)}
        if measure:  # the CSV then carries the measure's result and its per-QPV table too
            params.update(programme=measure[0], measure=measure[1])
        query = urlencode(params)
        href = f"/export/{territory}/indicators.csv?{query}"
        links.append(
            html.Li(
                [
                    html.A("Indicateurs (CSV)", href=href, download="", id="export-csv"),
                    " · ",
                    html.A("pour Excel (;)", href=f"{href}&sep=%3B", download=""),
                ]
            )
        )
    if data.table(territory, "measures") is not None:
        links.append(
            html.Li(
                html.A(
                    "Résultats de toutes les mesures (CSV)",
                    href=f"/export/{territory}/measures.csv",
                    download="",
                    id="export-measures-csv",
                )
            )
        )
    if measure and selected_target(data, territory, *measure) is not None:
        query = urlencode({"programme": measure[0], "measure": measure[1]})
        links.append(
            html.Li(
                [
                    "Cible de la mesure : ",
                    html.A("GeoJSON", href=f"/export/{territory}/target.geojson?{query}", download=""),
                    " · ",
                    html.A("GeoPackage", href=f"/export/{territory}/target.gpkg?{query}", download=""),
                ]
            )
        )
    for layer in ["commune", *[x for x in TOGGLE_LAYERS if x in layers]]:
        if not data.layer_ok(territory, layer):
            continue
        links.append(
            html.Li(
                [
                    f"{i18n.layer_label(layer)} : ",
                    html.A("GeoJSON", href=f"/export/{territory}/{layer}.geojson", download=""),
                    " · ",
                    html.A("GeoPackage", href=f"/export/{territory}/{layer}.gpkg", download=""),
                ]
            )
        )
    return html.Details(
        [html.Summary("Exporter", className="btn btn-outline"), html.Ul(links, className="export-list")]
    )
