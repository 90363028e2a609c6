"""The Comparer view: programmes × themes, the contrat de ville beside the Alès programme, and
the needs that no measure targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
import pandas as pd
import shapely
from dash import ALL, Input, Output, ctx, html, no_update

from pipelines.measures import THEMES

from .. import i18n, maps
from ..components.badges import theme_badges
from ..components.tables import html_table
from ..data import Data
from .programmes import distinct_measures

if TYPE_CHECKING:
    from ..state import ViewState


def _programmes_with_measures(data: Data) -> list:
    return [p for p in data.programmes().values() if p.measures]


def matrix(data: Data) -> html.Table:
    """Themes (rows) × programmes (columns): counts, each a button listing the measures."""
    programmes = _programmes_with_measures(data)
    header = [html.Th("Thème", scope="col"), *[html.Th(p.title, scope="col") for p in programmes]]
    rows = []
    for theme, label in THEMES.items():
        cells = [html.Th(label, scope="row")]
        for p in programmes:
            count = sum(theme in m.themes for m in distinct_measures(p))
            cells.append(
                html.Td(
                    html.Button(
                        str(count),
                        id={"type": "cell", "programme": p.id, "theme": theme},
                        className="cell-button",
                        title=f"{label} — {p.title}",
                        **{"aria-label": f"{i18n.plural(count, 'mesure')} {label}, {p.title}"},
                    )
                    if count
                    else html.Span("·", className="zero")
                )
            )
        rows.append(html.Tr(cells))
    return html.Div(
        html.Table([html.Thead(html.Tr(header)), html.Tbody(rows)], className="table matrix"), className="scroll-x"
    )


def matrix_list(data: Data, programme_id: str, theme: str) -> html.Div:
    programme = data.programme(programme_id)
    if programme is None:
        return html.Div()
    chosen = [m for m in distinct_measures(programme) if theme in m.themes]
    return html.Div(
        [
            html.H3(f"{programme.title} — {THEMES.get(theme, theme)} ({len(chosen)})", className="h6"),
            html.Ul(
                [
                    html.Li([m.title, html.Span(" (non spatialisée)" if not m.spatial else "", className="small")])
                    for m in chosen
                ]
            ),
        ],
        className="card p-2",
    )


def contrat(data: Data) -> html.Div:
    """The contrat de ville's orientations, each beside the Alès programme's measures on its themes."""
    programmes = data.programmes()
    contracts = [p for p in programmes.values() if p.kind == "contrat_de_ville"]
    if not contracts:
        return html.P("Aucun contrat de ville chargé.", className="small")
    blocks = []
    for contract in contracts:
        others = [
            p for p in programmes.values() if p.kind == "programme_electoral" and p.territory == contract.territory
        ]
        header = ["Orientation du contrat de ville", *[p.title for p in others]]
        rows = []
        for orientation in contract.measures:
            cells = [html.Div([html.Strong(orientation.title), html.Div(theme_badges(orientation))])]
            for other in others:
                related = [m.title for m in distinct_measures(other) if set(m.themes) & set(orientation.themes)]
                cells.append(
                    html.Ul([html.Li(t) for t in related]) if related else html.Span("aucune mesure", className="small")
                )
            rows.append(cells)
        blocks.append(html.Div(html_table(header, rows, contract.title, "contrat"), className="scroll-x"))
    return html.Div(blocks)


#: For each layer, the selection that expresses a need located in a QPV.
NEED_SELECTIONS = {"flood": "faible_ou_plus", "heat": "chaud", "shops": "vacant"}


def uncovered_needs(data: Data) -> pd.DataFrame:
    """Needs (layer × QPV) that no measure of the territory's programmes targets.

    A need is present when the layer's need selection intersects the QPV (its part inside the
    commune, as in the indicators); it is covered when a measure targets that layer with scope
    ``qpv`` or ``commune``. When the layer is missing the need is ``inconnu``. Columns:
    territoire, qpv, couche, besoin, known (bool).
    """
    rows = []
    for info in data.territories():
        tid = info["id"]
        qpv = data.frame(tid, "qpv")
        commune = data.frame(tid, "commune")
        if qpv is None or not len(qpv) or commune is None:
            continue
        town = shapely.union_all(commune.geometry.values)
        targeted = {
            m.target.layer
            for p in data.programmes_for(tid)
            for m in p.measures
            if m.target is not None and m.target.scope in ("qpv", "commune")
        }
        for layer, select in NEED_SELECTIONS.items():
            if layer in targeted:
                continue
            frame = data.frame(tid, layer)
            for _, zone in qpv[qpv.geometry.notna()].iterrows():
                if frame is None:
                    rows.append((info.get("name", tid), zone["name"], i18n.layer_label(layer), "inconnu", False))
                    continue
                area = zone.geometry.intersection(town)
                chosen = maps.select_features(layer, frame, select)
                hits = chosen.iloc[chosen.sindex.query(area, predicate="intersects")]
                if hits.empty or area.is_empty:
                    continue
                if layer == "shops":
                    figure = i18n.plural(len(hits), "vitrine vide")
                else:
                    share = shapely.union_all(hits.geometry.intersection(area).values).area / area.area
                    figure = f"{i18n.fmt_share(share)} de la surface"
                rows.append((info.get("name", tid), zone["name"], i18n.layer_label(layer), figure, True))
    return pd.DataFrame(rows, columns=["territoire", "qpv", "couche", "besoin", "known"])


def uncovered(data: Data) -> html.Div:
    table = uncovered_needs(data)
    known = table[table["known"]]
    out = []
    if known.empty:
        out.append(html.P("Aucun besoin repéré sans mesure parmi les couches disponibles.", className="small"))
    else:
        rows = known[["territoire", "qpv", "couche", "besoin"]].values.tolist()
        out.append(
            html.Div(
                html_table(["Territoire", "QPV", "Besoin", "Ampleur"], rows, None, "uncovered"), className="scroll-x"
            )
        )
    unknown = table[~table["known"]]
    if not unknown.empty:
        items = [
            html.Li(f"{town} : {', '.join(sorted(set(part['couche'])))} ({part['qpv'].nunique()} QPV)")
            for town, part in unknown.groupby("territoire", sort=True)
        ]
        out += [
            html.P("Besoins inconnus, faute de couche pour ce territoire (voir Sources) :", className="small mt-2"),
            html.Ul(items, className="small"),
        ]
    return html.Div(out)


def panel(data: Data, view: ViewState) -> list:
    """The panel's children, filled only when the view opens on this tab (else on first visit)."""
    filled = view.tab == "comparer"
    return [
        html.H2("Programmes × thèmes", className="h5"),
        html.P("Nombre de mesures par thème. Choisissez une case pour lister les mesures.", className="small"),
        html.Div(matrix(data) if filled else None, id="matrix"),
        html.Div(id="matrix-list", className="mt-2", **{"aria-live": "polite"}),
        html.H2("Contrat de ville et programme d'Alès", className="h5 mt-4"),
        html.Div(contrat(data) if filled else None, id="contrat"),
        html.H2("Besoins qu'aucune mesure ne cible", className="h5 mt-4"),
        html.Div(uncovered(data) if filled else None, id="uncovered"),
    ]


def register(app: dash.Dash, data: Data) -> None:
    """Fill the view when its tab is first opened; a matrix cell lists its measures."""

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
        return matrix(data), contrat(data), uncovered(data)

    @app.callback(
        Output("matrix-list", "children"),
        Input({"type": "cell", "programme": ALL, "theme": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def matrix_click(clicks):
        trigger = ctx.triggered_id
        if not trigger or not any(clicks or []):
            return no_update
        return matrix_list(data, trigger["programme"], trigger["theme"])
