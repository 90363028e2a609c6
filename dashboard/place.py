""" "Mon quartier": what the layers and the programmes say about one place. Pure functions.

A place is a point in EPSG:2154. Its card says whether it is in a QPV (which), its flood
scenarios, its heat class, the shops and vacant shops within 300 m, the nearest protected cycle
facility, and which measures reach it. A layer that is not available is reported as such (None),
never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely

from . import maps

#: Flood scenarios from the most to the least frequent flood.
FLOOD_ORDER = ("fort", "moyen", "moyen_cc", "faible")


@dataclass
class PlaceCard:
    """Facts about one place; ``None`` means the layer is not available for the territory."""

    in_commune: bool
    qpv: list[dict] | None = None  # [{name, code, perimeter}] (empty list: not in a QPV)
    flood: list[str] | None = None  # scenarios covering the place, most frequent first
    heat: str | None = None  # heat class, "" when no LCZ polygon covers the place
    shops: int | None = None
    vacant: int | None = None
    cycle_m: float | None = None  # distance to the nearest protected existing facility (m)
    cycle_facility: str | None = None
    measures: list[dict] = field(default_factory=list)  # {programme, programme_title, id, title, reach}


def _covering(frame: gpd.GeoDataFrame, point: shapely.Point) -> gpd.GeoDataFrame:
    hits = frame.sindex.query(point, predicate="intersects")
    return frame.iloc[hits]


def describe_place(
    point: shapely.Point,
    layers: dict[str, gpd.GeoDataFrame | None],
    near_m: float = maps.NEAR_M,
    around: shapely.Geometry | None = None,
):
    """The card of a place.

    Parameters
    ----------
    point : shapely.Point
        The place, EPSG:2154 (m).
    layers : dict
        Layer id → frame in EPSG:2154, or None when the layer is not available.
    near_m : float
        Radius (m) for "shops nearby".
    around : shapely geometry, optional
        What "nearby" is measured from (EPSG:2154): a whole street when a street was searched;
        the point itself by default.
    """
    commune = layers.get("commune")
    card = PlaceCard(in_commune=bool(commune is not None and len(_covering(commune, point))))
    qpv = layers.get("qpv")
    if qpv is not None:
        hits = _covering(qpv[qpv.geometry.notna()], point)
        card.qpv = [
            {
                "name": str(row["name"]),
                "code": str(row.get("code_qp") or row.get("code_qp_2015") or ""),
                "perimeter": row.get("perimeter_status"),
            }
            for _, row in hits.iterrows()
        ]
    flood = layers.get("flood")
    if flood is not None:
        present = set(_covering(flood, point)["scenario"])
        card.flood = [s for s in FLOOD_ORDER if s in present]
    heat = layers.get("heat")
    if heat is not None:
        classes = list(_covering(heat, point)["heat_class"])
        card.heat = classes[0] if classes else ""
    shops = layers.get("shops")
    if shops is not None:
        probe = (around if around is not None else point).buffer(near_m)
        near = shops.iloc[shops.sindex.query(probe, predicate="intersects")]
        card.shops = int(len(near))
        card.vacant = int(near["vacant"].astype(bool).sum())
    cycle = layers.get("cycle")
    if cycle is not None:
        protected = cycle[cycle["protected"].astype(bool) & (cycle["status"] == "existant")]
        if len(protected):
            distances = protected.distance(point)
            nearest = distances.idxmin()
            card.cycle_m = float(distances[nearest])
            card.cycle_facility = str(protected.loc[nearest, "facility"])
    return card


def measure_reach(
    target,
    point: shapely.Point,
    card: PlaceCard,
    layers: dict[str, gpd.GeoDataFrame | None],
) -> str | None:
    """Whether a measure's target reaches the place: ``"oui"``, ``"indéterminé"`` or None (no).

    The scope is checked first (in a QPV, outside, anywhere in the commune); then the place must
    lie in the selected polygons, or within ``buffer_m`` (default 300 m) of the selected points or
    lines. Missing layers make the answer ``"indéterminé"``.
    """
    if target is None:
        return None
    in_qpv = None if card.qpv is None else bool(card.qpv)
    if target.scope == "qpv" and in_qpv is False:
        return None
    if target.scope == "hors_qpv" and in_qpv is True:
        return None
    if not card.in_commune:
        return None
    frame = layers.get(target.layer)
    if frame is None:
        return "indéterminé"
    if target.scope in ("qpv", "hors_qpv") and in_qpv is None:
        return "indéterminé"
    chosen = maps.select_features(target.layer, frame, target.select)
    if not len(chosen):
        return None
    polygonal = chosen.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    radius = target.buffer_m if target.buffer_m else (0.0 if polygonal else maps.NEAR_M)
    probe = point.buffer(radius) if radius else point
    hits = chosen.sindex.query(probe, predicate="intersects")
    return "oui" if len(hits) else None
