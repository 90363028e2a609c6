"""Hand-built layers for the indicator tests: every frame is schema-valid and in EPSG:2154."""

from __future__ import annotations

import geopandas as gpd

from pipelines.schemas import validate

CRS = "EPSG:2154"


def _frame(layer: str, data: dict, geoms) -> gpd.GeoDataFrame:
    return validate(layer, gpd.GeoDataFrame(data, geometry=list(geoms), crs=CRS))


def commune(geom, name: str = "Testville") -> gpd.GeoDataFrame:
    return _frame("commune", {"insee": ["99998"], "name": [name], "population": [None]}, [geom])


def qpv(geoms, codes=None, names=None) -> gpd.GeoDataFrame:
    n = len(geoms)
    codes = codes or [f"QP0990{i:02d}" for i in range(1, n + 1)]
    data = {
        "code_qp": [None] * n,
        "code_qp_2015": codes,
        "name": names or [f"Quartier {i}" for i in range(1, n + 1)],
        "insee_com": ["99998"] * n,
        "generation": ["2015"] * n,
        "perimeter_status": ["contour 2015"] * n,
    }
    return _frame("qpv", data, geoms)


def flood(geoms, scenarios) -> gpd.GeoDataFrame:
    return _frame("flood", {"scenario": list(scenarios), "tri_name": ["TRI test"] * len(geoms)}, geoms)


def heat(geoms, classes, anomaly=None) -> gpd.GeoDataFrame:
    data = {
        "lcz": ["2" if c == "chaud" else "6" if c == "tiede" else "A" for c in classes],
        "heat_class": list(classes),
    }
    if anomaly is not None:
        data["lst_anomaly_c"] = list(anomaly)
    return _frame("heat", data, geoms)


def shops(points, vacant) -> gpd.GeoDataFrame:
    n = len(points)
    data = {
        "shop_id": [f"s{i}" for i in range(n)],
        "name": [None] * n,
        "category": ["commerce"] * n,
        "vacant": list(vacant),
        "vacancy_source": [None] * n,
    }
    return _frame("shops", data, points)


def cycle(lines, facility="piste", protected=True, status="existant") -> gpd.GeoDataFrame:
    n = len(lines)
    each = lambda v: list(v) if isinstance(v, (list, tuple)) else [v] * n  # noqa: E731
    data = {
        "segment_id": [f"c{i}" for i in range(n)],
        "facility": each(facility),
        "protected": each(protected),
        "length_m": [line.length for line in lines],
        "status": each(status),
    }
    return _frame("cycle", data, lines)


def population(geoms, residents, support="carreau_1km", **extra) -> gpd.GeoDataFrame:
    data = {"cell_id": [f"p{i}" for i in range(len(geoms))], "population": list(residents), "support": support}
    data.update({k: list(v) for k, v in extra.items()})
    return _frame("population", data, geoms)
