"""Readers of the official QPV files (private to :mod:`.qpv` and :mod:`.qpv_2015`).

- ``qpv2024-zip``: ANCT national zip of the 2024 perimeters, holding ``GEOJSON/``, ``SHP/`` and
  ``GPKG/`` files; the file is picked by extension (GeoPackage, then GeoJSON, then shapefile),
  never by name, and every file of that extension is read;
- ``qpv2024-perimeters``: the same layer as one vector file (the mirror's extract of the national
  GeoJSON); ``insee_com`` is a comma-joined list for a QPV on several communes (``24138, 24322``);
- ``qpv2024-list-csv``: ANCT list of the 2024 QPV, one row per (QPV, commune), no geometry
  (``code_qp``, ``lib_qp``, ``insee_com``, ``lib_com``, ``insee_dep``);
- ``qpv2024-communes-geojson``: ANCT's national list of the communes hosting a 2024 QPV, one
  point per commune with ``code_qp`` / ``lib_qp`` comma-joined (read into the same rows as the CSV);
- ``qpv2015-shp``: CGET national shapefile of the 2015 QPV (``CODE_QP``, ``NOM_QP``, ``COMMUNE_QP``
  — a commune *name*, comma-joined when the QPV spans several), DBF in Windows-1252 (LDID 87,
  decoded as such: GDAL would read it as ISO-8859-1); its invalid polygons (34 in the national file)
  are repaired with make_valid.

Every reader returns frames in Lambert-93 and raises :class:`SourceFormatError` naming the file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import SourceFormatError
from ._common import make_valid, read_once, read_vector, to_territory_crs

#: Extensions of the 2024 zip's files, in order of preference.
ZIP_EXTENSIONS = (".gpkg", ".geojson", ".json", ".shp")
#: Column aliases of the 2024 perimeters (lower-cased names) → layer column.
_ALIASES_2024 = {"code_qp": "code_qp", "lib_qp": "name", "nom_qp": "name", "insee_com": "insee_com"}
LIST_COLUMNS = ("code_qp", "lib_qp", "insee_com", "lib_com", "insee_dep")
#: What pyogrio raises on an unreadable file (its errors are RuntimeErrors), or a bad encoding.
_READ_ERRORS = (RuntimeError, OSError, ValueError)


def pick_zip_members(path: Path) -> list[str]:
    """The members of the 2024 zip to read: every file of the first extension of ZIP_EXTENSIONS present."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFormatError(f"`{path}`: not a readable zip ({exc})") from None
    for ext in ZIP_EXTENSIONS:
        found = sorted(n for n in names if n.lower().endswith(ext))
        if found:
            return found
    raise SourceFormatError(f"`{path}`: no {'/'.join(ZIP_EXTENSIONS)} file in the zip; members are {names[:10]}")


def _read_perimeter_file(uri: str, where: str) -> list[gpd.GeoDataFrame]:
    """Every geometry layer of one vector file of 2024 perimeters, normalised, in EPSG:2154."""
    try:
        layers = [name for name, geom_type in pyogrio.list_layers(uri) if geom_type is not None]
    except _READ_ERRORS as exc:  # pyogrio errors carry no file name
        raise SourceFormatError(f"`{where}`: cannot read ({exc})") from None
    frames = []
    for layer in layers:
        here = where + (f" (layer {layer})" if len(layers) > 1 else "")
        frame = read_vector(uri, here, layer=layer, what="QPV 2024 perimeters")
        frame = frame.rename(columns={c: _ALIASES_2024.get(c.lower(), c) for c in frame.columns})
        if not {"code_qp", "name"} <= set(frame.columns):
            raise SourceFormatError(f"`{here}`: columns code_qp and lib_qp expected; columns are {list(frame.columns)}")
        frames.append(make_valid(to_territory_crs(frame, here)))
    return frames


