"""Which communes a national build covers, counted from the national files.

- ``--all-qpv``: every commune hosting a QPV of the 2015 or of the 2024 generation. The 2024
  ones are listed by the ANCT national file (``anct.qpv2024.communes``: one row per commune, its
  2024 codes comma-joined); the 2015 ones are the communes that a 2015 perimeter
  (``anct.qpv2015.perimetres``) overlaps by more than the QPV layer's
  :data:`~pipelines.layers.qpv.MIN_OVERLAP_HA` (the 2015 file names communes, not codes). Overlaps
  are measured in each département's own CRS (Lambert-93, or the local UTM overseas).
- ``--departement DD``: every commune of the département.

A territory whose :func:`build_fingerprint` equals the one its published manifest records is
skipped (:func:`is_current`): a rerun, or a resume after a crash or Ctrl-C, builds only what changed
or was never published.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from . import __version__
from .catalog import Catalog, Source, Territory
from .communes import all_communes
from .errors import CartopolisError, UsageError
from .fetch import fetch, locate
from .layers._common import source_files
from .layers._qpv_read import read_qpv2015_shp, read_qpv2024_communes
from .layers.qpv import MIN_OVERLAP_HA
from .schemas import crs_for_departement, use_crs
from .settings import CRS_WGS84, PROGRAMMES_DIR
from .store import Store

QPV2015_SOURCE = "anct.qpv2015.perimetres"
QPV2024_COMMUNES_SOURCE = "anct.qpv2024.communes"
PLAN_COLUMNS = ["insee", "name", "departement", "population", "qpv_2015", "qpv_2024"]


def qpv2015_communes(qpv: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """(insee, code_qp_2015, area_in_commune_ha) of every 2015 QPV × commune overlap above MIN_OVERLAP_HA.

    ``qpv`` and ``communes`` in EPSG:4326; each CRS group of départements is measured in its CRS.
    """
    crs_of = communes["departement"].astype(str).map(crs_for_departement)
    parts = []
    for crs, group in communes.groupby(crs_of):
        local = group[["insee", "geometry"]].to_crs(crs)
        zones = qpv[["code_qp_2015", "geometry"]].to_crs(crs)
        zones = zones[zones.intersects(shapely.box(*local.total_bounds))]
        pairs = gpd.sjoin(zones, local, predicate="intersects")
        if pairs.empty:
            continue
        outlines = shapely.make_valid(local.geometry.loc[pairs["index_right"]].to_numpy())
        inside = shapely.intersection(pairs.geometry.to_numpy(), outlines)
        pairs = pairs.assign(area_in_commune_ha=shapely.area(inside) / 1e4)
        parts.append(
            pairs.loc[pairs["area_in_commune_ha"] > MIN_OVERLAP_HA, ["insee", "code_qp_2015", "area_in_commune_ha"]]
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["insee", "code_qp_2015"])


def national_qpv_files(catalog: Catalog, *, offline: bool = True, mirror: Path | None = None):
    """The 2015 perimeters (EPSG:4326, repaired) and the 2024 (commune, QPV) pairs."""
    path15 = fetch(catalog.source(QPV2015_SOURCE), offline=offline, mirror=mirror)
    with use_crs(CRS_WGS84):
        qpv15 = read_qpv2015_shp(path15, catalog.source(QPV2015_SOURCE).options.get("encoding", "cp1252"))
    pairs24 = read_qpv2024_communes(fetch(catalog.source(QPV2024_COMMUNES_SOURCE), offline=offline, mirror=mirror))
    return qpv15, pairs24


def qpv_communes(catalog: Catalog, *, offline: bool = True, mirror: Path | None = None) -> pd.DataFrame:
    """Every commune hosting a 2015 or 2024 QPV (:data:`PLAN_COLUMNS`; QPV codes as sorted lists), by INSEE code."""
    communes = all_communes(offline)
    communes = communes[communes.geometry.notna()]
    qpv15, pairs24 = national_qpv_files(catalog, offline=offline, mirror=mirror)
    overlaps = qpv2015_communes(qpv15, communes)
    codes15 = overlaps.groupby("insee")["code_qp_2015"].agg(sorted)
    codes24 = pairs24.groupby("insee_com")["code_qp"].agg(sorted)
    table = pd.DataFrame(communes.drop(columns="geometry")).set_index("insee", drop=False)
    hosts = sorted(set(codes15.index) | (set(codes24.index) & set(table.index)))
    plan = table.loc[hosts, ["insee", "name", "departement", "population"]].copy()
    plan["qpv_2015"] = [codes15.get(code, []) for code in hosts]
    plan["qpv_2024"] = [codes24.get(code, []) for code in hosts]
    return plan.reset_index(drop=True)[PLAN_COLUMNS]


def departement_communes(departement: str, *, offline: bool = True) -> pd.DataFrame:
    """Every commune of ``departement`` (insee, name, departement, population); UsageError when none."""
    communes = pd.DataFrame(all_communes(offline).drop(columns="geometry"))
    code = str(departement).strip().upper().zfill(2)
    rows = communes[communes["departement"].astype(str) == code]
    if rows.empty:
        known = ", ".join(sorted(communes["departement"].astype(str).unique())[:12])
        raise UsageError(f"no commune in département `{departement}`; départements are coded {known}…")
    return rows[["insee", "name", "departement", "population"]].sort_values("insee", ignore_index=True)


# -- what a rebuild can skip ------------------------------------------------------------------
def _source_state(source: Source, mirror: Path | None) -> list:
    """How a source stands without reading it: where it resolves and its declared sha256 (else size, mtime)."""
    found = locate(source, mirror=mirror)
    if found.origin == "missing":
        return [source.id, "missing", source.url]
    if source.sha256 and found.origin == "mirror":
        return [source.id, "mirror", source.sha256]
    files = source_files(found.path)  # a shapefile with its .dbf, .prj…: a changed member is a changed source
    return [source.id, found.origin, [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]]


def build_fingerprint(territory: Territory, catalog: Catalog, *, offline: bool, mirror: Path | None) -> str:
    """A sha256 of everything a build of ``territory`` depends on: pipeline version, the territory's
    sources per layer and how each resolves (declared sha256, or size and mtime), offline mode and
    its programmes' files. Equal fingerprints: the rebuild would give the same layers."""
    state = {
        "pipeline": __version__,
        "territory": [territory.id, territory.insee, territory.crs, territory.fictional],
        "layers": {layer: list(ids) for layer, ids in territory.layers.items()},
        "sources": [_source_state(catalog.source(s), mirror) for ids in territory.layers.values() for s in ids],
        "offline": offline,
        "programmes": [
            [p, (PROGRAMMES_DIR / f"{p}.yaml").stat().st_size, (PROGRAMMES_DIR / f"{p}.yaml").stat().st_mtime_ns]
            for p in territory.programmes
            if (PROGRAMMES_DIR / f"{p}.yaml").exists()
        ],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def is_current(store: Store, territory: Territory, fingerprint: str) -> bool:
    """Whether the store's published build of ``territory`` has this fingerprint and nothing failed in it
    (a layer in ``error`` or ``stale``, or failed indicators, is built again)."""
    try:
        manifest = store.manifest(territory.id)
    except CartopolisError:
        return False
    failed = any(entry.get("status") in ("error", "stale") for entry in manifest.get("layers", {}).values())
    failed |= (manifest.get("tables") or {}).get("indicators", {}).get("status") == "error"
    return manifest.get("territory", {}).get("fingerprint") == fingerprint and not failed
