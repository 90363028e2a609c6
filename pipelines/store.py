"""The folder store: ``<data>/<territory>/<layer>.parquet`` plus one ``manifest.json`` per territory.

The manifest records, for each layer, its status (see :mod:`pipelines.transaction`), rows, bbox,
CRS (the territory's: ``manifest["territory"]["crs"]``, EPSG:2154 unless recorded
otherwise), totals, sha256 of the file, source ids, provenance (``real`` or ``fictional``, publishers,
licences, vintages), the reason when not ok, when it was built and by which pipeline version.

Read side (the dashboard's): :meth:`Store.territories`, :meth:`Store.manifest`,
:meth:`Store.read_layer` (optionally simplified and in EPSG:4326) and :meth:`Store.read_table`.

Write side: :meth:`Store.transaction` (a :class:`~pipelines.transaction.StoreTransaction`). A
territory's folder is a symbolic link to one complete version, ``.versions/<territory>/<vid>/``;
a transaction builds the next version in a staging folder beside it (unchanged files are hard
links, never rewritten in place), then swaps the link atomically: a reader sees the old version
or the new one, never a mix, and an interrupted build leaves the old one served. Each
transaction holds a lock per territory, and first removes what a killed build left (staging
folders, ``.tmp`` files). Files are written 0644 and folders 0755, readable by a dashboard
running under another account. A store made before versions existed (a plain folder) is moved
into ``.versions/`` by its first transaction.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import settings
from .errors import CartopolisError, StoreError
from .fetch import sha256_path
from .schemas import same_crs
from .transaction import STATUSES, StoreTransaction, now_iso  # noqa: F401 - re-exported

MANIFEST = "manifest.json"
VERSIONS = ".versions"
FILE_MODE = 0o644
DIR_MODE = 0o755


def store_error(exc: OSError, path: Path, doing: str) -> StoreError:
    """A StoreError naming ``path``, what went wrong and what to do, for an OSError of the store."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or code == errno.EDQUOT:
        fix = "no space left on its device: free some space or give another folder with --data"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "the folder is read-only or not writable by this account: make it writable or give another --data"
    elif code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        fix = "a file stands where a folder is expected: give a folder to --data (or CARTOPOLIS_DATA)"
    else:
        fix = f"{exc.strerror or exc}: check the folder given to --data (or CARTOPOLIS_DATA)"
    return StoreError(f"store `{path}`: cannot {doing}; {fix}. Nothing was published: the previous version stays")


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` (mode 0644) only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(path: Path, data: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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

    def territory_crs(self, territory: str) -> str:
        """The CRS the layers of ``territory`` are stored in (recorded in its manifest; EPSG:2154 by default)."""
        path = self.folder(territory) / MANIFEST
        try:
            info = json.loads(path.read_text(encoding="utf-8")).get("territory", {})
        except FileNotFoundError:
            return settings.CRS_L93
        return info.get("crs") or settings.CRS_L93

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
        live = self.folder(territory)
        try:
            if not self.root.exists() and not self.root.is_symlink():
                self.root.mkdir(parents=True)
                os.chmod(self.root, DIR_MODE)
            if not self.root.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(self.root))
            versions = self.root / VERSIONS / territory
            versions.mkdir(parents=True, exist_ok=True)
            for folder in (self.root / VERSIONS, versions):
                os.chmod(folder, DIR_MODE)
            lock = open(versions / ".lock", "a")  # noqa: SIM115 - held until commit or rollback
        except OSError as exc:
            raise store_error(exc, self.root, "create its folders") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return FolderTransaction(self, territory, live, versions, lock)
        except BaseException:
            lock.close()
            raise

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

    def read_geotable(self, folder: str, name: str, *, crs: str | None = None) -> gpd.GeoDataFrame:
        """Read a table written by :meth:`write_geotable`, in ``crs`` (default: as stored).

        Raises CartopolisError when the table is absent.
        """
        path = self.folder(folder) / f"{name}.parquet"
        if not path.exists():
            raise CartopolisError(f"table `{folder}/{name}` is not in the store (`{path}`): run a build")
        frame = gpd.read_parquet(path)
        return frame if not crs or same_crs(frame.crs, crs) else frame.to_crs(crs)


class FolderTransaction(StoreTransaction):
    """A territory's next version, built in a staging folder and published by swapping a link."""

    def __init__(self, store: Store, territory: str, live: Path, versions: Path, lock):
        self.store, self.live, self.versions, self._lock = store, live, versions, lock
        try:
            self._recover_migration()
            self._remove_orphans()
            self.staging = versions / f"staging-{os.getpid()}-{secrets.token_hex(4)}"
            self.staging.mkdir()
            os.chmod(self.staging, DIR_MODE)
            current = self._current()
            if current is not None:
                for path in current.iterdir():
                    if path.is_file() and not path.name.startswith("."):
                        _link_or_copy(path, self.staging / path.name)
        except OSError as exc:
            self._release()
            raise store_error(exc, versions, "prepare the next version") from None
        try:
            previous = json.loads((self.staging / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            previous = {}
        except (ValueError, OSError):
            previous = {}  # a manifest that cannot be read vouches for nothing
        super().__init__(territory, previous)

    # -- layout ----------------------------------------------------------------------------------
    def _current(self) -> Path | None:
        """The folder of the published version (a version, or a pre-versions plain folder)."""
        return self.live if self.live.is_dir() else None

    def _recover_migration(self) -> None:
        """Put back a plain folder whose move into ``.versions/`` was interrupted."""
        if not self.live.exists() and not self.live.is_symlink():
            for legacy in sorted(self.versions.glob("legacy-*")):
                os.replace(legacy, self.live)
                break

    def _remove_orphans(self) -> None:
        """Remove what a killed build left: staging folders, unused versions, ``.tmp`` files."""
        target = self.live.resolve() if self.live.is_symlink() else None
        for path in self.versions.iterdir():
            if path.name == ".lock" or (target is not None and path.resolve() == target):
                continue
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        for pattern in (f".{self.live.name}.link-*",):
            for path in self.live.parent.glob(pattern):
                path.unlink()
        if self.live.is_dir():
            for path in self.live.glob(".*.tmp"):
                path.unlink()

    # -- primitives ------------------------------------------------------------------------------
    def _write(self, name: str, write) -> Path:
        path = self.staging / name
        try:
            with atomic_path(path) as tmp:
                write(tmp)
        except OSError as exc:
            raise store_error(exc, self.store.root, f"write `{self.territory}/{name}`") from None
        return path

    def _put_frame(self, layer: str, frame: gpd.GeoDataFrame) -> dict:
        path = self._write(f"{layer}.parquet", lambda tmp: frame.to_parquet(tmp, index=False, compression="zstd"))
        return {"file": path.name, "sha256": sha256_path(path)}

    def _drop_frame(self, layer: str) -> None:
        (self.staging / f"{layer}.parquet").unlink(missing_ok=True)

    def _put_table(self, name: str, frame: pd.DataFrame) -> str:
        return self._write(f"{name}.parquet", lambda tmp: frame.to_parquet(tmp, index=False)).name

    def _get_frame(self, layer: str) -> gpd.GeoDataFrame:
        path = self.staging / f"{layer}.parquet"
        if not path.exists():
            raise CartopolisError(f"layer `{layer}` of `{self.territory}` is not in the store")
        return gpd.read_parquet(path)

    def _get_table(self, name: str) -> pd.DataFrame:
        path = self.staging / f"{name}.parquet"
        if not path.exists():
            raise CartopolisError(f"table `{name}` of `{self.territory}` is not in the store")
        return pd.read_parquet(path)

    def _publish(self, manifest: dict) -> None:
        try:
            self._write(MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2)))
            _fsync_dir(self.staging)
            version = self.versions / f"v{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
            os.replace(self.staging, version)
            self._swap(version)
        except OSError as exc:
            self._discard()
            raise store_error(exc, self.store.root, f"publish `{self.territory}`") from None
        except BaseException:
            self._discard()
            raise
        self._release()

    def _swap(self, version: Path) -> None:
        """Point the territory's link at ``version`` in one rename; remove the version it replaces."""
        link = self.live.parent / f".{self.live.name}.link-{secrets.token_hex(4)}"
        os.symlink(version.relative_to(self.live.parent), link)
        old = self.live.resolve() if self.live.is_symlink() else None
        if self.live.is_dir() and not self.live.is_symlink():  # first transaction of a plain folder
            old = self.versions / f"legacy-{secrets.token_hex(4)}"
            os.replace(self.live, old)
        os.replace(link, self.live)
        _fsync_dir(self.live.parent)
        if old is not None and old != version.resolve():
            shutil.rmtree(old, ignore_errors=True)

    def _discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if not self._lock.closed:
            self._lock.close()  # closing the file releases the flock


def _link_or_copy(source: Path, dest: Path) -> None:
    """Hard-link ``source`` to ``dest`` (copy when the file system refuses links); mode 0644."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)
    os.chmod(dest, FILE_MODE)
