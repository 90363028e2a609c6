"""Benchmark: the national indicators in PostGIS, beside the vectorised path and ``geopandas.overlay``.

Run with ``make bench`` (never part of ``make test``). The synthetic France of
``bench_indicators.py`` (1,600 QPV and 3,200 zones, 300,000 flood polygons, 1,000,000 shops,
500,000 cycle segments, 20,000 population cells; fixed seed) is loaded into a temporary
PostgreSQL + PostGIS (:mod:`pipelines._pgserver`: 127.0.0.1, free port, deleted afterwards),
with GiST indexes and parallel workers on. The same figures are then computed three ways:

- vectorised: :func:`pipelines.indicators.compute_indicators` (shapely/GEOS arrays, STRtree);
- PostGIS: one SQL statement per figure (``ST_Intersects`` / ``ST_DWithin`` joins on the GiST
  indexes, ``ST_Intersection``, ``ST_Union`` per zone, ``ST_Area``, ``ST_Length``, ``ST_Buffer``);
- ``geopandas.overlay``: on the ``--fraction`` sample only (the full size would take ~30 min),
  its time extrapolated linearly, as in ``bench_indicators.py``.

Figures per zone: residents (area-weighted), flood area and residents exposed for ``fort``,
``moyen_ou_fort`` and ``faible_ou_plus``, shops, vacant shops, cycle km, residents within 300 m
of a protected facility. PostGIS and the vectorised path must agree to 1e-9 (largest difference
relative to the largest value of the figure) at full size, and all three on the sample, before
any time is compared. Loading (COPY of hex EWKB + GiST + ANALYZE) is timed apart from the queries.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_indicators as national  # noqa: E402

from pipelines import _pgserver  # noqa: E402

TOLERANCE = 1e-9
#: Server settings for the run: 2 parallel workers per query (the machine has 2 cores), memory for
#: the unions, no JIT (it only adds compile time to geometry functions).
SERVER = {
    "shared_buffers": "1GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "max_parallel_workers_per_gather": "2",
    "parallel_setup_cost": "100",
    "parallel_tuple_cost": "0.01",
    # the zones table is small (3,200 rows) but each row is costly: let the planner split it anyway
    "min_parallel_table_scan_size": "0",
    "min_parallel_index_scan_size": "0",
    "jit": "off",
}
FLOOD_SELECTIONS = {
    "fort": ("fort",),
    "moyen_ou_fort": ("fort", "moyen"),
    "faible_ou_plus": ("fort", "moyen", "faible"),
}

#: Area-weighted residents of ``pieces`` (zone_id, geom): each cell gives population × share of its area.
_WEIGHTED = """
SELECT k.zone_id, SUM(p.population * ST_Area(ST_Intersection(k.geom, p.geom)) / p.cell_area)
FROM {pieces} k JOIN {schema}.population p ON ST_Intersects(k.geom, p.geom)
GROUP BY k.zone_id
"""
#: Per zone, the union of its intersections with the flood polygons of one selection.
_FLOOD_MASK = """
CREATE TEMP TABLE mask AS
SELECT z.zone_id, ST_Union(ST_Intersection(z.geom, f.geom)) AS geom
FROM {schema}.zones z JOIN {schema}.flood f ON ST_Intersects(z.geom, f.geom)
WHERE f.scenario = ANY(%s)
GROUP BY z.zone_id
"""
#: Per zone, the union of its intersections with the 300 m buffers of protected existing facilities.
_NEAR_MASK = """
CREATE TEMP TABLE mask AS
SELECT z.zone_id, ST_Union(ST_Intersection(z.geom, ST_Buffer(c.geom, %s))) AS geom
FROM {schema}.zones z JOIN {schema}.cycle c ON ST_DWithin(z.geom, c.geom, %s)
WHERE c.protected AND c.status = 'existant'
GROUP BY z.zone_id
"""
_SHOPS = """
SELECT z.zone_id, count(*), count(*) FILTER (WHERE s.vacant)
FROM {schema}.zones z JOIN {schema}.shops s ON ST_Intersects(z.geom, s.geom)
GROUP BY z.zone_id
"""
# a segment inside its zone is measured whole (the prepared ST_Covers is cached per zone by PostGIS)
_KM = """
SELECT z.zone_id,
       SUM(CASE WHEN ST_Covers(z.geom, c.geom) THEN ST_Length(c.geom)
                ELSE ST_Length(ST_Intersection(z.geom, c.geom)) END) / 1000
