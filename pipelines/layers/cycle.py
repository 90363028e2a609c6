"""Layer ``cycle``: the cycle network as LineStrings, in one facility vocabulary.

Every source is mapped to :data:`~pipelines.schemas.CYCLE_FACILITIES`; ``protected`` is true for
the physically separated facilities (``piste``, ``voie verte``). ``length_m`` is the length of the
segment in metres after clipping, in EPSG:2154. A street with a facility on both sides is one
segment (centre-line length), whatever the source. Readers, by source format:

``osm-xml`` — OpenStreetMap ways (first rule that applies; ``cycleway*`` means ``cycleway``,
``cycleway:left``, ``cycleway:right`` or ``cycleway:both``):

=================================================================  ======================
OSM tags                                                           facility
=================================================================  ======================
``highway=cycleway``                                               piste
``cycleway*=track`` / ``opposite_track``                           piste
``highway=path|footway`` + ``bicycle=designated``                  voie verte (1)
``cycleway*=lane``                                                 bande
``cycleway*=opposite`` / ``opposite_lane``, or ``oneway=yes`` +    double sens cyclable
``oneway:bicycle=no``
``cycleway*=share_busway`` / ``shared_lane`` /                     partagée
``opposite_share_busway``
``highway=living_street``; ``highway=pedestrian`` + ``bicycle``    zone apaisée (2)
yes/designated/permissive; a road with ``maxspeed`` ≤ 30 or
``zone:maxspeed=FR:30`` and no ``bicycle=no``
=================================================================  ======================

(1) OSM does not tell a true greenway from a path shared with pedestrians; the French tagging
practice for a *voie verte* is exactly ``path`` + ``bicycle=designated``, so we take it.
(2) zone 30, zone de rencontre and aire piétonne are the French *zones de circulation apaisée*.

``bnac-geojson`` — the national base (schema etalab/amenagements-cyclables, GeoJSON or Parquet),
rows whose ``code_com_d`` or ``code_com_g`` is the commune; each side's ``ame_*`` is mapped
(PISTE CYCLABLE and DOUBLE SENS CYCLABLE PISTE → piste, since the track is separated; BANDE
CYCLABLE and CHAUSSEE A VOIE CENTRALE BANALISEE → bande; DOUBLE SENS CYCLABLE [BANDE] → double
sens cyclable; VOIE VERTE → voie verte; COULOIR BUS+VELO and AMENAGEMENT MIXTE PIETON VELO → partagée;
VELO RUE → zone apaisée; RAMPE, GOULOTTE, ACCOTEMENT REVETU → non aménagée; AUCUN/AUTRE → zone
apaisée when ``regime_*`` is ZONE 30, ZONE DE RENCONTRE or AIRE PIETONNE, else nothing) and the
better side (protected first) is kept; ``statut_*`` EN TRAVAUX / EN PROJET → projet, else existant.

``gam-pistes-cyclables`` — Grenoble-Alpes Métropole, field ``type``: chronovelo → piste (the
Chronovélo axes are wide separated tracks); voieverte → voie verte; veloamenage → bande (the
field mixes tracks and lanes: the unprotected reading avoids overstating protection);
velononamenage, velodifficile and empty → non aménagée. Status existant. The file publishes 35
``ogc_fid`` twice (see :func:`read_gam`): when both versions have the same geometry (20) only the
latest ``annee_maj`` is kept; when the line was redrawn (15) the newest version (``annee_maj``, then
file order) is kept whole and the older one only where it lies farther than
:data:`GAM_REDRAWN_TOL_M` (5 m) from the newer drawing — the same street drawn twice is counted
once — dropping leftover pieces shorter than :data:`GAM_REDRAWN_MIN_M` (20 m), which are the ends
where two drawings of one street drift apart, not a street of their own.

``smmag-schema-directeur`` — SMMAG master plan, every route ``status = projet`` (the file does not
say which parts exist): ``legende_sdic`` Niveau 1 Chronovélo → piste, Niveau 1 Véloroutes → voie
verte, levels 2 and 3 → non aménagée (the plan sets a route, not its facility).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import CYCLE_FACILITIES, validate
from ._common import BuildContext, LayerResult, clip, to_territory_crs
from ._gam_versions import (  # noqa: F401 - GAM_* and GamVersions re-exported
    GAM_REDRAWN_MIN_M,
    GAM_REDRAWN_TOL_M,
    GamVersions,
    gam_notes,
    keep_newest_versions,
)
from ._osm_xml import CleaningReport, osm_ids, read_osm_features, record_cleaning, tag

COLUMNS = ["segment_id", "facility", "protected", "length_m", "status", "name"]
PROTECTED = frozenset({"piste", "voie verte"})
#: Facilities from the best to the least for a cyclist; picks one when a street has two sides.
_RANK = {
    f: i for i, f in enumerate(("piste", "voie verte", "bande", "double sens cyclable", "partagée", "zone apaisée"))
}
_RANK["non aménagée"] = len(_RANK)

_CYCLEWAY_KEYS = ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
_ROADS = frozenset(
    "primary secondary tertiary unclassified residential service road living_street pedestrian "
    "primary_link secondary_link tertiary_link".split()
)

GAM_FACILITIES = {
    "chronovelo": "piste",
    "voieverte": "voie verte",
    "veloamenage": "bande",
    "velononamenage": "non aménagée",
    "velodifficile": "non aménagée",
}
BNAC_FACILITIES = {
    "PISTE CYCLABLE": "piste",
    "DOUBLE SENS CYCLABLE PISTE": "piste",
    "BANDE CYCLABLE": "bande",
    "CHAUSSEE A VOIE CENTRALE BANALISEE": "bande",
    "DOUBLE SENS CYCLABLE BANDE": "double sens cyclable",
    "DOUBLE SENS CYCLABLE": "double sens cyclable",
    "DOUBLE SENS CYCLABLE NON MATERIALISE": "double sens cyclable",
    "VOIE VERTE": "voie verte",
    "COULOIR BUS+VELO": "partagée",
    "AMENAGEMENT MIXTE PIETON VELO HORS VOIE VERTE": "partagée",
    "AMENAGEMENT MIXTES PIETON VELO HORS VOIE VERTE": "partagée",  # spelling of the schema's ame_g enum
    "VELO RUE": "zone apaisée",
    "RAMPE": "non aménagée",
    "GOULOTTE": "non aménagée",
    "ACCOTEMENT REVETU HORS CVCB": "non aménagée",
    "ACCOTEMENT REVENTU HORS CVCB": "non aménagée",  # idem
}
BNAC_CALM_REGIMES = frozenset({"ZONE 30", "ZONE DE RENCONTRE", "AIRE PIETONNE"})
BNAC_PROJECT_STATUSES = frozenset({"EN TRAVAUX", "EN PROJET"})


def _segments(frame: gpd.GeoDataFrame, ids, facility, status, name=None, where: str | Path = "") -> gpd.GeoDataFrame:
    """Assemble a cycle frame in EPSG:2154 (lengths are filled by :func:`finish`)."""
    facility = pd.Series(np.asarray(facility, dtype=object))
    bad = sorted(set(facility.dropna()) - set(CYCLE_FACILITIES))
    if bad:  # pragma: no cover - a mapping table error, not a data error
        raise ValueError(f"facilities {bad} are not in CYCLE_FACILITIES")
    out = gpd.GeoDataFrame(
        {
            "segment_id": list(ids),
            "facility": facility.to_numpy(),
            "protected": facility.isin(PROTECTED).to_numpy(),
            "length_m": np.nan,
            "status": status,
            "name": pd.Series(
                [None] * len(frame) if name is None else [None if pd.isna(v) else v for v in name], dtype=object
            ),
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    return to_territory_crs(out, where)


def finish(frame: gpd.GeoDataFrame, area=None) -> gpd.GeoDataFrame:
    """Clip to ``area`` (if given), split multi-lines into LineStrings and measure them (m).

    A segment split in k parts gets the ids ``<id>#1`` … ``<id>#k``.
    """
    if area is not None:
        frame = clip(frame, area)
    frame = frame[frame.geom_type.isin(["LineString", "MultiLineString"])]
    parts = frame.explode(index_parts=True)
    parts = parts[~parts.geometry.is_empty & (parts.geometry.length > 0)]
    counts = parts.groupby(level=0)["segment_id"].transform("size")
    rank = parts.groupby(level=0).cumcount() + 1
    parts["segment_id"] = np.where(counts > 1, parts["segment_id"] + "#" + rank.astype(str), parts["segment_id"])
    parts["length_m"] = parts.geometry.length
    return parts.reset_index(drop=True)


def osm_facilities(features: gpd.GeoDataFrame) -> pd.Series:
    """The facility of each OSM element (None when it is not cycle infrastructure), by the module table."""
    t = {k: tag(features, k) for k in ("highway", "bicycle", "oneway", "oneway:bicycle", "maxspeed", "zone:maxspeed")}
    sides = pd.concat([tag(features, k) for k in _CYCLEWAY_KEYS], axis=1)

    def side(*values: str) -> pd.Series:
        return sides.isin(values).any(axis=1)

    speed = pd.to_numeric(t["maxspeed"], errors="coerce")
    calm_road = (
        t["highway"].isin(_ROADS)
        & (t["bicycle"] != "no")
        & ((speed <= 30) | t["zone:maxspeed"].isin(["FR:30", "FR:zone30"]))
    )
    rules = [
        (t["highway"] == "cycleway", "piste"),
        (side("track", "opposite_track"), "piste"),
        (t["highway"].isin(["path", "footway"]) & (t["bicycle"] == "designated"), "voie verte"),
        (side("lane"), "bande"),
        (
            side("opposite", "opposite_lane") | ((t["oneway"] == "yes") & (t["oneway:bicycle"] == "no")),
            "double sens cyclable",
        ),
        (side("share_busway", "shared_lane", "opposite_share_busway"), "partagée"),
        (t["highway"] == "living_street", "zone apaisée"),
        ((t["highway"] == "pedestrian") & t["bicycle"].isin(["yes", "designated", "permissive"]), "zone apaisée"),
        (calm_road, "zone apaisée"),
    ]
    values = np.select([c.to_numpy(dtype=bool) for c, _ in rules], [f for _, f in rules], default="")
    return pd.Series(values, index=features.index, dtype=object).replace("", None)


def read_osm_cycle(path: Path) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    """Cycle segments of an OSM XML file (ways only, existant), unclipped, with the cleaning report."""
    features, report = read_osm_features(path)
    facility = osm_facilities(features)
    keep = (facility.notna() & features.geom_type.isin(["LineString", "MultiLineString"])).to_numpy()
    ways = features[keep]
    frame = _segments(ways, osm_ids(ways), facility[keep], "existant", tag(ways, "name"), path)
    return finish(frame), report


def read_gam(path: Path) -> tuple[gpd.GeoDataFrame, GamVersions]:
    """Grenoble-Alpes Métropole cycle network (field ``type``), unclipped, EPSG:2154.

    The published file holds 35 ``ogc_fid`` twice, in two versions (e.g. veloamenage 2016 and
    chronovelo 2022). The newest version (latest ``annee_maj``, then the later row) is kept whole.
    An older version with the same geometry (20 of them) is dropped. An older version whose line was
    redrawn (15) keeps only its parts farther than :data:`GAM_REDRAWN_TOL_M` from the newer versions,
    without the leftover pieces shorter than :data:`GAM_REDRAWN_MIN_M`: the older drawing may cover
    streets no other record does, but where both drawings follow one street it is counted once.
    Ids are ``gam:<ogc_fid>``, and ``gam:<ogc_fid>/<annee_maj>`` while two versions remain.

    Returns
    -------
    frame, versions
        The segments, and the counts and removed parts (:class:`GamVersions`).
    """
    frame = to_territory_crs(_read_vector(path, ["type"]), path)  # trimming needs metres
    kind = frame["type"].fillna("").str.strip().str.lower()
    unknown = sorted(set(kind) - set(GAM_FACILITIES) - {""})
    if unknown:
        raise SourceFormatError(f"`{path}`: unknown GAM `type` value(s) {unknown}; known {sorted(GAM_FACILITIES)}")
    frame = frame.assign(type=kind)
    frame, ids, versions = keep_newest_versions(frame)
    facility = frame["type"].map(GAM_FACILITIES).fillna("non aménagée")
    return finish(_segments(frame, ids, facility, "existant", where=path)), versions


def read_smmag(path: Path) -> gpd.GeoDataFrame:
    """SMMAG cycle master plan (field ``legende_sdic``), every route ``projet``, unclipped, EPSG:2154."""
    frame = _read_vector(path, ["legende_sdic"])
    level = frame["legende_sdic"].fillna("")
    facility = np.select(
        [level.str.contains("Chronov", case=False), level.str.contains("Véloroute|Veloroute", case=False)],
        ["piste", "voie verte"],
        default="non aménagée",
    )
    ids = "smmag:" + (frame["fid"].astype(str) if "fid" in frame else pd.Series(frame.index.astype(str)))
    name = frame["nom"].where(frame["nom"].notna(), None) if "nom" in frame else None
    return finish(_segments(frame, ids, facility, "projet", name, path))


def read_bnac(path: Path, insee: str) -> gpd.GeoDataFrame:
    """Cycle facilities of commune ``insee`` in a BNAC file (GeoJSON or Parquet), unclipped, EPSG:2154."""
    # the national file is several hundred MB: let OGR / Arrow drop the other communes while reading
    subset = {
        "where": f"code_com_d = '{insee}' OR code_com_g = '{insee}'",
        "filters": [[("code_com_d", "=", insee)], [("code_com_g", "=", insee)]],
    }
    frame = _read_vector(path, ["code_com_d", "code_com_g", "ame_d", "ame_g"], subset)
    frame = frame[(frame["code_com_d"].astype(str) == insee) | (frame["code_com_g"].astype(str) == insee)]
    best = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    status = pd.Series("existant", index=frame.index, dtype=object)
    for suffix in ("d", "g"):
        side = _bnac_side(frame, suffix)
        better = side.notna() & (best.isna() | (side.map(_RANK) < best.map(_RANK)))
        best[better] = side[better]
        statut = frame.get(f"statut_{suffix}", pd.Series(index=frame.index, dtype=object))
        status[better] = np.where(statut[better].isin(BNAC_PROJECT_STATUSES), "projet", "existant")
    keep = best.notna().to_numpy()
    frame, best, status = frame[keep], best[keep], status[keep]
    if "id_local" in frame:
        ids = "bnac:" + frame["id_local"].astype(str)
    else:
        ids = "bnac:" + pd.Series(frame.index.astype(str), index=frame.index)
    return finish(_segments(frame, ids, best, status.to_numpy(), where=path))


def _bnac_side(frame: gpd.GeoDataFrame, suffix: str) -> pd.Series:
    """Facility of one side (``d`` right, ``g`` left) of BNAC rows, None where there is none."""
    ame = frame[f"ame_{suffix}"].fillna("").str.strip().str.upper()
    facility = ame.map(BNAC_FACILITIES)
    regime = frame.get(f"regime_{suffix}", pd.Series(index=frame.index, dtype=object)).fillna("").str.upper()
    calm = facility.isna() & regime.isin(BNAC_CALM_REGIMES)
    return facility.where(~calm, "zone apaisée").astype(object).where(facility.notna() | calm, None)


def _read_vector(path: Path, required: list[str], subset: dict | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON/GPKG/Parquet file and check its columns; errors name the file.

    ``subset`` optionally filters rows while reading: ``{"where": OGR SQL, "filters": Arrow DNF}``.
    """
    subset = subset or {}
    try:
        if Path(path).suffix == ".parquet":
            frame = gpd.read_parquet(path, filters=subset.get("filters"))
        else:
            frame = gpd.read_file(path, where=subset.get("where"))
    except Exception as exc:  # noqa: BLE001 - pyogrio/arrow errors carry no file name
        raise SourceFormatError(f"`{path}`: cannot read as a vector file ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"`{path}`: column(s) {missing} missing; columns are {list(frame.columns)}")
    return frame[frame.geometry.notna()]


def km_by_facility(frame: gpd.GeoDataFrame) -> dict[str, float]:
    """Kilometres per (status, facility), rounded to 0.01 km, e.g. ``{"existant": {"piste": 1.2}}``."""
    grouped = frame.groupby(["status", "facility"])["length_m"].sum() / 1000
    out: dict = {}
    for (status, facility), km in grouped.items():
        out.setdefault(status, {})[facility] = round(float(km), 2)
    return out


def build(ctx: BuildContext) -> LayerResult:
    """Build the cycle layer from every declared source that resolves, clipped to the commune + 500 m."""
    resolved = ctx.resolve("cycle")
    parts, used, notes, extra = [], [], [], {}
    for source, path in resolved:
        if source.format == "osm-xml":
            frame, report = read_osm_cycle(path)
            record_cleaning(ctx, "cycle", source.id, report, notes, extra)
        elif source.format == "bnac-geojson":
            frame = read_bnac(path, ctx.territory.insee)
        elif source.format == "gam-pistes-cyclables":
            frame, versions = read_gam(path)
            notes.extend(gam_notes(source.id, versions, ctx.commune.geometry.union_all(), extra))
        elif source.format == "smmag-schema-directeur":
            frame = read_smmag(path)
            notes.append(
                "schéma directeur SMMAG : tous les itinéraires comptés « projet » "
                "(la source ne dit pas lesquels existent)"
            )
        else:
            raise SourceFormatError(f"source `{source.id}`: format `{source.format}` is not a cycle format")
        parts.append(frame)
        used.append(source.id)
    if note := ctx.unused_sources_note("cycle", used):
        notes.append(note)
    frame = finish(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs), ctx.area_of_interest)
    if frame.empty:
        raise LayerUnavailable(f"aucun aménagement cyclable dans les sources pour {ctx.territory.name}", [])
    frame = validate("cycle", frame[[*COLUMNS, "geometry"]])
    extra["km_by_facility"] = km_by_facility(frame)
    ctx.log(f"{ctx.territory.id}/cycle: km par aménagement {extra['km_by_facility']}")
    return LayerResult(frame, used, notes, extra)