@read_once  # national files: read once per process (a national build runs hundreds of communes)
def read_qpv2024_perimeters(path: Path) -> gpd.GeoDataFrame:
    """Read 2024 perimeters from the national zip or from one vector file (code_qp, name, insee_com), EPSG:2154."""
    path = Path(path)
    if zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
        frames = [
            f
            for m in pick_zip_members(path)
            for f in _read_perimeter_file(f"/vsizip/{path.resolve()}/{m}", f"{path}!{m}")
        ]
    else:
        frames = _read_perimeter_file(str(path), str(path))
    if not frames:
        raise SourceFormatError(f"`{path}`: no geometry layer of QPV 2024 perimeters")
    out = pd.concat(frames, ignore_index=True)
    if "insee_com" in out:
        out["insee_com"] = out["insee_com"].astype(str)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)


#: The former name of :func:`read_qpv2024_perimeters` (the zip was its only input).
read_qpv2024_zip = read_qpv2024_perimeters


@read_once  # national files: read once per process (a national build runs hundreds of communes)
def read_qpv2024_list(path: Path) -> pd.DataFrame:
    """Read the 2024 list CSV (one row per QPV and commune), every column as a string."""
    try:
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise SourceFormatError(f"`{path}`: cannot read as a CSV list of QPV 2024 ({exc})") from None
    missing = [c for c in LIST_COLUMNS if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"`{path}`: column(s) {missing} missing; columns are {list(frame.columns)}")
    return frame[list(LIST_COLUMNS)].apply(lambda s: s.str.strip())


def departement_of(insee: str) -> str:
    """Département code of an INSEE commune code (``97411`` → ``974``, ``2A004`` → ``2A``)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


@read_once  # national files: read once per process (a national build runs hundreds of communes)
def read_qpv2024_communes(path: Path) -> pd.DataFrame:
    """Read ANCT's national list of host communes into the rows of the CSV list (one per QPV and commune).

    ``code_qp`` and ``lib_qp`` are comma-joined lists of equal length (checked: a different count
    means a name holding a comma, which would shift every name after it).
    """
    try:
        frame = pyogrio.read_dataframe(path, read_geometry=False)
    except _READ_ERRORS as exc:
        raise SourceFormatError(f"`{path}`: cannot read as the national list of QPV 2024 communes ({exc})") from None
    missing = [c for c in ("insee_com", "lib_com", "code_qp", "lib_qp") if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"`{path}`: field(s) {missing} missing; fields are {list(frame.columns)}")
    rows = []
    for r in frame.itertuples(index=False):
        codes = [c.strip() for c in str(r.code_qp).split(",") if c.strip()]
        names = [n.strip() for n in str(r.lib_qp).split(",")]
        if len(codes) != len(names):
            raise SourceFormatError(
                f"`{path}`: commune {r.insee_com} lists {len(codes)} QPV codes but {len(names)} names"
            )
        insee = str(r.insee_com).strip()
        rows += [
            (c, n, insee, str(r.lib_com).strip(), departement_of(insee)) for c, n in zip(codes, names, strict=True)
        ]
    return pd.DataFrame(rows, columns=list(LIST_COLUMNS))


@read_once  # national files: read once per process (a national build runs hundreds of communes)
def read_qpv2015_shp(path: Path, encoding: str = "cp1252") -> gpd.GeoDataFrame:
    """Read the 2015 national file: code_qp_2015, name, commune_qp (names), repaired geometry, EPSG:2154.

    The DBF is decoded as ``encoding`` explicitly: GDAL maps its language driver id 87 to
    ISO-8859-1, which turns the Windows-1252 ``œ``, ``’`` and ``–`` of 13 names into control
    characters ("Cœur de Ville" → "C\\x9cur de Ville").
    """
    frame = read_vector(str(path), str(path), encoding=encoding, what="the QPV 2015 shapefile")
    missing = [c for c in ("CODE_QP", "NOM_QP", "COMMUNE_QP") if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"`{path}`: field(s) {missing} missing; fields are {list(frame.columns)}")
    frame = frame.rename(columns={"CODE_QP": "code_qp_2015", "NOM_QP": "name", "COMMUNE_QP": "commune_qp"})
    frame.attrs["invalid"] = int((~frame.geometry.is_valid).sum())
    out = make_valid(to_territory_crs(frame[["code_qp_2015", "name", "commune_qp", "geometry"]], path))
    out.attrs["invalid"] = frame.attrs["invalid"]
    return out
