"""The Programmes view: programme and theme pickers, the localisable measures, the measures
without a place (listed apart), and their callbacks. The detail of one measure (quote, target,
indicators) is :mod:`dashboard.views.measure`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
from dash import Input, Output, State, dcc, html

from pipelines.measures import THEMES

from .. import i18n
from ..components.badges import theme_badges
from ..data import Data
from .measure import measure_detail, measure_quote

if TYPE_CHECKING:
    from ..state import ViewState


def distinct_measures(programme) -> list:
    """The programme's measures without those that repeat an earlier one (``same_as``)."""
    return [m for m in programme.measures if not m.same_as]


def repeated_title(programme, measure) -> str | None:
    """Title of the measure that ``measure`` repeats (its ``same_as``), or None."""
    if not measure.same_as:
        return None
    first = next((m for m in programme.measures if m.id == measure.same_as), None)
    return first.title if first is not None else measure.same_as


def split_measures(programme, theme: str | None):
    """(measures with a target, measures without) of a programme, filtered by theme."""
    chosen = [m for m in programme.measures if not theme or theme in m.themes]
    spatial = [m for m in chosen if m.spatial and not m.same_as]
    return spatial, [m for m in chosen if m not in spatial]


def non_spatial_list(programme, measures) -> list:
    """Measures without a place; a repeat (``same_as``) is one line « reprise de : <title> », not counted."""
    if not measures:
        return [html.P("Aucune.", className="small")]
    items, repeats = [], []
    for m in measures:
        if m.same_as:
            repeats.append(
                html.Li([m.title, html.Span(f" — reprise de : {repeated_title(programme, m)}", className="small")])
            )
            continue
        reason = m.non_spatial_reason or "sans lieu désigné"
        items.append(
            html.Details(
                [
                    html.Summary(m.title),
                    measure_quote(programme, m),
                    html.P(["Non spatialisée : ", reason], className="small"),
                    html.Div(theme_badges(m)),
                ],
                className="ns-measure",
            )
        )
    out = [html.P(f"{i18n.plural(len(items), 'mesure')} sans lieu, listées à part :", className="small"), *items]
    if repeats:
        out += [
            html.P(f"{i18n.plural(len(repeats), 'reprise')} d'une mesure déjà listée :", className="small mt-2"),
            html.Ul(repeats, className="small repeats"),
        ]
    return out


def panel(data: Data, props: dict, view: ViewState, measures: dict) -> list:
    """The panel's children; ``measures`` is :func:`dashboard.state.programme_props` of the view."""
    theme_options = [{"label": label, "value": key} for key, label in THEMES.items()]
    return [
        html.Label("Programme", htmlFor="programme", className="form-label"),
        dcc.Dropdown(
            labels=i18n.DROPDOWN_LABELS,
            id="programme",
            options=props["programme_options"],
            value=view.programme,
            clearable=False,
            placeholder="Choisir un programme",
        ),
        html.Label("Thème", htmlFor="theme", className="form-label mt-2"),
        dcc.Dropdown(id="theme", options=theme_options, placeholder="Tous les thèmes", labels=i18n.DROPDOWN_LABELS),
        html.H2("Mesures localisables", className="h6 mt-3"),
        dcc.RadioItems(
            id="measure",
            options=measures["measure_options"],
            value=measures["measure"],
            className="measure-list",
            inputClassName="me-2",
        ),
        html.Div(
            measure_detail(data, view.territory, view.programme, measures["measure"]),
            id="measure-detail",
            className="mt-3",
            **{"aria-live": "polite"},
        ),
        html.H2("Mesures non spatialisées", className="h6 mt-3"),
        html.Div(measures["non_spatial"], id="non-spatial"),
    ]


def register(app: dash.Dash, data: Data) -> None:
    """Attach the callbacks of the view: measure choices of a programme, detail of a measure."""
    from .. import state  # state builds on the view modules: imported here, the graph stays one-way

    @app.callback(
        Output("measure", "options"),
        Output("measure", "value"),
        Output("non-spatial", "children"),
        Input("programme", "value"),
        Input("theme", "value"),
        State("pending", "data"),
        State("measure", "value"),
        prevent_initial_call=True,
    )
    def programme_changed(programme, theme, pending, current):
        props = state.programme_props(data, programme, theme, current)
        if props["measure"] is None:
            props = state.programme_props(data, programme, theme, (pending or {}).get("m"))
        return props["measure_options"], props["measure"], props["non_spatial"]

    @app.callback(
        Output("measure-detail", "children"),
        Input("measure", "value"),
        Input("programme", "value"),
        Input("territory", "value"),
        prevent_initial_call=True,
    )
    def show_measure(measure, programme, territory):
        return measure_detail(data, territory, programme, measure)
