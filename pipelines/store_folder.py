"""The write side of the folder store: a territory's next version, published by swapping a link.

A territory's folder (``<data>/<territory>``) is a symbolic link to one complete version,
``.versions/<territory>/<vid>/``. A transaction (:func:`open_transaction`, a
:class:`FolderTransaction`) builds the next version in a staging folder beside it (unchanged files
are hard links, never rewritten in place), then swaps the link atomically: a reader sees the old
version or the new one, never a mix, and an interrupted build leaves the old one served. Each
transaction holds a lock per territory, and first removes what a killed build left (staging
folders, ``.tmp`` files). Files are written 0644 and folders 0755, readable by a dashboard
running under another account. A store made before versions existed (a plain folder) is moved
into ``.versions/`` by its first transaction.

The read side and the rest of the folder store are in :mod:`pipelines.store`.
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
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .errors import CartopolisError, StoreError
from .fetch import sha256_path
from .transaction import StoreTransaction

if TYPE_CHECKING:
    from .store import Store

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


def open_transaction(store: Store, territory: str) -> FolderTransaction:
    """Create the store's folders, take the territory's lock and open its next version.

    Raises
    ------
    StoreError
        When the store folder cannot be written (read-only, full, a file in the way).
    """
    live = store.folder(territory)
    try:
        if not store.root.exists() and not store.root.is_symlink():
            store.root.mkdir(parents=True)
            os.chmod(store.root, DIR_MODE)
        if not store.root.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(store.root))
        versions = store.root / VERSIONS / territory
        versions.mkdir(parents=True, exist_ok=True)
        for folder in (store.root / VERSIONS, versions):
            os.chmod(folder, DIR_MODE)
        lock = open(versions / ".lock", "a")  # noqa: SIM115 - held until commit or rollback
    except OSError as exc:
        raise store_error(exc, store.root, "create its folders") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return FolderTransaction(store, territory, live, versions, lock)
    except BaseException:
        lock.close()
        raise


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
