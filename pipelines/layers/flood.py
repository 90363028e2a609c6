"""Layer ``flood``: floodable surfaces of the Géorisques TRI 2020 (Directive inondation), by scenario.

Reader, by source format:

- ``tri-2020``: a Géorisques département zip (``tri_2020_sig_di_<DD>.zip``), or a folder in the
  same layout. Inside, one folder per TRI (``FR<basin>_TRI_<NAME>/``) holds the layers
  ``n_tri_<name>_inondable_<type>_<scenario>_s_<ddd>.shp``, found by that pattern wherever they
  sit (case-insensitive: the real files are named ``…_01_01for_s_024.shp``). In the name, type
  ``01`` is river overflow, ``02`` runoff, ``03`` marine submersion; scenario ``01For``
  (high probability), ``02Moy`` (medium), ``03Mcc`` (medium with climate change, defined for
  marine submersion), ``04Fai`` (low). The ``.prj`` is ESRI WKT without an EPSG code; pyproj
  identifies it as Lambert-93 (EPSG:2154), and a missing ``.prj`` is an error naming the file.
  Variants seen in public copies are accepted too: a river name before ``_s_``
  (``…_01_01for_<cours d'eau>_s_ddd``) and the national consolidated delivery
  (``n_inondable_01_01for_s.shp``, every TRI in one layer, read with a bounding-box filter).
  Climate-change horizon layers (``01Forcc_ct``, ``03Mcc_ct``, ``04Fai_100``…) have no place in
  the four scenarios of the schema: they are skipped and logged.

Scenario and type come from the file name (the official key of the layer); ``tri_name`` is the
``id_tri`` field of each row (``FRF_TRI_PERI``), else the TRI folder name. Polygons are repaired
(``make_valid``) and clipped to the commune + 500 m. The scenarios absent from the source are
listed in ``LayerResult.extra["scenarios_missing"]`` and in a French note: they are unknown,
not empty.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import FLOOD_SCENARIOS, territory_crs, validate
from ..settings import CRS_L93
from ._archive import Archive, open_archive
from ._common import BuildContext, LayerResult, clip, make_valid, read_vector, require_geometries, to_territory_crs

#: ``n_tri_<name>_inondable_<type>_<scenario>[_<river>]_s_<ddd>.shp`` (département zips) or
#: ``n_inondable_<type>_<scenario>_s.shp`` (national delivery), matched case-insensitively. The
#: scenario group also takes the climate-change suffixes (``cc``, ``_ct``, ``_100``) so that they
#: are recognised, then skipped.
TRI_LAYER = re.compile(
    r"n_(?:tri_(?P<name>.+?)_)?inondable_(?P<type>0[1-3])_(?P<scenario>0[1-4](?:for|moy|mcc|fai)(?:cc)?(?:_ct|_100)?)"
    r"(?:_(?P<river>[a-z0-9]+))?_s(?:_(?P<dep>\w+))?\.shp",
    re.IGNORECASE,
)
#: Scenario code of the file name → scenario of the schema.
SCENARIOS = {"01for": "fort", "02moy": "moyen", "03mcc": "moyen_cc", "04fai": "faible"}
#: Flood type code of the file name → ``flood_type``.
FLOOD_TYPES = {"01": "debordement", "02": "ruissellement", "03": "submersion marine"}
#: French wording of each scenario, for the notes.
SCENARIO_LABELS = {
    "fort": "fort",
    "moyen": "moyen",
    "moyen_cc": "moyen avec changement climatique",
    "faible": "faible",
}
_TRI_FOLDER = re.compile(r"FR[A-Z0-9]*_TRI_[A-Z0-9_]+", re.IGNORECASE)


def read_tri_layer(archive: Archive, member: str, area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Read one TRI shapefile of ``archive`` into the flood schema, in EPSG:2154 (not clipped).

    Returns a frame with columns scenario, tri_name, flood_type and the polygons; only the
    features whose bounding box meets ``area`` (EPSG:2154) are read when it is given.

    Raises
    ------
    SourceFormatError
        When the name is not a TRI floodable-surface layer of the four scenarios, the ``.prj`` is
        missing, or GDAL cannot read the file (messages name the member and its zip or folder).
    """
    where = archive.where(member)
    match = TRI_LAYER.fullmatch(PurePosixPath(member).name)
    if match is None or match["scenario"].lower() not in SCENARIOS:
        raise SourceFormatError(f"`{where}`: not a TRI layer of scenario 01For, 02Moy, 03Mcc or 04Fai")
    if archive.sibling(member, ".prj") is None:
        raise SourceFormatError(f"`{where}`: no .prj next to the shapefile; expected Lambert-93 (EPSG:2154)")
    frame = read_vector(archive.uri(member), where, area=area, what="a TRI shapefile")
    frame = _declare_l93(require_geometries(frame, where))
    fallback = _tri_from_path(member, match["name"] or "inconnu")
    tri = frame["id_tri"].astype("string").fillna(fallback) if "id_tri" in frame else fallback
    out = gpd.GeoDataFrame(
        {
            "scenario": SCENARIOS[match["scenario"].lower()],
            "tri_name": tri,
            "flood_type": FLOOD_TYPES[match["type"]],
        },
        index=frame.index,
        geometry=frame.geometry,
        crs=frame.crs,
    )
    return make_valid(to_territory_crs(out, where))


