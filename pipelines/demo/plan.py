"""The fictional town's skeleton: its figures, the shapes it is drawn with, and the plan.

The plan (:class:`_Plan`, drawn by :func:`_plan`) holds the outline of the commune, the river, the
built-up area, the forest, the two QPV, the industrial estate, the retail park and the parks; every
layer module of :mod:`pipelines.demo` draws on it. The ``qpv`` layer is the plan's two districts.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, Point, Polygon

from ..settings import CONTEXT_BUFFER_M, CRS_L93

SEED = 20260322
INSEE = "99999"
NAME = "Ville fictive"
#: Centre of the old town (Lambert-93, m).
CENTRE = (650_000.0, 6_700_000.0)
COMMUNE_AREA_M2 = 25e6
RESIDENTS = 40_000.0
SHOPS = 300
VACANT_SHOPS = 36
CELL_M = 200.0
NOTE = "Données inventées (ville fictive de démonstration)"
RIVER_NAME = "la Vionne"
#: Radius of the old centre inside the inner ring boulevard (m).
CORE_M = 430.0


@dataclass(frozen=True)
class _Plan:
    """The town's skeleton, shared by every layer (EPSG:2154, m)."""

    commune: Polygon
    aoi: shapely.Geometry
    river: LineString
    urban: shapely.Geometry
    forest: shapely.Geometry
    industry: shapely.Geometry
    retail_park: shapely.Geometry
    parks: shapely.Geometry
    qpv: dict[str, Polygon]


# -- geometry helpers -----------------------------------------------------------------------------


