"""The store interface, the same on both backends: the GeoParquet folder and PostGIS.

Every test runs twice (``any_store`` is parametrised): what the build and the dashboard rely on —
writes, reads, statuses, transactions published together or not at all, the territory's CRS
kept — must hold whichever store ``CARTOPOLIS_STORE`` names. The PostGIS runs use a fresh
database of the session's temporary server (skipped without PostgreSQL, failed under CI).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from pipelines.errors import CartopolisError, SchemaError
from pipelines.store import open_store

ENTRY = {"sources": ["test"], "provenance": {"kind": "fictional", "licences": ["Licence Ouverte"]}, "notes": []}


@pytest.fixture(params=["folder", "postgis"])
def any_store(request, tmp_path):
    if request.param == "folder":
        yield open_store(tmp_path / "layers")
        return
    store = open_store(request.getfixturevalue("postgis_dsn"))
    yield store
    store.close()


def commune(population: int = 1000, crs: str = "EPSG:2154", x0: float = 700_000, y0: float = 6_600_000):
    return gpd.GeoDataFrame(
        {"insee": ["99999"], "name": ["Carré"], "population": [population]},
        geometry=[box(x0, y0, x0 + 1000, y0 + 1000)],
        crs=crs,
    )


def qpv() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code_qp": ["QN09999T", None],
            "code_qp_2015": ["QP099999", "QP099998"],
            "name": ["Test", "Sans code 2024"],
            "insee_com": ["99999", "99999"],
            "generation": [2024, 2015],
            "perimeter_status": ["exact", "contour 2015"],
        },
        geometry=[box(700_100, 6_600_100, 700_400, 6_600_400), None],
        crs="EPSG:2154",
    )


def shops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "shop_id": ["a", "b", "c"],
            "name": ["Boulangerie\tdu\ncoin", None, "L'épicerie « chez Zoé »"],  # tab, newline, quotes
            "category": ["bakery", "vacant", "convenience"],
            "vacant": [False, True, False],
            "vacancy_source": ["osm", "osm", "osm"],
        },
        geometry=[Point(700_100, 6_600_100), Point(700_200.123456789, 6_600_200.987654321), Point(700_300, 6_600_300)],
        crs="EPSG:2154",
    )


def test_write_then_read_gives_back_the_same_frame(any_store):
    record = any_store.write_layer("t", "shops", shops(), ENTRY)
    assert record["rows"] == 3 and record["status"] == "ok" and record["crs"] == "EPSG:2154"
    assert record["bbox"] == [700100.0, 6600100.0, 700300.0, 6600300.0] and len(record["sha256"]) == 64
    back = any_store.read_layer("t", "shops")
    expected = any_store.read_layer("t", "shops")  # dtypes as a read gives them (str or object)
    assert back["name"].tolist()[0] == "Boulangerie\tdu\ncoin" and pd.isna(back["name"].tolist()[1])
    assert back["vacant"].dtype == bool and back["vacant"].tolist() == [False, True, False]
    assert back.geometry.geom_equals_exact(shops().geometry, tolerance=0).all()  # coordinates to the last bit
    assert list(back.columns) == list(shops().columns) and back.equals(expected)
    assert any_store.territories() == ["t"]
    assert any_store.manifest("t")["layers"]["shops"]["sources"] == ["test"]
    assert any_store.has_layer("t", "shops") and not any_store.has_layer("t", "flood")
    wgs = any_store.read_layer("t", "shops", crs="EPSG:4326", columns=["vacant"])
    assert wgs.crs.to_epsg() == 4326 and list(wgs.columns) == ["vacant", "geometry"]


def test_nullable_integers_missing_geometries_and_tables_round_trip(any_store):
    any_store.write_layer("t", "qpv", qpv(), ENTRY)
    any_store.write_layer("t", "commune", commune(), ENTRY)
    back = any_store.read_layer("t", "qpv")
    assert back.geometry.iloc[1] is None and back.geometry.iloc[0].area == pytest.approx(90_000)
    assert pd.isna(back["code_qp"].iloc[1]) and back["generation"].tolist() == ["2024", "2015"]
    population = any_store.read_layer("t", "commune")["population"]
    assert str(population.dtype) == "Int64" and population.tolist() == [1000]
    table = pd.DataFrame({"zone_id": ["QN09999T", "commune"], "value": [0.5, np.nan], "unit": ["part", None]})
    any_store.write_table("t", "indicators", table)
    read = any_store.read_table("t", "indicators")
    assert read["value"].iloc[0] == 0.5 and np.isnan(read["value"].iloc[1])
    assert read["zone_id"].tolist() == ["QN09999T", "commune"] and pd.isna(read["unit"].iloc[1])
    assert any_store.has_table("t", "indicators") and not any_store.has_table("t", "measures")


def test_the_territorys_crs_is_kept(any_store):
    # the storage itself (the layer schemas accept overseas CRS with issue 10; this is below them)
    reunion = commune(crs="EPSG:2975", x0=340_000, y0=7_650_000)  # La Réunion, UTM 40S
    with any_store.transaction("r") as tx:
        tx._put_frame("commune", reunion)
    native = any_store.read_layer("r", "commune", crs=None)
    assert native.crs.to_epsg() == 2975 and native.total_bounds.tolist() == [340_000, 7_650_000, 341_000, 7_651_000]
    assert any_store.read_layer("r", "commune", crs="EPSG:4326").total_bounds[1] == pytest.approx(-21.2, abs=0.2)


def test_invalid_layer_is_never_written(any_store):
    with pytest.raises(SchemaError, match="layer `commune`"):
        any_store.write_layer("t", "commune", commune().drop(columns="insee"), ENTRY)
    assert not any_store.has_layer("t", "commune")


def test_unavailable_layer_recorded_with_reason_and_data_removed(any_store):
    any_store.write_layer("t", "commune", commune(), ENTRY)
    any_store.record_status("t", "commune", "unavailable", {"reason": "pas de source", "urls": ["https://x.org/a"]})
    entry = any_store.manifest("t")["layers"]["commune"]
    assert (entry["status"], entry["reason"], entry["rows"]) == ("unavailable", "pas de source", 0)
    assert not any_store.has_layer("t", "commune")


def test_simplified_read(any_store):
    wiggly = shapely.Polygon([(0, 0), (500, 0.2), (1000, 0), (1000, 1000), (0, 1000)])
    frame = commune().set_geometry([shapely.affinity.translate(wiggly, 700_000, 6_600_000)])
    any_store.write_layer("t", "commune", frame, ENTRY)
    assert len(any_store.read_layer("t", "commune").geometry.iloc[0].exterior.coords) == 6
    assert len(any_store.read_layer("t", "commune", simplify_m=1).geometry.iloc[0].exterior.coords) == 5


def test_missing_territory_and_layer_messages(any_store):
    with pytest.raises(CartopolisError, match="python -m pipelines build --territory nowhere"):
        any_store.manifest("nowhere")
    assert any_store.version("nowhere") is None
    any_store.write_layer("t", "commune", commune(), ENTRY)
    with pytest.raises(CartopolisError, match="layer `flood` of `t` is not in the store"):
        any_store.read_layer("t", "flood")


def test_readers_see_nothing_before_the_commit_then_everything(any_store):
    any_store.write_layer("t", "commune", commune(), ENTRY)
    before = (any_store.manifest("t"), any_store.version("t"))
    with any_store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
        tx.write_layer("commune", commune(2000), ENTRY)
        tx.record_status("flood", "unavailable", {"reason": "pas de TRI"})
        tx.write_table("indicators", pd.DataFrame({"value": [1.0]}))
        assert len(tx.read_layer("qpv")) == 2 and tx.read_layer("commune")["population"].iloc[0] == 2000
        assert (any_store.manifest("t"), any_store.version("t")) == before  # readers: the previous version
        assert any_store.read_layer("t", "commune")["population"].iloc[0] == 1000
        assert not any_store.has_layer("t", "qpv") and not any_store.has_table("t", "indicators")
    layers = any_store.manifest("t")["layers"]
    assert {k: v["status"] for k, v in layers.items()} == {"commune": "ok", "qpv": "ok", "flood": "unavailable"}
    assert any_store.version("t") != before[1]
    assert any_store.read_layer("t", "commune")["population"].iloc[0] == 2000
    assert any_store.read_table("t", "indicators")["value"].tolist() == [1.0]


def test_unchanged_layers_carry_over_to_the_next_version(any_store):
    any_store.write_layer("t", "commune", commune(), ENTRY)
    any_store.write_layer("t", "shops", shops(), ENTRY)
    with any_store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
    assert len(any_store.read_layer("t", "shops")) == 3 and len(any_store.read_layer("t", "commune")) == 1


def test_an_exception_in_the_transaction_publishes_nothing(any_store):
    any_store.write_layer("t", "commune", commune(), ENTRY)
    before = (any_store.manifest("t"), any_store.version("t"))
    with pytest.raises(RuntimeError, match="boom"), any_store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
        tx.record_status("commune", "error", {"reason": "cassé"})
        raise RuntimeError("boom")
    assert (any_store.manifest("t"), any_store.version("t")) == before
    assert any_store.has_layer("t", "commune") and not any_store.has_layer("t", "qpv")
    with any_store.transaction("t") as tx:  # the territory is not left locked
        tx.write_layer("qpv", qpv(), ENTRY)
    assert any_store.has_layer("t", "qpv")


def test_a_failed_layer_keeps_its_last_good_version_as_stale(any_store):
    good = any_store.write_layer("t", "commune", commune(), ENTRY)
    with any_store.transaction("t") as tx:
        tx.record_failure("commune", {"reason": "fichier illisible", "sources": ["test"]})
    entry = any_store.manifest("t")["layers"]["commune"]
    assert entry["status"] == "stale" and entry["built_at"] == good["built_at"] and entry["sha256"] == good["sha256"]
    assert any_store.read_layer("t", "commune")["population"].iloc[0] == 1000
    with any_store.transaction("t") as tx:
        assert tx.record_failure("flood", {"reason": "tronqué"})["status"] == "error"
    assert not any_store.has_layer("t", "flood")


def test_national_tables_round_trip_in_lambert93_only(any_store):
    places = gpd.GeoDataFrame(
        {"kind": ["programme"], "name": ["Alès"], "insee": ["30007"]}, geometry=[Point(786_000, 6_338_000)], crs=2154
    )
    any_store.write_geotable("_national", "places", places)
    back = any_store.read_geotable("_national", "places", crs="EPSG:4326")
    assert back["name"].tolist() == ["Alès"] and back.geometry.iloc[0].x == pytest.approx(4.08, abs=0.02)
    with pytest.raises(CartopolisError, match="CRS must be EPSG:2154"):
        any_store.write_geotable("_national", "places", places.to_crs(4326))
    with pytest.raises(CartopolisError, match="is not in the store"):
        any_store.read_geotable("_national", "departements")
    assert any_store.territories() == []  # a national table is not a territory
