"""Indicators: zones × layers → numbers, and the need behind each measure. Pure, vectorised, no I/O.

Everything is computed in the territory's projected CRS, in metres (Lambert-93, EPSG:2154, in
metropolitan France; the local UTM overseas). Zones are the QPV of a commune (each
clipped to the commune), ``hors_qpv`` (the commune minus its QPV) and ``commune``
(:func:`make_zones`). Every function takes GeoDataFrames and returns pandas objects indexed or
keyed by ``zone_id``.

How the numbers are computed — the same three steps everywhere, never a Python loop over features:

1. candidate pairs (zone, feature) from one bulk STRtree query (``predicate="intersects"``);
2. the intersection only for those pairs, and not even there when the feature lies inside the
   zone (or the zone inside the feature), which a prepared ``contains`` tells cheaply;
3. areas (m²), lengths (m) or counts summed per zone with a pandas group-by.

Areas of a selection (flood scenario, heat class, cycle buffer) are areas of its *union*:
overlapping polygons (the ``fort`` zone lies inside the ``moyen`` one) are merged first
(:func:`dissolve_overlaps`), so a share never exceeds 1.

Residents are area-weighted (uniform density inside each population polygon, grid cell or IRIS):
a polygon of ``P`` residents and area ``A`` gives ``P × a / A`` to a zone where ``a`` is the area
of its part inside the zone (and inside the flood / heat / buffer mask when one is given).
A population known only as a commune total (support ``commune``) gives the commune's residents
and nothing finer: the other zones get NaN with a reason.

Units: areas in ha in the tables (m² inside), lengths in km, shares 0–1, residents (habitants),
densities per km², temperatures in °C.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .measures import SELECTIONS

#: Minimum area of a QPV inside the commune for it to be a zone (m²): drops slivers of
#: neighbouring communes' QPV that touch the boundary, keeps a straddling QPV (Périgueux, 32 ha).
MIN_QPV_AREA_M2 = 1_000.0
#: Default distance for "residents near a protected cycle facility" (m).
PROXIMITY_M = 300.0
#: Flood selections → TRI scenarios they unite (``moyen_cc`` is the medium event with climate
#: change: counted with every scenario, not with ``moyen_ou_fort`` which is today's medium event).
FLOOD_SELECTIONS: dict[str, tuple[str, ...]] = {
    "fort": ("fort",),
    "moyen_ou_fort": ("fort", "moyen"),
    "faible_ou_plus": ("fort", "moyen", "moyen_cc", "faible"),
}
#: Heat selections → heat classes.
HEAT_SELECTIONS: dict[str, tuple[str, ...]] = {"chaud": ("chaud",), "chaud_ou_tiede": ("chaud", "tiede")}
#: Labels of the flood selections in the indicators table (French).
_FLOOD_LABELS = {"fort": "scénario fort", "moyen_ou_fort": "scénario moyen ou fort", "faible_ou_plus": "tous scénarios"}

COARSE_POPULATION_REASON = (
    "population connue seulement au total communal : pas de répartition par quartier (carroyage ou IRIS nécessaire)"
)
INDICATOR_COLUMNS = ["zone_id", "layer", "indicator", "value", "unit", "label", "reason"]


# -- zones ------------------------------------------------------------------------------------
def make_zones(commune: gpd.GeoDataFrame, qpv: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The zones of a territory: each QPV clipped to the commune, ``hors_qpv``, ``commune``.

    Parameters
    ----------
    commune : GeoDataFrame
        The commune layer (one row or several parts), in the territory's projected CRS (m).
    qpv : GeoDataFrame, optional
        The qpv layer (full contours, possibly null geometries). A QPV keeps the part inside the
        commune when that part is at least :data:`MIN_QPV_AREA_M2`.

    Returns
    -------
    GeoDataFrame
        ``zone_id`` (QPV code — ``code_qp``, else ``code_qp_2015`` —, ``hors_qpv``, ``commune``),
        ``zone_kind`` (qpv / hors_qpv / commune), ``zone_name``, ``area_m2``, geometry. Without
        QPV perimeters, only the commune row.
    """
    _check_crs(commune, "commune")
    outline = shapely.make_valid(commune.geometry.union_all())
    name = str(commune["name"].iloc[0]) if "name" in commune and len(commune) else "commune"
    rows = []
    if qpv is not None and len(qpv):
        _check_crs(qpv, "qpv", commune.crs)
        has_shape = qpv.geometry.notna().to_numpy() & ~qpv.geometry.is_empty.to_numpy()
        qpv = qpv[has_shape]
        clipped = shapely.intersection(shapely.make_valid(qpv.geometry.to_numpy()), outline)
        parts = pd.DataFrame({"code": _qpv_codes(qpv), "name": qpv["name"].astype(str).to_numpy(), "geom": clipped})
        # one zone per code: a QPV stored in several rows is united (a few QPV: a loop over zones)
        for code, group in parts.groupby("code", sort=False):
            geom = _polygonal(shapely.union_all(group["geom"].to_numpy()))
            if shapely.area(geom) >= MIN_QPV_AREA_M2:
                rows.append((code, "qpv", group["name"].iloc[0], geom))
    if rows:
        qpv_union = shapely.union_all([r[3] for r in rows])
        rows.append(("hors_qpv", "hors_qpv", f"{name} hors QPV", _polygonal(shapely.difference(outline, qpv_union))))
    rows.append(("commune", "commune", name, outline))
    zones = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["zone_id", "zone_kind", "zone_name", "geometry"]),
        geometry="geometry",
        crs=commune.crs,
    )
    zones["area_m2"] = zones.geometry.area
    return zones


