"""The national view's ranking of the QPV of every built territory by one indicator: a picker,
a ranked bar chart and the same numbers as a table (« inconnu » where the layer is missing).

Self-contained (its own ids and callback) so that the national view can place it anywhere.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, dcc, html

from ..charts.base import graph
from ..charts.base import label as chart_label
from ..charts.zones import PROFILE, ranking_figure
from ..data import Data
from .tables import html_table

#: Indicators a person can rank by (layer, indicator codes tried in turn, French title).
CHOICES = {codes[0]: (layer, codes, title) for layer, codes, title in PROFILE}
DEFAULT = "share_faible_ou_plus"
#: The flood scenario of a share, when the widest one is missing from the territory's source.
SCENARIO_WORDS = {"share_moyen_ou_fort": "scénario moyen ou fort", "share_fort": "scénario fort seul"}


def ranking_rows(data: Data, choice: str) -> pd.DataFrame:
    """One row per QPV of every built territory: name (« QPV (ville) »), territory, value
    (the first of the choice's codes known for that QPV, None when none is), unit."""
    _, codes, _ = CHOICES.get(choice, CHOICES[DEFAULT])
    rows = []
    for info in data.territories():
        table = data.table(info["id"], "indicators")
        if table is None or table.empty:
            continue
        qpv = table[table["zone_kind"] == "qpv"]
        for (zone_id, zone_name), part in qpv.groupby(["zone_id", "zone_name"], sort=True):
            values = part.set_index("indicator")["value"]
            code = next((c for c in codes if c in values and pd.notna(values[c])), None)
            value = None if code is None else float(values[code])
            # a flood share of another scenario than the widest is said beside the name
            words = SCENARIO_WORDS.get(code) if code not in (None, codes[0]) else None
            town = info.get("name", info["id"])
            name = f"{zone_name} ({town}, {words})" if words else f"{zone_name} ({town})"
            rows.append({"name": name, "territory": info["id"], "zone_id": zone_id, "value": value, "unit": "part"})
    return pd.DataFrame(rows, columns=["name", "territory", "zone_id", "value", "unit"])


def ranking_content(data: Data, choice: str) -> list:
    """The chart and the table of one indicator."""
    _, _, title = CHOICES.get(choice, CHOICES[DEFAULT])
    rows = ranking_rows(data, choice)
    if rows.empty:
        return [html.P("Aucun territoire construit n'a de QPV.", className="small")]
    figure = ranking_figure(rows, title)
    order = rows.assign(_v=rows["value"]).sort_values("_v", ascending=False, na_position="last", kind="stable")
    body = [[i, r.name, chart_label(r.value, r.unit)] for i, r in enumerate(order.itertuples(), start=1)]
    caption = "Les mêmes chiffres sont dans le tableau ci-dessous ; « inconnu » : couche absente pour ce territoire."
    return [
        graph("chart-ranking", figure, f"classement-{choice}", caption),
        html_table(["Rang", "Quartier prioritaire", title], body, f"Classement des QPV : {title}", "ranking"),
    ]


def block(data: Data, choice: str = DEFAULT) -> html.Section:
    """The picker and its content, for the national view."""
    options = [{"label": title, "value": key} for key, (_, _, title) in CHOICES.items()]
    return html.Section(
        [
            html.H2("Classement des quartiers prioritaires des territoires construits", className="h6 mt-3"),
            html.Label("Indicateur", htmlFor="ranking-indicator", className="form-label"),
            dcc.Dropdown(id="ranking-indicator", options=options, value=choice, clearable=False),
            html.Div(ranking_content(data, choice), id="ranking-content"),
        ],
        className="ranking",
    )


def register(app: dash.Dash, data: Data) -> None:
    """A new indicator redraws the chart and the table."""

    @app.callback(Output("ranking-content", "children"), Input("ranking-indicator", "value"), prevent_initial_call=True)
    def rank(choice):
        return ranking_content(data, choice or DEFAULT)
