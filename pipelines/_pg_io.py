"""Frames in and out of PostgreSQL tables, exactly: what is read back equals what was written.

A (Geo)DataFrame becomes one table, its columns in order; a geometry column keeps its name, its
geometry type when there is one (else ``Geometry``) and the frame's SRID (the territory's CRS,
never assumed); rows go in by ``COPY`` (geometries as hex EWKB). Each column's comment records
its pandas dtype (``{"dtype": "Int64"}``) so that a read gives back the same dtypes as GeoParquet
does (nullable integers stay ``Int64``, booleans ``bool``); geometry columns get a GiST index.
A first column ``fid`` (the row's position, primary key) keeps the rows' order — PostgreSQL does
not keep insertion order on disk — and gives QGIS the integer key it wants; it is not read back.
Identifiers are always quoted by :mod:`psycopg.sql`, values always passed as parameters.
"""

from __future__ import annotations

import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from .errors import CartopolisError

#: pandas dtype → PostgreSQL type.
PG_TYPES = {
    "object": "text",
    "string": "text",
    "str": "text",
    "float64": "double precision",
    "float32": "real",
    "int64": "bigint",
    "int32": "integer",
    "Int64": "bigint",
    "Int32": "integer",
    "bool": "boolean",
    "boolean": "boolean",
}
GEOMETRY_DTYPE = "geometry"
ROW_KEY = "fid"


def mask_dsn(dsn: str) -> str:
    """``dsn`` with its password replaced by ``***`` (URL or ``key=value`` form), for messages and logs."""
    masked = re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", str(dsn))
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", masked)


def _table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def geometry_type(frame: gpd.GeoDataFrame, column: str) -> str:
    """``geometry(<type>, <srid>)`` for a geometry column (SRID from the frame's CRS)."""
    if frame.crs is None or frame.crs.to_epsg() is None:
        raise CartopolisError(f"column `{column}`: the frame has no EPSG CRS ({frame.crs}); set the territory's CRS")
    kinds = set(frame[column].geom_type.dropna())
    kind = kinds.pop() if len(kinds) == 1 else "Geometry"
    return f"geometry({kind}, {frame.crs.to_epsg()})"


def _dtype(series: pd.Series) -> str:
    if isinstance(series.dtype, gpd.array.GeometryDtype):
        return GEOMETRY_DTYPE
    name = str(series.dtype)
    if name not in PG_TYPES:
        raise CartopolisError(f"column `{series.name}`: dtype {name} cannot be stored in PostGIS")
    return name


def _python_values(series: pd.Series, dtype: str, srid: int | None) -> list:
    """The column as Python values for COPY (None for missing; hex EWKB for geometries)."""
    if dtype == GEOMETRY_DTYPE:
        geoms = np.asarray(series.array, dtype=object)
        missing = shapely.is_missing(geoms)
        hexes = shapely.to_wkb(shapely.set_srid(geoms, srid or 0), hex=True, include_srid=True)
        return [None if gone else text for gone, text in zip(missing, hexes, strict=True)]
    values = series.astype(object).where(series.notna(), None).tolist()
    if dtype.startswith(("float",)):
        return [None if v is None or math.isnan(v) else float(v) for v in values]
    if dtype.lower().startswith("int"):
        return [None if v is None else int(v) for v in values]
    if dtype in ("bool", "boolean"):
        return [None if v is None else bool(v) for v in values]
    bad = next((v for v in values if v is not None and not isinstance(v, str)), None)
    if bad is not None:
        raise CartopolisError(f"column `{series.name}`: value {bad!r} is not text; only text columns of objects")
    return values


