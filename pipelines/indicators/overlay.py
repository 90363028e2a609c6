"""Vectorised overlay primitives: zones × features → areas, lengths, counts, weighted sums.

The three steps of :mod:`pipelines.indicators` (bulk STRtree query, intersection of the crossing
pairs only, group-by per zone) live here; every function is pure.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def _geoms(frame: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray) -> np.ndarray:
    if isinstance(frame, np.ndarray):
        return frame
    return np.asarray(frame.geometry.array if isinstance(frame, gpd.GeoDataFrame) else frame.array, dtype=object)


def overlay_pairs(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersect every intersecting (left, right) pair of two geometry arrays.

    One bulk STRtree query on ``right`` gives the candidate pairs; a feature inside its zone is
    kept whole and a zone inside a feature gives the zone, so GEOS overlays only the pairs that
    cross.

    Returns
    -------
    tuple of ndarray
        ``(left index, right index, intersection geometry)`` for each intersecting pair.
    """
    if len(left) == 0 or len(right) == 0:
        empty = np.array([], dtype=np.intp)
        return empty, empty, np.array([], dtype=object)
    tree = shapely.STRtree(right)
    li, ri = tree.query(left, predicate="intersects")
    a, b = left[li], right[ri]
    shapely.prepare(a)
    pieces = np.empty(len(li), dtype=object)
    inside = shapely.contains(a, b)
    pieces[inside] = b[inside]
    rest = np.flatnonzero(~inside)
    if len(rest):
        cover = shapely.contains(b[rest], a[rest])  # the zone lies inside the feature (big flood or cell)
        pieces[rest[cover]] = a[rest[cover]]
        cross = rest[~cover]
        pieces[cross] = shapely.intersection(a[cross], b[cross])
    return li, ri, pieces


def dissolve_overlaps(geoms: np.ndarray) -> np.ndarray:
    """Polygons covering the same area as ``geoms`` with no two overlapping.

    Only the polygons whose interiors meet another one are united (``fort`` inside ``moyen``,
    buffers along a network), group by group: the groups are the connected components of the
    overlap graph, each united by pairwise vectorised unions (log₂ of its size rounds). The other
    polygons pass through untouched. One global ``union_all`` would merge every site of the
    country into one huge geometry, far slower.
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) < 2:
        return geoms
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    # a polygon inside another adds nothing to the union (``fort`` inside ``moyen``): drop it
    shapely.prepare(geoms)
    j_inside = shapely.contains(geoms[i], geoms[j])
    i_inside = ~j_inside & shapely.contains(geoms[j], geoms[i])
    inside = np.zeros(len(geoms), dtype=bool)
    inside[j[j_inside]] = True
    inside[i[i_inside]] = True
    keep = ~(inside[i] | inside[j])
    i, j = i[keep], j[keep]
    overlap = ~shapely.touches(geoms[i], geoms[j])
    i, j = i[overlap], j[overlap]
    survivors = np.flatnonzero(~inside)
    if len(i) == 0:
        return geoms[survivors]
    # renumber the survivors 0..n-1 so that the components run over them only
    index = np.full(len(geoms), -1)
    index[survivors] = np.arange(len(survivors))
    united = _union_groups(geoms[survivors], _components(len(survivors), index[i], index[j]))
    return shapely.get_parts(united)


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of the graph with edges (i, j): each node's smallest node index."""
    labels = np.arange(n)
    while True:
        low = np.minimum(labels[i], labels[j])
        new = labels.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]  # pointer jumping: follow the label of the label
        if np.array_equal(new, labels):
            return labels
        labels = new


