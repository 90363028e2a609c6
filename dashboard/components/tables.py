"""Tables: the HTML table helper, links to official pages, and the indicators of a layer by zone.

A table is the accessible alternative to the map and to every chart: each figure drawn is in one.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from .. import i18n
from ..data import Data


def url_links(urls: list[str]) -> list:
    """Links (opened in a new tab) to official URLs."""
    return [html.A(url, href=url, className="url", target="_blank", rel="noopener") for url in urls or []]


def html_table(header: list[str], rows: list[list], caption: str | None = None, class_name: str = "") -> html.Table:
    """An HTML table: optional caption, one header row (``scope="col"``), one row per list."""
    return html.Table(
        ([html.Caption(caption)] if caption else [])
        + [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        className=f"table {class_name}".strip(),
    )


def qpv_perimeters(data: Data, territory: str) -> dict[str, str]:
    """``perimeter_status`` of each QPV of the territory, keyed by its 2024 and its 2015 code."""
    qpv = data.frame(territory, "qpv")
    if qpv is None or "perimeter_status" not in qpv:
        return {}
    out = {}
    for row in qpv.itertuples():
        for code in (getattr(row, "code_qp", None), getattr(row, "code_qp_2015", None)):
            if isinstance(code, str) and code:
                out.setdefault(code, row.perimeter_status)
    return out


def indicator_table(table: pd.DataFrame, layer: str, perimeters: dict[str, str] | None = None) -> html.Table | None:
    """Indicators of one layer, one row per indicator, one column per zone (QPV…, hors QPV, commune).

    The label is the table's own ``label`` column when present (French, written by the
    pipeline), else :func:`dashboard.i18n.indicator_label`. With ``perimeters`` (QPV code →
    ``perimeter_status``) a first row says how each QPV's contour was obtained.
    """
    part = table[table["layer"] == layer]
    if part.empty:
        return None
    kinds = {"qpv": 0, "hors_qpv": 1, "commune": 2}
    zones = (
        part[["zone_id", "zone_kind", "zone_name"]]
        .drop_duplicates("zone_id")
        .assign(_o=lambda f: f["zone_kind"].map(kinds).fillna(3))
        .sort_values(["_o", "zone_name"])
    )
    header = ["Indicateur", *[str(z) for z in zones["zone_name"]]]
    rows = []
    if perimeters:
        rows.append(
            [
                "Contour du quartier",
                *[
                    i18n.perimeter_label(perimeters.get(str(z))) if kind == "qpv" else "—"
                    for z, kind in zip(zones["zone_id"], zones["zone_kind"], strict=True)
                ],
            ]
        )
    for indicator, group in part.groupby("indicator", sort=False):
        first = group.iloc[0]
        unit = first.get("unit")
        unit_text = None if unit is None or pd.isna(unit) else str(unit)
        label = first.get("label") if isinstance(first.get("label"), str) and first.get("label") else None
        label = label or i18n.indicator_label(str(indicator))
        if unit_text and unit_text not in i18n.SHARE_UNITS:
            label = f"{label} ({unit_text})"
        values = group.set_index("zone_id")["value"]
        rows.append([label, *[i18n.fmt_value(values.get(z), unit_text, bare=True) for z in zones["zone_id"]]])
    caption = "Zones" if layer == "zone" else i18n.layer_label(layer)
    caption = f"{caption} — indicateurs par zone (chaque QPV pour sa partie dans la commune)"
    return html_table(header, rows, caption, f"indicators indicators-{layer}")
