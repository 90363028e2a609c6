"""The fictional town's exposure layers: the river's nested flood bands and the heat zones (LCZ)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from ..layers.flood import FLOOD_TYPES
from ..layers.heat import LCZ_HEAT_CLASS
from .plan import CENTRE, CORE_M, _band, _blob, _frame, _Plan, _polar, _wavy
from .streets import _extend

#: Invented surface-temperature anomaly per heat class (°C): mean and spread.
_ANOMALY = {"chaud": (3.0, 0.8), "tiede": (0.8, 0.5), "frais": (-2.0, 0.7)}


def _flood(plan: _Plan, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Nested bands along the river: fort ⊂ moyen ⊂ faible, wider on the flat west bank."""
    xy = np.asarray(plan.river.coords)
    s = xy[:, 0] - xy[0, 0]
    flat = 1.0 + 0.6 * (xy[:, 0] < CENTRE[0] - 800)  # floodplain widens downstream of the centre
    widths = []
    for base, amp in ((70, 25), (170, 50), (360, 110)):
        left = _wavy(s, rng, base, amp, 700)
        right = _wavy(s, rng, base * 0.8, amp, 800) * flat
        widths.append((left, right))
    fort = _band(plan.river, *widths[0])
    moyen = _band(plan.river, *widths[1]).union(fort)
    faible = _band(plan.river, *widths[2]).union(moyen)
    geoms = [shapely.make_valid(g.intersection(plan.aoi)) for g in (fort, moyen, faible)]
    return _frame(
        {
            "scenario": ["fort", "moyen", "faible"],
            "tri_name": ["TRI fictif de la Vionne"] * 3,
            "flood_type": [FLOOD_TYPES["01"]] * 3,
        },
        geoms,
    )


def _block_lcz(block: shapely.Geometry, plan: _Plan, rng: np.random.Generator) -> str:
    """LCZ class of an urban block, from where it lies."""
    p = block.representative_point()
    d = p.distance(Point(CENTRE))
    if p.within(plan.industry):
        return "10" if rng.random() < 0.35 else "8"
    if p.within(plan.retail_park):
        return "E" if rng.random() < 0.4 else "8"
    if p.within(plan.qpv["Les Tilleuls"]):
        return "4" if rng.random() < 0.7 else "5"
    if p.within(plan.qpv["Quartier de la Gare"]):
        return "3" if rng.random() < 0.5 else "5"
    if d < CORE_M:
        return "2" if rng.random() < 0.85 else "1"
    if d < 1000:
        return "3" if d < 750 or rng.random() < 0.5 else "6"
    if p.distance(plan.urban.exterior if plan.urban.geom_type == "Polygon" else plan.urban.boundary) < 180:
        return "9"
    return "6" if rng.random() < 0.8 else "5"


def _heat(plan: _Plan, streets: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """A partition of the commune + 500 m into LCZ polygons: urban blocks, parks, river, forest, fields."""
    water = plan.river.buffer(18).intersection(plan.aoi)
    green = plan.parks.difference(water)
    built = shapely.union_all([plan.urban, plan.industry, plan.retail_park]).difference(plan.forest)
    edges = [_extend(g, 3.0) for g in streets.geometry] + [built.boundary, plan.river.buffer(45).boundary]
    net = shapely.node(shapely.union_all([*shapely.intersection(edges, built.buffer(5)), plan.parks.boundary]))
    blocks = [b for b in shapely.get_parts(shapely.polygonize(shapely.get_parts(net))) if b.area > 1]
    blocks = [b.intersection(built) for b in blocks if b.representative_point().within(built)]
    rows = [(_block_lcz(b, plan, rng), b) for b in blocks]
    rows = [(lcz, shapely.make_valid(g.difference(water).difference(green))) for lcz, g in rows]
    rural = plan.aoi.difference(built).difference(water).difference(green)
    rows += [("A", rural.intersection(plan.forest)), ("B", green), ("G", water)]
    bush = shapely.union_all([_blob(rng, _polar(2500, a), 300, 0.5) for a in (100, 200, 20)])
    rows += [
        ("C", rural.difference(plan.forest).intersection(bush)),
        ("D", rural.difference(plan.forest).difference(bush)),
    ]
    frame = _frame({"lcz": [r[0] for r in rows]}, [r[1] for r in rows]).explode(ignore_index=True)
    frame = frame[frame.geom_type.isin(["Polygon"]) & (frame.area > 200)].reset_index(drop=True)
    frame["heat_class"] = frame["lcz"].map(LCZ_HEAT_CLASS)
    mean_sd = frame["heat_class"].map(_ANOMALY)
    frame["lst_anomaly_c"] = np.round([rng.normal(m, s) for m, s in mean_sd], 1)
    frame["lcz_source"] = "fictif"
    return frame[["lcz", "heat_class", "lst_anomaly_c", "lcz_source", "geometry"]]
