"""The folder store: ``<data>/<territory>/<layer>.parquet`` plus one ``manifest.json`` per territory.

The manifest records, for each layer, its status (see :mod:`pipelines.transaction`), rows, bbox,
CRS (the territory's: ``manifest["territory"]["crs"]``, EPSG:2154 unless recorded
otherwise), totals, sha256 of the file, source ids, provenance (``real`` or ``fictional``, publishers,
licences, vintages), the reason when not ok, when it was built and by which pipeline version.

Read side (the dashboard's): :meth:`Store.territories`, :meth:`Store.manifest`,
:meth:`Store.read_layer` (optionally simplified and in EPSG:4326) and :meth:`Store.read_table`.

Write side: :meth:`Store.transaction` (a :class:`~pipelines.store_folder.FolderTransaction`, a
:class:`~pipelines.transaction.StoreTransaction`): the next version of a territory is built beside
the published one and swapped in atomically, under a lock (see :mod:`pipelines.store_folder`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import settings
from .errors import CartopolisError
from .schemas import same_crs
from .store_folder import (  # noqa: F401 - re-exported: the store's file helpers
    DIR_MODE,
    FILE_MODE,
    MANIFEST,
    VERSIONS,
    FolderTransaction,
    atomic_path,
    open_transaction,
    store_error,
    write_json_atomic,
)
from .transaction import STATUSES, StoreTransaction, now_iso  # noqa: F401 - re-exported


class OneShotWrites:
    """Writes of one thing in a transaction of its own, for any backend that has ``transaction``."""

    def write_territory(self, territory: str, info: dict) -> dict:
        """Record the territory's description in its manifest (a transaction of its own)."""
        with self.transaction(territory) as tx:
            tx.write_territory(info)
        return self.manifest(territory)

    def write_layer(self, territory: str, layer: str, frame: gpd.GeoDataFrame, entry: dict) -> dict:
        """Validate, write and record one layer ``ok`` (a transaction of its own); return its entry."""
        with self.transaction(territory) as tx:
            return tx.write_layer(layer, frame, entry)

    def record_status(self, territory: str, layer: str, status: str, entry: dict) -> dict:
        """Record one layer ``unavailable`` or in ``error`` and drop its file (a transaction of its own)."""
        with self.transaction(territory) as tx:
            return tx.record_status(layer, status, entry)

    def record_tables(self, territory: str, tables: dict) -> dict:
        """Record ``manifest["tables"]`` (a transaction of its own); return the manifest."""
        with self.transaction(territory) as tx:
            tx.record_tables(tables)
        return self.manifest(territory)

    def write_table(self, territory: str, name: str, frame: pd.DataFrame) -> Path:
        """Write one non-spatial table (a transaction of its own); return its file (or table) name."""
        with self.transaction(territory) as tx:
            stored = tx.write_table(name, frame)
        return Path(stored)


def finish_read(frame: gpd.GeoDataFrame, crs: str | None, simplify_m: float | None) -> gpd.GeoDataFrame:
    """A layer as read: simplified (``simplify_m`` metres, topology kept) then in ``crs`` (None: as stored)."""
    if simplify_m:
        frame["geometry"] = frame.geometry.simplify(simplify_m, preserve_topology=True)
    if crs and frame.crs is not None and not same_crs(frame.crs, crs):
        frame = frame.to_crs(crs)
    return frame


def check_geotable(folder: str, name: str, frame: gpd.GeoDataFrame, crs: str = settings.CRS_L93) -> None:
    """A national table is in ``crs`` (EPSG:2154 by default; CartopolisError otherwise)."""
    if frame.crs is None or not same_crs(frame.crs, crs):
        raise CartopolisError(f"table `{folder}/{name}`: CRS must be {crs}, not {frame.crs}")


def is_postgres(location: str | Path | None) -> bool:
    """Whether a store location is a PostgreSQL DSN (``postgresql://…`` or ``postgres://…``)."""
    return str(location or "").startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path | None = None):
    """The store at ``location``: a folder (GeoParquet) or a ``postgresql://…`` DSN (PostGIS).

    None reads ``CARTOPOLIS_STORE``, then ``CARTOPOLIS_DATA`` (default ``geodata/layers``); see
    :func:`pipelines.settings.store_location`.
    """
    location = location if location else settings.store_location()
    if is_postgres(location):
        from .store_postgis import PostGISStore

        return PostGISStore(str(location))
    return Store(location)