def _qpv_codes(qpv: gpd.GeoDataFrame) -> np.ndarray:
    code = qpv["code_qp"] if "code_qp" in qpv else pd.Series(None, index=qpv.index)
    if "code_qp_2015" in qpv:
        code = code.where(code.notna(), qpv["code_qp_2015"])
    return code.astype(object).where(code.notna(), qpv["name"]).astype(str).to_numpy()


def _polygonal(geom):
    """The polygonal part of a geometry (intersections of polygons may carry lines or points)."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_crs(frame: gpd.GeoDataFrame, what: str, crs=None) -> None:
    """Indicators are computed in a projected CRS in metres: the territory's (``crs``, when given, must match)."""
    if frame.crs is None or not frame.crs.is_projected or frame.crs.axis_info[0].unit_name != "metre":
        raise ValueError(f"{what}: CRS is {frame.crs}; indicators are computed in a projected CRS in metres")
    if crs is not None and frame.crs != crs:
        raise ValueError(f"{what}: CRS is {frame.crs.to_string()}; expected the territory's {crs}")


# -- vectorised overlay primitives ------------------------------------------------------------
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


def exposure(
    zones: gpd.GeoDataFrame, parts: np.ndarray, population: gpd.GeoDataFrame | None = None
) -> tuple[pd.Series, pd.Series]:
    """Area (m²) of the disjoint ``parts`` in each zone, and the residents living on it.

    One overlay of the zones with ``parts`` serves both numbers. Residents are area-weighted, NaN
    without a population finer than the commune total.
    """
    zone_index, _, pieces = overlay_pairs(_geoms(zones), parts)
    area = _by_zone(zones, zone_index, shapely.area(pieces))["value"].rename("area_m2")
    if population is None or is_coarse(population):
        return area, pd.Series(np.nan, index=area.index, name="population")
    return area, _weighted_pieces(zones, zone_index, pieces, population, ["population"])["population"]


def mean_in_zones(zones: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, column: str) -> pd.Series:
    """Area-weighted mean of ``column`` over the parts of ``polygons`` inside each zone (NaN when none)."""
    known = polygons[polygons[column].notna()]
    zi, pi, pieces = overlay_pairs(_geoms(zones), _geoms(known))
    area = shapely.area(pieces)
    sums = _by_zone(zones, zi, {"w": area, "wv": area * known[column].to_numpy(dtype=float)[pi]})
    return (sums["wv"] / sums["w"].where(sums["w"] > 0)).rename(column)


