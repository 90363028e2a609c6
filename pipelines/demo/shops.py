"""The fictional town's 300 shops, 36 of them vacant: shop fronts along the streets of each district."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from .plan import CENTRE, CORE_M, _frame, _Plan, _polar

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