FROM {schema}.zones z JOIN {schema}.cycle c ON ST_Intersects(z.geom, c.geom)
WHERE c.status = 'existant'
GROUP BY z.zone_id
"""


def _copy(conn: psycopg.Connection, table: str, frame: gpd.GeoDataFrame, columns: list[str]) -> None:
    """COPY ``frame`` into ``table`` (its columns, then ``geom`` as hex EWKB in EPSG:2154)."""
    geoms = shapely.to_wkb(shapely.set_srid(frame.geometry.to_numpy(), 2154), hex=True, include_srid=True)
    with conn.cursor().copy(f"COPY {table} ({', '.join([*columns, 'geom'])}) FROM STDIN") as copy:
        values = [frame[c].astype(str).to_numpy() for c in columns]
        for start in range(0, len(frame), 100_000):
            rows = zip(*(v[start : start + 100_000] for v in values), geoms[start : start + 100_000], strict=True)
            copy.write("".join("\t".join(row) + "\n" for row in rows))


def load(conn: psycopg.Connection, schema: str, zones: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Create ``schema`` with the zones and layers, GiST indexes and planner statistics."""
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"CREATE TABLE {schema}.zones (zone_id text PRIMARY KEY, geom geometry(Geometry, 2154))")
    conn.execute(f"CREATE TABLE {schema}.flood (scenario text, geom geometry(Polygon, 2154))")
    conn.execute(f"CREATE TABLE {schema}.shops (vacant boolean, geom geometry(Point, 2154))")
    conn.execute(f"CREATE TABLE {schema}.cycle (protected boolean, status text, geom geometry(LineString, 2154))")
    conn.execute(f"CREATE TABLE {schema}.population (population double precision, geom geometry(Polygon, 2154))")
    _copy(conn, f"{schema}.zones", zones, ["zone_id"])
    _copy(conn, f"{schema}.flood", layers["flood"], ["scenario"])
    _copy(conn, f"{schema}.shops", layers["shops"], ["vacant"])
    _copy(conn, f"{schema}.cycle", layers["cycle"], ["protected", "status"])
    # float → text → float must round-trip exactly: repr gives the shortest exact form
    population = layers["population"].assign(population=layers["population"]["population"].map(repr))
    _copy(conn, f"{schema}.population", population, ["population"])
    conn.execute(f"ALTER TABLE {schema}.population ADD COLUMN cell_area double precision")
    conn.execute(f"UPDATE {schema}.population SET cell_area = ST_Area(geom)")  # noqa: S608 (schema is ours)
    for table in ("zones", "flood", "shops", "cycle", "population"):
        conn.execute(f"CREATE INDEX ON {schema}.{table} USING gist (geom)")
    conn.commit()
    for table in ("zones", "flood", "shops", "cycle", "population"):
        conn.execute(f"ANALYZE {schema}.{table}")
    conn.commit()


def _series(rows: list[tuple], name: str, column: int = 1) -> pd.Series:
    return pd.Series({row[0]: float(row[column]) for row in rows}, name=name, dtype=float)


def postgis_figures(conn: psycopg.Connection, schema: str, proximity_m: float) -> dict[str, pd.Series]:
    """Every figure of the comparison, computed in SQL (zones absent from a result have 0)."""
    out: dict[str, pd.Series] = {}
    zones_piece = f"{schema}.zones"
    clock = time.perf_counter()
    steps = []

    def lap(name: str) -> None:
        nonlocal clock
        steps.append(f"{name} {time.perf_counter() - clock:.1f} s")
        clock = time.perf_counter()

    out["residents"] = _series(conn.execute(_WEIGHTED.format(pieces=zones_piece, schema=schema)).fetchall(), "r")
    lap("residents")
    for select, scenarios in FLOOD_SELECTIONS.items():
        conn.execute(_FLOOD_MASK.format(schema=schema), [list(scenarios)])
        out[f"area_{select}"] = _series(conn.execute("SELECT zone_id, ST_Area(geom) FROM mask").fetchall(), "a")
        rows = conn.execute(_WEIGHTED.format(pieces="mask", schema=schema)).fetchall()
        out[f"residents_{select}"] = _series(rows, "r")
        conn.execute("DROP TABLE mask")
        lap(f"flood {select}")
    shops = conn.execute(_SHOPS.format(schema=schema)).fetchall()
    out["shops"], out["vacant"] = _series(shops, "s"), _series(shops, "v", 2)
    lap("shops")
    out["km"] = _series(conn.execute(_KM.format(schema=schema)).fetchall(), "km")
    lap("km")
    conn.execute(_NEAR_MASK.format(schema=schema), [proximity_m, proximity_m])
    rows = conn.execute(_WEIGHTED.format(pieces="mask", schema=schema)).fetchall()
    out["residents_near_protected"] = _series(rows, "r")
    conn.execute("DROP TABLE mask")
    conn.commit()
    lap("near protected")
    print(f"    ({', '.join(steps)})")
    return out


