"""Benchmark: indicators at national scale, vectorised vs ``geopandas.overlay`` (target ≤ 60 s and ≥ 10× faster).

Run with ``make bench`` (never part of ``make test``). A synthetic France, deterministic (fixed seed):

- 800 communes of 5 km × 5 km on a grid, each with 2 QPV (irregular 32-vertex blobs, ~0.5 km²):
  1,600 QPV + 800 ``hors_qpv`` + 800 ``commune`` = 3,200 zones;
- 300,000 flood polygons: 100,000 sites × nested ``fort`` ⊂ ``moyen`` ⊂ ``faible`` blobs (30–330 m);
- 1,000,000 shop points (12 % vacant), 500,000 cycle segments (30 % protected);
- a 1 km population grid over the communes (20,000 cells).

The vectorised side computes, per zone: flood share and residents exposed for the three
selections, shops / vacant counts, cycle km (by facility, protected) and residents within 300 m
of a protected facility — :func:`pipelines.indicators.compute_indicators`.

The reference side computes the same numbers with ``geopandas.overlay`` (then a dissolve per
zone for the united selections, and area weighting for residents). A full overlay of 1.8 million
features takes far too long, so it runs on a random fraction ``--fraction`` (default 2 %) of every
layer against all zones, and its time is extrapolated linearly to the full size (overlay cost
grows at least linearly with the number of features: the extrapolation flatters the reference).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import indicators as ind  # noqa: E402

CRS = "EPSG:2154"
COMMUNES_PER_SIDE = (40, 20)  # 800 communes
COMMUNE_M = 5_000.0
GAP_M = 15_000.0  # communes are 20 km apart: countryside between them
QPV_PER_COMMUNE = 2
FLOOD_SITES = 100_000
SHOPS = 1_000_000
CYCLE_SEGMENTS = 500_000
PROXIMITY_M = 300.0
TARGET_S = 60.0


def _blobs(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, radius: np.ndarray, n: int = 32) -> np.ndarray:
    """Star-shaped polygons (n vertices, radius ± 25 %) around (x, y), built as one array."""
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = 1 + 0.25 * np.sin(angles[None, :] * 3 + rng.uniform(0, 6.3, (len(x), 1)))
    r = radius[:, None] * wobble
    coords = np.stack([x[:, None] + r * np.cos(angles), y[:, None] + r * np.sin(angles)], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    return shapely.polygons(coords)


def synthetic_france(seed: int = 42) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Zones and layers of the synthetic national benchmark (EPSG:2154)."""
    rng = np.random.default_rng(seed)
    nx, ny = COMMUNES_PER_SIDE
    step = COMMUNE_M + GAP_M
    ox, oy = np.meshgrid(100_000 + np.arange(nx) * step, 6_200_000 + np.arange(ny) * step)
    ox, oy = ox.ravel(), oy.ravel()
    communes = shapely.box(ox, oy, ox + COMMUNE_M, oy + COMMUNE_M)
    n = len(communes)
    qx = np.repeat(ox, QPV_PER_COMMUNE) + np.tile([1_500.0, 3_500.0], n)
    qy = np.repeat(oy, QPV_PER_COMMUNE) + rng.uniform(1_200, 3_800, n * QPV_PER_COMMUNE)
    qpv = _blobs(rng, qx, qy, rng.uniform(300, 500, len(qx)))
    hors = shapely.difference(communes, shapely.union(qpv[0::2], qpv[1::2]))
    ids = [f"QP{i:06d}" for i in range(len(qpv))]
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ids + [f"hors_{i}" for i in range(n)] + [f"commune_{i}" for i in range(n)],
            "zone_kind": ["qpv"] * len(qpv) + ["hors_qpv"] * n + ["commune"] * n,
            "zone_name": ids + [f"hors {i}" for i in range(n)] + [f"commune {i}" for i in range(n)],
        },
        geometry=np.concatenate([qpv, hors, communes]),
        crs=CRS,
    )
    zones["area_m2"] = zones.area

    def places(count: int, inside_share: float) -> tuple[np.ndarray, np.ndarray]:
        """Points: ``inside_share`` of them in the communes, the rest anywhere in the country."""
        k = int(count * inside_share)
        which = rng.integers(0, n, k)
        x = np.concatenate([ox[which] + rng.uniform(0, COMMUNE_M, k), rng.uniform(100_000, ox.max() + step, count - k)])
        y = np.concatenate(
            [oy[which] + rng.uniform(0, COMMUNE_M, k), rng.uniform(6_200_000, oy.max() + step, count - k)]
        )
        return x, y

    # 30 % of the sites in the communes (1.5 per km², about 15 % of their area flooded in `faible`,
    # like a town on a river); the rest spread over the country
    fx, fy = places(FLOOD_SITES, 0.3)
    radius = rng.uniform(30, 150, FLOOD_SITES)
    flood = gpd.GeoDataFrame(
        {"scenario": np.repeat(["fort", "moyen", "faible"], FLOOD_SITES), "tri_name": "TRI synthétique"},
        geometry=np.concatenate([_blobs(rng, fx, fy, radius * f) for f in (1.0, 1.6, 2.2)]),
        crs=CRS,
    )
    sx, sy = places(SHOPS, 0.7)
    shops = gpd.GeoDataFrame({"vacant": rng.random(SHOPS) < 0.12}, geometry=shapely.points(sx, sy), crs=CRS)
    cx, cy = places(CYCLE_SEGMENTS, 0.6)
    angle, length = rng.uniform(0, np.pi, CYCLE_SEGMENTS), rng.uniform(50, 300, CYCLE_SEGMENTS)
    ends = np.stack(
        [np.stack([cx, cy], -1), np.stack([cx + length * np.cos(angle), cy + length * np.sin(angle)], -1)], 1
    )
    protected = rng.random(CYCLE_SEGMENTS) < 0.3
    cycle = gpd.GeoDataFrame(
        {
            "facility": np.where(protected, "piste", "bande"),
            "protected": protected,
            "status": "existant",
        },
        geometry=shapely.linestrings(ends),
        crs=CRS,
    )
    gx, gy = np.meshgrid(np.arange(0, COMMUNE_M, 1_000.0), np.arange(0, COMMUNE_M, 1_000.0))
    cells_x = (ox[:, None] + gx.ravel()[None, :]).ravel()
    cells_y = (oy[:, None] + gy.ravel()[None, :]).ravel()
    population = gpd.GeoDataFrame(
        {"population": rng.gamma(2.0, 400.0, len(cells_x)), "support": "carreau_1km"},
        geometry=shapely.box(cells_x, cells_y, cells_x + 1_000, cells_y + 1_000),
        crs=CRS,
    )
    return zones, {"flood": flood, "shops": shops, "cycle": cycle, "population": population}


