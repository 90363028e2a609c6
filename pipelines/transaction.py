"""The write side of a store: one territory's build, published all together or not at all.

A build writes through a :class:`StoreTransaction`, opened by a backend
(``Store.transaction(territory)`` for the folder store; a PostGIS store opens a database
transaction)::

    with store.transaction("perigueux") as tx:
        tx.write_territory({...})
        tx.write_layer("flood", frame, {"sources": [...], "provenance": {...}})
        tx.record_failure("heat", {"reason": "…", "sources": [...]})   # keeps the last good version
        tx.write_table("indicators", table)
        tx.record_tables({...})

Nothing is visible to readers before the ``with`` block ends without an exception; then every
layer, table and the manifest change at once. An exception inside the block discards everything
written in it (the previous version stays served, byte for byte). The read side of a store is
unchanged: readers never see a transaction.

This base class holds the manifest logic every backend shares (records, statuses, last good
versions); a backend implements the storage primitives (``_put_frame``, ``_drop_frame``,
``_put_table``, ``_get_frame``, ``_get_table``, ``_publish``, ``_discard``).

Statuses of a layer in the manifest:

- ``ok``: built by the build that wrote it;
- ``stale``: this build failed for the layer, the last good version is kept and served
  (``reason`` is the new error, ``built_at`` the date of the good build, ``failed_at`` now);
- ``unavailable``: no source could feed it (``reason``, ``urls``);
- ``error``: a source is broken and there is no previous good version to keep.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import __version__
from .errors import CartopolisError
from .schemas import validate

STATUSES = ("ok", "stale", "unavailable", "error")
#: Statuses whose file is served to readers (a stale layer is the last good version).
SERVED_STATUSES = ("ok", "stale")


def now_iso() -> str:
    """Current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def frame_totals(frame: gpd.GeoDataFrame) -> dict:
    """What a layer holds beyond its rows: ``area_ha`` (polygons) or ``length_km`` (lines), rounded."""
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if geoms.empty:
        return {}
    kinds = set(geoms.geom_type)
    if kinds <= {"Polygon", "MultiPolygon"}:
        return {"area_ha": round(float(geoms.area.sum()) / 1e4, 4)}
    if kinds <= {"LineString", "MultiLineString"}:
        return {"length_km": round(float(geoms.length.sum()) / 1e3, 4)}
    return {}


def stale_notice(entry: dict | None) -> str | None:
    """French notice of a stale layer: « données du JJ/MM/AAAA, la mise à jour a échoué : … » (else None)."""
    if not entry or entry.get("status") != "stale":
        return None
    built = str(entry.get("built_at") or "")
    try:
        day = datetime.fromisoformat(built).strftime("%d/%m/%Y")
    except ValueError:
        day = "date inconnue"
    return f"données du {day}, la mise à jour a échoué : {entry.get('reason') or 'raison inconnue'}"


