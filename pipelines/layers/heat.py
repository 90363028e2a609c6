"""Layer ``heat``: Local Climate Zones (LCZ), the heat class they imply, an optional surface-temperature anomaly.

Readers, by source format:

- ``geoclimate-rsu-lcz``: GeoClimate ``rsu_lcz`` GeoJSON, one polygon per reference spatial unit,
  class in ``LCZ_PRIMARY`` (built types 1–10, land-cover types coded 101–107 = A–G), any CRS
  (Redon's file is EPSG:32630);
- ``lcz-cerema-zip``: Cerema "LCZ de 83 aires urbaines" (lcz-spot 2022), a shapefile (or
  GeoPackage) in a zip per urban area, class in the ``lcz`` field ("1"–"10", "A"–"G"; the reader
  also accepts the numeric codings below and an upper-case field name);
- ``wudapt-lcz-tif``: WUDAPT European LCZ GeoTIFF (Demuzere et al. 2019), one float32 band of class
  codes 1–17 (11–17 = A–G), EPSG:3035, polygonised (``rasterio.features.shapes``) over the area of
  interest only;
- ``lst-tif``: a land-surface-temperature GeoTIFF (e.g. Landsat Collection 2 ST) whose unit is
  declared in ``options.unit`` (``kelvin`` or ``celsius``; optional ``options.scale`` and
  ``options.offset`` turn stored integers into that unit). It adds ``lst_anomaly_c`` to every LCZ
  polygon: mean LST in the polygon minus mean LST over the commune, in °C, both computed by
  exactextract with exact cell coverage fractions.

Heat class of each LCZ (:data:`LCZ_HEAT_CLASS`)
-----------------------------------------------

=========  ==========================================================  ==========
LCZ        Stewart & Oke type                                          heat_class
=========  ==========================================================  ==========
1, 2, 3    compact high-rise, compact mid-rise, compact low-rise        chaud
7          lightweight low-rise                                        chaud
8          large low-rise                                              chaud
10         heavy industry                                              chaud
E          bare rock or paved                                          chaud
4, 5, 6    open high-rise, open mid-rise, open low-rise                tiede
9          sparsely built                                              tiede
F          bare soil or sand                                           tiede
A, B, C,   dense trees, scattered trees, bush/scrub, low plants         frais
D
G          water                                                       frais
=========  ==========================================================  ==========

Rationale: Stewart & Oke rank the LCZ by their thermal behaviour on calm, clear nights, which
follows from the sky view factor, the impervious fraction and the pervious (vegetated, moist)
fraction of each type. Compact built types, lightweight and large low-rise (almost no vegetation,
60–90 % impervious or built), heavy industry (anthropogenic heat) and paved land (E) store and
release the most heat: ``chaud``. Open built types and sparsely built land keep 20–80 % pervious
surface between buildings, and bare soil (F) is dry but unsealed: ``tiede`` (intermediate).
Trees, bush and low plants (A–D) cool by shade and evapotranspiration, and water (G) by its
thermal inertia in the day: ``frais``. The classes are a morphology-based proxy of exposure, not
a measured temperature; ``lst_anomaly_c`` is the measured complement when a scene is given.

Reference: Stewart, I. D. and Oke, T. R. (2012), "Local Climate Zones for urban temperature
studies", *Bulletin of the American Meteorological Society* 93(12):1879–1900,
https://doi.org/10.1175/BAMS-D-11-00019.1.

Several LCZ sources for one territory (Redon: GeoClimate vector and WUDAPT raster)
---------------------------------------------------------------------------------

The sources are used in their declared order of preference (``territories.yaml``): every
polygon of a later source is cut by the area already covered by the earlier ones, so the layer
is a partition where the first source wins (the finer 2022 vector, from OSM, before the 100 m
2019 raster) and no square metre is counted twice by the indicators. Fragments of a later source
left smaller than :data:`MIN_FILL_AREA_M2` (a quarter of a WUDAPT cell) are misregistration
slivers along the edge of the earlier source and are dropped (counted in the log). Each polygon
keeps the id of its source in ``lcz_source``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.windows
import shapely
from exactextract import exact_extract

from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import HEAT_CLASSES, territory_crs, validate
from ._archive import open_archive
from ._common import BuildContext, LayerResult, clip, make_valid, read_vector, to_territory_crs

#: LCZ class → heat class; the table and its rationale are in the module docstring.
LCZ_HEAT_CLASS: dict[str, str] = {
    **{lcz: "chaud" for lcz in ("1", "2", "3", "7", "8", "10", "E")},
    **{lcz: "tiede" for lcz in ("4", "5", "6", "9", "F")},
    **{lcz: "frais" for lcz in ("A", "B", "C", "D", "G")},
}

#: Smallest fragment of a lower-priority source kept when sources are merged (m²).
MIN_FILL_AREA_M2 = 2_500.0
#: Field names that hold the LCZ class in vector deliveries, compared case-insensitively.
LCZ_FIELDS = ("lcz", "lcz_primary", "code_lcz", "lcz_code", "type_lcz")
#: Plausible range of a commune's mean surface temperature, per declared unit (sanity check).
LST_RANGES = {"kelvin": (200.0, 350.0), "celsius": (-60.0, 80.0)}

_LAND_COVER = "ABCDEFG"
_LCZ_MEMBER = re.compile(r".+\.(shp|gpkg)", re.IGNORECASE)


def lcz_code(value: object) -> str | None:
    """Normalise one LCZ value to the schema code ("1"–"10", "A"–"G"), or None when unknown.

    Accepted codings: built types 1–10; land-cover types as letters A–G, as 11–17 (WUDAPT) or as
    101–107 (GeoClimate); strings such as "LCZ 2", "2.0" or "e".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().upper().removeprefix("LCZ").strip(" _-")
    if len(text) == 1 and text in _LAND_COVER:
        return text
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer():
        return None
    n = int(number)
    if 1 <= n <= 10:
        return str(n)
    if 11 <= n <= 17:
        return _LAND_COVER[n - 11]
    if 101 <= n <= 107:
        return _LAND_COVER[n - 101]
    return None