# -- population ---------------------------------------------------------------------------------
def is_coarse(population: gpd.GeoDataFrame) -> bool:
    """True when the population is only a commune total (no grid cell, no IRIS)."""
    return "support" in population and bool((population["support"] == "commune").any())


def own_units_clipped(zones: gpd.GeoDataFrame, population: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """IRIS cut to the commune: they are units of the commune itself, so all their residents are in it.

    An IRIS outline overhangs a simplified commune boundary by a few metres; area weighting would
    then leak residents out of the commune (Grenoble: 160,504 instead of the 160,777 of its 70
    IRIS). Grid cells are not units of the commune and straddle its boundary for real: they are
    returned unchanged.
    """
    if "support" not in population or not (population["support"] == "iris").all():
        return population
    commune = shapely.union_all(_geoms(zones[zones["zone_kind"] == "commune"]))
    clipped = population.set_geometry(shapely.intersection(_geoms(population), commune))
    return clipped[~shapely.is_empty(_geoms(clipped))]


def residents(
    zones: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    mask: np.ndarray | None = None,
    columns=("population",),
    *,
    disjoint: bool = False,
) -> pd.DataFrame:
    """Residents (and other count columns) per zone, area-weighted, optionally within ``mask``.

    With a commune-total population, the commune zone gets the total (without a mask) and every
    other value is NaN: such figures would be invented.
    """
    columns = [c for c in columns if c in population]
    if not is_coarse(population):
        return weighted_sum_in_zones(zones, own_units_clipped(zones, population), columns, mask, disjoint=disjoint)
    out = pd.DataFrame(np.nan, index=zones["zone_id"].to_numpy(), columns=columns)
    if mask is None:
        out.loc[zones.loc[zones["zone_kind"] == "commune", "zone_id"], columns] = population[columns].sum().to_numpy()
    return out


def _resident_reason(population: gpd.GeoDataFrame | None, zones: gpd.GeoDataFrame, masked: bool) -> pd.Series:
    """Per zone, why a residents figure is NaN (empty string when it is not)."""
    reason = pd.Series("", index=zones["zone_id"].to_numpy(), dtype=object)
    if population is None:
        reason[:] = "couche population indisponible"
    elif is_coarse(population):
        commune_ok = (zones["zone_kind"] == "commune").to_numpy() & (not masked)
        reason[~commune_ok] = COARSE_POPULATION_REASON
    return reason


# -- per-layer indicators -----------------------------------------------------------------------
def _rows(
    zones: gpd.GeoDataFrame,
    layer: str,
    indicator: str,
    values,
    unit: str,
    label: str,
    reason: pd.Series | str = "",
) -> pd.DataFrame:
    values = pd.Series(values).reindex(zones["zone_id"].to_numpy()).astype(float)
    if isinstance(reason, str):
        reason = pd.Series(reason if reason else "", index=values.index)
    reason = reason.reindex(values.index).fillna("").where(values.isna(), "")
    return pd.DataFrame(
        {
            "zone_id": values.index,
            "layer": layer,
            "indicator": indicator,
            "value": values.to_numpy(),
            "unit": unit,
            "label": label,
            "reason": reason.to_numpy(),
        }
    )


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def flood_selection_missing(select: str, present: Iterable[str]) -> list[str]:
    """Scenarios a flood selection needs that the source lacks (empty when computable).

    ``moyen_ou_fort`` needs fort and moyen; ``faible_ou_plus`` needs fort, moyen and faible
    (``moyen_cc`` exists only on coasts and is never required).
    """
    present = set(present)
    return [s for s in FLOOD_SELECTIONS[select] if s != "moyen_cc" and s not in present]


def flood_indicators(
    zones: gpd.GeoDataFrame,
    flood: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | None = None,
    scenarios_present: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Flood area share, hectares and residents exposed per zone and selection.

    A selection whose scenarios are absent from the source (``scenarios_present``, default the
    scenarios found in ``flood``) is not computed: its share is NaN with the reason.
    """
    row = partial(_rows, zones, "flood")
    present = set(flood["scenario"]) if scenarios_present is None else set(scenarios_present)
    out = []
    done: tuple[tuple[str, ...], np.ndarray | None] = ((), None)  # each selection contains the previous one
    for select, scenarios in FLOOD_SELECTIONS.items():
        label = _FLOOD_LABELS[select]
        missing = flood_selection_missing(select, present)
        if missing:
            why = f"scénario(s) {', '.join(missing)} absent(s) de la source"
            out.append(row(f"share_{select}", np.nan, "part", f"part inondable ({label})", why))
            continue
        added = [scenario for scenario in scenarios if scenario not in done[0]]
        polygons = selection_parts(zones, flood[flood["scenario"].isin(added)], done[1])
        done = (scenarios, polygons)
        area, exposed = exposure(zones, polygons, population)
        out.append(row(f"share_{select}", _ratio(area, _zone_area(zones)), "part", f"part inondable ({label})"))
        out.append(row(f"area_{select}", area / 1e4, "ha", f"surface inondable ({label})"))
        reason = _resident_reason(population, zones, masked=True)
        out.append(row(f"residents_{select}", exposed, "habitants", f"habitants exposés ({label})", reason))
    return pd.concat(out, ignore_index=True)


def _zone_area(zones: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(zones["area_m2"].to_numpy(), index=zones["zone_id"].to_numpy())


def heat_indicators(
    zones: gpd.GeoDataFrame, heat: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Area share per heat class, residents in ``chaud`` zones, mean surface-temperature anomaly."""
    row = partial(_rows, zones, "heat")
    out = []
    for heat_class in ("chaud", "tiede", "frais"):
        polygons = selection_parts(zones, heat[heat["heat_class"] == heat_class])
        area, hot = exposure(zones, polygons, population if heat_class == "chaud" else None)
        out.append(row(f"share_{heat_class}", _ratio(area, _zone_area(zones)), "part", f"part {heat_class}"))
        out.append(row(f"area_{heat_class}", area / 1e4, "ha", f"surface {heat_class}"))
        if heat_class == "chaud":
            reason = _resident_reason(population, zones, masked=True)
            out.append(row("residents_chaud", hot, "habitants", "habitants en zone chaude", reason))
    if "lst_anomaly_c" in heat and heat["lst_anomaly_c"].notna().any():
        mean = mean_in_zones(zones, heat, "lst_anomaly_c")
        out.append(row("lst_anomaly_mean", mean, "°C", "écart moyen de température de surface"))
    return pd.concat(out, ignore_index=True)


def shops_indicators(
    zones: gpd.GeoDataFrame, shops: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Shops, vacant shops, vacancy rate, shops per km² and per 1,000 residents per zone."""
    row = partial(_rows, zones, "shops")
    total = count_in_zones(zones, shops)
    vacant = count_in_zones(zones, shops[shops["vacant"].astype(bool)])
    people = residents(zones, population)["population"] if population is not None else pd.Series(np.nan, total.index)
    return pd.concat(
        [
            row("shops", total, "commerces", "commerces"),
            row("vacant", vacant, "commerces", "vitrines vides"),
            row("vacancy_rate", _ratio(vacant, total), "part", "taux de vacance", "aucun commerce"),
            row("shops_per_km2", total / (_zone_area(zones) / 1e6), "par km²", "commerces par km²"),
            row(
                "shops_per_1000",
                _ratio(total * 1000, people),
                "pour 1 000 habitants",
                "commerces pour 1 000 habitants",
                _resident_reason(population, zones, masked=False).replace("", "aucun habitant"),
            ),
        ],
        ignore_index=True,
    )


def cycle_selection(cycle: gpd.GeoDataFrame, select: str) -> gpd.GeoDataFrame:
    """The segments of a cycle selection: ``protege`` and ``tous`` are existing, ``projet`` planned."""
    existing = cycle["status"] == "existant"
    if select == "protege":
        return cycle[existing & cycle["protected"].astype(bool)]
    if select == "tous":
        return cycle[existing]
    if select == "projet":
        return cycle[cycle["status"] == "projet"]
    raise ValueError(f"unknown cycle selection `{select}`")


def near(lines: gpd.GeoDataFrame, distance_m: float, zones: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Disjoint polygons covering everything within ``distance_m`` (m) of ``lines``.

    Lines closer than 2 × ``distance_m`` to each other (whose buffers may meet) are grouped, and
    each group is buffered as one MultiLineString: GEOS merges the buffers while building them,
    about twice as fast as uniting one buffer per line. Groups farther apart give disjoint parts.
    With ``zones``, only the lines that can reach them are buffered.
    """
    geoms = _geoms(lines) if zones is None else in_reach(zones, _geoms(lines), distance_m)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return np.array([], dtype=object)
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=2 * distance_m)
    keep = i < j
    _, group = np.unique(_components(len(geoms), i[keep], j[keep]), return_inverse=True)
    order = np.argsort(group, kind="stable")
    multi = shapely.multilinestrings(geoms[order], indices=group[order])
    return shapely.get_parts(shapely.buffer(multi, distance_m))


def cycle_indicators(
    zones: gpd.GeoDataFrame,
    cycle: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | None = None,
    proximity_m: float = PROXIMITY_M,
) -> pd.DataFrame:
    """Cycle km per zone: existing by facility and in all, per km², protected share, planned; residents near.

    "Near" is within ``proximity_m`` (m) of a protected existing facility (area-weighted residents).
    """
    row = partial(_rows, zones, "cycle")
    existing = cycle_selection(cycle, "tous")
    zi, ci, pieces = overlay_pairs(_geoms(zones), _geoms(existing))
    parts = pd.DataFrame(
        {
            "zone_id": zones["zone_id"].to_numpy()[zi],
            "facility": existing["facility"].to_numpy()[ci],
            "protected": existing["protected"].to_numpy(dtype=bool)[ci],
            "km": shapely.length(pieces) / 1000,
        }
    )
    ids = zones["zone_id"].to_numpy()
    table = parts.pivot_table(index="zone_id", columns="facility", values="km", aggfunc="sum", fill_value=0.0)
    table = table.reindex(ids, fill_value=0.0)
    km = table.sum(axis=1)
    protected = parts[parts["protected"]].groupby("zone_id")["km"].sum().reindex(ids, fill_value=0.0)
    out = [row(f"km_{f}", table[f], "km", f"km {f}") for f in sorted(set(existing["facility"]))]
    out += [
        # "non aménagée" segments are signed cycle routes without a facility: routes, not facilities
        row("km", km, "km", "km d'itinéraires cyclables existants (aménagés ou non)"),
        row("km_per_km2", km / (_zone_area(zones) / 1e6), "km/km²", "km d'itinéraires cyclables par km²"),
        row("protected_share", _ratio(protected, km), "part", "part des itinéraires protégée", "aucun itinéraire"),
        row("km_projet", length_in_zones(zones, cycle_selection(cycle, "projet")) / 1000, "km", "km en projet"),
    ]
    if population is not None:
        people = residents(zones, population)["population"]
        close = residents(zones, population, near(cycle_selection(cycle, "protege"), proximity_m, zones), disjoint=True)
        close = close["population"]
        reason = _resident_reason(population, zones, masked=True)
        label = f"à moins de {proximity_m:g} m d'un aménagement protégé"
        out.append(row("residents_near_protected", close, "habitants", f"habitants {label}", reason))
        out.append(row("share_near_protected", _ratio(close, people), "part", f"part des habitants {label}", reason))
    return pd.concat(out, ignore_index=True)


def population_indicators(zones: gpd.GeoDataFrame, population: gpd.GeoDataFrame) -> pd.DataFrame:
    """Residents, density (per km²), households, poor households and poverty rate when present."""
    row = partial(_rows, zones, "population")
    sums = residents(zones, population, columns=("population", "households", "poor_households"))
    reason = _resident_reason(population, zones, masked=False)
    out = [
        row("residents", sums["population"], "habitants", "habitants", reason),
        _rows(
            zones, "population", "density", sums["population"] / (_zone_area(zones) / 1e6), "hab/km²", "densité", reason
        ),
    ]
    if "households" in sums and population["households"].notna().any():
        out.append(row("households", sums["households"], "ménages", "ménages", reason))
    if "poor_households" in sums and population["poor_households"].notna().any():
        out.append(row("poor_households", sums["poor_households"], "ménages", "ménages pauvres", reason))
        rate = _ratio(sums["poor_households"], sums.get("households", pd.Series(np.nan, index=sums.index)))
        out.append(row("poverty_rate", rate, "part", "taux de pauvreté des ménages", reason))
    return pd.concat(out, ignore_index=True)


def compute_indicators(
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    flood_scenarios: Iterable[str] | None = None,
    proximity_m: float = PROXIMITY_M,
) -> pd.DataFrame:
    """Every indicator the given layers allow, long format, with zone kind and name.

    Parameters
    ----------
    zones : GeoDataFrame
        From :func:`make_zones`.
    layers : dict
        Layer name → GeoDataFrame (the zones' CRS), only the layers that are ``ok``.
    flood_scenarios : iterable of str, optional
        Scenarios present in the flood source (manifest ``scenarios_present``).

    Returns
    -------
    DataFrame
        zone_id, zone_kind, zone_name, layer, indicator, value, unit, label, reason.
    """
    population = layers.get("population")
    parts = [_rows(zones, "zone", "area_ha", _zone_area(zones) / 1e4, "ha", "surface de la zone")]
    if population is not None:
        parts.append(population_indicators(zones, population))
    if "flood" in layers:
        parts.append(flood_indicators(zones, layers["flood"], population, flood_scenarios))
    if "heat" in layers:
        parts.append(heat_indicators(zones, layers["heat"], population))
    if "shops" in layers:
        parts.append(shops_indicators(zones, layers["shops"], population))
    if "cycle" in layers:
        parts.append(cycle_indicators(zones, layers["cycle"], population, proximity_m))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INDICATOR_COLUMNS)
    names = zones.set_index("zone_id")[["zone_kind", "zone_name"]]
    frame = frame.join(names, on="zone_id")
    return frame[["zone_id", "zone_kind", "zone_name", *INDICATOR_COLUMNS[1:]]]


# -- measures: the need in scope ----------------------------------------------------------------
class NeedUnavailable(Exception):
    """The need of a target cannot be computed (the reason is French, for the UI)."""


@dataclass
class Need:
    """A target's need per zone, and what normalises it into a rate.

    ``frame`` is indexed by zone_id with ``need`` (in ``unit``), ``base`` (the denominator of the
    rate: zone area, shops, residents) and ``residents`` (residents concerned, a second figure
    for area needs, NaN otherwise). ``reason`` says, per zone, why a need is NaN.
    """

    frame: pd.DataFrame
    unit: str
    label: str
    rate_unit: str
    rate_label: str
    reason: pd.Series


def describe_need(layer: str, select: str, buffer_m: float | None = None) -> dict[str, str]:
    """Unit, French label, rate unit and rate label of a target's need (see :func:`target_need`)."""
    what = SELECTIONS.get(layer, {}).get(select, select)
    if layer in ("flood", "heat"):
        return {"unit": "ha", "label": f"hectares en {what}", "rate_unit": "part", "rate_label": "part de la surface"}
    if layer == "shops" and select == "vacant":
        return {"unit": "commerces", "label": what, "rate_unit": "part", "rate_label": "taux de vacance"}
    if layer == "shops":
        rate = "commerces pour 1 000 habitants"
        return {"unit": "commerces", "label": what, "rate_unit": "pour 1 000 hab.", "rate_label": rate}
    if layer == "cycle" and buffer_m is not None:
        label = f"habitants à plus de {buffer_m:g} m des {what}"
        return {"unit": "habitants", "label": label, "rate_unit": "part", "rate_label": "part des habitants"}
    if layer == "cycle":
        return {"unit": "km", "label": f"km d'{what}", "rate_unit": "km/km²", "rate_label": "km par km²"}
    return {"unit": "habitants", "label": what, "rate_unit": "hab/km²", "rate_label": "densité de population"}


def target_need(
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    layer: str,
    select: str,
    buffer_m: float | None = None,
    *,
    flood_scenarios: Iterable[str] | None = None,
) -> Need:
    """The need of a target ``(layer, select, buffer_m)`` in every zone.

    - flood / heat selection: hectares of the selection; rate = share of the zone's area;
      residents exposed as a second figure;
    - shops ``vacant``: vacant shops; rate = vacancy rate (vacant ÷ shops). ``tous``: shops;
      rate per 1,000 residents;
    - cycle with ``buffer_m``: residents farther than ``buffer_m`` (m) from the selection; rate =
      share of residents. Without: km of the selection; rate = km per km²;
    - population / qpv ``tous``: residents; rate = residents per km².

    Raises
    ------
    NeedUnavailable
        When a layer the need requires is missing, or the flood scenarios of the selection.
    """
    population = layers.get("population")
    index = zones["zone_id"].to_numpy()
    area_ha = _zone_area(zones) / 1e4
    described = describe_need(layer, select, buffer_m)

    def result(values, base, people=np.nan, reason=None) -> Need:
        frame = pd.DataFrame({"need": values, "base": base, "residents": people}, index=index).astype(float)
        reason = pd.Series("", index=index, dtype=object) if reason is None else reason
        return Need(frame, reason=reason, **described)

    def require(name: str) -> gpd.GeoDataFrame:
        if name not in layers:
            raise NeedUnavailable(f"couche {name} indisponible pour ce territoire")
        return layers[name]

    if layer in ("flood", "heat"):
        frame = require(layer)
        if layer == "flood":
            present = set(frame["scenario"]) if flood_scenarios is None else set(flood_scenarios)
            missing = flood_selection_missing(select, present)
            if missing:
                raise NeedUnavailable(f"scénario(s) {', '.join(missing)} absent(s) de la source des zones inondables")
            polygons = _geoms(frame[frame["scenario"].isin(FLOOD_SELECTIONS[select])])
        else:
            polygons = _geoms(frame[frame["heat_class"].isin(HEAT_SELECTIONS[select])])
        area, people = exposure(zones, selection_parts(zones, polygons), population)
        return result(area / 1e4, area_ha, people, _resident_reason(population, zones, masked=True))
    if layer == "shops":
        shops = require("shops")
        total = count_in_zones(zones, shops)
        if select == "vacant":
            return result(count_in_zones(zones, shops[shops["vacant"].astype(bool)]), total)
        people = residents(zones, population)["population"] / 1000 if population is not None else np.nan
        return result(total, people)
    if layer == "cycle":
        lines = cycle_selection(require("cycle"), select)
        if buffer_m is None:
            return result(length_in_zones(zones, lines) / 1000, area_ha / 100)
        pop = require("population")
        people = residents(zones, pop)["population"]
        far = people - residents(zones, pop, near(lines, buffer_m, zones), disjoint=True)["population"]
        return result(far, people, far, _resident_reason(pop, zones, masked=True))
    if layer in ("population", "qpv"):
        pop = require("population")
        people = residents(zones, pop)["population"]
        return result(people, area_ha / 100, people, _resident_reason(pop, zones, masked=False))
    raise NeedUnavailable(f"couche cible inconnue « {layer} »")


def summarise_need(zones: gpd.GeoDataFrame, need: Need, scope: str) -> dict:
    """The measure row: need in scope, need in QPV, share in QPV, equity ratio, with reasons.

    ``need_in_qpv`` sums the QPV zones; ``share_in_qpv`` = need in QPV ÷ need in the commune;
    ``equity_ratio`` = (Σ need ÷ Σ base over the QPV) ÷ (need ÷ base hors QPV): above 1 the need
    weighs more in the QPV. Each is None with a French reason when it cannot be computed.
    """
    frame = need.frame
    kinds = zones.set_index("zone_id")["zone_kind"]
    qpv_ids = kinds.index[kinds == "qpv"]
    zone_reasons = need.reason[need.reason != ""]
    unknown = zone_reasons.iloc[0] if len(zone_reasons) else "besoin non calculable"
    row = dict.fromkeys(("need", "need_in_qpv", "share_in_qpv", "equity_ratio", "rate_qpv", "rate_hors_qpv"))
    row.update(need_commune=_number(frame.loc["commune", "need"]), need_residents=None, status="ok")
    if len(qpv_ids) == 0:
        if scope != "commune":
            return {**row, "status": "no_qpv", "reason": "aucun périmètre de QPV : pas de partage QPV / hors QPV"}
        row.update(need=row["need_commune"], need_residents=_number(frame.loc["commune", "residents"]))
        if row["need"] is None:
            return {**row, "status": "unavailable", "reason": unknown}
        return {**row, "reason": "aucun périmètre de QPV : part en QPV et ratio d'équité non calculables"}
    in_qpv = frame.loc[qpv_ids].sum(min_count=1)
    hors = frame.loc["hors_qpv"]
    scoped = {"commune": frame.loc["commune"], "qpv": in_qpv, "hors_qpv": hors}[scope]
    row.update(need=_number(scoped["need"]), need_residents=_number(scoped["residents"]))
    if row["need"] is None:
        return {**row, "status": "unavailable", "reason": unknown}
    reasons: list[str] = []
    row["need_in_qpv"] = _number(in_qpv["need"])
    if row["need_in_qpv"] is not None and row["need_commune"]:
        row["share_in_qpv"] = min(1.0, row["need_in_qpv"] / row["need_commune"])
    else:
        reasons.append("besoin nul ou inconnu dans la commune : part en QPV non définie")
    row["rate_qpv"] = _rate(in_qpv["need"], in_qpv["base"])
    row["rate_hors_qpv"] = _rate(hors["need"], hors["base"])
    undefined = [
        where for where, rate in (("en QPV", row["rate_qpv"]), ("hors QPV", row["rate_hors_qpv"])) if rate is None
    ]
    if undefined:
        where = " et ".join(undefined)
        reasons.append(f"ratio d'équité non calculable : {need.rate_label} non défini(e) {where} (dénominateur nul)")
    elif row["rate_hors_qpv"] == 0:
        reasons.append(f"ratio d'équité non défini : {need.rate_label} égal(e) à 0 hors QPV")
    else:
        row["equity_ratio"] = row["rate_qpv"] / row["rate_hors_qpv"]
    return {**row, "reason": "; ".join(reasons)}


def need_per_qpv(zones: gpd.GeoDataFrame, need: Need) -> pd.DataFrame:
    """Per QPV: need, rate, share of the commune's need, residents concerned, with zone name."""
    qpv = zones[zones["zone_kind"] == "qpv"]
    frame = need.frame.loc[qpv["zone_id"].to_numpy()]
    commune = need.frame.loc["commune", "need"]
    return pd.DataFrame(
        {
            "zone_id": qpv["zone_id"].to_numpy(),
            "zone_name": qpv["zone_name"].to_numpy(),
            "need": frame["need"].to_numpy(),
            "need_unit": need.unit,
            "share_of_commune": (frame["need"] / commune).to_numpy() if commune else np.nan,
            "rate": (frame["need"] / frame["base"].where(frame["base"] > 0)).to_numpy(),
            "rate_unit": need.rate_unit,
            "residents": frame["residents"].to_numpy(),
        }
    )


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _rate(need, base) -> float | None:
    need, base = _number(need), _number(base)
    return None if need is None or base is None or base <= 0 else need / base