class StoreTransaction(ABC):
    """All the writes of one territory's build; published by :meth:`commit`, else discarded.

    Parameters
    ----------
    territory : str
        The territory id.
    previous : dict
        The manifest as last published (``{}`` when the territory was never built).
    """

    def __init__(self, territory: str, previous: dict):
        self.territory = territory
        self.previous = copy.deepcopy(previous or {})
        self._manifest = copy.deepcopy(previous or {})
        self._manifest.setdefault("territory", {"id": territory})
        self._manifest.setdefault("layers", {})
        self.closed = False

    # -- storage primitives (one set per backend) ------------------------------------------------
    @abstractmethod
    def _put_frame(self, layer: str, frame: gpd.GeoDataFrame) -> dict:
        """Store a validated layer; return the record fields the backend adds (``file``, ``sha256``)."""

    @abstractmethod
    def _drop_frame(self, layer: str) -> None:
        """Remove a layer's data (it is no longer vouched for)."""

    @abstractmethod
    def _put_table(self, name: str, frame: pd.DataFrame) -> str:
        """Store a non-spatial table; return its file (or table) name."""

    @abstractmethod
    def _get_frame(self, layer: str) -> gpd.GeoDataFrame:
        """Read a layer as it stands in this transaction (raise CartopolisError when absent)."""

    @abstractmethod
    def _get_table(self, name: str) -> pd.DataFrame:
        """Read a table as it stands in this transaction (raise CartopolisError when absent)."""

    @abstractmethod
    def _publish(self, manifest: dict) -> None:
        """Make every write of the transaction and ``manifest`` visible at once."""

    @abstractmethod
    def _discard(self) -> None:
        """Forget every write of the transaction."""

    # -- lifecycle -------------------------------------------------------------------------------
    def commit(self) -> dict:
        """Publish everything written; return the published manifest."""
        self._check_open()
        self._manifest["pipeline_version"] = __version__
        self._manifest["updated_at"] = now_iso()
        self.closed = True  # a failed publication is discarded by the backend: never retried
        self._publish(self._manifest)
        return self.manifest()

    def rollback(self) -> None:
        """Discard everything written (the published version is untouched)."""
        if not self.closed:
            self.closed = True
            self._discard()

    def __enter__(self) -> StoreTransaction:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            self.commit()
        else:
            self.rollback()

    def _check_open(self) -> None:
        if self.closed:
            raise CartopolisError(f"transaction of `{self.territory}` is already closed")

    # -- writes ----------------------------------------------------------------------------------
    def write_territory(self, info: dict) -> None:
        """Record the territory's description (id, insee, name, fictional…)."""
        self._check_open()
        self._manifest["territory"] = {"id": self.territory, **info}

    def write_layer(self, layer: str, frame: gpd.GeoDataFrame, entry: dict) -> dict:
        """Validate ``frame``, store it and record it ``ok``; return its manifest entry.

        ``entry`` carries ``sources``, ``provenance`` and optional ``notes``; rows, bbox, crs,
        totals, the backend's fields, built_at and the pipeline version are added here.
        """
        self._check_open()
        frame = validate(layer, frame, self._manifest["territory"].get("crs"))  # the territory's CRS
        stored = self._put_frame(layer, frame)
        located = len(frame) and frame.geometry.notna().any()
        record = {
            **entry,
            "status": "ok",
            "rows": int(len(frame)),
            **stored,
            "crs": frame.crs.to_string() if frame.crs is not None else None,
            "bbox": [round(float(v), 2) for v in frame.total_bounds] if located else None,
            "totals": frame_totals(frame),
            "built_at": now_iso(),
            "pipeline_version": __version__,
        }
        self._manifest["layers"][layer] = record
        return record

    def record_status(self, layer: str, status: str, entry: dict) -> dict:
        """Record a layer ``unavailable`` or in ``error`` (``reason`` required); its data is dropped."""
        self._check_open()
        if status not in ("unavailable", "error"):
            raise ValueError(f"status must be unavailable or error, not {status}")
        if not entry.get("reason"):
            raise ValueError("a layer that is not ok needs a reason")
        self._drop_frame(layer)
        record = {**entry, "status": status, "rows": 0, "built_at": now_iso(), "pipeline_version": __version__}
        self._manifest["layers"][layer] = record
        return record

    def last_good(self, layer: str) -> dict | None:
        """The published entry of ``layer`` when it is a good version (``ok`` or ``stale``), else None."""
        entry = (self.previous.get("layers") or {}).get(layer)
        return copy.deepcopy(entry) if entry and entry.get("status") in SERVED_STATUSES else None

    def record_failure(self, layer: str, entry: dict, status: str = "error") -> dict:
        """Record a failed layer: ``stale`` (last good version kept) when there is one, else ``status``.

        The stale entry is the last good one with ``status`` ``stale``, the new ``reason``, the
        date of the good build (``built_at``, unchanged) and ``failed_at``.
        """
        self._check_open()
        good = self.last_good(layer)
        if good is None:
            return self.record_status(layer, status, entry)
        if not entry.get("reason"):
            raise ValueError("a layer that is not ok needs a reason")
        good.update(status="stale", reason=entry["reason"], failed_at=now_iso())
        self._manifest["layers"][layer] = good
        return good

    def write_table(self, name: str, frame: pd.DataFrame) -> str:
        """Store a non-spatial table (``indicators``, ``measures``…); return its file name."""
        self._check_open()
        return self._put_table(name, frame)

    def record_tables(self, tables: dict) -> None:
        """Record the non-spatial tables (name → status, rows, file or reason) as ``manifest["tables"]``."""
        self._check_open()
        self._manifest["tables"] = tables

    # -- reads of the state being built ----------------------------------------------------------
    def manifest(self) -> dict:
        """The manifest as it stands in this transaction (a copy)."""
        return copy.deepcopy(self._manifest)

    def read_layer(self, layer: str) -> gpd.GeoDataFrame:
        """A layer as it stands in this transaction (written here, or the published version)."""
        return self._get_frame(layer)

    def read_table(self, name: str) -> pd.DataFrame:
        """A table as it stands in this transaction."""
        return self._get_table(name)

    def as_store(self) -> TransactionView:
        """This transaction seen through the store's signatures (``manifest(territory)``…), for
        code written against a store, such as :func:`pipelines.evaluate.evaluate_territory`."""
        return TransactionView(self)


class TransactionView:
    """Store-shaped access (territory as first argument) to one open transaction."""

    def __init__(self, tx: StoreTransaction):
        self.tx = tx

    def _check(self, territory: str) -> None:
        if territory != self.tx.territory:
            raise CartopolisError(f"transaction of `{self.tx.territory}` cannot touch `{territory}`")

    def manifest(self, territory: str) -> dict:
        self._check(territory)
        return self.tx.manifest()

    def read_layer(self, territory: str, layer: str) -> gpd.GeoDataFrame:
        self._check(territory)
        return self.tx.read_layer(layer)

    def read_table(self, territory: str, name: str) -> pd.DataFrame:
        self._check(territory)
        return self.tx.read_table(name)

    def write_table(self, territory: str, name: str, frame: pd.DataFrame) -> Path:
        self._check(territory)
        return Path(self.tx.write_table(name, frame))

    def record_tables(self, territory: str, tables: dict) -> dict:
        self._check(territory)
        self.tx.record_tables(tables)
        return self.tx.manifest()