def _blob(rng: np.random.Generator, centre: tuple[float, float], radius: float, wobble: float, n: int = 120) -> Polygon:
    """A star-shaped irregular polygon: radius modulated by a few random harmonics (always valid)."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k, amp in ((2, 0.35), (3, 0.25), (4, 0.15), (5, 0.12), (7, 0.08), (11, 0.06), (17, 0.04), (29, 0.03)):
        r += wobble * amp * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r += np.convolve(rng.normal(0.0, wobble * 0.06, n), np.ones(3) / 3, mode="same")
    return Polygon(np.c_[centre[0] + radius * r * np.cos(theta), centre[1] + radius * r * np.sin(theta)])


def _polar(d: float, angle_deg: float, origin: tuple[float, float] = CENTRE) -> tuple[float, float]:
    a = np.radians(angle_deg)
    return origin[0] + d * np.cos(a), origin[1] + d * np.sin(a)


def _river_y(x: np.ndarray | float) -> np.ndarray | float:
    """Northing of the river centre line (m) at easting ``x``: smooth meanders, 550 m south of the centre."""
    u = x - CENTRE[0]
    return CENTRE[1] - 700 + 180 * np.sin(u / 1100 + 0.4) + 90 * np.sin(u / 420 + 1.3)


def _band(line: LineString, left: np.ndarray, right: np.ndarray) -> shapely.Geometry:
    """Polygon between offsets ``left`` (north of an eastward line) and ``right`` (south), per vertex (m)."""
    xy = np.asarray(line.coords)
    dx, dy = np.gradient(xy[:, 0]), np.gradient(xy[:, 1])
    norm = np.hypot(dx, dy)
    normal = np.c_[-dy / norm, dx / norm]
    ring = np.r_[xy + normal * left[:, None], (xy - normal * right[:, None])[::-1]]
    return shapely.make_valid(Polygon(ring))


def _wavy(s: np.ndarray, rng: np.random.Generator, base: float, amp: float, period: float) -> np.ndarray:
    """A width (m) along chainage ``s`` (m) varying smoothly around ``base``."""
    return base + amp * np.sin(s / period + rng.uniform(0, 2 * np.pi)) + 0.4 * amp * np.sin(s / (period / 3.1))


def _rect(centre: tuple[float, float], width: float, height: float, angle_deg: float, rng, jitter: float) -> Polygon:
    """A rotated rectangle with jittered corners and edge midpoints (m)."""
    u = np.array([-0.5, 0.0, 0.5, 0.5, 0.5, 0.0, -0.5, -0.5]) * width
    v = np.array([-0.5, -0.5, -0.5, 0.0, 0.5, 0.5, 0.5, 0.0]) * height
    u, v = u + rng.normal(0, jitter, 8), v + rng.normal(0, jitter, 8)
    a = np.radians(angle_deg)
    x = centre[0] + u * np.cos(a) - v * np.sin(a)
    y = centre[1] + u * np.sin(a) + v * np.cos(a)
    return shapely.make_valid(Polygon(np.c_[x, y]))


def _lines(geom: shapely.Geometry) -> list[LineString]:
    """The non-trivial LineString parts of ``geom``."""
    parts = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom)
    return [p for p in parts if p.geom_type == "LineString" and p.length > 15]


# -- the plan --------------------------------------------------------------------------------------


def _plan(rng: np.random.Generator) -> _Plan:
    """Outline, river, built-up area, forest, QPV, industrial estate, retail park and parks."""
    commune = _blob(rng, CENTRE, 1.0, 0.4, n=240)
    commune = shapely.affinity.scale(commune, *(2 * [np.sqrt(COMMUNE_AREA_M2 / commune.area)]), origin=CENTRE)
    aoi = commune.buffer(CONTEXT_BUFFER_M)
    x0, _, x1, _ = aoi.bounds
    xs = np.arange(x0 - 300, x1 + 300, 20.0)
    river = LineString(np.c_[xs, _river_y(xs)])
    urban = _blob(rng, (CENTRE[0] + 150, CENTRE[1] + 100), 1900, 0.22).intersection(commune)
    forest = _blob(rng, _polar(2600, -55), 1200, 0.35).union(_blob(rng, _polar(2700, 150), 650, 0.4))
    urban = urban.difference(forest)
    gare_x = CENTRE[0] + 950
    gare = _rect((gare_x, float(_river_y(gare_x)) + 290), 760, 560, 8, rng, 25)
    tilleuls = _rect(_polar(1650, 58), 880, 640, 58 - 90, rng, 30)
    # the part of the estate north of the river
    gare = max(shapely.get_parts(gare.difference(river.buffer(25))), key=lambda g: g.area)
    qpv = {"Quartier de la Gare": gare, "Les Tilleuls": tilleuls}
    urban = urban.union(shapely.union_all(list(qpv.values())).buffer(80)).intersection(commune)
    industry_x = CENTRE[0] - 1700
    industry = _rect((industry_x, float(_river_y(industry_x)) - 330), 1000, 480, 4, rng, 30)
    retail_park = _rect(_polar(2250, 2), 520, 380, 2, rng, 20)
    riverbank = river.buffer(110).intersection(Point(CENTRE).buffer(1400))
    square = _rect(_polar(260, 140), 180, 140, 10, rng, 8)
    parks = shapely.union_all([riverbank, square, _rect(_polar(1100, 150), 300, 260, 20, rng, 20)])
    return _Plan(commune, aoi, river, urban, forest, industry, retail_park, parks, qpv)


def _frame(data: dict, geometry) -> gpd.GeoDataFrame:
    """A layer frame in EPSG:2154 from its columns and geometries."""
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs=CRS_L93)


def _qpv(plan: _Plan) -> gpd.GeoDataFrame:
    """The ``qpv`` layer: the plan's two districts, with invented codes (``QNDEMO01I``…)."""
    names = list(plan.qpv)
    return _frame(
        {
            "code_qp": [f"QNDEMO{i + 1:02d}I" for i in range(len(names))],
            "code_qp_2015": [f"QPDEMO{i + 1:02d}" for i in range(len(names))],
            "name": names,
            "insee_com": INSEE,
            "generation": "2024",
            "perimeter_status": "exact",
            "area_ha": [plan.qpv[n].area / 1e4 for n in names],
        },
        plan.qpv.values(),
    )
