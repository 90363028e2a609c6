"""Plausibility checks at read time: data that reads without error but cannot be right.

Every check raises :class:`~pipelines.errors.ImplausibleData` naming the file (or layer), what
was found, what was expected and what to do. They are called from the shared read helpers of
:mod:`pipelines.layers._common` and from the build, never copied into a reader:

- :func:`check_coordinates`: coordinates inside the area of use of the CRS their file declares
  (a WGS84 ``.prj`` over metres, a Lambert-93 ``.prj`` over degrees) and reaching the bounding
  box of the territory being built (a ``.prj`` of another projection moves everything away);
- :func:`check_shapefile`: the record counts of ``.shp``, ``.shx`` and ``.dbf`` agree, every
  record lies inside the ``.shp`` (a file cut short), and no record is a null shape (which a
  bounding-box read would drop unseen);
- :func:`check_shrink`: a layer that loses more than :data:`MAX_SHRINK` of its rows, area or
  length against its last good build fails unless the operator accepts it (``--accept-shrink``).

They need no checksum: a source that has no declared sha256 (the Géorisques zips, the 2024 QPV
zip) goes through the same checks, which is its guard against a truncated or altered download.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import re
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import ImplausibleData
from ..transaction import frame_totals

#: Largest share of rows, area or length a layer may lose against its last good build.
MAX_SHRINK = 0.25

#: Slack around a CRS's area of use (degrees): data may overhang its projection's official extent a little.
AREA_OF_USE_MARGIN_DEG = 1.0
#: Slack around the territory's bounding box (m) for "this source reaches the territory". A wrong
#: ``.prj`` moves features by hundreds of km (Web Mercator read as Lambert-93: ~600 km); a source of
#: the whole département (the TRI zip) may lie tens of km from a commune none of its zones covers
#: (Bergerac is 25 km from the TRI of Périgueux), which is no error.
TERRITORY_MARGIN_M = 150_000.0
_FIX = "the .prj (or declared CRS) does not match the coordinates: restore the file's original .prj"


@dataclasses.dataclass(frozen=True)
class _Scope:
    """What coordinates are checked against during one layer's build."""

    territory: tuple[float, float, float, float] | None  # bbox in ``crs``
    crs: str
    real: bool  # False for a synthetic test territory outside its CRS's area of use


_SCOPE: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("plausibility_scope", default=None)


