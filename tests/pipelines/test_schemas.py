"""Layer schemas: each violation names the layer and the column."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from pipelines.errors import SchemaError
from pipelines.schemas import validate


def shops(**overrides) -> gpd.GeoDataFrame:
    data = {
        "shop_id": ["osm:node/1", "osm:node/2"],
        "name": ["Boulangerie", None],
        "category": ["bakery", "vacant"],
        "vacant": [False, True],
        "vacancy_source": [None, "osm:shop=vacant"],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:2154")


def test_valid_layer_is_normalised():
    out = validate("shops", shops())
    assert out["vacant"].dtype == bool
    assert out["name"].tolist() == ["Boulangerie", None]


def test_wrong_crs_names_layer_and_column():
    with pytest.raises(SchemaError, match=r"layer `shops`, column `geometry`: CRS is EPSG:4326; expected EPSG:2154"):
        validate("shops", shops().set_crs("EPSG:4326", allow_override=True))


def test_missing_crs():
    frame = shops().set_crs(None, allow_override=True)
    with pytest.raises(SchemaError, match=r"layer `shops`, column `geometry`: no CRS"):
        validate("shops", frame)


def test_missing_column_names_layer_and_column():
    with pytest.raises(SchemaError, match=r"layer `shops`, column `vacant`: missing \(expected bool\)"):
        validate("shops", shops().drop(columns="vacant"))


def test_wrong_geometry_type_names_layer():
    frame = gpd.GeoDataFrame(
        {"scenario": ["fort"], "tri_name": ["Périgueux"]}, geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:2154"
    )
    with pytest.raises(SchemaError, match=r"layer `flood`, column `geometry`: geometry type\(s\) \['LineString'\]"):
        validate("flood", frame)


def test_value_outside_vocabulary():
    frame = gpd.GeoDataFrame(
        {"scenario": ["extreme"], "tri_name": ["X"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs="EPSG:2154"
    )
    with pytest.raises(SchemaError, match=r"layer `flood`, column `scenario`: unexpected value\(s\) \['extreme'\]"):
        validate("flood", frame)


def test_non_boolean_flag_and_missing_values():
    with pytest.raises(SchemaError, match=r"column `vacant`: expected bool"):
        validate("shops", shops(vacant=["yes", "no"]))
    with pytest.raises(SchemaError, match=r"column `shop_id`: 1 missing value"):
        validate("shops", shops(shop_id=["a", None]))


def test_invalid_polygon_is_rejected_not_repaired():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame({"scenario": ["fort"], "tri_name": ["X"]}, geometry=[bowtie], crs="EPSG:2154")
    with pytest.raises(SchemaError, match="invalid geometrie"):
        validate("flood", frame)


def test_qpv_allows_rows_without_geometry():
    frame = gpd.GeoDataFrame(
        {
            "code_qp": ["QN03099N"],
            "code_qp_2015": [None],
            "name": ["Nouveau quartier"],
            "insee_com": ["30007"],
            "generation": ["2024"],
            "perimeter_status": ["indisponible"],
        },
        geometry=[None],
        crs="EPSG:2154",
    )
    assert len(validate("qpv", frame)) == 1