def write_frame(conn: psycopg.Connection, schema: str, name: str, frame: pd.DataFrame, comment: str) -> None:
    """Create ``schema.name`` (replacing it) from ``frame``, with column dtypes, comment and GiST index."""
    table = _table(schema, name)
    if ROW_KEY in frame.columns:
        raise CartopolisError(f"table `{schema}.{name}`: the column name `{ROW_KEY}` is reserved by the PostGIS store")
    dtypes = {column: _dtype(frame[column]) for column in frame.columns}
    columns = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(ROW_KEY))] + [
        sql.SQL("{} {}").format(
            sql.Identifier(column),
            sql.SQL(geometry_type(frame, column) if dtype == GEOMETRY_DTYPE else PG_TYPES[dtype]),
        )
        for column, dtype in dtypes.items()
    ]
    create = sql.SQL("DROP TABLE IF EXISTS {0}; CREATE TABLE {0} ({1})")
    conn.execute(create.format(table, sql.SQL(", ").join(columns)))
    srid = frame.crs.to_epsg() if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None else None
    values = [range(len(frame))] + [_python_values(frame[column], dtype, srid) for column, dtype in dtypes.items()]
    names = sql.SQL(", ").join(sql.Identifier(c) for c in [ROW_KEY, *dtypes])
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)
    after = []  # one round trip for the comments, the index and the statistics
    for column, dtype in dtypes.items():
        note = {"dtype": dtype}
        if column == _geometry_name(frame):  # the CRS exactly as the frame has it (PROJJSON), for a faithful read
            note |= {"geometry": True, "crs": frame.crs.to_json() if frame.crs is not None else None}
        target = sql.SQL("{}.{}").format(table, sql.Identifier(column))
        after.append(sql.SQL("COMMENT ON COLUMN {} IS {}").format(target, sql.Literal(json.dumps(note))))
        if dtype == GEOMETRY_DTYPE:
            after.append(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(table, sql.Identifier(column)))
    after.append(sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(comment)))
    after.append(sql.SQL("ANALYZE {}").format(table))
    conn.execute(sql.SQL("; ").join(after))


def _geometry_name(frame: pd.DataFrame) -> str | None:
    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name else None


def table_exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    """Whether ``schema.name`` is a table."""
    found = conn.execute("SELECT to_regclass(%s)", [_table(schema, name).as_string(conn)])
    return found.fetchone()[0] is not None


def table_version(conn: psycopg.Connection, schema: str, name: str) -> str | None:
    """``oid:xmin`` of the catalog row of ``schema.name`` (each DROP + CREATE changes it), None when absent."""
    found = conn.execute(
        "SELECT oid::text || ':' || xmin::text FROM pg_class WHERE oid = to_regclass(%s)",
        [_table(schema, name).as_string(conn)],
    )
    row = found.fetchone()
    return None if row is None else row[0]


def read_frame(
    conn: psycopg.Connection, schema: str, name: str, columns: list[str] | None = None
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Read ``schema.name`` back with the dtypes it was written with (a GeoDataFrame when it has geometry).

    ``columns`` limits the attribute columns read (the geometry is always read).
    """
    table = _table(schema, name)
    notes = conn.execute(
        "SELECT a.attname, col_description(a.attrelid, a.attnum), "
        "(SELECT srid FROM geometry_columns g WHERE g.f_table_schema = %s AND g.f_table_name = %s "
        "AND g.f_geometry_column = a.attname) "
        "FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attname <> %s ORDER BY a.attnum",
        [schema, name, table.as_string(conn), ROW_KEY],
    ).fetchall()
    meta = {column: (json.loads(note or "{}"), srid) for column, note, srid in notes}
    geometry = next((c for c, (m, _) in meta.items() if m.get("geometry")), None)
    wanted = [c for c in meta if columns is None or c in columns or c == geometry]
    columns_sql = sql.SQL(", ").join(map(sql.Identifier, wanted))
    select = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(columns_sql, table, sql.Identifier(ROW_KEY))
    rows = conn.execute(select)
    records = rows.fetchall()
    data = {c: [r[i] for r in records] for i, c in enumerate(wanted)}
    frame = pd.DataFrame({c: _restore(data[c], meta[c][0].get("dtype", "object")) for c in wanted if c != geometry})
    if geometry is None:
        return frame
    geoms = shapely.from_wkb(np.array(data[geometry], dtype=object))
    crs = meta[geometry][0].get("crs") or f"EPSG:{meta[geometry][1]}"
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, name=geometry), crs=crs)
    return out[wanted]


def _restore(values: list, dtype: str) -> pd.Series:
    """A column read from PostgreSQL with the dtype a GeoParquet read gives it.

    Text columns come back as pandas infers them, which is what pyarrow gives for a parquet
    string column (``str`` with NaN under pandas 3, ``object`` with None before); a text column
    with no value at all stays ``object`` (parquet stores it as a null column).
    """
    if dtype in ("object", "str"):
        return pd.Series(values, dtype=object) if all(v is None for v in values) else pd.Series(values)
    if dtype.startswith("float"):
        return pd.Series([np.nan if v is None else v for v in values], dtype=dtype)
    return pd.Series(values, dtype=object).astype(dtype)