@contextlib.contextmanager
def expected_extent(bbox: tuple[float, float, float, float] | None, crs: str = "EPSG:2154") -> Iterator[None]:
    """Check coordinates within the block (a layer's build): against the area of use of their CRS,
    and against ``bbox`` (in ``crs``), the territory every source read must reach (None: unknown).

    Outside such a block (a reader used as a library) coordinates are not checked; neither is the
    area of use when the territory itself lies outside its CRS's (a synthetic test town drawn
    near the origin). The shapefile structure is always checked.
    """
    real = bbox is None or _outside_area_of_use(bbox, CRS.from_user_input(crs)) is None
    token = _SCOPE.set(_Scope(bbox, crs, real))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _area_of_use(crs: CRS) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees of ``crs``, or of the EPSG code it is identified as."""
    area = crs.area_of_use
    if area is None:
        code = crs.to_epsg(min_confidence=70)
        area = CRS.from_epsg(code).area_of_use if code else None
    return None if area is None else (area.west, area.south, area.east, area.north)


def _outside_area_of_use(bounds, crs: CRS) -> str | None:
    """Why ``bounds`` cannot be coordinates of ``crs`` , else None."""
    minx, miny, maxx, maxy = bounds
    if crs.is_geographic and not (-180.5 <= minx <= maxx <= 360.5 and -90.5 <= miny <= maxy <= 90.5):
        return "are not longitudes/latitudes"
    area = _area_of_use(crs)
    if area is None:
        return None
    try:
        lo_x, lo_y, hi_x, hi_y = Transformer.from_crs(crs, 4326, always_xy=True).transform_bounds(*bounds)
    except ProjError:
        lo_x = lo_y = hi_x = hi_y = math.inf
    west, south, east, north = area
    m = AREA_OF_USE_MARGIN_DEG
    finite = all(math.isfinite(v) for v in (lo_x, lo_y, hi_x, hi_y))
    if finite and west - m <= lo_x and hi_x <= east + m and south - m <= lo_y and hi_y <= north + m:
        return None
    return f"lie outside the area of use of its CRS ({west:g}°, {south:g}°, {east:g}°, {north:g}°)"


def check_coordinates(bounds, crs, where: str) -> None:
    """Fail when ``bounds`` (minx, miny, maxx, maxy in ``crs``) cannot be coordinates of ``crs``,
    or do not reach the territory being built (see :func:`expected_extent`).

    Raises
    ------
    ImplausibleData
        Naming the file, its declared CRS, the extent found and the fix (restore the ``.prj``).
    """
    scope = _SCOPE.get()
    if scope is None or crs is None or bounds is None or not all(math.isfinite(float(v)) for v in bounds):
        return
    try:
        crs = CRS.from_user_input(crs)
    except CRSError:
        return  # an unknown CRS is reported by the reprojection, with the file name
    bounds = tuple(float(v) for v in bounds)
    name = crs.to_string() if crs.to_epsg() else crs.name
    found = "[" + ", ".join(f"{v:.6g}" for v in bounds) + "]"
    why = _outside_area_of_use(bounds, crs) if scope.real else None
    if why:
        raise ImplausibleData(f"`{where}`: coordinates {found} {why.replace('its CRS', f'its CRS {name}')}; {_FIX}")
    if scope.territory is None:
        return
    try:
        minx, miny, maxx, maxy = Transformer.from_crs(crs, scope.crs, always_xy=True).transform_bounds(*bounds)
    except ProjError:
        return
    m = TERRITORY_MARGIN_M
    tx0, ty0, tx1, ty1 = scope.territory
    if minx > tx1 + m or maxx < tx0 - m or miny > ty1 + m or maxy < ty0 - m:
        raise ImplausibleData(
            f"`{where}`: its features {found} ({name}) lie nowhere near the territory "
            f"[{tx0:.0f}, {ty0:.0f}, {tx1:.0f}, {ty1:.0f}] ({scope.crs}): the .prj (or declared CRS) is wrong, "
            "or the file covers another area; restore the original .prj or fix the source in territories.yaml"
        )


def check_frame(frame: gpd.GeoDataFrame, where: str) -> None:
    """:func:`check_coordinates` on the features of ``frame`` (nothing to check when it is empty)."""
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(geoms):
        check_coordinates(tuple(geoms.total_bounds), frame.crs, where)


# -- shapefile structure -----------------------------------------------------------------------------
_VSIZIP = re.compile(r"/vsizip/(?P<zip>.+?\.zip)/(?P<member>.+)", re.IGNORECASE)


class _Parts:
    """The members of one shapefile (``.shp``, ``.shx``, ``.dbf``…), in a folder or inside a zip."""

    def __init__(self, uri: str):
        match = _VSIZIP.fullmatch(uri)
        if match:
            self.zip = zipfile.ZipFile(match["zip"])
            names = {n.lower(): n for n in self.zip.namelist()}
            stem = match["member"][: -len(".shp")].lower()
            self.names = {ext: names.get(stem + ext) for ext in (".shp", ".shx", ".dbf")}
        else:
            self.zip = None
            path = Path(uri)
            siblings = {p.name.lower(): p for p in path.parent.glob("*")} if path.parent.is_dir() else {}
            self.names = {ext: siblings.get(path.stem.lower() + ext) for ext in (".shp", ".shx", ".dbf")}

    def size(self, ext: str) -> int:
        name = self.names[ext]
        return self.zip.getinfo(name).file_size if self.zip else name.stat().st_size

    def head(self, ext: str, length: int | None = None) -> bytes:
        name = self.names[ext]
        if self.zip:
            with self.zip.open(name) as handle:
                return handle.read() if length is None else handle.read(length)
        with open(name, "rb") as handle:
            return handle.read() if length is None else handle.read(length)

    def close(self) -> None:
        if self.zip:
            self.zip.close()


def check_shapefile(uri: str, where: str) -> int:
    """Check that the ``.shp``, ``.shx`` and ``.dbf`` of a shapefile agree; return its record count.

    Raises
    ------
    ImplausibleData
        When a member is missing, the ``.shp`` is shorter than its index says (cut short), the
        counts differ, or records are null shapes (message names the file and the counts).
    """
    parts = _Parts(uri)
    try:
        return _check_parts(parts, where)
    except (OSError, zipfile.BadZipFile, struct.error) as exc:
        raise ImplausibleData(f"`{where}`: its members cannot be read ({exc}); download it again") from None
    finally:
        parts.close()


def _check_parts(parts: _Parts, where: str) -> int:
    again = "the shapefile is truncated or its members do not belong together: download it again"
    missing = [ext for ext in (".shx", ".dbf") if parts.names[ext] is None]
    if missing:
        raise ImplausibleData(f"`{where}`: no {' nor '.join(missing)} next to the .shp; {again}")
    shp_size, shx = parts.size(".shp"), parts.head(".shx")
    declared = struct.unpack(">i", parts.head(".shp", 100)[24:28])[0] * 2
    if declared != shp_size:
        raise ImplausibleData(f"`{where}`: the .shp is {shp_size:,} bytes, its header says {declared:,}; {again}")
    index = np.frombuffer(shx[100:], dtype=">i4").reshape(-1, 2) if len(shx) > 100 else np.zeros((0, 2), ">i4")
    records = len(index)
    dbf_count = struct.unpack("<I", parts.head(".dbf", 8)[4:8])[0]
    ends = (index[:, 0].astype(np.int64) + index[:, 1] + 4) * 2
    inside = int((ends <= shp_size).sum())
    if inside < records:
        raise ImplausibleData(
            f"`{where}`: the .shx and .dbf list {records} and {dbf_count} records, the .shp holds "
            f"only {inside}; {again}"
        )
    if dbf_count != records:
        raise ImplausibleData(f"`{where}`: {records} records in the .shp/.shx but {dbf_count} in the .dbf; {again}")
    nulls = int((index[:, 1] == 2).sum())  # a record of 2 words is a bare shape type 0: no geometry
    if nulls:
        raise ImplausibleData(
            f"`{where}`: {nulls} of {records} record(s) have no geometry (null shapes), which a read "
            "limited to the territory would drop unseen; download the file again or repair it"
        )
    return records


def check_shrink(layer: str, frame: gpd.GeoDataFrame, last_good: dict | None, *, accept: bool = False) -> None:
    """Fail when ``frame`` lost more than :data:`MAX_SHRINK` of the last good build's rows, area or length.

    Parameters
    ----------
    layer : str
    frame : GeoDataFrame
        The layer just built (EPSG:2154).
    last_good : dict, optional
        The manifest entry of the last good version (``rows``, ``totals``, ``built_at``).
    accept : bool
        The operator accepts the loss (``--accept-shrink``): no check.
    """
    if accept or not last_good:
        return
    before = {"rows": float(last_good.get("rows") or 0), **(last_good.get("totals") or {})}
    now = {"rows": float(len(frame)), **frame_totals(frame)}
    lost = []
    for key, old in before.items():
        new = float(now.get(key, 0.0))
        if old > 0 and (old - new) / old > MAX_SHRINK:
            unit = {"rows": "rows", "area_ha": "ha", "length_km": "km"}.get(key, key)
            lost.append(f"{new:g} {unit} instead of {old:g} (-{(old - new) / old:.0%})")
    if lost:
        raise ImplausibleData(
            f"layer `{layer}` shrank against its last good build of {last_good.get('built_at', '?')}: "
            f"{', '.join(lost)}, more than {MAX_SHRINK:.0%} lost; check its sources, and if the loss is real "
            "rebuild with --accept-shrink"
        )