def vectorised(zones: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    return ind.compute_indicators(zones, layers, flood_scenarios=("fort", "moyen", "faible"), proximity_m=PROXIMITY_M)


def overlay_reference(zones: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]) -> dict[str, pd.Series]:
    """The same numbers with geopandas.overlay: intersection, dissolve per zone, sums."""
    z = zones[["zone_id", "geometry"]]
    pop = layers["population"].assign(cell_area=layers["population"].area)[["population", "cell_area", "geometry"]]
    pop_pieces = gpd.overlay(z, pop, how="intersection", keep_geom_type=True)
    out: dict[str, pd.Series] = {"residents": _weighted(pop_pieces)}
    flood = layers["flood"]
    for select, scenarios in ind.FLOOD_SELECTIONS.items():
        pieces = gpd.overlay(z, flood[flood["scenario"].isin(scenarios)][["geometry"]], how="intersection")
        united = pieces.dissolve(by="zone_id")
        out[f"area_{select}"] = united.area
        masks = united.reset_index()[["zone_id", "geometry"]].rename(columns={"zone_id": "mask_zone"})
        exposed = gpd.overlay(pop_pieces, masks, how="intersection")
        out[f"residents_{select}"] = _weighted(exposed[exposed["zone_id"] == exposed["mask_zone"]])
    shops = gpd.overlay(layers["shops"], z, how="intersection", keep_geom_type=True)
    out["shops"] = shops.groupby("zone_id").size()
    out["vacant"] = shops[shops["vacant"]].groupby("zone_id").size()
    cycle = gpd.overlay(layers["cycle"], z, how="intersection", keep_geom_type=True)
    out["km"] = cycle.length.groupby(cycle["zone_id"]).sum() / 1000
    protected = layers["cycle"][layers["cycle"]["protected"]]
    # shapely's default 8 segments per quarter circle, as pipelines.indicators.near (geopandas uses 16)
    buffers = gpd.GeoDataFrame(geometry=shapely.buffer(protected.geometry.array, PROXIMITY_M), crs=CRS).dissolve()
    out["residents_near_protected"] = _weighted(gpd.overlay(pop_pieces, buffers, how="intersection"))
    return out


