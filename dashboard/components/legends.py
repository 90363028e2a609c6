"""The map legend: the classes present in each shown layer, with their colours (``i18n.LEGENDS``)."""

from __future__ import annotations

from dash import html

from .. import i18n, maps
from ..data import Data
from ..maps import TOGGLE_LAYERS


def _legend_entries(data: Data, territory: str, layer: str) -> list[tuple[str, str, str]]:
    """(key, label, colour) of the classes present in the layer; population labels carry the breaks."""
    entries = i18n.LEGENDS.get(layer, [])
    frame = data.frame(territory, layer) if layer not in ("commune", "target") else None
    if frame is None:
        return entries
    present = set(maps.legend_keys(layer, frame))
    if layer == "population":
        low, high = maps.density_breaks(maps.density_per_km2(frame))
        low_text, high_text = i18n.fmt_number(round(low)), i18n.fmt_number(round(high))
        words = {
            "p0": f"jusqu'à {low_text} hab./km²",
            "p1": f"de {low_text} à {high_text} hab./km²",
            "p2": f"plus de {high_text} hab./km²",
        }
        entries = [(key, f"{label} ({words[key]})", colour) for key, label, colour in entries]
    return [entry for entry in entries if entry[0] in present]


def shown(layer: str, key: str, classes: dict[str, list[str]] | None) -> bool:
    """Whether class ``key`` of ``layer`` is shown under the restrictions ``classes`` (URL words)."""
    words = (classes or {}).get(layer)
    return words is None or maps.class_slug(key) in words


def legend(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]] | None = None) -> list:
    """Legend of the commune, the active layers (classes present and shown) and the measure target."""
    rows = []
    for layer in ("commune", *[x for x in TOGGLE_LAYERS if x in layers], "target"):
        if layer not in ("commune", "target") and not data.layer_ok(territory, layer):
            continue
        entries = data.memo(("legend", layer), territory, lambda layer=layer: _legend_entries(data, territory, layer))
        for key, label, colour in [e for e in entries if shown(layer, e[0], classes)]:
            swatch_class = "swatch line" if layer in ("commune", "cycle", "streets") else "swatch"
            if layer == "shops":
                swatch_class = "swatch dot"
            style = {"background": colour, "borderColor": colour}
            if key == "projet":
                style = {"background": f"repeating-linear-gradient(90deg, {colour} 0 5px, transparent 5px 9px)"}
            if key == "qpv_approx":
                swatch_class, style = "swatch dotted", {"borderColor": colour}
            rows.append(html.Li([html.Span(className=swatch_class, style=style), label]))
    return [html.Ul(rows, className="legend-list")]
