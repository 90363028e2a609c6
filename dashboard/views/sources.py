"""The Sources view: every layer of every territory with its status, producer, licence, vintage,
provenance, notes and official address."""

from __future__ import annotations

import dash
from dash import Input, Output, html, no_update

from pipelines.schemas import CONTEXT_LAYERS, LAYERS

from .. import i18n
from ..components.badges import layer_note_list, provenance_badge
from ..components.tables import html_table, url_links
from ..data import Data

ALL_LAYERS = (*LAYERS, *CONTEXT_LAYERS)


#: Said beside the producer, licence and vintage of a layer that is not built.
DECLARED_NOTE = "(source qui remplirait la couche)"


def source_cells(entry: dict) -> tuple[str, str, str]:
    """(producer, licence, vintage) of a layer; for one not built, those of the sources declared
    for it (manifest ``declared``), followed by « (source qui remplirait la couche) »."""
    prov = entry.get("provenance") or {}
    if prov or entry.get("status") == "ok":
        return tuple(", ".join(str(v) for v in prov.get(key) or []) for key in ("publishers", "licences", "vintages"))
    declared = entry.get("declared") or []
    if not declared:
        return ("", "", "")
    joined = [
        ", ".join(dict.fromkeys(str(d.get(key) or "—") for d in declared))
        for key in ("publisher", "licence", "vintage")
    ]
    return (f"{joined[0]} {DECLARED_NOTE}", joined[1], joined[2])


def sources_table(data: Data) -> html.Div:
    """Every layer of every territory: status, publisher, licence, vintage, provenance, notes, URL."""
    rows = []
    for info in data.territories():
        tid = info["id"]
        for layer in ALL_LAYERS:
            entry = data.layer_entry(tid, layer)
            if entry is None:
                continue
            prov = entry.get("provenance") or {}
            declared_urls = [d.get(key) for d in entry.get("declared") or [] for key in ("url", "page") if d.get(key)]
            urls = list(entry.get("urls") or []) or list(prov.get("pages") or []) or declared_urls
            status = i18n.STATUS.get(entry.get("status"), entry.get("status"))
            if entry.get("status") != "ok":
                status = f"{status} : {entry.get('reason', '')}"
            rows.append(
                [
                    info.get("name", tid),
                    i18n.layer_label(layer),
                    status,
                    *source_cells(entry),
                    provenance_badge(entry) if prov else "",
                    layer_note_list(entry) or "",
                    html.Div(url_links(list(dict.fromkeys(urls)))),
                ]
            )
    header = [
        "Territoire",
        "Couche",
        "État",
        "Producteur",
        "Licence",
        "Millésime",
        "Provenance",
        "Notes",
        "Adresse officielle",
    ]
    return html.Div(html_table(header, rows, None, "sources"), className="scroll-x")


def panel(data: Data, view) -> list:
    """The panel's children; the table is filled when the view opens on this tab (else on first visit)."""
    table = sources_table(data) if view.tab == "sources" else None
    return [html.H2("Sources de chaque couche", className="h5"), html.Div(table, id="sources-table")]


def register(app: dash.Dash, data: Data) -> None:
    """Fill the table when the tab is first opened."""

    @app.callback(Output("sources-table", "children"), Input("tabs", "data"), prevent_initial_call=True)
    def sources(tab):
        return sources_table(data) if tab == "sources" else no_update
