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
from ..i18n import fmt_number
from .tables import html_table

#: Indicators a person can rank by (layer, indicator codes tried in turn, French title).
CHOICES = {codes[0]: (layer, codes, title) for layer, codes, title in PROFILE}
DEFAULT = "share_faible_ou_plus"
#: QPV shown in the chart and the table, the highest first (the national QPV table shows as many).
RANKING_ROWS = 50
#: The flood scenario of a share, when the widest one is missing from the territory's source.
SCENARIO_WORDS = {"share_moyen_ou_fort": "scénario moyen ou fort", "share_fort": "scénario fort seul"}


def ranking_rows(data: Data, choice: str) -> pd.DataFrame:
    """One row per QPV of every built territory: name (« QPV (ville) »), territory, value
    (the first of the choice's codes known for that QPV, None when none is), unit.

    Cached until a built territory changes (a national build has hundreds of territories to read).
    """
    return data.memo_built(("ranking", choice), lambda: _ranking_rows(data, choice))


def _ranking_rows(data: Data, choice: str) -> pd.DataFrame:
    _, codes, _ = CHOICES.get(choice, CHOICES[DEFAULT])
    columns = ["name", "territory", "zone_id", "value", "unit"]
    frames = []
    for order, info in enumerate(data.territories()):
        table = data.table(info["id"], "indicators")
        if table is None or table.empty:
            continue
        qpv = table.loc[table["zone_kind"] == "qpv", ["zone_id", "zone_name", "indicator", "value"]]
        frames.append(qpv.assign(order=order, territory=info["id"], town=info.get("name", info["id"])))
    if not frames:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(frames, ignore_index=True)
    keys = ["order", "zone_id", "zone_name"]
    zones = rows.drop_duplicates(keys).dropna(subset=["zone_id", "zone_name"]).sort_values(keys, kind="stable")
    rank = {code: i for i, code in enumerate(codes)}  # the first of the codes with a known value wins
    known = rows[rows["indicator"].isin(codes) & rows["value"].notna()]
    known = known.assign(_rank=known["indicator"].map(rank)).sort_values("_rank", kind="stable")
    known = known.drop_duplicates(keys)[[*keys, "indicator", "value"]].rename(columns={"value": "_value"})
    zones = zones[["order", "zone_id", "zone_name", "territory", "town"]].merge(known, on=keys, how="left")
    # a flood share of another scenario than the widest is said beside the name
    words = zones["indicator"].map(SCENARIO_WORDS).where(zones["indicator"].notna() & (zones["indicator"] != codes[0]))
    plain = zones["zone_name"] + " (" + zones["town"] + ")"
    named = zones["zone_name"] + " (" + zones["town"] + ", " + words.fillna("") + ")"
    return pd.DataFrame(
        {
            "name": named.where(words.notna(), plain),
            "territory": zones["territory"],
            "zone_id": zones["zone_id"],
            "value": [None if pd.isna(v) else float(v) for v in zones["_value"]],
            "unit": "part",
        },
        columns=columns,
    )


def ranking_content(data: Data, choice: str) -> list:
    """The chart and the table of one indicator."""
    _, _, title = CHOICES.get(choice, CHOICES[DEFAULT])
    rows = ranking_rows(data, choice)
    if rows.empty:
        return [html.P("Aucun territoire construit n'a de QPV.", className="small")]
    order = rows.assign(_v=rows["value"]).sort_values("_v", ascending=False, na_position="last", kind="stable")
    shown = order.head(RANKING_ROWS).drop(columns="_v")  # a national build has ~1,500 QPV: the first view stays light
    figure = ranking_figure(shown, title)
    body = [[i, r.name, chart_label(r.value, r.unit)] for i, r in enumerate(shown.itertuples(), start=1)]
    first = f" ({len(shown)} premiers sur {fmt_number(len(order))})" if len(shown) < len(order) else ""
    caption = "Les mêmes chiffres sont dans le tableau ci-dessous ; « inconnu » : couche absente pour ce territoire."
    return [
        graph("chart-ranking", figure, f"classement-{choice}", caption),
        html_table(["Rang", "Quartier prioritaire", title], body, f"Classement des QPV : {title}{first}", "ranking"),
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
