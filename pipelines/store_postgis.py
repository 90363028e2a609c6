"""The PostGIS store: the same manifest, layers, tables and read side as the folder store, in PostgreSQL.

Chosen by ``CARTOPOLIS_STORE=postgresql://…`` (or ``--data postgresql://…``). Layout:

- one schema per territory (``ales``, ``demo``…): one table per layer, in the territory's CRS
  (the frame's SRID: 2154, or 5490, 2972, 2975, 4471 overseas), with a GiST index, and one table
  per non-spatial table (``indicators``, ``measures``, ``measures_qpv``); each table's comment
  gives its provenance and licence, each column's comment its dtype (:mod:`pipelines._pg_io`);
- the schema ``cartopolis``: ``manifests`` (one JSON manifest per territory, and a version
  number bumped at each publication) and the national tables (``departements``, ``places``…).

Writes (:meth:`PostGISStore.transaction`) go into a staging schema ``<territory>__staging``
while a build runs, on a connection of their own holding an advisory lock per territory; the
publication is one database transaction that moves the unchanged tables over, swaps the schemas
and updates the manifest. Readers see the previous version until that commit, then all of the
new one; a build killed mid-way leaves only its staging schema, removed by the next transaction.

The dashboard reads through a connection pool (:mod:`psycopg_pool`, ``CARTOPOLIS_PG_POOL``
connections per process, opened lazily so that gunicorn's forked workers each get their own).
No password is ever written in messages: DSNs are shown masked (:func:`mask_dsn`); put the
password in ``~/.pgpass`` or ``PGPASSWORD`` rather than in the DSN.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import threading
from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from . import settings
from ._pg_io import mask_dsn, read_frame, table_exists, table_version, write_frame
from .errors import CartopolisError, StoreError
from .gpkg import provenance
from .schemas import same_crs
from .store import OneShotWrites, check_geotable, finish_read
from .transaction import StoreTransaction

CATALOG = "cartopolis"
NATIONAL_FOLDER = "_national"
STAGING = "__staging"
RESERVED = {CATALOG, "public", "topology", "information_schema"}

SELECT_MANIFEST = "SELECT manifest, version FROM cartopolis.manifests WHERE territory = %s"
SELECT_VERSION = "SELECT version FROM cartopolis.manifests WHERE territory = %s"
SELECT_TERRITORIES = "SELECT territory FROM cartopolis.manifests ORDER BY territory"
UPSERT_MANIFEST = (
    "INSERT INTO cartopolis.manifests (territory, manifest) VALUES (%s, %s) ON CONFLICT (territory) DO UPDATE "
    "SET manifest = EXCLUDED.manifest, version = cartopolis.manifests.version + 1, published_at = now()"
)
_CATALOG_DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {CATALOG}",
    f"CREATE TABLE IF NOT EXISTS {CATALOG}.manifests (territory text PRIMARY KEY, manifest json NOT NULL, "
    "version bigint NOT NULL DEFAULT 1, published_at timestamptz NOT NULL DEFAULT now())",
    f"COMMENT ON TABLE {CATALOG}.manifests IS 'Cartopolis : manifeste de chaque territoire (couches, statuts, "
    "sources, provenance, licences)'",
]


def parquet_sha256(frame: pd.DataFrame) -> str:
    """sha256 of the frame's GeoParquet encoding: the value the folder store records for the same data."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _schema(territory: str) -> str:
    if not territory or territory.startswith(".") or territory in RESERVED or territory.endswith(STAGING):
        raise CartopolisError(f"invalid territory id `{territory}` for a PostGIS store")
    return territory


def _comment(manifest: dict, territory: str, name: str) -> str:
    """French comment of a table: what it is, its sources, producers, licence and provenance."""
    if name not in (manifest.get("layers") or {}):
        return f"Cartopolis : table « {name} » de « {territory} » (calculée à partir des couches)"
    info = provenance(manifest, territory, name)
    sources = ", ".join(str(s) for s in (manifest["layers"][name].get("sources") or [])) or "aucune"
    return (
        f"Cartopolis : couche « {name} » de {info['territory_name']} ({territory}). Sources : {sources}. "
        f"Producteurs : {', '.join(info['publishers']) or 'non renseignés'}. "
        f"Licence : {info['licence'] or 'non renseignée'}. Données {'fictives' if info['fictional'] else 'réelles'}."
    )


