"""The Comparer view: programmes × themes, the contrat de ville beside the Alès programme, and
the needs that no measure targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
import pandas as pd
from dash import ALL, Input, Output, ctx, html, no_update

from pipelines.measures import THEMES

from .. import i18n
from ..charts.base import graph
from ..charts.compare import ZERO, matrix_figure, uncovered_figure
from ..components.badges import theme_badges
from ..components.tables import html_table
from ..data import Data
from ..measure_text import distinct_measures
from ..needs import NEED_SELECTIONS, uncovered_needs  # noqa: F401 (names kept here)
from .measure import TABLE_BELOW

if TYPE_CHECKING:
    from ..state import ViewState


def _programmes_with_measures(data: Data) -> list:
    return [p for p in data.programmes().values() if p.measures]


def matrix_counts(data: Data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, ids): distinct measures per theme (rows, French labels) and programme (columns,
    titles), and ``"programme|theme"`` of each cell (what a click on the heatmap hands over)."""
    programmes = _programmes_with_measures(data)
    counts = pd.DataFrame(
        [[sum(theme in m.themes for m in distinct_measures(p)) for p in programmes] for theme in THEMES],
        index=list(THEMES.values()),
        columns=[p.title for p in programmes],
    )
    ids = pd.DataFrame([[f"{p.id}|{theme}" for p in programmes] for theme in THEMES], index=counts.index)
    return counts, ids


def matrix(data: Data, counts: pd.DataFrame | None = None) -> html.Div:
    """Themes (rows) × programmes (columns): counts (those of :func:`matrix_counts` unless given), each a
    button listing the measures."""
    programmes = _programmes_with_measures(data)
    counts = matrix_counts(data)[0] if counts is None else counts
    header = [html.Th("Thème", scope="col"), *[html.Th(p.title, scope="col") for p in programmes]]
    rows = []
    for (theme, label), values in zip(THEMES.items(), counts.to_numpy(), strict=True):
        cells = [html.Th(label, scope="row")]
        for p, count in zip(programmes, values, strict=True):
            count = int(count)
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
                    else html.Span(ZERO, className="zero")
                )
            )
        rows.append(html.Tr(cells))
    return html.Div(
        html.Table([html.Thead(html.Tr(header)), html.Tbody(rows)], className="table matrix"), className="scroll-x"
    )


def matrix_block(data: Data) -> list:
    """The matrix as a heatmap (a click on a cell lists its measures), then as a table of buttons."""
    counts, ids = matrix_counts(data)
    caption = "Choisissez une case pour lister ses mesures. Les mêmes nombres sont dans le tableau ci-dessous."
    return [graph("matrix-chart", matrix_figure(counts, ids), "programmes-themes", caption), matrix(data, counts)]


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


#: Title of the chart of each kind of uncovered need.
UNCOVERED_TITLES = {
    "flood": "Zones inondables sans mesure : part de la surface du QPV",
    "heat": "Zones chaudes sans mesure : part de la surface du QPV",
    "shops": "Vitrines vides sans mesure : nombre dans le QPV",
    "poverty": "Pauvreté sans mesure : part des ménages pauvres du QPV",
}


def uncovered_charts(table: pd.DataFrame) -> list:
    """One ranked bar chart per kind of uncovered need (its unknown QPV written « inconnu »)."""
    out = []
    for layer, part in table.groupby("layer", sort=False):
        if not part["known"].any():
            continue
        rows = pd.DataFrame(
            {"name": part["qpv"] + " (" + part["territoire"] + ")", "value": part["value"], "unit": part["unit"]}
        )
        title = UNCOVERED_TITLES.get(str(layer), str(layer))
        out.append(
            graph(
                f"chart-uncovered-{layer}", uncovered_figure(rows, str(layer), title), f"besoins-{layer}", TABLE_BELOW
            )
        )
    return out


def uncovered(data: Data) -> html.Div:
    table = uncovered_needs(data)
    known = table[table["known"]]
    out = []
    if known.empty:
        out.append(html.P("Aucun besoin repéré sans mesure parmi les couches disponibles.", className="small"))
    else:
        out += uncovered_charts(table)
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
        html.Div(matrix_block(data) if filled else None, id="matrix"),
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
        return matrix_block(data), contrat(data), uncovered(data)

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

    @app.callback(
        Output("matrix-list", "children", allow_duplicate=True),
        Input("matrix-chart", "clickData"),
        prevent_initial_call=True,
    )
    def heatmap_click(click):
        points = (click or {}).get("points") or []
        if not points or not points[0].get("customdata"):
            return no_update
        programme, _, theme = str(points[0]["customdata"]).partition("|")
        return matrix_list(data, programme, theme)
