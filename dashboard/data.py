"""The dashboard's read side: the store, the programmes, and caches keyed by file versions.

Everything the browser receives goes through here. Layers are read once per version of their
file (the manifest's sha256 is part of every cache key, so a rebuild while the server runs is
picked up at the next request) and turned into GeoJSON text per zoom band by
:mod:`dashboard.maps`. Nothing is pickled: caches hold frames and strings in memory only.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipelines import measures as measures_model
from pipelines import settings
from pipelines.errors import CartopolisError
from pipelines.store import Store, open_store
from pipelines.transaction import SERVED_STATUSES

from . import maps, security

log = logging.getLogger(__name__)


class Data:
    """Cached access to one store and to the programme files.

    Parameters
    ----------
    store : Store
        The layer store to read (``CARTOPOLIS_DATA`` or ``geodata/layers`` by default).
    programmes_dir : Path, optional
        Folder of the programme YAMLs (default ``geodata/programmes``).
    """

    def __init__(self, store: Store | None = None, programmes_dir: Path | None = None):
        self.store = store if store is not None else open_store()
        self.programmes_dir = Path(programmes_dir) if programmes_dir else settings.PROGRAMMES_DIR
        self._lock = threading.Lock()
        self._manifests: dict[str, tuple[int, dict]] = {}
        self._programmes: tuple[tuple, measures_model.ProgrammeFiles] | None = None
        self._memo: dict = {}
        # Bound per instance so two apps on two stores never share entries.
        self._frame = functools.lru_cache(maxsize=64)(self._read_frame)
        self._geojson = functools.lru_cache(maxsize=256)(self._build_geojson)
        self._table = functools.lru_cache(maxsize=64)(self._read_table)
        self._target = functools.lru_cache(maxsize=128)(self._build_target)

    # -- territories and manifests --------------------------------------------------------------
    def territory_ids(self) -> list[str]:
        """Ids of the built territories, sorted."""
        return self.store.territories()

    def manifest(self, territory: str) -> dict:
        """The territory's manifest, re-read only when the store published a new version."""
        mtime = self.store.version(territory)
        if mtime is None:
            raise CartopolisError(f"territoire inconnu : `{territory}`")
        cached = self._manifests.get(territory)
        if cached is None or cached[0] != mtime:
            # Reasons and notes may quote a file: no absolute path reaches the page or the API.
            manifest = security.redact_paths(self.store.manifest(territory), self.store.root)
            cached = (mtime, manifest)
            self._manifests[territory] = cached
        return cached[1]

    def territory_crs(self, territory: str) -> str:
        """The CRS the territory's layers are stored in (from its cached manifest; EPSG:2154 by default)."""
        return (self.manifest(territory).get("territory") or {}).get("crs") or settings.CRS_L93

    def territories(self) -> list[dict]:
        """One dict per built territory: id, name, insee, departement, fictional, programmes."""
        out = []
        for tid in self.territory_ids():
            info = dict(self.manifest(tid).get("territory") or {})
            info.setdefault("id", tid)
            info.setdefault("name", tid)
            info["fictional"] = bool(info.get("fictional"))
            out.append(info)
        return out

    def resolve(self, key: str | None) -> str | None:
        """Territory id for an id or an INSEE code; None when unknown."""
        if not key:
            return None
        key = str(key).strip()
        ids = self.territory_ids()
        if key in ids:
            return key
        for info in self.territories():
            if str(info.get("insee")) == key:
                return info["id"]
        return None

    def layer_entry(self, territory: str, layer: str) -> dict | None:
        """The manifest entry of a layer (None when the layer was never recorded)."""
        return (self.manifest(territory).get("layers") or {}).get(layer)

    def layer_ok(self, territory: str, layer: str) -> bool:
        entry = self.layer_entry(territory, layer)
        served = bool(entry) and entry.get("status") in SERVED_STATUSES  # stale: the last good version
        return served and self.store.has_layer(territory, layer)

    def _version(self, territory: str, layer: str) -> str:
        entry = self.layer_entry(territory, layer) or {}
        return str(entry.get("sha256") or entry.get("built_at") or "")

    # -- layers ---------------------------------------------------------------------------------
    def _read_frame(self, territory: str, layer: str, version: str) -> gpd.GeoDataFrame:
        return self.store.read_layer(territory, layer)

    def frame(self, territory: str, layer: str) -> gpd.GeoDataFrame | None:
        """The layer in EPSG:2154 (cached per file version), or None when it is not ``ok``."""
        if not self.layer_ok(territory, layer):
            return None
        return self._frame(territory, layer, self._version(territory, layer))

    def _build_geojson(self, territory: str, layer: str, band: int, version: str) -> str:
        frame = self._frame(territory, layer, version)
        return maps.layer_geojson(layer, frame, band)

    def geojson(self, territory: str, layer: str, band: int = 0) -> str | None:
        """Styled, simplified GeoJSON text of a layer for the map (EPSG:4326, 6 decimals)."""
        if not self.layer_ok(territory, layer):
            return None
        band = maps.clamp_band(band)
        return self._geojson(territory, layer, band, self._version(territory, layer))

    def stamp(self, territory: str) -> tuple:
        """Version of everything stored for a territory (layers, tables and manifest are published together)."""
        return (self.store.version(territory),)

    def memo(self, key: tuple, territory: str, build):
        """``build()`` cached under ``key`` until the territory's files change (bounded, in memory)."""
        return self._remember((key, territory, self.stamp(territory)), build)

    def memo_built(self, key: tuple, build):
        """``build()`` cached under ``key`` until a territory is built, rebuilt or removed."""
        versions = tuple((tid, self.store.version(tid)) for tid in self.territory_ids())
        return self._remember((key, "_built", versions), build)

    def national_memo(self, key: tuple, name: str, build):
        """``build()`` cached under ``key`` until the national table ``name`` changes; None when it is absent."""
        version = self.store.geotable_version("_national", name)
        if version is None:
            return None
        return self._remember((key, "_national", name, version), build)

    def _remember(self, full: tuple, build):
        if full not in self._memo:
            if len(self._memo) > 512:  # bounded: versions that no longer exist go with the rest
                self._memo.clear()
            self._memo[full] = build()
        return self._memo[full]

    # -- tables ---------------------------------------------------------------------------------
    def _read_table(self, territory: str, name: str, version: str) -> pd.DataFrame:
        return self.store.read_table(territory, name)

    def table(self, territory: str, name: str) -> pd.DataFrame | None:
        """A non-spatial table of the store (``indicators``, ``measures``, ``measures_qpv``) or None."""
        version = self.store.version(territory)
        if version is None or not self.store.has_table(territory, name):
            return None
        try:
            return self._table(territory, name, version)
        except Exception as exc:  # noqa: BLE001 - a broken table must not break the page
            log.warning("cannot read %s/%s: %s", territory, name, exc)
            return None

    # -- programmes -----------------------------------------------------------------------------
    def _programme_files(self) -> measures_model.ProgrammeFiles:
        """The programmes that load and the files left out; re-read when a YAML file changes."""
        folder = self.programmes_dir
        try:
            stamp = tuple(
                sorted((p.name, s.st_mtime_ns, s.st_size) for p in folder.glob("*.y*ml") for s in (p.stat(),))
            )
        except OSError:
            stamp = ()
        with self._lock:
            if self._programmes is None or self._programmes[0] != stamp:
                loaded = measures_model.read_programmes(folder)
                for name, reason in loaded.failures.items():  # logged once per change of the files
                    log.error("programme file %s left out: %s", name, reason)
                self._programmes = (stamp, loaded)
            return self._programmes[1]

    def programmes(self) -> dict[str, measures_model.Programme]:
        """Every programme that loads, keyed by id (a bad file is left out, the others stay)."""
        return self._programme_files().programmes

    def programme_failures(self) -> dict[str, str]:
        """Programme files left out of the app: file name → why (shown in a French notice)."""
        return self._programme_files().failures

    def programme(self, programme_id: str | None) -> measures_model.Programme | None:
        return self.programmes().get(programme_id) if programme_id else None

    def programmes_for(self, territory: str) -> list[measures_model.Programme]:
        """Programmes (with measures) that apply to ``territory``, in load order."""
        return [p for p in self.programmes().values() if territory in p.territories and p.measures]

    # -- measure targets ------------------------------------------------------------------------
    def _build_target(self, territory: str, layer: str, select: str, scope: str, buffer_m: float, version: str) -> str:
        frame = self._frame(territory, layer, version)
        qpv = self.frame(territory, "qpv")
        commune = self.frame(territory, "commune")
        selected = maps.target_frame(layer, frame, select, scope, buffer_m or None, qpv=qpv, commune=commune)
        return maps.layer_geojson("target", selected, 1)

    def target_geojson(self, territory: str, target: measures_model.Target) -> str | None:
        """GeoJSON of what a measure's target selects (None when its layer is not available)."""
        if not self.layer_ok(territory, target.layer):
            return None
        version = self._version(territory, target.layer) + self._version(territory, "qpv")
        return self._target(territory, target.layer, target.select, target.scope, target.buffer_m or 0.0, version)

    # -- national overview ----------------------------------------------------------------------
    def _national(self, name: str) -> gpd.GeoDataFrame | None:
        """A table of the national overview (built into the store by ``build --territory all``)."""
        try:
            return self.store.read_geotable("_national", name, crs=settings.CRS_WGS84)
        except CartopolisError as exc:  # only some territories were built: the overview degrades
            log.warning("national overview: %s", exc)
            return None

    @functools.cached_property
    def national_outline(self) -> str | None:
        """Département outlines for the national map, as GeoJSON (None when not built)."""
        outlines = self._national("departements")
        if outlines is None:
            return None
        outlines = outlines.set_geometry(maps.round_coordinates(outlines.geometry.values, 3))
        properties = pd.DataFrame({"_k": "departement", "_t": "Département " + outlines["departement"]})
        return maps.feature_collection(outlines, properties)

    def national_points(self) -> pd.DataFrame:
        """Points of the national overview: one row per programme town and per collective.

        Columns: kind (``programme`` / ``collectif``), name, commune, insee, detail, lon, lat
        (None when the commune is unknown).
        """
        columns = ["kind", "name", "commune", "insee", "detail", "lon", "lat"]
        places = self._national("places")
        if places is None:
            return pd.DataFrame(columns=columns)
        located = places.geometry.notna()
        table = pd.DataFrame(places.drop(columns="geometry"))
        table["lon"] = places.geometry.x.where(located).round(6)
        table["lat"] = places.geometry.y.where(located).round(6)
        return table[columns]
