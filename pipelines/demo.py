"""The fictional demonstration town ("Ville fictive", INSEE 99999), generated deterministically.

Every layer of a real territory is invented here from one fixed seed (numpy ``Generator``), so
that two builds give the same frames, row for row. The town is placed in Lambert-93 around
x = 650 000 m, y = 6 700 000 m, in open country (no real town of that size there) and is meant
to look plausible on a map:

- a commune of 25 km² with an irregular outline;
- a river (« la Vionne ») crossing it west to east 550 m south of the old centre, with nested flood
  bands ``fort`` ⊂ ``moyen`` ⊂ ``faible``;
- radial roads, an inner ring boulevard around the old centre, a northern outer boulevard, street
  grids per district and a few country lanes (layer ``streets``, French names);
- two QPV: « Quartier de la Gare » (on the river, partly flooded) and « Les Tilleuls » (a housing
  estate on the north-east edge, with a shopping parade);
- Local Climate Zones per urban block (compact centre ``chaud``, residential ``tiede``, parks,
  river, forest and fields ``frais``), classes consistent with :mod:`pipelines.schemas`;
- 300 shops of which 36 (12 %) are vacant, concentrated in the old centre and the Tilleuls parade;
- a cycle network with gaps (protected tracks on two axes stopping short of the centre, lanes,
  a greenway along the river, planned segments, districts with nothing);
- a 200 m population grid of 40 000 residents, denser in the centre and the QPV.

Every number is invented; every layer says so in its notes, and the build marks it ``fictional``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from .errors import LayerUnavailable
from .layers._common import BuildContext, LayerResult
from .layers.flood import FLOOD_TYPES
from .layers.heat import LCZ_HEAT_CLASS
from .settings import CONTEXT_BUFFER_M, CRS_L93

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

#: Invented surface-temperature anomaly per heat class (°C): mean and spread.
_ANOMALY = {"chaud": (3.0, 0.8), "tiede": (0.8, 0.5), "frais": (-2.0, 0.7)}

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
#: Shopkeepers' surnames, for shop names.
_SURNAMES = tuple(
    (
        "Martin; Bernard; Dubois; Thomas; Robert; Richard; Petit; Durand; Leroy; Moreau; Simon; Laurent; "
        "Lefebvre; Michel; Garcia; David; Bertrand; Roux; Vincent; Fournier; Morel; Girard; André; Mercier; "
        "Dupont; Lambert; Bonnet; François; Martinez; Legrand; Garnier"
    ).split("; ")
)
#: OSM shop value → (French label for the name, weight in the old centre).
_SHOP_TYPES = {
    "clothes": ("Boutique", 14),
    "hairdresser": ("Coiffure", 10),
    "bakery": ("Boulangerie", 6),
    "beauty": ("Institut", 6),
    "convenience": ("Épicerie", 5),
    "optician": ("Optique", 4),
    "shoes": ("Chaussures", 4),
    "butcher": ("Boucherie", 3),
    "jewelry": ("Bijouterie", 3),
    "florist": ("Fleurs", 3),
    "tobacco": ("Tabac", 3),
    "mobile_phone": ("Téléphonie", 3),
    "gift": ("Cadeaux", 3),
    "books": ("Librairie", 2),
    "newsagent": ("Presse", 2),
    "wine": ("Cave", 2),
    "pastry": ("Pâtisserie", 2),
    "travel_agency": ("Voyages", 2),
    "cheese": ("Fromagerie", 1),
    "chocolate": ("Chocolaterie", 1),
    "bicycle": ("Cycles", 1),
    "hardware": ("Quincaillerie", 1),
}
_BIG_SHOPS = ("supermarket", "doityourself", "furniture", "garden_centre", "car", "sports", "electronics", "pet")

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


# -- streets ---------------------------------------------------------------------------------------


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


# -- layers ----------------------------------------------------------------------------------------


def _frame(data: dict, geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs=CRS_L93)


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


def _frontage(line: LineString, rng: np.random.Generator, n: int) -> list[Point]:
    """``n`` points along ``line``, set back 9 m on either side (shop fronts)."""
    out = []
    for t in np.sort(rng.uniform(0.05, 0.95, n)):
        a, b = line.interpolate(t - 0.01, normalized=True), line.interpolate(t + 0.01, normalized=True)
        dx, dy = b.x - a.x, b.y - a.y
        norm = np.hypot(dx, dy) or 1.0
        side = 1 if rng.random() < 0.5 else -1
        p = line.interpolate(t, normalized=True)
        out.append(Point(p.x - side * 9 * dy / norm, p.y + side * 9 * dx / norm))
    return out


def _spread(lines: gpd.GeoSeries, n: int, rng: np.random.Generator) -> list[Point]:
    """``n`` shop fronts spread over ``lines`` in proportion to their length."""
    counts = rng.multinomial(n, (lines.length / lines.length.sum()).to_numpy())
    return [p for line, k in zip(lines, counts, strict=True) if k for p in _frontage(line, rng, int(k))]


def _shops(plan: _Plan, streets: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """300 shops: old centre, radial avenues, the Gare, the Tilleuls parade and the retail park."""
    core = streets[streets.intersects(Point(CENTRE).buffer(CORE_M - 30))]
    avenues = streets[streets["name"].str.startswith("Avenue")].intersection(Point(CENTRE).buffer(1300))
    gare = streets[streets.intersects(plan.qpv["Quartier de la Gare"])].intersection(plan.qpv["Quartier de la Gare"])
    tilleuls = plan.qpv["Les Tilleuls"]
    parade_axis = LineString(
        [_polar(-120, 58 - 90, tilleuls.centroid.coords[0]), _polar(120, 58 - 90, tilleuls.centroid.coords[0])]
    )
    groups = {
        "centre": _spread(core.geometry.intersection(Point(CENTRE).buffer(CORE_M)), 190, rng),
        "avenues": _spread(avenues[avenues.length > 0], 55, rng),
        "gare": _spread(gare[gare.length > 0], 15, rng),
        "tilleuls": [parade_axis.interpolate(t, normalized=True) for t in np.linspace(0, 1, 18)],
        "retail": [Point(x, y) for x, y in _retail_points(plan, 22)],
    }
    vacant_per_group = {"centre": 21, "avenues": 4, "gare": 3, "tilleuls": 8, "retail": 0}
    kinds = list(_SHOP_TYPES)
    weights = np.array([w for _, w in _SHOP_TYPES.values()], float)
    rows = []
    for group, points in groups.items():
        vacant = set(rng.choice(len(points), vacant_per_group[group], replace=False).tolist())
        for k, point in enumerate(points):
            if group == "retail":
                category = _BIG_SHOPS[k % len(_BIG_SHOPS)]
                label = {"supermarket": "Hypermarché", "doityourself": "Bricolage"}.get(category, "Magasin")
            else:
                category = kinds[rng.choice(len(kinds), p=weights / weights.sum())]
                label = _SHOP_TYPES[category][0]
            name = f"{label} {_SURNAMES[rng.integers(len(_SURNAMES))]}"
            source = None
            if k in vacant:
                source = "shop=vacant" if rng.random() < 0.3 else "disused:shop"
                category, name = ("vacant", None) if source == "shop=vacant" else (category, name)
            rows.append((category, name, k in vacant, source, point))
    return _frame(
        {
            "shop_id": [f"demo-shop-{i + 1:04d}" for i in range(len(rows))],
            "name": [r[1] for r in rows],
            "category": [r[0] for r in rows],
            "vacant": [r[2] for r in rows],
            "vacancy_source": [r[3] for r in rows],
        },
        [r[4] for r in rows],
    )


def _retail_points(plan: _Plan, n: int) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = plan.retail_park.buffer(-40).bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 7), np.linspace(miny, maxy, 5))
    points = [(x, y) for x, y in zip(xs.ravel(), ys.ravel(), strict=True) if plan.retail_park.contains(Point(x, y))]
    return points[:n]


def _cycle(plan: _Plan, axes: list[LineString], rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Protected tracks on the east and west axes (stopping short of the centre), lanes, a greenway, plans."""
    edge = plan.urban.buffer(60)
    rows: list[tuple[str, bool, str, str, shapely.Geometry]] = [
        ("piste", True, "existant", "Avenue de la Gare", substring(axes[0], 520, 2600)),
        ("piste", True, "existant", "Avenue Jean Jaurès", substring(axes[3], 600, 1500)),
        ("piste", True, "projet", "Avenue Jean Jaurès", substring(axes[3], 1500, 2200)),
        ("bande", False, "existant", "Avenue des Tilleuls", substring(axes[1], 480, 1300)),
        ("bande", False, "existant", "Avenue des Tilleuls", substring(axes[1], 1500, 2000)),
        ("piste", True, "projet", "Avenue Victor Hugo", substring(axes[4], 450, 1800)),
        ("piste", True, "projet", "Grande Rue", substring(axes[0], 60, 520)),
    ]
    ring = LineString(np.asarray(Point(CENTRE).buffer(CORE_M, 16).exterior.coords))
    rows.append(("bande", False, "existant", _RING_NAMES[0], substring(ring, 0.0, 0.25, normalized=True)))
    rows.append(("bande", False, "existant", _RING_NAMES[1], substring(ring, 0.25, 0.4, normalized=True)))
    rows.append(("zone apaisée", False, "existant", "Rue du Commerce", substring(axes[3], 60, CORE_M)))
    rows.append(("double sens cyclable", False, "existant", "Rue Nationale", substring(axes[2], 60, CORE_M)))
    greenway = plan.river.offset_curve(35).intersection(plan.commune)
    rows += [("voie verte", True, "existant", f"Voie verte de {RIVER_NAME}", g) for g in _lines(greenway)]
    link = LineString([_polar(1300, 20), _polar(1450, 45), plan.qpv["Les Tilleuls"].centroid.coords[0]])
    rows.append(("piste", True, "projet", "Liaison Gare – Tilleuls", link.intersection(edge)))
    rows = [r[:4] + (g,) for r in rows for g in _lines(r[4])]
    return _frame(
        {
            "segment_id": [f"demo-cycle-{i + 1:03d}" for i in range(len(rows))],
            "facility": [r[0] for r in rows],
            "protected": [r[1] for r in rows],
            "length_m": [r[4].length for r in rows],
            "status": [r[2] for r in rows],
            "name": [r[3] for r in rows],
        },
        [r[4] for r in rows],
    )


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