def _lcz_frame(codes: pd.Series, geometry: gpd.GeoSeries, where: str) -> gpd.GeoDataFrame:
    """LCZ frame (lcz, geometry) in EPSG:2154; unknown non-empty codes are a format error."""
    lcz = codes.map(lcz_code)
    unknown = sorted({str(v) for v, c in zip(codes, lcz, strict=True) if c is None and pd.notna(v)})
    if unknown:
        raise SourceFormatError(f"`{where}`: unknown LCZ code(s) {unknown[:5]}; expected 1–10, A–G, 11–17 or 101–107")
    frame = gpd.GeoDataFrame({"lcz": lcz.to_numpy()}, geometry=geometry.to_numpy(), crs=geometry.crs)
    frame = frame[frame["lcz"].notna()]
    return make_valid(to_territory_crs(frame, where))


def _read_vector(uri: str, where: str, area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    return read_vector(uri, where, area=area, what="an LCZ vector layer")


def _lcz_field(columns: list[str], preferred: tuple[str, ...] = LCZ_FIELDS) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[name] for name in preferred if name in lower), None)


def read_geoclimate(path: Path, area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Read a GeoClimate ``rsu_lcz`` layer (``LCZ_PRIMARY``) into (lcz, geometry), EPSG:2154."""
    frame = _read_vector(str(path), str(path), area)
    field = _lcz_field(list(frame.columns), ("lcz_primary",))
    if field is None:
        raise SourceFormatError(f"`{path}`: no LCZ_PRIMARY column; columns are {list(frame.columns)}")
    return _lcz_frame(frame[field], frame.geometry, str(path))


def read_cerema(path: Path, area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Read the Cerema LCZ layer(s) of a zip (or folder) into (lcz, geometry), EPSG:2154.

    Every shapefile or GeoPackage member with an LCZ field (:data:`LCZ_FIELDS`) is read; other
    members (urban-area outline, commune list) are ignored.
    """
    archive = open_archive(path)
    frames = []
    for member in archive.find(_LCZ_MEMBER):
        where = archive.where(member)
        try:
            columns = list(pyogrio.read_info(archive.uri(member))["fields"])
        except Exception as exc:  # noqa: BLE001 - a broken member is reported with its name
            raise SourceFormatError(f"`{where}`: cannot read ({exc})") from None
        field = _lcz_field(columns)
        if field is None:
            continue
        if PurePosixPath(member).suffix.lower() == ".shp" and archive.sibling(member, ".prj") is None:
            raise SourceFormatError(f"`{where}`: no .prj next to the shapefile; its CRS is unknown")
        frame = _read_vector(archive.uri(member), where, area)
        frames.append(_lcz_frame(frame[field], frame.geometry, where))
    if not frames:
        raise SourceFormatError(
            f"`{path}`: no shapefile or GeoPackage with an LCZ field ({', '.join(LCZ_FIELDS)}) found"
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=territory_crs())


def read_wudapt(path: Path, area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Polygonise a WUDAPT LCZ GeoTIFF (codes 1–17) over ``area`` into (lcz, geometry), EPSG:2154.

    Connected cells of one class become one polygon; cells that are nodata, NaN or outside 1–17
    are left out. Only the window covering ``area`` (EPSG:2154) is read.
    """
    try:
        with rasterio.open(path) as raster:
            if raster.crs is None:
                raise SourceFormatError(f"`{path}` has no CRS; expected EPSG:3035")
            window = _window(raster, area)
            if window is None:
                return gpd.GeoDataFrame({"lcz": []}, geometry=[], crs=territory_crs())
            values = raster.read(1, window=window, masked=True)
            transform, crs = raster.window_transform(window), raster.crs
    except rasterio.errors.RasterioIOError as exc:
        raise SourceFormatError(f"`{path}`: cannot read as a GeoTIFF ({exc})") from None
    data = values.filled(np.nan).astype("float64")
    valid = np.isfinite(data) & (data >= 1) & (data <= 17) & (data == np.round(data))
    codes = np.where(valid, data, 0).astype("int32")
    shapes = list(rasterio.features.shapes(codes, mask=valid, transform=transform))
    geometry = gpd.GeoSeries([shapely.geometry.shape(g) for g, _ in shapes], crs=crs)
    return _lcz_frame(pd.Series([int(v) for _, v in shapes], dtype="int64"), geometry, str(path))


def _window(raster: rasterio.io.DatasetReader, area: shapely.Geometry | None) -> rasterio.windows.Window | None:
    """The raster window covering ``area`` (EPSG:2154), rounded outwards; None when disjoint."""
    full = rasterio.windows.Window(0, 0, raster.width, raster.height)
    if area is None:
        return full
    bounds = gpd.GeoSeries([area], crs=territory_crs()).to_crs(raster.crs).total_bounds
    exact = rasterio.windows.from_bounds(*bounds, transform=raster.transform)
    col, row = math.floor(exact.col_off), math.floor(exact.row_off)
    end_col, end_row = math.ceil(exact.col_off + exact.width), math.ceil(exact.row_off + exact.height)
    try:
        return rasterio.windows.Window(col, row, end_col - col, end_row - row).intersection(full)
    except rasterio.errors.WindowError:
        return None


def lst_anomaly(
    zones: gpd.GeoDataFrame,
    path: Path,
    reference: shapely.Geometry,
    unit: str,
    *,
    scale: float = 1.0,
    offset: float = 0.0,
) -> pd.Series:
    """Mean land-surface temperature of each zone minus its mean over ``reference``, in °C.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons in EPSG:2154.
    path : Path
        GeoTIFF of surface temperature; value × ``scale`` + ``offset`` is in ``unit``.
    reference : shapely geometry
        The commune (EPSG:2154): its mean is the zero of the anomaly.
    unit : {"kelvin", "celsius"}
        Unit of the scaled values.

    Returns
    -------
    Series of float
        Anomaly in °C (a difference: identical in K and °C), NaN where a zone covers no valid cell.
        Means weight each cell by the fraction of it inside the polygon (exactextract).
    """
    if unit not in LST_RANGES:
        raise SourceFormatError(f"`{path}`: options.unit is `{unit}`; expected one of {sorted(LST_RANGES)}")
    try:
        with rasterio.open(path) as raster:
            crs = raster.crs
            if crs is None:
                raise SourceFormatError(f"`{path}` has no CRS; a surface temperature GeoTIFF needs one")
            polygons = gpd.GeoDataFrame(geometry=[reference, *zones.geometry], crs=zones.crs).to_crs(crs)
            means = exact_extract(raster, polygons, "mean", output="pandas")["mean"].to_numpy(dtype="float64")
    except rasterio.errors.RasterioIOError as exc:
        raise SourceFormatError(f"`{path}`: cannot read as a GeoTIFF ({exc})") from None
    celsius = means * scale + offset - (273.15 if unit == "kelvin" else 0.0)
    commune_mean = celsius[0]
    low, high = LST_RANGES["celsius"]
    if not np.isfinite(commune_mean) or not low <= commune_mean <= high:
        raise SourceFormatError(
            f"`{path}`: mean surface temperature over the commune is {commune_mean:.1f} °C with unit `{unit}`, "
            f"scale {scale}, offset {offset}; check options.unit / scale / offset of the source"
        )
    return pd.Series(celsius[1:] - commune_mean, index=zones.index, name="lst_anomaly_c")


def merge_by_priority(
    frames: list[gpd.GeoDataFrame], min_area_m2: float = MIN_FILL_AREA_M2
) -> tuple[gpd.GeoDataFrame, int]:
    """Partition of the LCZ frames where each frame only fills what the earlier ones left uncovered.

    Returns the merged frame and the number of fragments dropped (smaller than ``min_area_m2``).
    """
    kept, covered, dropped = [], None, 0
    for frame in frames:
        if covered is not None and not frame.empty:
            frame = make_valid(frame.set_geometry(frame.geometry.difference(covered)))
            small = frame.geometry.area < min_area_m2
            dropped += int(small.sum())
            frame = frame[~small]
        if frame.empty:
            continue
        kept.append(frame)
        union = frame.geometry.union_all()
        covered = union if covered is None else shapely.union(covered, union)
    if not kept:
        return gpd.GeoDataFrame({"lcz": [], "lcz_source": []}, geometry=[], crs=territory_crs()), dropped
    return gpd.GeoDataFrame(pd.concat(kept, ignore_index=True), crs=territory_crs()), dropped


_READERS = {
    "geoclimate-rsu-lcz": read_geoclimate,
    "lcz-cerema-zip": read_cerema,
    "wudapt-lcz-tif": read_wudapt,
}
_LST_FORMATS = ("lst-tif",)


def build(ctx: BuildContext) -> LayerResult:
    """Build the heat layer: LCZ polygons of every source (first wins), heat class, optional LST anomaly."""
    territory, area = ctx.territory.id, ctx.area_of_interest
    resolved = ctx.resolve("heat")
    lcz_sources = [(s, p) for s, p in resolved if s.format not in _LST_FORMATS]
    if not lcz_sources:
        missing = [s for s in ctx.sources("heat") if s.format not in _LST_FORMATS]
        raise LayerUnavailable(
            "une température de surface seule ne suffit pas : "
            "aucune source de zones climatiques locales (LCZ) disponible",
            [s.url for s in missing],
        )
    frames = []
    notes = [
        "classes de chaleur déduites des zones climatiques locales (Stewart & Oke 2012) : "
        "indicateur morphologique, pas une température mesurée"
    ]
    for source, path in lcz_sources:
        if source.format not in _READERS:
            raise SourceFormatError(
                f"source `{source.id}`: unknown heat format `{source.format}`; known {sorted(_READERS)}"
            )
        zones = make_valid(clip(_READERS[source.format](path, area), area))
        ctx.log(f"{territory}/heat: {source.id}: {len(zones)} LCZ polygon(s) in the commune + 500 m")
        overlap_ha = (zones.area.sum() - zones.union_all().area) / 1e4 if len(zones) else 0.0
        if overlap_ha > 0.01:  # merge_by_priority only separates sources, not polygons of one source
            notes.append(f"{source.id} : {overlap_ha:.1f} ha de polygones LCZ superposés dans la source")
        frames.append(zones.assign(lcz_source=source.id))
    frame, dropped = merge_by_priority(frames)
    counts = frame["lcz_source"].value_counts().to_dict()
    if len(frames) > 1:
        order = " > ".join(s.id for s, _ in lcz_sources)
        ctx.log(
            f"{territory}/heat: merged by priority {order}; {dropped} fragment(s) < {MIN_FILL_AREA_M2:.0f} m² dropped"
        )
        notes.append(
            f"sources LCZ fusionnées sans recouvrement, la première l'emporte ({order}) ; "
            "la suivante ne comble que les zones non couvertes"
        )
    frame["heat_class"] = frame["lcz"].map(LCZ_HEAT_CLASS)
    used = [s.id for s, _ in lcz_sources]
    for source, path in resolved:
        if source.format in _LST_FORMATS:
            options = source.options
            frame["lst_anomaly_c"] = lst_anomaly(
                frame,
                path,
                ctx.commune.geometry.union_all(),
                str(options.get("unit", "")).lower(),
                scale=float(options.get("scale", 1.0)),
                offset=float(options.get("offset", 0.0)),
            )
            used.append(source.id)
            notes.append("écart de température de surface à la moyenne de la commune (°C) : lst_anomaly_c")
            break
    commune = ctx.commune.geometry.union_all()
    inside = frame.geometry.intersection(commune).area / 1e4
    by_class = inside.groupby(frame["heat_class"]).sum()
    extra = {
        "lcz_polygons_by_source": {k: int(v) for k, v in counts.items()},
        "heat_class_ha_in_commune": {c: round(float(by_class.get(c, 0.0)), 1) for c in HEAT_CLASSES},
        "fragments_dropped": dropped,
    }
    columns = ["lcz", "heat_class", "lcz_source", *(["lst_anomaly_c"] if "lst_anomaly_c" in frame else []), "geometry"]
    return LayerResult(validate("heat", frame[columns]), used, notes, extra)
