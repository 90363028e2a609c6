"""The fictional town's streets: radial axes, ring boulevards, district grids, country lanes, names.

:func:`_streets` returns the ``streets`` layer (French names, never twice the same) and the radial
axes the cycle network follows (:mod:`pipelines.demo.cycle`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from ..settings import CRS_L93
from .plan import CENTRE, CORE_M, RIVER_NAME, _lines, _Plan, _polar

#: People and places that name the streets (« Rue Émile Zola », « Impasse des Lilas »).
_PEOPLE = tuple(
    (
        "Émile Zola; Jean Moulin; Louis Pasteur; Jules Ferry; Marie Curie; George Sand; Voltaire; Molière; "
        "Anatole France; Paul Bert; Condorcet; Lamartine; Alphonse Daudet; Camille Claudel; Simone Veil; "
        "Olympe de Gouges; Lucie Aubrac; Pierre Brossolette; Guy Môquet; Jean Zay; Louise Michel; Aristide "
        "Briand; Charles Péguy; Albert Camus; Berthe Morisot; Paul Cézanne; Claude Monet; Hector Berlioz; "
        "Maurice Ravel; Frédéric Mistral; Gustave Eiffel; Jacques Prévert; Colette; Antoine de Saint-Exupéry; "
        "Joséphine Baker; René Cassin; Germaine Tillion; Jean Jaurès; Victor Schœlcher; Rosa Parks; Henri "
        "Matisse; Auguste Renoir; Édith Piaf; Boris Vian; Marcel Pagnol; Jean de La Fontaine; Blaise Pascal; "
        "Denis Diderot; Montesquieu; Rabelais; Georges Brassens; Jean Giono; Irène Joliot-Curie; Sadi Carnot; "
        "Léon Blum; Pierre Mendès France"
    ).split("; ")
)
_PLACES = tuple(
    (
        "des Tilleuls; des Acacias; des Chênes; des Platanes; des Érables; des Marronniers; des Peupliers; "
        "des Saules; des Bouleaux; des Charmes; des Frênes; des Noisetiers; des Cerisiers; des Pommiers; des "
        "Lilas; des Glycines; des Roses; des Violettes; des Coquelicots; des Bleuets; des Jonquilles; des "
        "Mimosas; du Moulin; de la Fontaine; du Lavoir; des Tanneurs; des Forges; de l'Église; du Château; "
        "des Écoles; de la Poste; du Stade; des Jardins; des Vergers; des Prés; du Marché; des Halles; de la "
        "Paix; de la Liberté; du Pont; des Mariniers; des Remparts; de la Tour; du Puits; des Vignes; de la "
        "Croix; des Tisserands; des Potiers; du Four; des Carrières; de la Source; du Coteau; des Sablons; "
        "des Grands Champs; du Bief; des Vanneaux; des Hirondelles; des Mésanges; des Alouettes; du Soleil "
        "Levant; des Primevères; des Myosotis; des Capucines"
    ).split("; ")
)

#: Radial axes: (angle in degrees, highway, names inside the ring, in town, in the country).
_AXES = (
    (5, "primary", "Grande Rue", "Avenue de la Gare", "Route de Montfleury"),
    (60, "secondary", "Rue de la République", "Avenue des Tilleuls", "Route de Vallières"),
    (115, "secondary", "Rue Nationale", "Avenue du Général de Gaulle", "Route de Beaulieu"),
    (185, "primary", "Rue du Commerce", "Avenue Jean Jaurès", "Route de Saint-Aubin"),
    (240, "secondary", "Rue des Halles", "Avenue Victor Hugo", "Route des Forges"),
    (300, "tertiary", "Rue du Pont", "Avenue de la Vionne", "Route du Bois Fleuri"),
)
_RING_NAMES = ("Boulevard Gambetta", "Boulevard Carnot", "Boulevard de la Liberté", "Quai des Mariniers")


def _axis(angle: float, rng: np.random.Generator, length: float) -> LineString:
    d = np.arange(0.0, length, 40.0)  # every axis starts on the central square
    phase = rng.uniform(0, 2 * np.pi)
    a = angle + 7 * np.sin(d / 900 + phase)
    return LineString([_polar(di, ai) for di, ai in zip(d, a, strict=True)])


def _grid(area: shapely.Geometry, spacing: float, angle: float, rng: np.random.Generator, drop: float) -> list:
    """Two families of roughly parallel lines covering ``area``, cut to it, some pieces dropped."""
    cx, cy = area.centroid.x, area.centroid.y
    half = np.hypot(*np.subtract(area.bounds[2:], area.bounds[:2])) / 2 + spacing
    out = []
    for turn in (0.0, 90.0 + rng.normal(0, 4)):
        a = np.radians(angle + turn)
        along, across = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        for off in np.arange(-half, half, spacing) + rng.uniform(0, spacing):
            off = off + rng.normal(0, spacing * 0.08)
            bend = across * rng.normal(0, spacing * 0.06)
            start = np.array([cx, cy]) + across * off - along * half
            line = LineString([start, start + along * half + bend, start + 2 * along * half])
            for piece in _lines(line.intersection(area)):
                if rng.random() >= drop:
                    out.append(piece)
    return out


def _streets(plan: _Plan, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[LineString]]:
    """The named street network, and the radial axes (used by the cycle network)."""
    rows: list[tuple[str, str, LineString]] = []
    reach = 3900.0
    axes = [_axis(angle, rng, reach) for angle, *_ in _AXES]
    edge = plan.urban.buffer(60)
    for line, (_, highway, inner, town, country) in zip(axes, _AXES, strict=True):
        inside = line.intersection(Point(CENTRE).buffer(CORE_M))
        rows += [(inner, "tertiary", p) for p in _lines(inside)]
        rows += [(town, highway, p) for p in _lines(line.intersection(edge).difference(Point(CENTRE).buffer(CORE_M)))]
        rows += [(country, highway, p) for p in _lines(line.difference(edge))]
    ring = LineString(np.asarray(Point(CENTRE).buffer(CORE_M, 16).exterior.coords))
    for k, name in enumerate(_RING_NAMES):
        rows += [(name, "secondary", p) for p in _lines(substring(ring, k / 4, (k + 1) / 4, normalized=True))]
    outer = LineString([_polar(1350 + 60 * np.sin(a / 25), a) for a in np.arange(-20.0, 205.0, 5.0)])
    rows += [("Boulevard de l'Europe", "secondary", p) for p in _lines(outer.intersection(edge))]
    rows += [
        (f"Quai {RIVER_NAME.replace('la ', 'de la ')}", "tertiary", p)
        for p in _lines(plan.river.offset_curve(60).intersection(Point(CENTRE).buffer(1300)))
    ]

    names = _Namer(rng)
    keep_out = shapely.union_all([plan.river.buffer(45), plan.parks, plan.forest])
    local = []
    for sector in _sectors([g for *_, g in rows], edge):
        inner = sector.representative_point().distance(Point(CENTRE)) < CORE_M
        if not (inner or sector.representative_point().within(plan.urban)):
            continue
        area = sector.difference(keep_out).difference(plan.industry.buffer(20)).difference(plan.retail_park.buffer(20))
        spacing = 75 if inner else (230 if area.intersects(plan.qpv["Les Tilleuls"]) else 150)
        bearing = np.degrees(np.arctan2(sector.centroid.y - CENTRE[1], sector.centroid.x - CENTRE[0]))
        local += [("residential", g) for g in _grid(area, spacing, bearing + rng.normal(0, 10), rng, 0.15)]
    for zone in (plan.industry, plan.retail_park):
        local += [("service", g) for g in _grid(zone.difference(keep_out), 220, 4, rng, 0.0)]
    for highway, geom in local:
        prefix = "Impasse" if geom.length < 160 else ("Allée" if rng.random() < 0.15 else "Rue")
        rows.append((names(prefix), highway, geom))
    for a in (30, 88, 150, 212, 270, 330):
        lane = _axis(a + rng.normal(0, 6), rng, reach).difference(edge)
        rows += [(names("Chemin"), "unclassified", p) for p in _lines(lane)]
    frame = gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "highway": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=CRS_L93,
    )
    frame = frame.set_geometry(frame.geometry.intersection(plan.aoi)).explode(ignore_index=True)
    frame = frame[(frame.geom_type == "LineString") & (frame.length > 15)].reset_index(drop=True)
    return frame, axes


def _sectors(main: list[LineString], edge: shapely.Geometry) -> list[Polygon]:
    """The districts enclosed by the main roads and the edge of the built-up area."""
    net = shapely.node(shapely.union_all([*main, edge.boundary, Point(CENTRE).buffer(CORE_M, 16).boundary]))
    return list(shapely.get_parts(shapely.polygonize(shapely.get_parts(net))))


def _extend(line: LineString, by: float) -> LineString:
    """``line`` lengthened by ``by`` metres at both ends (so that T-junctions cross when noded)."""
    xy = np.asarray(line.coords)
    head, tail = xy[0] - xy[1], xy[-1] - xy[-2]
    head, tail = head / np.hypot(*head) * by, tail / np.hypot(*tail) * by
    return LineString(np.r_[[xy[0] + head], xy, [xy[-1] + tail]])


class _Namer:
    """Street names from the pools, never twice the same full name (« Rue des Lilas », « Impasse des Lilas »)."""

    def __init__(self, rng: np.random.Generator):
        self.suffixes = list(_PEOPLE) + list(_PLACES)
        rng.shuffle(self.suffixes)
        self.used: set[str] = set()
        self.next = 0

    def __call__(self, prefix: str) -> str:
        for kind in dict.fromkeys((prefix, "Rue", "Allée", "Impasse", "Chemin", "Square")):
            for _ in range(len(self.suffixes)):
                name = f"{kind} {self.suffixes[self.next % len(self.suffixes)]}"
                self.next += 1
                if name not in self.used:
                    self.used.add(name)
                    return name
        raise ValueError("no street name left")  # pragma: no cover - about 600 names for 250 streets
