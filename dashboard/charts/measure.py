"""Charts of one measure: its need in QPV, hors QPV and in the commune (rate and count, the
equity ratio marked), and its need per QPV."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import i18n
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

ZONES = ("qpv", "hors_qpv", "commune")
ZONE_LABELS = {"qpv": "En QPV", "hors_qpv": "Hors QPV", "commune": "Commune"}


def _number(row: pd.Series | dict, key: str) -> float | None:
    value = row.get(key)
    return None if is_unknown(value) else float(value)


def commune_rate(row: pd.Series | dict) -> float | None:
    """The commune's rate of a measure's need (need ÷ base), from the QPV and hors-QPV figures.

    ``measures.parquet`` stores the rate in QPV and hors QPV, not the commune's. The two zones
    tile the commune, so the bases add up: base = need ÷ rate in each zone, and the commune's
    rate is the commune's need ÷ the sum of the bases. A stored ``rate_commune`` wins; when a
    zone's base cannot be recovered (its rate is 0 or unknown) the rate is unknown (None).
    """
    stored = _number(row, "rate_commune")
    if stored is not None:
        return stored
    commune, in_qpv = _number(row, "need_commune"), _number(row, "need_in_qpv")
    rate_qpv, rate_hors = _number(row, "rate_qpv"), _number(row, "rate_hors_qpv")
    if None in (commune, in_qpv, rate_qpv, rate_hors) or not rate_qpv or not rate_hors:
        return None
    bases = in_qpv / rate_qpv + (commune - in_qpv) / rate_hors
    return commune / bases if bases > 0 else None


def need_by_zone(row: pd.Series | dict) -> pd.DataFrame:
    """Rate and count of a measure's need per zone: columns zone, label, rate, count.

    Counts: need in QPV, the commune's need minus it (hors QPV), the commune's need. Rates:
    ``rate_qpv``, ``rate_hors_qpv`` and :func:`commune_rate`. Unknown values are None.
    """
    commune, in_qpv = _number(row, "need_commune"), _number(row, "need_in_qpv")
    hors = None if commune is None or in_qpv is None else max(commune - in_qpv, 0.0)
    rates = {"qpv": _number(row, "rate_qpv"), "hors_qpv": _number(row, "rate_hors_qpv"), "commune": commune_rate(row)}
    counts = {"qpv": in_qpv, "hors_qpv": hors, "commune": commune}
    return pd.DataFrame(
        {
            "zone": list(ZONES),
            "label": [ZONE_LABELS[z] for z in ZONES],
            "rate": [rates[z] for z in ZONES],
            "count": [counts[z] for z in ZONES],
        }
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
    ratio = _number(row, "equity_ratio")
    hors_rate = plotted(zones.loc[1, "rate"], rate_unit)
    if hors_rate is not None:
        figure.add_vline(x=hors_rate, line={"dash": "dot", "color": "#555555", "width": 1}, row=1, col=1)
    words = "inconnu" if ratio is None else i18n.fmt_number(ratio, 2)
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
