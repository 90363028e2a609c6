"""The fictional town's 200 m population grid: 40 000 residents, households and poor households."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from .plan import CELL_M, CENTRE, CORE_M, RESIDENTS, _frame, _Plan

#: Relative residential density of a cell by the LCZ under its centre (0 where nobody lives).
_DENSITY = {"1": 1.6, "2": 1.2, "3": 0.8, "4": 1.8, "5": 1.0, "6": 0.35, "9": 0.1, "8": 0.01, "D": 0.005}


def _population(plan: _Plan, heat: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """200 m cells (INSEE-style ids) of 40 000 residents; households and poor households per cell."""
    minx, miny, maxx, maxy = (np.floor(np.array(plan.commune.bounds) / CELL_M) * CELL_M).tolist()
    xs, ys = np.meshgrid(np.arange(minx, maxx + CELL_M, CELL_M), np.arange(miny, maxy + CELL_M, CELL_M))
    x, y = xs.ravel(), ys.ravel()
    centres = shapely.points(x + CELL_M / 2, y + CELL_M / 2)
    inside = shapely.contains(plan.commune, centres)
    x, y, centres = x[inside], y[inside], centres[inside]
    lcz = np.full(len(centres), "", dtype=object)
    where, hit = heat.sindex.query(centres, predicate="within")
    lcz[where] = heat["lcz"].to_numpy()[hit]
    weight = np.array([_DENSITY.get(c, 0.0) for c in lcz])
    farms = lcz == "D"
    weight[farms] *= rng.random(int(farms.sum())) < 0.2  # one field cell in five has a farm
    dist = shapely.distance(centres, Point(CENTRE))
    weight *= np.exp(-dist / 2500) * rng.uniform(0.7, 1.3, len(weight))
    in_qpv = np.zeros(len(centres), bool)
    for poly in plan.qpv.values():
        in_qpv |= shapely.contains(poly, centres)
    weight[in_qpv] *= 1.5
    keep = weight > 0
    x, y, weight, in_qpv, dist = x[keep], y[keep], weight[keep], in_qpv[keep], dist[keep]
    population = np.round(weight / weight.sum() * RESIDENTS, 1)
    population[np.argmax(population)] += round(RESIDENTS - population.sum(), 1)
    size = np.where(in_qpv, 2.6, np.where(dist < CORE_M, 1.7, 2.2)) * rng.uniform(0.9, 1.1, len(x))
    households = np.round(population / size, 1)
    rate = np.where(in_qpv, 0.42, np.where(dist < 900, 0.17, 0.08)) * rng.uniform(0.7, 1.3, len(x))
    cells = shapely.box(x, y, x + CELL_M, y + CELL_M)
    return _frame(
        {
            "cell_id": [f"CRS2154RES200mN{int(b)}E{int(a)}" for a, b in zip(x, y, strict=True)],
            "population": population,
            "support": "carreau_200m",
            "households": households,
            "poor_households": np.round(households * rate, 1),
        },
        cells,
    )