def _union_groups(geoms: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The union of each group of ``geoms`` (same label), by rounds of pairwise vectorised unions."""
    order = np.argsort(labels, kind="stable")
    geoms, labels = geoms[order], labels[order]
    while len(labels) > 1:
        same_as_next = np.r_[labels[1:] == labels[:-1], False]
        if not same_as_next.any():
            break
        starts = np.r_[True, ~same_as_next[:-1]]
        position = np.arange(len(labels)) - np.maximum.accumulate(np.where(starts, np.arange(len(labels)), 0))
        even = position % 2 == 0
        pairs = np.flatnonzero(even & same_as_next)
        geoms = geoms.copy()
        geoms[pairs] = shapely.union(geoms[pairs], geoms[pairs + 1])
        geoms, labels = geoms[even], labels[even]
    return geoms


def _by_zone(zones: gpd.GeoDataFrame, zone_index: np.ndarray, values: np.ndarray | dict) -> pd.DataFrame:
    """Sum ``values`` (one array or a dict of arrays) per zone, every zone present (0 when none)."""
    frame = pd.DataFrame(values if isinstance(values, dict) else {"value": values})
    frame["zone_id"] = zones["zone_id"].to_numpy()[zone_index]
    out = frame.groupby("zone_id", sort=False).sum()
    return out.reindex(zones["zone_id"].to_numpy(), fill_value=0.0)


def in_reach(zones: gpd.GeoDataFrame, geoms: np.ndarray, margin_m: float = 0.0) -> np.ndarray:
    """The geometries whose bounding box comes within ``margin_m`` (m) of a zone's bounding box.

    A cheap bounding-box filter applied before dissolving or buffering: features far from every
    zone (most of a national layer) cannot change any zone's number.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms
    x0, y0, x1, y1 = zones.geometry.bounds.to_numpy().T
    boxes = shapely.box(x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
    return geoms[np.unique(shapely.STRtree(geoms).query(boxes)[1])]


def selection_parts(zones: gpd.GeoDataFrame, polygons, before: np.ndarray | None = None) -> np.ndarray:
    """Disjoint parts of the union of ``polygons`` (and of ``before``, already disjoint) near the zones."""
    geoms = in_reach(zones, _geoms(polygons))
    return dissolve_overlaps(geoms if before is None else np.concatenate([before, geoms]))


def area_in_zones(zones: gpd.GeoDataFrame, polygons: np.ndarray, *, disjoint: bool = False) -> pd.Series:
    """Area (m²) of the union of ``polygons`` inside each zone.

    ``polygons`` are dissolved first unless ``disjoint`` says they already are
    (output of :func:`dissolve_overlaps`).
    """
    parts = _geoms(polygons) if disjoint else dissolve_overlaps(_geoms(polygons))
    zi, _, pieces = overlay_pairs(_geoms(zones), parts)
    return _by_zone(zones, zi, shapely.area(pieces))["value"].rename("area_m2")


def length_in_zones(zones: gpd.GeoDataFrame, lines: gpd.GeoDataFrame) -> pd.Series:
    """Length (m) of ``lines`` inside each zone (overlapping lines both count)."""
    zi, _, pieces = overlay_pairs(_geoms(zones), _geoms(lines))
    return _by_zone(zones, zi, shapely.length(pieces))["value"].rename("length_m")


def count_in_zones(zones: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> pd.Series:
    """Number of ``points`` in each zone (a point on a zone's boundary counts for it)."""
    if len(points) == 0:
        return pd.Series(0.0, index=zones["zone_id"].to_numpy(), name="count")
    _, zi = shapely.STRtree(_geoms(zones)).query(_geoms(points), predicate="intersects")
    return _by_zone(zones, zi, np.ones(len(zi)))["value"].rename("count")


def weighted_sum_in_zones(
    zones: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    columns: Iterable[str],
    mask: np.ndarray | None = None,
    *,
    disjoint: bool = False,
) -> pd.DataFrame:
    """Area-weighted sums of ``columns`` of ``polygons`` per zone (optionally within ``mask``).

    A polygon of value ``v`` and area ``A`` contributes ``v × a / A`` where ``a`` is the area of
    its part inside the zone (∩ the union of ``mask`` when given; ``disjoint`` when the mask is
    already dissolved). Used for residents, households, poor households. NaN values count as 0.
    """
    if mask is None:
        return _weighted_pieces(zones, np.arange(len(zones)), _geoms(zones), polygons, columns)
    # zone ∩ mask first (small pieces: flood sites, buffers), then ∩ population polygons —
    # cheaper than cutting every zone-sized piece of every cell by the mask
    parts = np.asarray(mask, dtype=object) if disjoint else dissolve_overlaps(np.asarray(mask, dtype=object))
    zone_index, _, masked = overlay_pairs(_geoms(zones), parts)
    return _weighted_pieces(zones, zone_index, masked, polygons, columns)


def _weighted_pieces(
    zones: gpd.GeoDataFrame, zone_index: np.ndarray, pieces: np.ndarray, polygons: gpd.GeoDataFrame, columns
) -> pd.DataFrame:
    """Area-weighted sums of ``columns`` of ``polygons`` over ``pieces`` (of the zones ``zone_index``)."""
    columns = list(columns)
    geoms = _geoms(polygons)
    ki, pi, cut = overlay_pairs(pieces, geoms)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(shapely.area(geoms)[pi] > 0, shapely.area(cut) / shapely.area(geoms)[pi], 0.0)
    values = {c: np.nan_to_num(polygons[c].to_numpy(dtype=float))[pi] * share for c in columns}
    return _by_zone(zones, zone_index[ki], values)


def mean_in_zones(zones: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, column: str) -> pd.Series:
    """Area-weighted mean of ``column`` over the parts of ``polygons`` inside each zone (NaN when none)."""
    known = polygons[polygons[column].notna()]
    zi, pi, pieces = overlay_pairs(_geoms(zones), _geoms(known))
    area = shapely.area(pieces)
    sums = _by_zone(zones, zi, {"w": area, "wv": area * known[column].to_numpy(dtype=float)[pi]})
    return (sums["wv"] / sums["w"].where(sums["w"] > 0)).rename(column)
