"""The maps of the reports: a QPV and what bears on it, or a measure's target on the commune.

Layers are read through the dashboard's read side (:class:`dashboard.data.Data`) and coloured
by the legend of the map (``dashboard.i18n.LEGENDS``), so paper and screen agree.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from dashboard import i18n
from dashboard import maps as map_builders
from dashboard.data import Data

from .svgmap import Style, draw, framed

#: Layers drawn on a fiche quartier, bottom to top.
CONTEXT = ("heat", "flood", "cycle", "shops")


def legend_styles(layer: str, frame: gpd.GeoDataFrame) -> list[tuple[gpd.GeoDataFrame, Style, str]]:
    """(features, style, French label) of each legend class of ``layer`` present in ``frame``."""
    keys = map_builders.legend_keys(layer, frame)
    out = []
    for key, label, colour in i18n.LEGENDS.get(layer, []):
        part = frame[keys == key]
        if not len(part):
            continue
        if layer == "cycle":
            style = Style(None, colour, width=3.0, dash="8 6" if key == "projet" else None)
        elif layer == "shops":
            style = Style(colour, "#ffffff", radius=6.0 if key == "vacant" else 4.0)
        elif layer in ("qpv", "target"):
            style = Style(colour, colour, width=3.0, opacity=0.15, dash="6 4" if key == "qpv_approx" else None)
        else:
            style = Style(colour, None, opacity=0.65)
        out.append((part, style, label))
    return out


def _base(data: Data, territory: str) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    return data.frame(territory, "commune"), data.frame(territory, "qpv")


def _outline(commune: gpd.GeoDataFrame | None) -> list:
    colour = i18n.LEGENDS["commune"][0][2]
    return [(commune, Style(None, colour, width=2.5), "Limite communale")] if commune is not None else []


def qpv_map(data: Data, territory: str, qpv_row: gpd.GeoSeries) -> tuple[str, list[tuple[str, str]]]:
    """(SVG, legend) of a QPV: its surroundings (300 m), the layers that bear on it, its contour on top."""
    commune, qpv = _base(data, territory)
    layers, legend = [], []
    for layer in CONTEXT:
        frame = data.frame(territory, layer)
        if frame is None or not len(frame):
            continue
        for part, style, label in legend_styles(layer, frame):
            layers.append((part, style))
            legend.append((label, style.fill or style.stroke or "#000000"))
    focus = gpd.GeoDataFrame(geometry=[qpv_row.geometry], crs=qpv.crs) if qpv is not None else None
    others = qpv.drop(index=qpv_row.name) if qpv is not None else None
    qpv_colour = i18n.LEGENDS["qpv"][0][2]
    layers += [(others, Style(None, qpv_colour, width=1.5, dash="4 4")), *[(f, s) for f, s, _ in _outline(commune)]]
    layers.append((focus, Style(qpv_colour, qpv_colour, width=4.0, opacity=0.12)))
    legend = [("Le quartier prioritaire", qpv_colour), ("Limite communale", i18n.LEGENDS["commune"][0][2]), *legend]
    bounds = framed(tuple(qpv_row.geometry.bounds), 300.0)
    return draw(bounds, layers, f"Carte du quartier {qpv_row.get('name', '')}"), legend


def target_map(data: Data, territory: str, target) -> tuple[str, list[tuple[str, str]]] | None:
    """(SVG, legend) of a measure's target on the whole commune, or None when its layer is missing."""
    commune, qpv = _base(data, territory)
    frame = data.frame(territory, target.layer)
    if commune is None or frame is None:
        return None
    chosen = map_builders.target_frame(
        target.layer, frame, target.select, target.scope, target.buffer_m, qpv=qpv, commune=commune
    )
    colour = i18n.LEGENDS["target"][0][2]
    style = Style(colour, "#b8860b", width=2.0, opacity=0.55, radius=6.0)
    qpv_colour = i18n.LEGENDS["qpv"][0][2]
    layers = [(chosen, style), (qpv, Style(qpv_colour, qpv_colour, width=2.5, opacity=0.1)), *_outline(commune)]
    legend = [
        ("Cible de la mesure", colour),
        ("Quartiers prioritaires", qpv_colour),
        ("Limite communale", i18n.LEGENDS["commune"][0][2]),
    ]
    town = shapely.union_all(commune.geometry.values)
    bounds = framed(tuple(town.bounds), 200.0)
    return draw(bounds, [(f, s) for f, s, *_ in layers], "Carte de la cible de la mesure"), legend
