"""The layer store: ``<data>/<territory>/<layer>.parquet`` plus one ``manifest.json`` per territory.

Every write is atomic (temporary file in the same folder, fsync, rename): a failure mid-write
leaves the previous version intact. The manifest records, for each layer, its status (``ok``,
``unavailable`` or ``error``), rows, bbox, CRS (the territory's: ``manifest["territory"]["crs"]``,
EPSG:2154 unless recorded otherwise), sha256 of the file, source ids, provenance
(``real`` or ``fictional``, publishers, licences, vintages), the reason when not ok, when it was
built and by which pipeline version.

The dashboard uses the read side only: :meth:`Store.territories`, :meth:`Store.manifest`,
:meth:`Store.read_layer` (optionally simplified and in EPSG:4326) and :meth:`Store.read_table`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import __version__, settings
from .errors import CartopolisError
from .fetch import sha256_path
from .schemas import same_crs, validate

MANIFEST = "manifest.json"
STATUSES = ("ok", "unavailable", "error")


def now_iso() -> str:
    """Current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(path: Path, data: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")


class Store:
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
        return sorted(p.parent.name for p in self.root.glob(f"*/{MANIFEST}"))

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
        if simplify_m:
            frame["geometry"] = frame.geometry.simplify(simplify_m, preserve_topology=True)
        if crs and frame.crs is not None and not same_crs(frame.crs, crs):
            frame = frame.to_crs(crs)
        return frame

    def read_table(self, territory: str, name: str) -> pd.DataFrame:
        """Read a non-spatial table (``indicators``, ``measures``)."""
        path = self.folder(territory) / f"{name}.parquet"
        if not path.exists():
            raise CartopolisError(f"table `{name}` of `{territory}` is not in the store (`{path}`)")
        return pd.read_parquet(path)

    # -- write side --------------------------------------------------------------------------
    def _update_manifest(self, tid: str, *, layer: str | None = None, entry: dict | None = None, **top) -> dict:
        path = self.folder(tid) / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            manifest = {"territory": {"id": tid}, "layers": {}}
        manifest.update(top)
        if layer is not None:
            manifest.setdefault("layers", {})[layer] = entry
        manifest["pipeline_version"] = __version__
        manifest["updated_at"] = now_iso()
        write_json_atomic(path, manifest)
        return manifest

    def write_territory(self, territory: str, info: dict) -> dict:
        """Record the territory's description (id, insee, name, fictional…) in its manifest."""
        return self._update_manifest(territory, territory={"id": territory, **info})

    def write_layer(self, territory: str, layer: str, frame: gpd.GeoDataFrame, entry: dict) -> dict:
        """Validate ``frame``, write it atomically, and record it as ``ok`` in the manifest.

        ``entry`` carries ``sources``, ``provenance`` and optional ``notes``; rows, bbox, crs,
        sha256, built_at and the pipeline version are added here. Returns the manifest entry.
        """
        crs = self.territory_crs(territory)
        frame = validate(layer, frame, crs)
        path = self.layer_path(territory, layer)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False, compression="zstd")
        bounds = frame.total_bounds if len(frame) and frame.geometry.notna().any() else None
        record = {
            **entry,
            "status": "ok",
            "rows": int(len(frame)),
            "file": path.name,
            "crs": crs,
            "bbox": None if bounds is None else [round(float(v), 2) for v in bounds],
            "sha256": sha256_path(path),
            "built_at": now_iso(),
            "pipeline_version": __version__,
        }
        self._update_manifest(territory, layer=layer, entry=record)
        return record

    def record_status(self, territory: str, layer: str, status: str, entry: dict) -> dict:
        """Record a layer that is ``unavailable`` or in ``error`` (its ``reason`` is required).

        A previously written file for that layer is removed so that the store never shows a
        layer the manifest does not vouch for.
        """
        if status not in ("unavailable", "error"):
            raise ValueError(f"status must be unavailable or error, not {status}")
        if not entry.get("reason"):
            raise ValueError("a layer that is not ok needs a reason")
        self.layer_path(territory, layer).unlink(missing_ok=True)
        record = {**entry, "status": status, "rows": 0, "built_at": now_iso(), "pipeline_version": __version__}
        self._update_manifest(territory, layer=layer, entry=record)
        return record

    def record_tables(self, territory: str, tables: dict) -> dict:
        """Record the non-spatial tables (name → status, rows, file or reason) as ``manifest["tables"]``."""
        return self._update_manifest(territory, tables=tables)

    def write_geotable(self, folder: str, name: str, frame: gpd.GeoDataFrame, crs: str = settings.CRS_L93) -> Path:
        """Write a spatial table that is not a layer (the national overview) atomically, in ``crs``.

        EPSG:2154 by default; a table spanning overseas France is stored in EPSG:4326 (its
        measures computed beforehand in each territory's own CRS).
        """
        if not same_crs(frame.crs, crs):
            raise CartopolisError(f"table `{folder}/{name}`: CRS must be {crs}, not {frame.crs}")
        path = self.folder(folder) / f"{name}.parquet"
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False, compression="zstd")
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

    def write_table(self, territory: str, name: str, frame: pd.DataFrame) -> Path:
        """Write a non-spatial table atomically (``indicators``, ``measures``)."""
        path = self.folder(territory) / f"{name}.parquet"
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
        return path
