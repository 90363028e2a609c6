"""Layer ``qpv``: the priority districts (quartiers prioritaires de la politique de la ville).

Readers, by source format:

- ``qpv2024-zip``: ANCT national zip of the 2024 perimeters, holding ``GEOJSON/``, ``SHP/`` and
  ``GPKG/`` files; the file is picked by extension (GeoPackage, then GeoJSON, then shapefile),
  never by name, and every file of that extension is read;
- ``qpv2024-list-csv``: ANCT list of the 2024 QPV, one row per (QPV, commune), no geometry
  (``code_qp``, ``lib_qp``, ``insee_com``, ``lib_com``, ``insee_dep``);
- ``qpv2015-shp``: CGET national shapefile of the 2015 QPV (``CODE_QP``, ``NOM_QP``, ``COMMUNE_QP``
  — a commune *name*, comma-joined when the QPV spans several), DBF in Windows-1252 (LDID 87,
  decoded as such: GDAL would read it as ISO-8859-1); its invalid polygons (34 in the national file)
  are repaired with make_valid.

What is built, in order of preference:

1. the 2024 zip resolves (online): the 2024 perimeters, ``exact``, generation 2024;
2. the 2024 list covers the commune's département: each 2024 QPV of the commune takes the contour
   of its 2015 counterpart, matched by name (rule in :mod:`._qpv_match`); ``I`` → ``exact``,
   ``M`` → ``contour 2015, modifié en 2024``, ``N`` or no counterpart → ``indisponible`` (a named
   row without geometry). The 2015 QPV left unmatched (out of the priority geography since 2024,
   or renamed beyond recognition) are listed in the notes, not kept;
3. only the 2015 file: the 2015 QPV, generation 2015, ``contour 2015``; the notes say that the 2024
   list of the département is not in the mirror.

A QPV belongs to the territory when its polygon overlaps the commune by more than
:data:`MIN_OVERLAP_HA` (0.5 ha): neighbours that touch the border, or overlap it by a sliver
because the two boundaries were drawn at different scales (Échirolles' Essarts - Surieux overlaps
Grenoble's simplified boundary by 0.04 ha), are left out. The geometry kept is the QPV's **full**
contour, for display (Périgueux's QP024005 spans Coulounieix-Chamiers too); ``area_ha`` is the full
area and ``area_in_commune_ha`` the area inside the commune. Indicators clip the QPV to the commune
themselves. ``insee_com`` is the territory's INSEE code: the commune the row is kept for.

The match table (``extra["qpv_matching"]``) and one log line per 2024 QPV record the matching.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import LayerUnavailable, SourceFormatError
from ._common import BuildContext, LayerResult, make_valid, read_vector, to_l93
from ._qpv_match import RULE, Match, match_qpv

#: Minimum overlap with the commune for a QPV to belong to the territory (ha).
MIN_OVERLAP_HA = 0.5
#: Extensions of the 2024 zip's files, in order of preference.
ZIP_EXTENSIONS = (".gpkg", ".geojson", ".json", ".shp")
#: Column aliases of the 2024 perimeters (lower-cased names) → layer column.
_ALIASES_2024 = {"code_qp": "code_qp", "lib_qp": "name", "nom_qp": "name", "insee_com": "insee_com"}
_LIST_COLUMNS = ("code_qp", "lib_qp", "insee_com", "lib_com", "insee_dep")
_COLUMNS = ["code_qp", "code_qp_2015", "name", "insee_com", "generation", "perimeter_status"]
_HA = 10_000.0
#: What pyogrio raises on an unreadable file (its errors are RuntimeErrors), or a bad encoding.
_READ_ERRORS = (RuntimeError, OSError, ValueError)


# -- readers ---------------------------------------------------------------------------------
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


def read_qpv2024_zip(path: Path) -> gpd.GeoDataFrame:
    """Read the 2024 perimeters (columns code_qp, name, insee_com when present), in EPSG:2154."""
    frames = []
    for member in pick_zip_members(path):
        vsi = f"/vsizip/{Path(path).resolve()}/{member}"
        try:
            layers = [name for name, geom_type in pyogrio.list_layers(vsi) if geom_type is not None]
        except _READ_ERRORS as exc:  # pyogrio errors carry no file name
            raise SourceFormatError(f"`{path}!{member}`: cannot read ({exc})") from None
        for layer in layers:
            where = f"{path}!{member}" + (f" (layer {layer})" if len(layers) > 1 else "")
            frame = read_vector(vsi, where, layer=layer, what="QPV 2024 perimeters")
            frame = frame.rename(columns={c: _ALIASES_2024.get(c.lower(), c) for c in frame.columns})
            if not {"code_qp", "name"} <= set(frame.columns):
                columns = list(frame.columns)
                raise SourceFormatError(f"`{where}`: columns code_qp and lib_qp expected; columns are {columns}")
            frames.append(make_valid(to_l93(frame, where)))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)


def read_qpv2024_list(path: Path) -> pd.DataFrame:
    """Read the 2024 list (one row per QPV and commune), every column as a string."""
    try:
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise SourceFormatError(f"`{path}`: cannot read as a CSV list of QPV 2024 ({exc})") from None
    missing = [c for c in _LIST_COLUMNS if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"`{path}`: column(s) {missing} missing; columns are {list(frame.columns)}")
    return frame[list(_LIST_COLUMNS)].apply(lambda s: s.str.strip())


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
    out = make_valid(to_l93(frame[["code_qp_2015", "name", "commune_qp", "geometry"]], path))
    out.attrs["invalid"] = frame.attrs["invalid"]
    return out


# -- selection and areas ---------------------------------------------------------------------
def in_commune(frame: gpd.GeoDataFrame, commune: shapely.Geometry, log=None) -> gpd.GeoDataFrame:
    """The features overlapping ``commune`` by more than MIN_OVERLAP_HA, with area_ha and area_in_commune_ha.

    ``log`` (optional) receives one line per feature left out for a sliver overlap.
    """
    hits = frame.iloc[np.sort(frame.sindex.query(commune, predicate="intersects"))]
    inside = hits.geometry.intersection(commune).area / _HA
    out = hits.assign(area_ha=hits.geometry.area / _HA, area_in_commune_ha=inside)
    keep = out["area_in_commune_ha"] > MIN_OVERLAP_HA
    for r in out[~keep].itertuples() if log is not None else ():
        code = getattr(r, "code_qp_2015", None) or getattr(r, "code_qp", "?")
        log(f"left out {code} « {r.name} »: {r.area_in_commune_ha:.2f} ha in the commune (≤ {MIN_OVERLAP_HA} ha)")
    return out[keep]


def _frame(rows: list[dict], crs) -> gpd.GeoDataFrame:
    columns = [*_COLUMNS, "area_ha", "area_in_commune_ha", "geometry"]
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(frame["geometry"], crs=crs), crs=crs)


def from_2024_perimeters(perimeters: gpd.GeoDataFrame, insee: str, matches: list[Match]) -> gpd.GeoDataFrame:
    """Layer rows from the 2024 perimeters already selected by :func:`in_commune` (all ``exact``)."""
    code_2015 = {m.code_qp: m.code_qp_2015 for m in matches}
    rows = [
        {
            "code_qp": r.code_qp,
            "code_qp_2015": code_2015.get(r.code_qp),
            "name": r.name,
            "insee_com": insee,
            "generation": "2024",
            "perimeter_status": "exact",
            "area_ha": r.area_ha,
            "area_in_commune_ha": r.area_in_commune_ha,
            "geometry": r.geometry,
        }
        for r in perimeters.itertuples()
    ]
    return _frame(rows, perimeters.crs)


def from_2015_contours(matches: list[Match], contours: gpd.GeoDataFrame | None, insee: str, crs) -> gpd.GeoDataFrame:
    """Layer rows for the 2024 QPV of a commune, each with its matched 2015 contour (or none)."""
    by_code = {} if contours is None else {r.code_qp_2015: r for r in contours.itertuples()}
    rows = []
    for m in matches:
        contour = by_code.get(m.code_qp_2015)
        rows.append(
            {
                "code_qp": m.code_qp,
                "code_qp_2015": m.code_qp_2015,
                "name": m.name_2024,
                "insee_com": insee,
                "generation": "2024",
                "perimeter_status": m.perimeter_status,
                "area_ha": None if contour is None else contour.area_ha,
                "area_in_commune_ha": None if contour is None else contour.area_in_commune_ha,
                "geometry": None if contour is None else contour.geometry,
            }
        )
    return _frame(rows, crs)


def from_2015_only(contours: gpd.GeoDataFrame, insee: str) -> gpd.GeoDataFrame:
    """Layer rows for the 2015 QPV of a commune, when no 2024 list covers it."""
    rows = [
        {
            "code_qp": None,
            "code_qp_2015": r.code_qp_2015,
            "name": r.name,
            "insee_com": insee,
            "generation": "2015",
            "perimeter_status": "contour 2015",
            "area_ha": r.area_ha,
            "area_in_commune_ha": r.area_in_commune_ha,
            "geometry": r.geometry,
        }
        for r in contours.itertuples()
    ]
    return _frame(rows, contours.crs)


# -- build -----------------------------------------------------------------------------------
def build(ctx: BuildContext) -> LayerResult:
    """Build the QPV layer of the territory (see the module docstring for the order of sources)."""
    territory = ctx.territory
    tag = f"{territory.id}/qpv"
    resolved = {source.format: (source, path) for source, path in reversed(ctx.resolve("qpv"))}
    if ctx.commune is None or ctx.commune.empty:
        raise LayerUnavailable("commune non construite : impossible de sélectionner les QPV")
    commune = ctx.commune.geometry.union_all()
    notes: list[str] = []

    contours = None
    if "qpv2015-shp" in resolved:
        source15, path15 = resolved["qpv2015-shp"]
        national = read_qpv2015_shp(path15, source15.options.get("encoding", "cp1252"))
        ctx.log(
            f"{tag}: {source15.id}: {len(national)} QPV 2015, {national.attrs['invalid']} invalid polygon(s) repaired"
        )
        contours = in_commune(national, commune, lambda line: ctx.log(f"{tag}: 2015 {line}"))
        for r in contours.itertuples():
            ctx.log(
                f"{tag}: 2015 {r.code_qp_2015} « {r.name} » ({r.commune_qp}): "
                f"{r.area_ha:.1f} ha, {r.area_in_commune_ha:.1f} ha in the commune"
            )
    pairs_2015 = [] if contours is None else list(zip(contours["code_qp_2015"], contours["name"], strict=True))

    listed = None
    if "qpv2024-list-csv" in resolved:
        source_list, path_list = resolved["qpv2024-list-csv"]
        table = read_qpv2024_list(path_list)
        if territory.departement in set(table["insee_dep"]):
            listed = table[table["insee_com"] == territory.insee].drop_duplicates("code_qp")
        else:
            ctx.log(f"{tag}: {source_list.id} does not cover département {territory.departement}")

    if "qpv2024-zip" in resolved:
        source24, path24 = resolved["qpv2024-zip"]
        perimeters = in_commune(read_qpv2024_zip(path24), commune, lambda line: ctx.log(f"{tag}: 2024 {line}"))
        matches = (
            match_qpv(list(zip(perimeters["code_qp"], perimeters["name"], strict=True)), pairs_2015)
            if pairs_2015
            else []
        )
        frame = from_2024_perimeters(perimeters, territory.insee, matches)
        used = [source24.id] + ([source15.id] if matches else [])
    elif listed is not None:
        matches = match_qpv(list(zip(listed["code_qp"], listed["lib_qp"], strict=True)), pairs_2015)
        frame = from_2015_contours(matches, contours, territory.insee, ctx.commune.crs)
        used = [source_list.id] + ([source15.id] if contours is not None else [])
        notes += _notes_offline(matches, pairs_2015)
    elif contours is not None:
        matches = []
        frame = from_2015_only(contours, territory.insee)
        used = [source15.id]
        notes.append(
            f"liste des QPV 2024 du département {territory.departement} absente du miroir : "
            "QPV de la géographie 2015 (contours 2015-2023), à vérifier avec la géographie 2024"
        )
    else:
        raise LayerUnavailable(
            f"aucune source de QPV lisible pour {territory.name}", [s.url for s in ctx.sources("qpv")]
        )
    if matches:
        ctx.log(f"{tag}: matching rule: {RULE}")
    for m in matches:
        ctx.log(f"{tag}: match {m.code_qp} ← {m.code_qp_2015} score={m.score} rule={m.rule} → {m.perimeter_status}")
    if frame.empty:
        raise LayerUnavailable(
            f"aucun quartier prioritaire à {territory.name} dans les sources déclarées ({', '.join(used)})",
            [s.url for s in ctx.sources("qpv")],
        )
    frame = frame.sort_values(["code_qp", "code_qp_2015"], na_position="last", ignore_index=True)
    return LayerResult(frame, used, notes, {"qpv_matching": [m.as_dict() for m in matches]})


def _notes_offline(matches: list[Match], pairs_2015: list[tuple[str, str]]) -> list[str]:
    """French notes on 2024 QPV drawn with 2015 contours, and on 2015 QPV left out."""
    notes = []
    modified = [m.code_qp for m in matches if m.perimeter_status == "contour 2015, modifié en 2024"]
    missing = [m.code_qp for m in matches if m.perimeter_status == "indisponible"]
    if modified:
        notes.append(
            f"périmètres 2024 absents du miroir : {', '.join(modified)} dessinés avec leur contour 2015, "
            "modifié en 2024 (approximation)"
        )
    if missing:
        notes.append(f"aucun contour disponible pour {', '.join(missing)} (nouveau QPV 2024 ou sans équivalent 2015)")
    taken = {m.code_qp_2015 for m in matches}
    left = [f"{code} {name}" for code, name in pairs_2015 if code not in taken]
    if left:
        notes.append(f"QPV 2015 sans équivalent dans la liste 2024, non retenus : {', '.join(left)}")
    return notes
