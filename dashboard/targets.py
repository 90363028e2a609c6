"""What a measure's target covers: the features a named selection keeps, the area of a scope
(QPV, hors QPV, commune), and the target drawn on the map. Pure: frames in (EPSG:2154), frames out.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from pipelines.measures import SELECTIONS

from . import i18n


def select_features(layer: str, frame: gpd.GeoDataFrame, select: str) -> gpd.GeoDataFrame:
    """The features of a layer that a named selection (``pipelines.measures.SELECTIONS``) keeps."""
    if layer == "flood":
        wanted = {"fort": {"fort"}, "moyen_ou_fort": {"fort", "moyen", "moyen_cc"}}.get(select)
        return frame if wanted is None else frame[frame["scenario"].isin(wanted)]
    if layer == "heat":
        wanted = {"chaud": {"chaud"}, "chaud_ou_tiede": {"chaud", "tiede"}}.get(select, {"chaud"})
        return frame[frame["heat_class"].isin(wanted)]
    if layer == "shops" and select == "vacant":
        return frame[frame["vacant"].astype(bool)]
    if layer == "cycle":
        if select == "protege":
            return frame[frame["protected"].astype(bool) & (frame["status"] == "existant")]
        if select == "projet":
            return frame[frame["status"] == "projet"]
    return frame


def scope_area(scope: str, qpv: gpd.GeoDataFrame | None, commune: gpd.GeoDataFrame | None) -> shapely.Geometry | None:
    """The area a scope covers (EPSG:2154): QPV union, commune minus QPV, or the commune."""
    commune_geom = shapely.union_all(commune.geometry.values) if commune is not None and len(commune) else None
    qpv_geom = None
    if qpv is not None and len(qpv):
        qpv_geom = shapely.union_all(qpv.geometry.dropna().values)
    if scope == "qpv":
        return qpv_geom if qpv_geom is not None else shapely.Polygon()
    if scope == "hors_qpv" and commune_geom is not None and qpv_geom is not None:
        return commune_geom.difference(qpv_geom)
    return commune_geom


def target_frame(
    layer: str,
    frame: gpd.GeoDataFrame,
    select: str,
    scope: str,
    buffer_m: float | None,
    *,
    qpv: gpd.GeoDataFrame | None,
    commune: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """What a measure's target covers on the map (EPSG:2154), with a ``_t`` tooltip column.

    Polygons are clipped to the scope's area; points and lines are kept when they intersect it.
    With ``buffer_m``, the dissolved ring of that width around the selection is returned as well
    (the "near" area the measure speaks of).
    """
    chosen = select_features(layer, frame, select)
    area = scope_area(scope, qpv, commune)
    words = SELECTIONS.get(layer, {}).get(select, select.replace("_", " "))
    label = f"Cible : {i18n.layer_label(layer)}, {words}"
    if area is not None and len(chosen):
        polygonal = chosen.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        if polygonal:
            clipped = chosen.geometry.intersection(area)
            chosen = gpd.GeoDataFrame(geometry=clipped[~clipped.is_empty], crs=frame.crs)
        else:
            chosen = chosen[chosen.intersects(area)]
    parts = [gpd.GeoDataFrame({"_t": [label] * len(chosen)}, geometry=chosen.geometry.values, crs=frame.crs)]
    if buffer_m and len(chosen):
        ring = shapely.union_all(chosen.geometry.buffer(buffer_m).values)
        if area is not None:
            ring = ring.intersection(area) if not area.is_empty else ring
        parts.append(gpd.GeoDataFrame({"_t": [f"À moins de {buffer_m:.0f} m"]}, geometry=[ring], crs=frame.crs))
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs)