class Store(OneShotWrites):
    """Read and write the layers of every territory under one root folder."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else settings.data_dir()

    # -- paths -------------------------------------------------------------------------------
    def folder(self, territory: str) -> Path:
        if not territory or "/" in territory or territory.startswith("."):
            raise CartopolisError(f"invalid territory id `{territory}`")
        return self.root / territory

    def layer_path(self, territory: str, layer: str) -> Path:
        return self.folder(territory) / f"{layer}.parquet"

    # -- read side ---------------------------------------------------------------------------
    def territories(self) -> list[str]:
        """Ids of the territories that have a manifest, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{MANIFEST}") if not p.parent.name.startswith("."))

    def manifest(self, territory: str) -> dict:
        """The manifest of ``territory`` (raises CartopolisError when it was never built)."""
        path = self.folder(territory) / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CartopolisError(
                f"territory `{territory}` has no manifest at `{path}`: run "
                f"`python -m pipelines build --territory {territory}`"
            ) from None

    def read_layer(
        self,
        territory: str,
        layer: str,
        *,
        crs: str | None = None,
        simplify_m: float | None = None,
        columns: list[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read a stored layer.

        Parameters
        ----------
        territory, layer : str
        crs : str, optional
            Output CRS (``EPSG:4326`` for the browser); default: as stored (the territory's CRS).
        simplify_m : float, optional
            Douglas-Peucker tolerance in metres, applied in the stored (projected) CRS before
            reprojection (topology preserved).
        columns : list of str, optional
            Attribute columns to read (geometry always included).
        """
        path = self.layer_path(territory, layer)
        if not path.exists():
            raise CartopolisError(f"layer `{layer}` of `{territory}` is not in the store (`{path}`)")
        frame = gpd.read_parquet(path, columns=None if columns is None else [*columns, "geometry"])
        return finish_read(frame, crs, simplify_m)

    def version(self, territory: str) -> str | None:
        """A token that changes at every publication of ``territory`` (None when it was never built)."""
        try:
            return str((self.folder(territory) / MANIFEST).stat().st_mtime_ns)
        except FileNotFoundError:
            return None

    def has_layer(self, territory: str, layer: str) -> bool:
        """Whether the layer's data is in the store."""
        return self.layer_path(territory, layer).exists()

    def has_table(self, territory: str, name: str) -> bool:
        """Whether a non-spatial table is in the store."""
        return (self.folder(territory) / f"{name}.parquet").exists()

    def read_table(self, territory: str, name: str) -> pd.DataFrame:
        """Read a non-spatial table (``indicators``, ``measures``)."""
        path = self.folder(territory) / f"{name}.parquet"
        if not path.exists():
            raise CartopolisError(f"table `{name}` of `{territory}` is not in the store (`{path}`)")
        return pd.read_parquet(path)

    # -- write side --------------------------------------------------------------------------
    def transaction(self, territory: str) -> FolderTransaction:
        """Open the write side of ``territory`` (use it as a context manager: commit at exit).

        Raises
        ------
        StoreError
            When the store folder cannot be written (read-only, full, a file in the way).
        """
        return open_transaction(self, territory)

    def write_geotable(self, folder: str, name: str, frame: gpd.GeoDataFrame, crs: str = settings.CRS_L93) -> Path:
        """Write a spatial table that is not a layer (the national overview) atomically, in ``crs``.

        EPSG:2154 by default; a table spanning overseas France is stored in EPSG:4326 (its
        measures computed beforehand in each territory's own CRS).
        """
        check_geotable(folder, name, frame, crs)
        path = self.folder(folder) / f"{name}.parquet"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(path.parent, DIR_MODE)
            with atomic_path(path) as tmp:
                frame.to_parquet(tmp, index=False, compression="zstd")
        except OSError as exc:
            raise store_error(exc, path.parent, f"write `{path.name}`") from None
        return path

    def geotable_version(self, folder: str, name: str) -> str | None:
        """A token that changes at every :meth:`write_geotable` of the table (None when it is absent)."""
        try:
            return str((self.folder(folder) / f"{name}.parquet").stat().st_mtime_ns)
        except FileNotFoundError:
            return None

    def read_geotable(self, folder: str, name: str, *, crs: str | None = None) -> gpd.GeoDataFrame:
        """Read a table written by :meth:`write_geotable`, in ``crs`` (default: as stored).

        Raises CartopolisError when the table is absent.
        """
        path = self.folder(folder) / f"{name}.parquet"
        if not path.exists():
            raise CartopolisError(f"table `{folder}/{name}` is not in the store (`{path}`): run a build")
        frame = gpd.read_parquet(path)
        return frame if not crs or same_crs(frame.crs, crs) else frame.to_crs(crs)