class PostGISStore(OneShotWrites):
    """Read and write the layers of every territory in one PostgreSQL + PostGIS database.

    Parameters
    ----------
    dsn : str
        ``postgresql://user@host:port/database`` (libpq syntax; no password in it, preferably).
    """

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.root = mask_dsn(dsn)  # what messages name: the location without its password
        self._pool: ConnectionPool | None = None
        self._pool_pid: int | None = None
        self._pool_lock = threading.Lock()
        self._catalog_ready = False

    def __repr__(self) -> str:
        return f"PostGISStore({self.root})"

    # -- connections -------------------------------------------------------------------------
    def _failure(self, exc: Exception, doing: str) -> StoreError:
        return StoreError(
            f"PostGIS store `{self.root}`: cannot {doing} ({str(exc).strip().splitlines()[0]}); check "
            "CARTOPOLIS_STORE, that the server runs and that this user may connect (password in ~/.pgpass "
            "or PGPASSWORD). Nothing was published: the previous version stays"
        )

    def connect(self) -> psycopg.Connection:
        """A new connection of its own (autocommit), with the catalog schema created when missing."""
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise self._failure(exc, "connect") from None
        if not self._catalog_ready:
            with contextlib.suppress(psycopg.Error):  # a read-only user can still read an existing store
                conn.execute("; ".join(_CATALOG_DDL))
                self._catalog_ready = True
        return conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        """A pooled connection for reads (the pool is made on first use, once per process)."""
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self.connect().close()  # fail at once with the server's own reason, not after a pool timeout
                self._pool = ConnectionPool(
                    self.dsn,
                    min_size=1,
                    max_size=settings.pg_pool_size(),
                    kwargs={"autocommit": True},
                    open=True,
                    name="cartopolis",
                )
                self._pool_pid = os.getpid()
                atexit.register(self.close)  # each (forked) process closes its own pool on the way out
        try:
            with self._pool.connection(timeout=30) as conn:
                yield conn
        except psycopg.OperationalError as exc:
            raise self._failure(exc, "read") from None

    def close(self) -> None:
        """Close the reading pool (idempotent)."""
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None

    # -- read side ---------------------------------------------------------------------------
    def _manifest_row(self, territory: str, query: str = SELECT_MANIFEST) -> tuple | None:
        with self._reading() as conn:
            if not table_exists(conn, CATALOG, "manifests"):
                return None
            return conn.execute(query, [territory]).fetchone()

    def territories(self) -> list[str]:
        """Ids of the territories that have a manifest, sorted."""
        with self._reading() as conn:
            if not table_exists(conn, CATALOG, "manifests"):
                return []
            return [row[0] for row in conn.execute(SELECT_TERRITORIES)]

    def manifest(self, territory: str) -> dict:
        """The manifest of ``territory`` (raises CartopolisError when it was never built)."""
        row = self._manifest_row(territory)
        if row is None:
            raise CartopolisError(
                f"territory `{territory}` has no manifest in `{self.root}`: run "
                f"`python -m pipelines build --territory {territory}` or `python -m pipelines publish`"
            )
        return row[0]

    def version(self, territory: str) -> str | None:
        """A token that changes at every publication of ``territory`` (None when it was never built)."""
        row = self._manifest_row(territory, SELECT_VERSION)  # the dashboard asks often: not the whole manifest
        return None if row is None else str(row[0])

    def has_layer(self, territory: str, layer: str) -> bool:
        with self._reading() as conn:
            return table_exists(conn, _schema(territory), layer)

    has_table = has_layer

    def read_layer(
        self,
        territory: str,
        layer: str,
        *,
        crs: str | None = None,
        simplify_m: float | None = None,
        columns: list[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read a stored layer (same parameters as :meth:`pipelines.store.Store.read_layer`)."""
        with self._reading() as conn:
            if not table_exists(conn, _schema(territory), layer):
                raise CartopolisError(f"layer `{layer}` of `{territory}` is not in the store (`{self.root}`)")
            frame = read_frame(conn, territory, layer, columns)
        return finish_read(frame, crs, simplify_m)

    def read_table(self, territory: str, name: str) -> pd.DataFrame:
        """Read a non-spatial table (``indicators``, ``measures``)."""
        with self._reading() as conn:
            if not table_exists(conn, _schema(territory), name):
                raise CartopolisError(f"table `{name}` of `{territory}` is not in the store (`{self.root}`)")
            return read_frame(conn, territory, name)

    # -- national tables ---------------------------------------------------------------------
    def write_geotable(self, folder: str, name: str, frame: gpd.GeoDataFrame, crs: str = settings.CRS_L93) -> str:
        """Write a national table (``_national/<name>`` → ``cartopolis.<name>``), replaced in one transaction."""
        check_geotable(folder, name, frame, crs)
        schema = CATALOG if folder == NATIONAL_FOLDER else _schema(folder)
        conn = self.connect()
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                write_frame(conn, schema, name, frame, f"Cartopolis : table nationale « {name} » (vue nationale)")
        except psycopg.Error as exc:
            raise self._failure(exc, f"write `{schema}.{name}`") from None
        finally:
            conn.close()
        return f"{schema}.{name}"

    def geotable_version(self, folder: str, name: str) -> str | None:
        """A token that changes at every :meth:`write_geotable` (the table is recreated: new oid and xmin)."""
        schema = CATALOG if folder == NATIONAL_FOLDER else _schema(folder)
        with self._reading() as conn:
            return table_version(conn, schema, name)

    def read_geotable(self, folder: str, name: str, *, crs: str | None = None) -> gpd.GeoDataFrame:
        """Read a table written by :meth:`write_geotable` (raises CartopolisError when absent)."""
        schema = CATALOG if folder == NATIONAL_FOLDER else _schema(folder)
        with self._reading() as conn:
            if not table_exists(conn, schema, name):
                raise CartopolisError(f"table `{folder}/{name}` is not in the store (`{self.root}`): run a build")
            frame = read_frame(conn, schema, name)
        return frame if not crs or same_crs(frame.crs, crs) else frame.to_crs(crs)

    # -- write side --------------------------------------------------------------------------
    def transaction(self, territory: str) -> PostGISTransaction:
        """Open the write side of ``territory`` (a context manager: commit at exit, rollback on error)."""
        return PostGISTransaction(self, _schema(territory))


class PostGISTransaction(StoreTransaction):
    """A territory's next version, written in a staging schema and published by one database transaction."""

    def __init__(self, store: PostGISStore, territory: str):
        self.store = store
        self.live, self.staging = territory, territory + STAGING
        self._written: set[str] = set()
        self._dropped: set[str] = set()
        self.conn = store.connect()
        try:
            # one writer per territory; the lock goes with the connection (a killed build frees it)
            self.conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"cartopolis:{territory}"])
            staging = sql.Identifier(self.staging)
            self.conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(staging))  # a killed build's
            self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(staging))
            row = self.conn.execute(SELECT_MANIFEST, [territory]).fetchone()
        except psycopg.Error as exc:
            self.conn.close()
            raise store._failure(exc, "prepare the next version") from None
        super().__init__(territory, row[0] if row else {})

    def _guard(self, doing: str, action):
        try:
            return action()
        except psycopg.Error as exc:
            raise self._failure(exc, f"{doing} `{self.territory}`") from None

    def _failure(self, exc: Exception, doing: str) -> StoreError:
        return self.store._failure(exc, doing)

    # -- primitives ------------------------------------------------------------------------------
    def _write(self, name: str, frame: pd.DataFrame) -> None:
        self._guard(f"write `{name}` of", lambda: write_frame(self.conn, self.staging, name, frame, ""))
        self._written.add(name)
        self._dropped.discard(name)

    def _put_frame(self, layer: str, frame: gpd.GeoDataFrame) -> dict:
        self._write(layer, frame)
        return {"table": f"{self.live}.{layer}", "sha256": parquet_sha256(frame)}

    def _drop_frame(self, layer: str) -> None:
        drop = sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(self.staging), sql.Identifier(layer))
        self._guard(f"drop `{layer}` of", lambda: self.conn.execute(drop))
        self._written.discard(layer)
        self._dropped.add(layer)

    def _put_table(self, name: str, frame: pd.DataFrame) -> str:
        self._write(name, frame)  # a table's manifest entry has no checksum: no Parquet encoding to hash
        return f"{self.live}.{name}"

    def _where(self, name: str) -> str:
        """The schema that holds ``name`` as it stands in this transaction."""
        if name in self._written:
            return self.staging
        if name not in self._dropped and table_exists(self.conn, self.live, name):
            return self.live
        raise CartopolisError(f"layer or table `{name}` of `{self.territory}` is not in the store")

    def _get_frame(self, layer: str) -> gpd.GeoDataFrame:
        return read_frame(self.conn, self._where(layer), layer)

    def _get_table(self, name: str) -> pd.DataFrame:
        return read_frame(self.conn, self._where(name), name)

    def _publish(self, manifest: dict) -> None:
        try:
            with self.conn.transaction():
                self._swap(manifest)
        except psycopg.Error as exc:
            self._discard()
            raise self._failure(exc, f"publish `{self.territory}`") from None
        except BaseException:
            self._discard()
            raise
        self.conn.close()

    def _swap(self, manifest: dict) -> None:
        live, staging = sql.Identifier(self.live), sql.Identifier(self.staging)
        kept = self.conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [self.live]).fetchall()
        for (name,) in kept:  # unchanged tables move over (a cheap catalog update, no copy)
            if name not in self._written and name not in self._dropped:
                move = sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(live, sql.Identifier(name), staging)
                self.conn.execute(move)
        self.conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(live))
        self.conn.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(staging, live))
        self.conn.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                live, sql.Literal(f"Cartopolis : couches et tables de « {self.territory} »")
            )
        )
        for (name,) in self.conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [self.live]):
            comment = sql.Literal(_comment(manifest, self.territory, name))
            self.conn.execute(sql.SQL("COMMENT ON TABLE {}.{} IS {}").format(live, sql.Identifier(name), comment))
        self.conn.execute(UPSERT_MANIFEST, [self.territory, Json(manifest)])

    def _discard(self) -> None:
        if self.conn.closed:
            return
        with contextlib.suppress(psycopg.Error):
            self.conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.staging)))
        self.conn.close()
