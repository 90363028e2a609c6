"""Readers of building footprints, for the dasymetric population estimate (private to ``population``).

- ``bdnb-buildings``: CSTB's BDNB "bâtiment groupe" footprints (shapefile or GeoPackage, in a
  folder, a zip or alone): a building id (``batiment_groupe_id`` / ``batiment_g``), the height
  (``hauteur``, or ``bdtopo_bat_hauteur_mean`` in the national GeoPackage) and, when the delivery has
  it, the main use (``usage_principal_bdnb_open``); ``code_commune_insee`` / ``code_commu`` selects
  the commune. Heights of 0 or missing are unknown, not zero.
- ``geofabrik-buildings``: OpenStreetMap footprints in Geofabrik's free-shapefile layout
  (``gis_osm_buildings_a_free_1.shp``: ``osm_id``, ``type``), where ``type`` is the OSM
  ``building=*`` value (mostly empty).

Both return, in the territory's CRS: ``building_id``, ``height_m`` (NaN when unknown), ``residential``
(True, False, or None when the source does not say), geometry.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import SourceFormatError
from ..schemas import territory_crs
from ._archive import open_archive
from ._common import find_field, make_valid, read_vector, to_territory_crs

BUILDING_FORMATS = ("bdnb-buildings", "geofabrik-buildings")
#: OSM ``building=*`` values of buildings nobody lives in (https://wiki.openstreetmap.org/wiki/Key:building).
NON_RESIDENTIAL_OSM = frozenset(
    """retail commercial industrial warehouse office supermarket kiosk school kindergarten university college
    hospital church cathedral chapel mosque synagogue temple religious shrine government public civic
    transportation train_station fire_station garage garages carport parking shed hut roof service toilets
    utility greenhouse farm_auxiliary barn stable cowshed sty ruins sports_hall sports_centre stadium
    grandstand pavilion hangar bunker construction storage_tank silo water_tower transformer_tower bridge
    steps hotel""".split()
)
#: OSM ``building=*`` values of dwellings.
RESIDENTIAL_OSM = frozenset(
    "house detached semidetached_house terrace apartments residential bungalow farm dormitory cabin".split()
)
#: BDNB main uses that are dwellings (``usage_principal_bdnb_open``).
RESIDENTIAL_BDNB = ("Résidentiel individuel", "Résidentiel collectif", "Résidentiel")
_ID_FIELDS = ("batiment_groupe_id", "batiment_g", "osm_id")
_HEIGHT_FIELDS = ("hauteur", "bdtopo_bat_hauteur_mean", "hauteur_mean")
_COMMUNE_FIELDS = ("code_commune_insee", "code_commu")
_USAGE_FIELDS = ("usage_principal_bdnb_open", "usage_niveau_1_txt")


def _read_vector(path: Path, pattern: str, fmt: str, area: shapely.Geometry) -> tuple[gpd.GeoDataFrame, str]:
    archive = open_archive(path)
    members = archive.find(pattern)
    if not members:
        raise SourceFormatError(f"`{path}`: no file matching {pattern} for {fmt}; members {list(archive.names)[:8]}")
    where = archive.where(members[0])
    frame = read_vector(archive.uri(members[0]), where, area=area, what=fmt)
    return to_territory_crs(frame, where), where


def read_bdnb(path: Path, area: shapely.Geometry, insee: str) -> gpd.GeoDataFrame:
    """BDNB footprints of commune ``insee`` meeting ``area`` (in the territory's CRS)."""
    frame, where = _read_vector(path, r".*batiment_groupe.*\.(shp|gpkg)", "bdnb-buildings", area)
    ident, height = find_field(frame.columns, _ID_FIELDS), find_field(frame.columns, _HEIGHT_FIELDS)
    if ident is None or height is None:
        raise SourceFormatError(f"`{where}`: BDNB footprints need an id and `hauteur`; columns {list(frame.columns)}")
    commune = find_field(frame.columns, _COMMUNE_FIELDS)
    if commune is not None:
        frame = frame[frame[commune].astype(str).str.zfill(5) == insee]
    heights = pd.to_numeric(frame[height], errors="coerce")
    usage = find_field(frame.columns, _USAGE_FIELDS)
    residential = frame[usage].map(lambda u: None if pd.isna(u) else str(u) in RESIDENTIAL_BDNB) if usage else None
    out = gpd.GeoDataFrame(
        {
            "building_id": frame[ident].astype(str).to_numpy(),
            "height_m": heights.where(heights > 0).to_numpy(float),
            "residential": None if residential is None else residential.to_numpy(object),
        },
        geometry=frame.geometry.to_numpy(),
        crs=territory_crs(),
    )
    return make_valid(out)


def read_geofabrik(path: Path, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """OSM footprints (Geofabrik layout) meeting ``area``, with the residential flag of their type."""
    frame, where = _read_vector(path, r"gis_osm_buildings_a_free.*\.shp", "geofabrik-buildings", area)
    ident, kind = find_field(frame.columns, ("osm_id",)), find_field(frame.columns, ("type",))
    if ident is None:
        raise SourceFormatError(f"`{where}`: Geofabrik buildings need `osm_id`; columns {list(frame.columns)}")
    types = frame[kind].fillna("").astype(str).str.strip().str.lower() if kind else pd.Series("", index=frame.index)
    residential = np.where(types.isin(NON_RESIDENTIAL_OSM), False, np.where(types.isin(RESIDENTIAL_OSM), True, None))
    out = gpd.GeoDataFrame(
        {"building_id": "osm:" + frame[ident].astype(str), "height_m": np.nan, "residential": residential},
        geometry=frame.geometry.to_numpy(),
        crs=territory_crs(),
    )
    return make_valid(out)


def _thousands(value: float) -> str:
    """``29896`` → ``29 896`` (narrow no-break space, as French typography writes it)."""
    return f"{value:,.0f}".replace(",", "\u202f")


def place_on_buildings(
    ctx, frame: gpd.GeoDataFrame, sources: list
) -> tuple[gpd.GeoDataFrame, list[str], list[str], dict]:
    """Residents of ``frame`` (commune total, cells or IRIS) spread over the residential buildings of ``sources``.

    BDNB footprints carry heights: they are the buildings, and OSM's types only mark which of them
    nobody lives in. Without BDNB, OSM footprints are used with one floor each.

    Returns
    -------
    (frame, source ids used, French notes, manifest facts)
    """
    from ._dasymetric import FLOOR_HEIGHT_M, METHOD, residential_buildings, spread

    area, insee = ctx.area_of_interest, ctx.territory.insee
    by_format = {source.format: (source, path) for source, path in reversed(sources)}
    osm = read_geofabrik(by_format["geofabrik-buildings"][1], area) if "geofabrik-buildings" in by_format else None
    if "bdnb-buildings" in by_format:
        footprints, marks = read_bdnb(by_format["bdnb-buildings"][1], area, insee), osm
    else:
        footprints, marks = osm, None
    used = [s.id for s, _ in sources]  # BDNB with OSM's types, or OSM alone: every building source read
    buildings, stats = residential_buildings(footprints, marks)
    parent_support = str(frame["support"].iloc[0])
    counts = [
        c for c in frame.columns if c not in ("cell_id", "support", "geometry", "name") and frame[c].dtype.kind == "f"
    ]
    placed = make_valid(spread(frame, buildings, tuple(counts)))
    heights = "hauteurs BDNB" if "bdnb-buildings" in by_format else "un niveau par bâtiment (hauteurs inconnues)"
    note = (
        f"{METHOD} : les {_thousands(frame['population'].sum())} habitants ({parent_support}) répartis sur "
        f"{_thousands(stats.kept)} bâtiments résidentiels au prorata de leur surface de plancher "
        f"(emprise × niveaux, {heights}, un niveau pour {FLOOR_HEIGHT_M:g} m)"
    )
    left = (
        f"bâtiments écartés : {stats.non_residential} non résidentiels, {stats.covered_by_non_residential} "
        f"recouverts par un bâtiment OSM non résidentiel, {stats.annexes} annexes de moins de 20 m²"
    )
    extra = {"method": METHOD, "parent_support": parent_support, "buildings": stats.as_dict()}
    return placed, used, [note, left], extra
