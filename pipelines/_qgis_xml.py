"""Building blocks of a QGIS project file (``.qgs`` XML, QGIS 3): CRS, symbols, renderers, metadata.

Only what QGIS needs to open a vector layer styled by class: the elements and option names are
those QGIS 3.22 writes itself (``QgsProject.write``), every other setting is left to its default.
Colours are QGIS ``"r,g,b,a"`` strings; widths and sizes are in millimetres (QGIS' ``MM``), the
dashboard's pixel widths times 0.26 (QGIS' own 96 dpi factor).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pyproj import CRS

#: One screen pixel in millimetres (96 dpi), to carry the dashboard's line widths over.
PX_MM = 0.26


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """Append ``<tag attrs>text</tag>`` to ``parent`` and return it (attributes as strings)."""
    element = ET.SubElement(parent, tag, {key: str(value) for key, value in attrs.items()})
    if text is not None:
        element.text = text
    return element


def qgis_colour(hex_colour: str, alpha: float = 1.0) -> str:
    """``#d7301f`` and an opacity 0–1 → QGIS ``"215,48,31,140"``."""
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"{red},{green},{blue},{round(alpha * 255)}"


def spatialrefsys(parent: ET.Element, crs: CRS) -> ET.Element:
    """``<spatialrefsys>`` of an EPSG CRS (WKT2 and EPSG code), as QGIS writes it."""
    epsg = crs.to_epsg()
    if epsg is None:
        raise ValueError(f"CRS without an EPSG code: {crs.name}")
    ref = sub(parent, "spatialrefsys")
    sub(ref, "wkt", crs.to_wkt())
    sub(ref, "srid", str(epsg))
    sub(ref, "authid", f"EPSG:{epsg}")
    sub(ref, "description", crs.name)
    sub(ref, "geographicflag", "true" if crs.is_geographic else "false")
    return ref


def _options(layer: ET.Element, options: dict[str, str]) -> None:
    """A symbol layer's settings, both as ``<Option>`` map (QGIS ≥ 3.16) and ``<prop>`` (older)."""
    bag = sub(layer, "Option", type="Map")
    for key, value in options.items():
        sub(bag, "Option", name=key, value=value, type="QString")
    for key, value in options.items():
        sub(layer, "prop", k=key, v=value)


def symbol(parent: ET.Element, name: str, kind: str, options: dict[str, str]) -> ET.Element:
    """``<symbol>`` of one simple layer: ``kind`` is ``fill``, ``line`` or ``marker``."""
    klass = {"fill": "SimpleFill", "line": "SimpleLine", "marker": "SimpleMarker"}[kind]
    element = sub(parent, "symbol", name=name, type=kind, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = sub(element, "layer", **{"class": klass, "pass": "0", "locked": "0", "enabled": "1"})
    _options(layer, options)
    return element


def categorized_renderer(
    parent: ET.Element, expression: str, categories: list[tuple[str, str]], kind: str, styles: list[dict[str, str]]
) -> ET.Element:
    """``<renderer-v2 type="categorizedSymbol">``: one category (value, label) and one symbol per class.

    ``expression`` is a field name in double quotes or any QGIS expression giving the class.
    """
    renderer = sub(
        parent, "renderer-v2", type="categorizedSymbol", attr=expression, symbollevels="0", enableorderby="0"
    )
    cats = sub(renderer, "categories")
    symbols = sub(renderer, "symbols")
    for index, ((value, label), options) in enumerate(zip(categories, styles, strict=True)):
        sub(cats, "category", value=value, label=label, symbol=str(index), render="true")
        symbol(symbols, str(index), kind, options)
    return renderer


def single_renderer(parent: ET.Element, kind: str, options: dict[str, str]) -> ET.Element:
    """``<renderer-v2 type="singleSymbol">`` (the commune outline, the streets)."""
    renderer = sub(parent, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0")
    symbol(sub(renderer, "symbols"), "0", kind, options)
    return renderer


def resource_metadata(
    parent: ET.Element,
    *,
    title: str,
    abstract: str,
    rights: list[str],
    licences: list[str],
    links: list[tuple[str, str]],
    keywords: dict[str, list[str]],
    history: list[str],
) -> ET.Element:
    """``<resourceMetadata>`` (QGIS layer metadata: title, abstract, keywords, links, rights, licences)."""
    meta = sub(parent, "resourceMetadata")
    sub(meta, "identifier", "")
    sub(meta, "parentidentifier", "")
    sub(meta, "language", "fr")
    sub(meta, "type", "dataset")
    sub(meta, "title", title)
    sub(meta, "abstract", abstract)
    for vocabulary, words in keywords.items():
        group = sub(meta, "keywords", vocabulary=vocabulary)
        for word in words:
            sub(group, "keyword", word)
    group = sub(meta, "links")
    for name, url in links:
        sub(group, "link", name=name, url=url, type="WWW:LINK", description="", format="", mimeType="", size="")
    for line in history:
        sub(meta, "history", line)
    sub(meta, "fees", "")
    for right in rights:
        sub(meta, "rights", right)
    for licence in licences:
        sub(meta, "license", licence)
    sub(meta, "encoding", "")
    return meta


def fill_style(colour: str, fill_opacity: float, outline_px: float, outline_style: str = "solid") -> dict[str, str]:
    """Options of a SimpleFill: the class colour filled at ``fill_opacity`` and outlined."""
    return {
        "color": qgis_colour(colour, fill_opacity),
        "style": "solid" if fill_opacity > 0 else "no",
        "outline_color": qgis_colour(colour),
        "outline_style": outline_style,
        "outline_width": f"{outline_px * PX_MM:.2f}",
        "outline_width_unit": "MM",
        "joinstyle": "bevel",
    }


def line_style(colour: str, width_px: float, opacity: float = 1.0, pen: str = "solid") -> dict[str, str]:
    """Options of a SimpleLine (``pen`` ``dash`` for planned cycle routes)."""
    return {
        "line_color": qgis_colour(colour, opacity),
        "line_width": f"{width_px * PX_MM:.2f}",
        "line_width_unit": "MM",
        "line_style": pen,
        "capstyle": "round",
        "joinstyle": "round",
    }


def marker_style(colour: str, radius_px: float) -> dict[str, str]:
    """Options of a round SimpleMarker filled with the class colour, outlined in white."""
    return {
        "name": "circle",
        "color": qgis_colour(colour, 0.95),
        "outline_color": "255,255,255,255",
        "outline_width": f"{PX_MM:.2f}",
        "outline_width_unit": "MM",
        "size": f"{2 * radius_px * PX_MM:.2f}",
        "size_unit": "MM",
    }
