"""The Exporter menu of the header: indicators and measures as CSV, layers and the selected
measure's target as GeoJSON / GeoPackage, and the « Rapport PDF » links (served here)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import dash
import flask
from dash import html

from .. import i18n
from ..data import Data
from ..maps import TOGGLE_LAYERS
from .map_layers import selected_target

#: Territory, programme and QPV ids accepted in a report URL.
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


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
    links += report_links(data, territory, measure[0] if measure else None)
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


def report_links(data: Data, territory: str, programme: str | None) -> list:
    """« Rapport PDF » entries: the programme shown (Programmes view), then one fiche per QPV."""
    links = []
    if programme and data.programme(programme) is not None:
        query = urlencode({"programme": programme})
        links.append(
            html.Li(
                html.A(
                    "Rapport PDF du programme",
                    href=f"/rapport/{territory}.pdf?{query}",
                    download="",
                    id="report-programme",
                )
            )
        )
    qpv = data.frame(territory, "qpv")
    for row in [] if qpv is None else qpv.itertuples():
        code = row.code_qp if isinstance(row.code_qp, str) and row.code_qp else row.code_qp_2015
        if isinstance(code, str) and code:
            query = urlencode({"qpv": code})
            links.append(
                html.Li(
                    html.A(f"Rapport PDF — fiche {row.name}", href=f"/rapport/{territory}.pdf?{query}", download="")
                )
            )
    return links


def register(app: dash.Dash, data: Data) -> None:
    """Serve the reports: ``GET /rapport/<territory>.pdf?qpv=CODE`` or ``?programme=ID``."""
    from pipelines.errors import CartopolisError
    from pipelines.reports import build_report

    @app.server.route("/rapport/<territory>.pdf")
    def report(territory: str):
        programme, qpv = flask.request.args.get("programme"), flask.request.args.get("qpv")
        if not all(SAFE_ID.fullmatch(v) for v in (territory, programme or "-", qpv or "-")):
            return flask.jsonify(error="identifiant invalide"), 400
        try:
            pdf = build_report(data, territory, programme=programme, qpv=qpv)
        except CartopolisError as exc:
            return flask.jsonify(error=str(exc)), 404
        name = f"cartopolis-{territory}-{qpv or programme}.pdf"
        return flask.Response(
            pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
