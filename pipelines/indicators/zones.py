"""Zones of a territory (each QPV, hors QPV, the commune) and residents per zone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .overlay import _by_zone, _geoms, _weighted_pieces, overlay_pairs, weighted_sum_in_zones

#: Minimum area of a QPV inside the commune for it to be a zone (m²): drops slivers of
#: neighbouring communes' QPV that touch the boundary, keeps a straddling QPV (Périgueux, 32 ha).
MIN_QPV_AREA_M2 = 1_000.0
COARSE_POPULATION_REASON = (
    "population connue seulement au total communal : pas de répartition par quartier (carroyage ou IRIS nécessaire)"
)


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
