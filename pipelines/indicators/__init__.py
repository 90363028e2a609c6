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

from .layers import (
    FLOOD_SELECTIONS,
    HEAT_SELECTIONS,
    INDICATOR_COLUMNS,
    PROXIMITY_M,
    compute_indicators,
    cycle_indicators,
    cycle_selection,
    flood_indicators,
    flood_selection_missing,
    heat_indicators,
    near,
    population_indicators,
    shops_indicators,
)
from .needs import Need, NeedUnavailable, describe_need, need_per_qpv, summarise_need, target_need
from .overlay import (
    _geoms,
    area_in_zones,
    count_in_zones,
    dissolve_overlaps,
    in_reach,
    length_in_zones,
    mean_in_zones,
    overlay_pairs,
    selection_parts,
    weighted_sum_in_zones,
)
from .zones import COARSE_POPULATION_REASON, MIN_QPV_AREA_M2, exposure, is_coarse, make_zones, residents

__all__ = [
    "COARSE_POPULATION_REASON",
    "FLOOD_SELECTIONS",
    "HEAT_SELECTIONS",
    "INDICATOR_COLUMNS",
    "MIN_QPV_AREA_M2",
    "Need",
    "NeedUnavailable",
    "PROXIMITY_M",
    "_geoms",
    "area_in_zones",
    "compute_indicators",
    "count_in_zones",
    "cycle_indicators",
    "cycle_selection",
    "describe_need",
    "dissolve_overlaps",
    "exposure",
    "flood_indicators",
    "flood_selection_missing",
    "heat_indicators",
    "in_reach",
    "is_coarse",
    "length_in_zones",
    "make_zones",
    "mean_in_zones",
    "near",
    "need_per_qpv",
    "overlay_pairs",
    "population_indicators",
    "residents",
    "selection_parts",
    "shops_indicators",
    "summarise_need",
    "target_need",
    "weighted_sum_in_zones",
]
