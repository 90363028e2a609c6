"""Charts of the Comparer view: programmes × themes as a heatmap, uncovered needs ranked."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import COUNT_SCALE, LAYER_COLOURS, french_layout, ranked_bars, wrap

#: What a zero count reads as in the matrix (as in its table).
ZERO = "·"


def matrix_figure(counts: pd.DataFrame, ids: pd.DataFrame) -> go.Figure:
    """Heatmap of measure counts: one row per theme (index: French labels), one column per
    programme (columns: titles). ``ids`` has the same shape and holds ``"programme|theme"``
    for each cell: a click on a cell hands it to the callback that lists its measures."""
    text = [[str(int(v)) if v else ZERO for v in row] for row in counts.to_numpy()]
    figure = go.Figure(
        go.Heatmap(
            z=counts.to_numpy(),
            x=[wrap(str(c)) for c in counts.columns],
            y=[str(i) for i in counts.index],
            text=text,
            texttemplate="%{text}",
            customdata=ids.to_numpy(),
            colorscale=COUNT_SCALE,
            zmin=0,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "mesures"}, "thickness": 12},
            hovertemplate="%{y} — %{x} : %{text} mesure(s)<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", showgrid=False)
    figure.update_xaxes(side="top", showgrid=False, tickangle=0)
    french_layout(figure, height=170 + 26 * len(counts.index))
    figure.update_layout(margin={"t": 90})
    return figure


def uncovered_figure(rows: pd.DataFrame, layer: str, title: str) -> go.Figure:
    """Ranked bars of one kind of uncovered need: ``rows`` has columns name (« QPV (ville) »),
    value and unit, as in the table; the largest first, the unknown ones last (« inconnu »)."""
    return ranked_bars(rows, LAYER_COLOURS.get(layer, "#555555"), title)
