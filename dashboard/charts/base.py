"""What every chart shares: palette, French number formats, « inconnu », and the Dash wrapper.

Numbers on a chart are written with :mod:`dashboard.i18n` (``12,5 %``, ``1 234``: narrow
no-break spaces), the same functions as the tables, so a bar's label is the table's cell. Plotly's
own formats (axis ticks, hover) use the French separators ``,`` and U+202F.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from .. import i18n

#: Text shown instead of a bar whose value is unknown.
UNKNOWN = i18n.UNKNOWN
#: Zone colours, as on the map: QPV purple and commune dark grey (``i18n.LEGENDS``), hors QPV a
#: light grey. They differ in lightness, so they stay apart for every colour vision.
ZONE_COLOURS = {
    "qpv": i18n.LEGENDS["qpv"][0][2],
    "hors_qpv": "#a6a6a6",
    "commune": i18n.LEGENDS["commune"][0][2],
}
#: One colour per layer of a need (the legend's strongest class of that layer).
LAYER_COLOURS = {
    "flood": i18n.LEGENDS["flood"][1][2],
    "heat": i18n.LEGENDS["heat"][0][2],
    "shops": i18n.LEGENDS["shops"][1][2],
    "cycle": i18n.LEGENDS["cycle"][0][2],
    "population": i18n.LEGENDS["population"][2][2],
    "qpv": i18n.LEGENDS["qpv"][0][2],
}
#: Sequential single-hue scale (light to dark blue), readable for every colour vision.
COUNT_SCALE = [[0.0, "#f7fbff"], [0.5, "#6baed6"], [1.0, "#08306b"]]
#: Plotly separators: decimal comma, narrow no-break space between thousands.
SEPARATORS = ",\u202f"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13, "color": "#222222"}


def is_unknown(value: object) -> bool:
    """Whether a value is missing (None or NaN)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def plotted(value: object, unit: str | None) -> float | None:
    """The number drawn for ``value``: shares in percentage points (0–100), others as they are."""
    if is_unknown(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number * 100 if unit in i18n.SHARE_UNITS else number


def label(value: object, unit: str | None, bare: bool = True) -> str:
    """The text of a bar: the table's formatting of ``value`` (« inconnu » when missing)."""
    return UNKNOWN if is_unknown(value) else i18n.fmt_value(value, unit, bare=bare)


def value_axis(values: list[float | None]) -> dict:
    """x-axis settings for bars with their text outside: room on the right; no ticks when
    every value is unknown (the bars are then only « inconnu »)."""
    known = [v for v in values if v is not None]
    if not known:
        return {"range": [0, 1], "showticklabels": False, "showgrid": False}
    top = max(max(known), 0.0)
    return {"range": [min(min(known), 0.0), top * 1.22 if top > 0 else 1]}


def wrap(text: str, width: int = 22) -> str:
    """A long label on several lines (``<br>`` between words) for a category axis."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def short(names: list[str], length: int = 40) -> list[str]:
    """Category labels cut to ``length`` characters (« … » at the end) unless two would then be
    the same; the table beside the chart has them whole."""
    cut = [n if len(n) <= length else n[: length - 1].rstrip() + "…" for n in names]
    return cut if len(set(cut)) == len(set(names)) else list(names)


def axis_title(unit: str | None) -> str:
    """Axis title of a unit (« % » for shares)."""
    if unit in i18n.SHARE_UNITS:
        return "%"
    return unit or ""


def french_layout(figure: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    """French separators, the page's font, white background, room for labels."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}} if title else None,
        separators=SEPARATORS,
        font=FONT,
        height=height,
        margin={"l": 10, "r": 30, "t": 50 if title else 20, "b": 40},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        showlegend=False,
        hoverlabel={"font": FONT},
        uniformtext={"minsize": 10, "mode": "show"},
    )
    figure.update_xaxes(automargin=True, gridcolor="#e5e5e5", zerolinecolor="#999999")
    figure.update_yaxes(automargin=True, gridcolor="#e5e5e5", zerolinecolor="#999999")
    return figure


def unknown_marks(figure: go.Figure, categories: list[str], known: list[bool], **axes: str) -> None:
    """Write « inconnu » at the base of each category whose bar is unknown (horizontal bars).

    The marks are added in one layout update: ``add_annotation`` one by one copies the whole list
    each time, which took minutes for the 1,600 QPV of a national build.
    """
    font = {"color": "#555555", "size": 12}
    marks = [
        go.layout.Annotation(x=0, y=category, text=UNKNOWN, showarrow=False, xanchor="left", font=font, **axes)
        for category, ok in zip(categories, known, strict=True)
        if not ok
    ]
    if marks:
        figure.update_layout(annotations=[*figure.layout.annotations, *marks])


def ranked_bars(rows: pd.DataFrame, colour: str, title: str | None, bare: bool = True) -> go.Figure:
    """Horizontal bars, largest first, the unknown ones last and written « inconnu ».

    ``rows`` has columns name, value and unit (a share unit is drawn in %); each bar's text is
    the table's formatting of its value (with the unit unless ``bare``).
    """
    order = rows.assign(_v=pd.to_numeric(rows["value"], errors="coerce"))
    order = order.sort_values("_v", ascending=False, na_position="last", kind="stable")
    names = short(order["name"].astype(str).tolist())
    values, units = order["value"].tolist(), order["unit"].tolist()
    unit = next((u for u in units if isinstance(u, str)), None)
    xs = [plotted(v, u) for v, u in zip(values, units, strict=True)]
    figure = go.Figure(
        go.Bar(
            x=xs,
            y=names,
            orientation="h",
            marker_color=colour,
            text=[label(v, u, bare=bare) for v, u in zip(values, units, strict=True)],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y} : %{text}<extra></extra>",
        )
    )
    unknown_marks(figure, names, [not is_unknown(v) for v in values])
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title_text=axis_title(unit), **value_axis(xs))
    return french_layout(figure, title, height=110 + 28 * len(names))


def config(filename: str) -> dict:
    """Mode bar without the logo and the selection tools; the camera button saves a PNG named ``filename``."""
    return {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def graph(graph_id: str, figure: go.Figure, filename: str, caption: str) -> html.Figure:
    """A chart for the page: the graph, a « SVG » download button and a caption naming the table.

    The SVG button is handled by ``assets/charts.js`` (plotly's own ``downloadImage``), so no
    inline script is needed. The figure is handed over as plain JSON (no numpy arrays).
    """
    return html.Figure(
        [
            dcc.Graph(id=graph_id, figure=json.loads(figure.to_json()), config=config(filename), className="chart"),
            html.Figcaption(
                [
                    html.Span(caption, className="small"),
                    html.Button(
                        "Télécharger en SVG",
                        className="btn btn-outline btn-small chart-svg",
                        type="button",
                        **{"data-graph": graph_id, "data-filename": filename},
                    ),
                ],
                className="chart-caption",
            ),
        ],
        className="chart-figure",
    )