def _declare_l93(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Name the ESRI WKT "RGF_1993_Lambert_93" as EPSG:2154, so that no reprojection runs."""
    if frame.crs is not None and CRS(frame.crs).to_epsg(min_confidence=70) == 2154:
        return frame.set_crs(CRS_L93, allow_override=True)
    return frame


def _tri_from_path(member: str, short_name: str) -> str:
    """The TRI id from the folder (``FRF_TRI_PERI``), else ``TRI_<NAME>`` from the file name."""
    for part in reversed(PurePosixPath(member).parts[:-1]):
        found = _TRI_FOLDER.search(part)
        if found:
            return found.group(0).upper()
    return f"TRI_{short_name.upper()}"


def tri_layers(path: Path, log=print) -> tuple[Archive, list[str]]:
    """The archive and its floodable-surface layers of the four scenarios (sorted member names).

    Layers of climate-change horizons (``01Forcc_ct``…) are skipped, each named through ``log``.

    Raises
    ------
    SourceFormatError
        When no file matches the TRI pattern (message names the zip or folder).
    """
    archive = open_archive(path)
    members = archive.find(TRI_LAYER)
    kept = [m for m in members if _scenario_code(m) in SCENARIOS]
    for member in sorted(set(members) - set(kept)):
        log(f"{archive.where(member)}: climate-change horizon layer, not one of the four scenarios: skipped")
    if not kept:
        raise SourceFormatError(
            f"`{path}`: no TRI layer found; expected files named "
            "n_tri_<name>_inondable_<01|02|03>_<01For|02Moy|03Mcc|04Fai>_s_<ddd>.shp"
        )
    return archive, kept


def layer_key(member: str) -> tuple[str, str]:
    """(scenario, flood_type) of a TRI layer, from its file name."""
    match = TRI_LAYER.fullmatch(PurePosixPath(member).name)
    return SCENARIOS[match["scenario"].lower()], FLOOD_TYPES[match["type"]]


def _scenario_code(member: str) -> str:
    return TRI_LAYER.fullmatch(PurePosixPath(member).name)["scenario"].lower()


def read_tri(path: Path, area: shapely.Geometry | None = None, log=print) -> gpd.GeoDataFrame:
    """Read every TRI floodable-surface layer of a zip or folder, in EPSG:2154 (not clipped).

    Only the features whose bounding box meets ``area`` (EPSG:2154) are read when it is given.
    """
    archive, members = tri_layers(path, log)
    return _read_layers(archive, members, area)


def _read_layers(archive: Archive, members: list[str], area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    frames = [read_tri_layer(archive, m, area) for m in members]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=territory_crs())


#: The format this module reads.
TRI_FORMAT = "tri-2020"


def scenario_report(layers: list[tuple[str, str]]) -> tuple[dict, list[str]]:
    """The scenarios present and missing among the (scenario, flood_type) layers of the sources, and the note.

    Presence is a property of the source's layers, not of the features near the commune: a
    scenario whose polygons all lie away from the commune is known (and empty there), not missing.
    ``moyen_cc`` (03Mcc) is defined for marine submersion only: its absence is written in the
    note only when the source has marine-submersion layers, but it is always listed as missing.
    """
    present = [s for s in FLOOD_SCENARIOS if s in {scenario for scenario, _ in layers}]
    missing = [s for s in FLOOD_SCENARIOS if s not in present]
    extra = {"scenarios_present": present, "scenarios_missing": missing}
    marine = any(flood_type == "submersion marine" for _, flood_type in layers)
    told = [SCENARIO_LABELS[s] for s in missing if s != "moyen_cc" or marine]
    if not told:
        return extra, []
    names = told[0] if len(told) == 1 else ", ".join(told[:-1]) + " et " + told[-1]
    word = "scénario" if len(told) == 1 else "scénarios"
    verb = "absent" if len(told) == 1 else "absents"
    return extra, [f"{word} {names} {verb} de la source : non disponibles, pas nuls"]


def build(ctx: BuildContext) -> LayerResult:
    """Build the flood layer: every TRI polygon of the declared sources, clipped to the commune + 500 m."""
    area = ctx.area_of_interest
    layers, frames, used = [], [], []
    resolved = ctx.resolve("flood")
    for source, path in resolved:
        if source.format != TRI_FORMAT:
            raise SourceFormatError(
                f"source `{source.id}`: unknown flood format `{source.format}`; known [{TRI_FORMAT}]"
            )
        archive, members = tri_layers(path, ctx.log)
        zones = _read_layers(archive, members, area)
        ctx.log(f"{ctx.territory.id}/flood: {source.id}: {len(members)} layer(s), {len(zones)} polygon(s) near commune")
        layers += [layer_key(m) for m in members]
        frames.append(make_valid(clip(zones, area)))
        used.append(source.id)
    extra, notes = scenario_report(layers)
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=territory_crs())
    extra["tri"] = sorted(set(frame["tri_name"]))
    if frame.empty:
        extracts = [(s, p) for s, p in resolved if s.options.get("mirror_extract") and ctx.from_mirror(p)]
        if extracts:  # the mirror's file is one TRI of the département: it cannot say "no zone" elsewhere
            source = extracts[0][0]
            raise LayerUnavailable(
                f"le miroir ne contient que {source.options['mirror_extract']} pour le département "
                f"{ctx.territory.departement}, qui ne couvre pas {ctx.territory.name} : le fichier départemental "
                "de Géorisques dirait s'il existe des zones inondables ici",
                [source.url],
            )
        notes.append("aucune zone inondable du TRI dans la commune et ses 500 m de contexte")
    return LayerResult(validate("flood", frame), used, notes, extra)