def _weighted(pieces: gpd.GeoDataFrame) -> pd.Series:
    return (pieces["population"] * pieces.area / pieces["cell_area"]).groupby(pieces["zone_id"]).sum()


def _sample(layers: dict[str, gpd.GeoDataFrame], fraction: float, seed: int = 7) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, frame in layers.items():
        keep = np.ones(len(frame), bool) if name == "population" else rng.random(len(frame)) < fraction
        out[name] = frame[keep]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.02, help="share of features for the overlay reference")
    args = parser.parse_args()
    start = time.perf_counter()
    zones, layers = synthetic_france()
    counts = ", ".join(f"{k} {len(v):,}" for k, v in layers.items())
    print(f"synthetic France: {len(zones):,} zones ({(zones['zone_kind'] == 'qpv').sum():,} QPV), {counts}")
    print(f"  generated in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    table = vectorised(zones, layers)
    fast = time.perf_counter() - start
    print(f"vectorised, full size: {fast:.1f} s ({len(table):,} indicator rows)  target ≤ {TARGET_S:.0f} s")

    sample = _sample(layers, args.fraction)
    start = time.perf_counter()
    fast_sample = vectorised(zones, sample)
    fast_sample_s = time.perf_counter() - start
    start = time.perf_counter()
    slow = overlay_reference(zones, sample)
    slow_sample_s = time.perf_counter() - start
    extrapolated = slow_sample_s / args.fraction
    print(
        f"on {args.fraction:.0%} of the features: vectorised {fast_sample_s:.1f} s, overlay {slow_sample_s:.1f} s"
        f" → overlay at full size ≈ {extrapolated:.0f} s (linear extrapolation)"
    )
    _check(fast_sample, slow)
    speedup = extrapolated / fast
    ok = fast <= TARGET_S and speedup >= 10
    print(f"speed-up ≈ {speedup:.0f}× (target ≥ 10×): {'OK' if ok else 'NOT MET'}")
    return 0 if ok else 1


def _check(table: pd.DataFrame, reference: dict[str, pd.Series]) -> None:
    """The two sides must give the same numbers (relative 1e-6) before their times are compared."""
    wide = table.pivot_table(index="zone_id", columns="indicator", values="value", aggfunc="first")
    wide["area_fort"] = wide["area_fort"] * 1e4  # ha → m²
    wide["area_moyen_ou_fort"] *= 1e4
    wide["area_faible_ou_plus"] *= 1e4
    worst = 0.0
    for name, series in reference.items():
        column = "residents" if name == "residents" else name
        mine = wide[column].reindex(series.index).to_numpy(float)
        scale = max(1.0, float(np.abs(series).max()))
        worst = max(worst, float(np.max(np.abs(mine - series.to_numpy(float))) / scale))
    print(f"  largest difference vectorised vs overlay: {worst:.1e} (relative to the largest value)")
    if worst > 1e-6:
        raise SystemExit("vectorised and overlay numbers disagree")


if __name__ == "__main__":
    raise SystemExit(main())