def _qpv(plan: _Plan) -> gpd.GeoDataFrame:
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


@lru_cache(maxsize=1)
def _town() -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(SEED)
    plan = _plan(rng)
    streets, axes = _streets(plan, rng)
    heat = _heat(plan, streets, rng)
    commune = _frame({"insee": [INSEE], "name": [NAME], "population": [int(RESIDENTS)]}, [plan.commune])
    return {
        "commune": commune,
        "qpv": _qpv(plan),
        "flood": _flood(plan, rng),
        "heat": heat,
        "shops": _shops(plan, streets, rng),
        "cycle": _cycle(plan, axes, rng),
        "population": _population(plan, heat, rng),
        "streets": streets,
    }


def generate() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the fictional town, keyed by layer name (fresh copies, EPSG:2154).

    Returns
    -------
    dict of str to GeoDataFrame
        ``commune``, ``qpv``, ``flood``, ``heat``, ``shops``, ``cycle``, ``population`` and
        ``streets``, each in its schema (see :mod:`pipelines.schemas`). Same content on every call.
    """
    return {name: frame.copy() for name, frame in _town().items()}


def build_layer(layer: str, ctx: BuildContext) -> LayerResult:
    """Build one layer of the fictional territory (called by :mod:`pipelines.build`)."""
    town = _town()
    if layer not in town:
        raise LayerUnavailable(f"la ville fictive n'a pas de couche « {layer} »")
    notes = [NOTE]
    if layer == "population":
        notes.append("carreaux de 200 m inventés : 40 000 habitants, plus denses au centre et dans les QPV")
    return LayerResult(town[layer].copy(), [], notes, {"fictional": True})
