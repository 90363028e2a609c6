"""Static maps for the printed reports: SVG drawn from the store's layers (no tile server).

Pure: frames in EPSG:2154 (m) in, SVG text out. The map frames a focus area (a QPV and its
surroundings, or the whole commune); each layer is clipped to the frame, simplified to about
half a printed pixel and drawn with the colours of the dashboard's legend.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import geopandas as gpd
import numpy as np
import shapely

#: Width of the drawing in SVG units (the page scales it to the column width).
WIDTH = 1000.0
#: Above this many shapes in a layer, they are drawn side by side instead of merged first.
MERGE_AT_MOST = 1500


@dataclass(frozen=True)
class Style:
    """How one layer is drawn: fill and stroke colours, stroke width, opacity, dash, point radius."""

    fill: str | None
    stroke: str | None
    width: float = 1.0
    opacity: float = 0.6
    dash: str | None = None
    radius: float = 5.0


def _ring(coords: np.ndarray, x0: float, y0: float, scale: float) -> str:
    xy = np.column_stack(((coords[:, 0] - x0) * scale, (y0 - coords[:, 1]) * scale))
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy)


def path_data(geometry: shapely.Geometry, x0: float, y0: float, scale: float) -> str:
    """SVG path data of a (multi)polygon or (multi)line, y flipped (north up)."""
    parts = []
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, shapely.Polygon):
            for ring in (part.exterior, *part.interiors):
                parts.append(_ring(np.asarray(ring.coords), x0, y0, scale) + "Z")
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            parts.append(_ring(np.asarray(part.coords), x0, y0, scale))
        elif hasattr(part, "geoms"):
            parts.append(path_data(part, x0, y0, scale))
    return "".join(parts)


def _element(geometry: shapely.Geometry, style: Style, x0: float, y0: float, scale: float) -> str:
    if geometry.is_empty:
        return ""
    if geometry.geom_type in ("Point", "MultiPoint"):
        dots = []
        for point in getattr(geometry, "geoms", [geometry]):
            cx, cy = (point.x - x0) * scale, (y0 - point.y) * scale
            dots.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{style.radius}" fill="{style.fill}" '
                f'stroke="{style.stroke or "#ffffff"}" stroke-width="1"/>'
            )
        return "".join(dots)
    kinds = {g.geom_type for g in getattr(geometry, "geoms", [geometry])}
    polygonal = kinds <= {"Polygon", "MultiPolygon"}
    fill = style.fill if polygonal and style.fill else "none"
    attributes = [
        f'd="{path_data(geometry, x0, y0, scale)}"',
        f'fill="{fill}"',
        f'fill-opacity="{style.opacity}"' if fill != "none" else "",
        f'stroke="{style.stroke}"' if style.stroke else 'stroke="none"',
        f'stroke-width="{style.width}"',
        f'stroke-dasharray="{style.dash}"' if style.dash else "",
        'fill-rule="evenodd"' if polygonal else "",
    ]
    return f"<path {' '.join(a for a in attributes if a)}/>"


def draw(
    frame_bounds: tuple[float, float, float, float],
    layers: list[tuple[gpd.GeoDataFrame | None, Style]],
    title: str,
) -> str:
    """An SVG map of ``frame_bounds`` (minx, miny, maxx, maxy in m) drawing ``layers`` bottom to top.

    Each frame is clipped to the bounds, merged into one shape and simplified to 0.5 SVG unit
    (points stay dots); ``title`` is the SVG's
    accessible name. A 1 km (or 200 m) scale bar is drawn in the lower left corner.
    """
    minx, miny, maxx, maxy = frame_bounds
    scale = WIDTH / max(maxx - minx, 1.0)
    height = (maxy - miny) * scale
    box = shapely.box(minx, miny, maxx, maxy)
    tolerance = 0.5 / scale
    elements = []
    for frame, style in layers:
        if frame is None or not len(frame):
            continue
        hits = frame.iloc[frame.sindex.query(box, predicate="intersects")].geometry.dropna()
        hits = hits[~hits.is_empty]
        points = hits[hits.geom_type.isin(["Point", "MultiPoint"])]
        elements += [_element(point, style, minx, maxy, scale) for point in points.values]
        shapes = shapely.intersection(hits[~hits.index.isin(points.index)].values, box)
        if len(shapes) > MERGE_AT_MOST:
            # thousands of small shapes (buildings): one path of all of them, each simplified, since
            # their union would take seconds for nothing a printed map could show
            parts = shapely.simplify(shapes, tolerance, preserve_topology=True)
            elements.append(_element(shapely.GeometryCollection(list(parts)), style, minx, maxy, scale))
        elif len(shapes):
            # one path per layer style: a union of grid cells prints faster than the cells
            merged = shapely.simplify(shapely.union_all(shapes), tolerance, preserve_topology=True)
            elements.append(_element(merged, style, minx, maxy, scale))
    bar_m = 1000.0 if maxx - minx > 4000 else 200.0
    bar = bar_m * scale
    elements.append(
        f'<g font-size="18" font-family="sans-serif"><rect x="14" y="{height - 34:.1f}" width="{bar:.1f}" '
        f'height="6" fill="#222222"/><text x="14" y="{height - 42:.1f}">{int(bar_m)} m</text></g>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}"><rect width="100%" height="100%" fill="#f7f5ef"/>{"".join(elements)}</svg>'
    )


def framed(bounds: tuple[float, float, float, float], margin_m: float, ratio: float = 0.62) -> tuple:
    """``bounds`` widened by ``margin_m`` (m) and to a height ÷ width of at least ``ratio``."""
    minx, miny, maxx, maxy = bounds
    minx, miny, maxx, maxy = minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m
    width, height = maxx - minx, maxy - miny
    if height < width * ratio:
        grow = (width * ratio - height) / 2
        miny, maxy = miny - grow, maxy + grow
    elif height > width / ratio:
        grow = (height * ratio - width) / 2
        minx, maxx = minx - grow, maxx + grow
    return minx, miny, maxx, maxy
