"""Grenoble-Alpes Métropole's records published twice: which version of each is counted.

The GAM cycle file publishes 35 ``ogc_fid`` twice, in two versions (e.g. veloamenage 2016 and
chronovelo 2022). The newest version (latest ``annee_maj``, then the later row) is kept whole. An
older version with the same geometry (20 of them) is dropped. An older version whose line was
redrawn (15) keeps only its parts farther than :data:`GAM_REDRAWN_TOL_M` from the newer versions,
without the leftover pieces shorter than :data:`GAM_REDRAWN_MIN_M`: the older drawing may cover
streets no other record does, but where both drawings follow one street it is counted once.
Used by :func:`pipelines.layers.cycle.read_gam`, which reads the file and maps its facilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._common import clip

#: Redrawn GAM records: the parts of an older version within this distance (m) of the newer drawing
#: are the same street. The two drawings of one street lie 0–3 m apart where they agree; a track on the
#: other side of a boulevard lies 9–12 m away (``ogc_fid`` 1905) and stays.
GAM_REDRAWN_TOL_M = 5.0
#: Leftover pieces of an older version shorter than this (m) are dropped: they are the few metres where
#: two drawings of one street diverge at their ends, past the tolerance, not a street of their own.
GAM_REDRAWN_MIN_M = 20.0


@dataclass
class GamVersions:
    """What was done with the records published twice (lengths in metres, EPSG:2154).

    ``identical`` older versions dropped because their geometry equals the newer one; ``redrawn``
    older versions trimmed to the parts the newer drawing does not cover, of which ``redrawn_dropped``
    were covered entirely; ``removed`` the parts taken off the redrawn older versions.
    """

    identical: int = 0
    redrawn: int = 0
    redrawn_dropped: int = 0
    removed: gpd.GeoSeries = field(default_factory=lambda: gpd.GeoSeries([], crs="EPSG:2154"))

    @property
    def removed_m(self) -> float:
        """Length taken off the redrawn older versions, whole file (m)."""
        return float(self.removed.length.sum())


def keep_newest_versions(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.Series, GamVersions]:
    """The GAM rows once each (rule of the module docstring), their ids, and what was done (EPSG:2154 frame).

    Ids are ``gam:<ogc_fid>``, and ``gam:<ogc_fid>/<annee_maj>`` while two versions remain; a file
    without ``ogc_fid`` gets ``gam:<row>`` and is kept as it is.
    """
    versions = GamVersions()
    if "ogc_fid" in frame:
        year = frame["annee_maj"] if "annee_maj" in frame else pd.Series(np.nan, index=frame.index)
        frame = frame.assign(_year=year, _wkb=frame.geometry.to_wkb())
        ranked = frame.loc[frame["_year"].fillna(-1).sort_values(kind="stable").index]  # oldest first
        same = ranked.duplicated(["ogc_fid", "_wkb"], keep="last")
        versions.identical = int(same.sum())
        frame, versions = _trim_redrawn(ranked[~same], versions)
        frame = frame.sort_index()
        ids = "gam:" + frame["ogc_fid"].astype(str)
        twice = frame["ogc_fid"].duplicated(keep=False)
        tags = frame["_year"].map(lambda y: "sans-date" if pd.isna(y) else str(int(y)))
        ids = ids.where(~twice, ids + "/" + tags)
    else:
        ids = "gam:" + pd.Series(frame.index.astype(str), index=frame.index)
    return frame, ids, versions


def _trim_redrawn(ranked: gpd.GeoDataFrame, versions: GamVersions) -> tuple[gpd.GeoDataFrame, GamVersions]:
    """Cut each older version of an ``ogc_fid`` to what its newer versions do not cover (module rule).

    ``ranked`` is sorted oldest first and holds no identical duplicates; rows left empty are dropped.
    """
    geoms = ranked.geometry.copy()
    removed = []
    for _, group in ranked[ranked["ogc_fid"].duplicated(keep=False)].groupby("ogc_fid", sort=False):
        for k, index in enumerate(group.index[:-1]):
            newer = shapely.union_all(group.geometry.iloc[k + 1 :].buffer(GAM_REDRAWN_TOL_M).to_numpy())
            old = geoms[index]
            parts = [p for p in shapely.get_parts(shapely.line_merge(old.difference(newer))) if not p.is_empty]
            kept = shapely.MultiLineString([p for p in parts if p.length >= GAM_REDRAWN_MIN_M])
            # what goes: the covered parts and the slivers (a line-by-line difference would be unstable)
            covered = shapely.get_parts(old.intersection(newer))
            gone = [p for p in covered if p.geom_type == "LineString" and not p.is_empty]
            gone += [p for p in parts if p.length < GAM_REDRAWN_MIN_M]
            removed.append(shapely.MultiLineString(gone))
            geoms[index] = kept
            versions.redrawn += 1
            versions.redrawn_dropped += int(kept.is_empty)
    versions.removed = gpd.GeoSeries(removed, crs=ranked.crs)
    trimmed = ranked.set_geometry(geoms)
    return trimmed[~trimmed.geometry.is_empty], versions


def gam_notes(source_id: str, versions: GamVersions, commune: shapely.Geometry, extra: dict) -> list[str]:
    """French notes on the GAM records published twice; fills ``extra["gam_versions"]`` (counts, km)."""
    if not (versions.identical or versions.redrawn):
        return []
    inside = float(clip(gpd.GeoDataFrame(geometry=versions.removed), commune).length.sum()) if versions.redrawn else 0.0
    extra["gam_versions"] = {
        "identical_dropped": versions.identical,
        "redrawn": versions.redrawn,
        "redrawn_dropped": versions.redrawn_dropped,
        "km_removed": round(versions.removed_m / 1000, 2),
        "km_removed_commune": round(inside / 1000, 2),
        "tolerance_m": GAM_REDRAWN_TOL_M,
        "min_piece_m": GAM_REDRAWN_MIN_M,
    }
    notes = []
    if versions.identical:
        notes.append(
            f"{source_id} : {versions.identical} tronçons publiés deux fois à l'identique, "
            "la version la plus récente est gardée"
        )
    if versions.redrawn:
        notes.append(
            f"{source_id} : {versions.redrawn} tronçons publiés deux fois et redessinés ; la version la plus "
            f"récente est gardée, l'ancienne seulement hors des {GAM_REDRAWN_TOL_M:g} m autour de la nouvelle "
            f"(morceaux de moins de {GAM_REDRAWN_MIN_M:g} m écartés) : {versions.removed_m / 1000:.2f} km "
            f"retirés, dont {inside / 1000:.2f} km dans la commune, {versions.redrawn_dropped} anciennes "
            "versions entièrement retirées"
        )
    return notes