def vectorised_figures(table: pd.DataFrame) -> dict[str, pd.Series]:
    """The comparison's figures from the long table of :func:`pipelines.indicators.compute_indicators`."""
    wide = table.pivot_table(index="zone_id", columns="indicator", values="value", aggfunc="first")
    out = {name: wide[name] for name in ("residents", "shops", "vacant", "km", "residents_near_protected")}
    for select in FLOOD_SELECTIONS:
        out[f"area_{select}"] = wide[f"area_{select}"] * 1e4  # ha → m²
        out[f"residents_{select}"] = wide[f"residents_{select}"]
    return out


def worst_difference(mine: dict[str, pd.Series], reference: dict[str, pd.Series]) -> tuple[float, str]:
    """Largest difference over every figure, relative to the figure's largest value (zones missing = 0)."""
    worst, where = 0.0, ""
    for name, series in reference.items():
        ids = series.index.union(mine[name].index)
        a = mine[name].reindex(ids).fillna(0.0).to_numpy(float)
        b = series.reindex(ids).fillna(0.0).to_numpy(float)
        scale = max(1.0, float(np.abs(b).max()))
        gap = float(np.max(np.abs(a - b))) / scale
        if gap >= worst:
            worst, where = gap, name
    return worst, where


def _timed(label: str, function, *args):
    start = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s")
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.02, help="share of features for the overlay reference")
    args = parser.parse_args()
    if _pgserver.find_postgres()[0] is None:
        print(f"PostGIS bench not run: {_pgserver.find_postgres()[1]}")
        return 1
    # the overlay reference drops point/line slivers of polygon overlays, as it should: not news
    warnings.filterwarnings("ignore", message="`keep_geom_type=True` in overlay")
    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())} (2 cores, shared)")
    zones, layers = national.synthetic_france()
    sample = national._sample(layers, args.fraction)
    counts = ", ".join(f"{k} {len(v):,}" for k, v in layers.items())
    print(f"synthetic France: {len(zones):,} zones ({(zones['zone_kind'] == 'qpv').sum():,} QPV), {counts}")
    with _pgserver.temporary_server(SERVER) as server, psycopg.connect(server.dsn) as conn:
        print(
            f"PostgreSQL {conn.info.server_version // 10000} + PostGIS "
            f"{conn.execute('SELECT postgis_lib_version()').fetchone()[0]} on 127.0.0.1:{server.port} (temporary)"
        )
        print("full size")
        _, load_s = _timed("PostGIS load (COPY, GiST, ANALYZE)", load, conn, "national", zones, layers)
        table, fast_s = _timed("vectorised", national.vectorised, zones, layers)
        sql, sql_s = _timed("PostGIS queries", postgis_figures, conn, "national", national.PROXIMITY_M)
        gap, where = worst_difference(sql, vectorised_figures(table))
        print(f"  PostGIS vs vectorised: largest difference {gap:.1e} ({where})")
        print(f"on {args.fraction:.0%} of the features")
        load(conn, "echantillon", zones, sample)
        table_s, fast_sample_s = _timed("vectorised", national.vectorised, zones, sample)
        sql_sample, sql_sample_s = _timed("PostGIS queries", postgis_figures, conn, "echantillon", national.PROXIMITY_M)
        overlay, overlay_s = _timed("geopandas.overlay", national.overlay_reference, zones, sample)
    reference = vectorised_figures(table_s)
    gaps = {
        "PostGIS vs vectorised": worst_difference(sql_sample, reference),
        "overlay vs vectorised": worst_difference({k: overlay[k] for k in reference}, reference),
    }
    for label, (value, figure) in gaps.items():
        print(f"  {label}: largest difference {value:.1e} ({figure})")
    overlay_full = overlay_s / args.fraction
    print("summary (full size; overlay extrapolated linearly from the sample)")
    print(
        f"  vectorised {fast_s:.1f} s | PostGIS {sql_s:.1f} s (+ {load_s:.1f} s load) | overlay ≈ {overlay_full:.0f} s"
    )
    print(
        f"  PostGIS ÷ vectorised = {sql_s / fast_s:.1f}× | overlay ÷ vectorised ≈ {overlay_full / fast_s:.0f}× "
        f"| overlay ÷ PostGIS ≈ {overlay_full / sql_s:.1f}×"
    )
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    agree = gap <= TOLERANCE and all(value <= TOLERANCE for value, _ in gaps.values())
    faster = fast_s < sql_s
    print(
        f"values agree to {TOLERANCE:g}: {'OK' if agree else 'NO'}; vectorised faster than PostGIS: "
        f"{'OK' if faster else 'NO'} (target of DESIGN.md)"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
