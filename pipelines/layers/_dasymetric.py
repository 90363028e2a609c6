"""Residents placed on residential buildings (dasymetric estimate). Pure functions, no I/O.

A coarse population (the commune total, or grid cells, or IRIS) says how many people live in a
polygon, not where. Uniform density puts them in parks, rail yards and car parks as much as in
housing estates. Here each polygon's residents are shared among the residential buildings inside
it, in proportion to their **residential floor area**:

    floor area = footprint area (m², the part inside the polygon) × floors
    floors = max(1, round(height / FLOOR_HEIGHT_M)), height unknown → the median known height

Buildings left out: those a source marks as non-residential (OSM ``building=school``, BDNB use
"Tertiaire"…), footprints under :data:`MIN_FOOTPRINT_M2` (garages, sheds), and footprints of one
source covered for more than :data:`NON_RESIDENTIAL_SHARE` by a non-residential footprint of another
(OSM types applied to BDNB footprints, since the two are independent drawings of the same
buildings: never added together). A polygon with no residential floor area keeps its residents
uniformly (nothing is lost): the sum over buildings equals the sum over polygons exactly.

Example: a commune of 100 residents with two houses of 100 m² (1 floor) and one building of
100 m² with 3 floors gives them 20, 20 and 60 residents.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..indicators.overlay import _geoms, overlay_pairs

#: Height of one storey (m): BD TOPO / BDNB practice for floors from heights.
FLOOR_HEIGHT_M = 3.0
#: Footprints smaller than this are annexes (garages, sheds), not dwellings (m²).
MIN_FOOTPRINT_M2 = 20.0
#: A footprint covered beyond this share by non-residential footprints of another source is left out.
NON_RESIDENTIAL_SHARE = 0.5
#: What every figure computed from this layer is labelled with.
METHOD = "estimation par le bâti"


@dataclass(frozen=True)
class BuildingStats:
    """What :func:`residential_buildings` kept and left out (counts), and the height it assumed."""

    footprints: int
    non_residential: int
    covered_by_non_residential: int
    annexes: int
    kept: int
    unknown_height: int
    median_height_m: float | None

    def as_dict(self) -> dict:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def residential_buildings(
    footprints: gpd.GeoDataFrame, marks: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, BuildingStats]:
    """The residential footprints with their ``floors`` and ``floor_area_m2``.

    Parameters
    ----------
    footprints : GeoDataFrame
        ``building_id``, ``height_m`` (NaN when unknown), ``residential`` (True / False / None), EPSG:2154.
    marks : GeoDataFrame, optional
        Footprints of another source whose ``residential`` is False where they mark a
        non-residential building (only those are used).
    """
    total = len(footprints)
    flagged = footprints["residential"].map(lambda v: v is False or v is np.False_).to_numpy(bool)
    kept = footprints[~flagged]
    covered = np.zeros(len(kept), dtype=bool)
    if marks is not None and len(marks) and len(kept):
        others = marks[marks["residential"].map(lambda v: v is False or v is np.False_).to_numpy(bool)]
        ki, _, pieces = overlay_pairs(_geoms(kept), _geoms(others))
        if len(ki):
            area = pd.Series(shapely.area(pieces)).groupby(ki).sum()
            share = area / shapely.area(_geoms(kept))[area.index.to_numpy()]
            covered[area.index[share.to_numpy() > NON_RESIDENTIAL_SHARE].to_numpy()] = True
    kept = kept[~covered]
    small = shapely.area(_geoms(kept)) < MIN_FOOTPRINT_M2
    kept = kept[~small].copy()
    heights = kept["height_m"].astype(float)
    median = float(heights.median()) if heights.notna().any() else None
    floors = np.maximum(1, np.round(heights.fillna(median if median is not None else FLOOR_HEIGHT_M) / FLOOR_HEIGHT_M))
    kept["floors"] = floors.to_numpy(float)
    kept["floor_area_m2"] = shapely.area(_geoms(kept)) * kept["floors"].to_numpy()
    stats = BuildingStats(
        total, int(flagged.sum()), int(covered.sum()), int(small.sum()), len(kept), int(heights.isna().sum()), median
    )
    return kept, stats


def spread(parents: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Share the counts ``columns`` of each parent polygon among its buildings by floor area.

    Parameters
    ----------
    parents : GeoDataFrame
        Polygons (``cell_id`` and the count columns: residents, households…), EPSG:2154.
    buildings : GeoDataFrame
        From :func:`residential_buildings` (``building_id``, ``floors``).
    columns : tuple of str
        Count columns of ``parents`` to share (those absent are skipped).

    Returns
    -------
    GeoDataFrame
        One row per (building, parent) piece — ``cell_id`` (the building id, suffixed with the
        parent's when a building spans several), the shared counts, ``floor_area_m2``, support
        ``batiment`` — and the parents without residential floor area, unchanged.
    """
    columns = tuple(c for c in columns if c in parents)
    pi, bi, pieces = overlay_pairs(_geoms(parents), _geoms(buildings))
    weight = shapely.area(pieces) * buildings["floors"].to_numpy(float)[bi]
    total = np.bincount(pi, weights=weight, minlength=len(parents))
    share = np.divide(weight, total[pi], out=np.zeros_like(weight), where=total[pi] > 0)
    ids = buildings["building_id"].to_numpy(object)[bi]
    repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
    parent_ids = parents["cell_id"].astype(str).to_numpy(object)[pi]
    cell_ids = np.where(repeated, ids + "@" + parent_ids, ids)
    rows = {"cell_id": cell_ids}
    for column in columns:
        rows[column] = np.nan_to_num(parents[column].to_numpy(float))[pi] * share
    rows["floor_area_m2"] = weight
    rows["support"] = "batiment"
    placed = gpd.GeoDataFrame(rows, geometry=pieces, crs=parents.crs)[weight > 0]
    empty = parents[total <= 0]
    return gpd.GeoDataFrame(pd.concat([placed, empty], ignore_index=True), geometry="geometry", crs=parents.crs)
