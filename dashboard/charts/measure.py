"""Charts of one measure: its need in QPV, hors QPV and in the commune (rate and count, the
equity ratio marked), and its need per QPV."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import i18n
from ..needs import ZONE_LABELS, ZONES, commune_rate, need_by_zone, number_or_none  # noqa: F401 (names kept here)
from .base import (
    ZONE_COLOURS,
    axis_title,
    french_layout,
    is_unknown,
    label,
    plotted,
    ranked_bars,
    unknown_marks,
    value_axis,
)


def need_figure(row: pd.Series | dict) -> go.Figure:
    """Two panels of bars, QPV / hors QPV / commune: the rate (left) and the count (right).

    The equity ratio (rate in QPV ÷ rate hors QPV) is written above the rates, and a dotted
    line marks the hors-QPV rate it compares with.
    """
    text = lambda key: row.get(key) if isinstance(row.get(key), str) else None  # noqa: E731
    rate_unit, need_unit = text("rate_unit"), text("need_unit")
    zones = need_by_zone(row)
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"Taux ({axis_title(rate_unit)})", f"Nombre ({need_unit or ''})"),
        horizontal_spacing=0.08,
    )
    for col, (key, unit) in enumerate((("rate", rate_unit), ("count", need_unit)), start=1):
        values = zones[key].tolist()
        xs = [plotted(v, unit) for v in values]
        figure.add_trace(
            go.Bar(
                x=xs,
                y=zones["label"],
                orientation="h",
                marker_color=[ZONE_COLOURS[z] for z in zones["zone"]],
                text=[label(v, unit) for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y} : %{text}<extra></extra>",
                name=key,
            ),
            row=1,
            col=col,
        )
        axes = {"xref": f"x{col if col > 1 else ''}", "yref": f"y{col if col > 1 else ''}"}
        unknown_marks(figure, zones["label"].tolist(), [not is_unknown(v) for v in values], **axes)
        figure.update_xaxes(row=1, col=col, **value_axis(xs))
    figure.update_yaxes(autorange="reversed")
    figure.update_yaxes(showticklabels=False, row=1, col=2)  # the same zones as on the left
    ratio = number_or_none(row, "equity_ratio")
    hors_rate = plotted(zones.loc[1, "rate"], rate_unit)
    if hors_rate is not None:
        figure.add_vline(x=hors_rate, line={"dash": "dot", "color": "#555555", "width": 1}, row=1, col=1)
    words = i18n.UNKNOWN if ratio is None else i18n.fmt_number(ratio, 2)
    figure.add_annotation(
        text=f"Ratio d'équité (taux QPV ÷ hors QPV) : <b>{words}</b>",
        xref="paper",
        yref="paper",
        x=0,
        y=-0.22,
        showarrow=False,
        xanchor="left",
    )
    french_layout(figure, height=240)
    figure.update_layout(margin={"b": 60})
    return figure


def per_qpv_figure(part: pd.DataFrame) -> go.Figure:
    """The need of each QPV (``measures_qpv`` rows of one measure), one bar each, largest first."""
    rows = pd.DataFrame({"name": part["zone_name"].astype(str), "value": part["need"], "unit": part.get("need_unit")})
    return ranked_bars(rows, ZONE_COLOURS["qpv"], "Besoin par quartier prioritaire", bare=False)
