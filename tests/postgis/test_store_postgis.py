"""What only the PostGIS store has: its layout in the database, comments, indexes, locks, DSNs."""

from __future__ import annotations

import threading

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Point, box

from pipelines._pg_io import mask_dsn
from pipelines.errors import StoreError
from pipelines.store import open_store
from pipelines.store_postgis import PostGISStore

OSM = {
    "kind": "real",
    "publishers": ["Contributeurs OpenStreetMap"],
    "licences": ["ODbL 1.0"],
    "vintages": ["2019"],
}


def shops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"shop_id": ["a", "b"], "name": ["A", "B"], "category": ["bakery", "vacant"], "vacant": [False, True]},
        geometry=[Point(700_100, 6_600_100), Point(700_200, 6_600_200)],
        crs="EPSG:2154",
    ).assign(vacancy_source="osm")


def commune() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"insee": ["99999"], "name": ["Carré"], "population": [1000]},
        geometry=[box(700_000, 6_600_000, 701_000, 6_601_000)],
        crs="EPSG:2154",
    )


@pytest.fixture
def pg(postgis_dsn):
    store = open_store(postgis_dsn)
    yield store
    store.close()


def test_cartopolis_store_names_a_postgis_store_and_never_its_password(postgis_dsn, monkeypatch):
    monkeypatch.setenv("CARTOPOLIS_STORE", postgis_dsn)
    store = open_store()
    assert isinstance(store, PostGISStore) and store.dsn == postgis_dsn
    assert mask_dsn("postgresql://ville:s3cr3t@db.example:5432/sig") == "postgresql://ville:***@db.example:5432/sig"
    assert mask_dsn("host=db user=ville password='s3 cr3t' dbname=sig") == "host=db user=ville password=*** dbname=sig"
    assert mask_dsn("postgresql://ville@db/sig") == "postgresql://ville@db/sig"
    nowhere = PostGISStore("postgresql://ville:s3cr3t@127.0.0.1:1/sig")
    with pytest.raises(StoreError) as caught:
        nowhere.territories()
    assert "s3cr3t" not in str(caught.value) and "postgresql://ville:***@127.0.0.1:1/sig" in str(caught.value)
    assert "~/.pgpass" in str(caught.value)


def test_one_schema_per_territory_with_gist_srid_and_provenance_comments(pg, postgis_dsn):
    with pg.transaction("redon") as tx:
        tx.write_territory({"name": "Redon", "insee": "35236"})
        tx.write_layer("commune", commune(), {"sources": ["datafrance"], "provenance": {"kind": "real"}})
        tx.write_layer("shops", shops(), {"sources": ["osm.redon"], "provenance": OSM})
    with psycopg.connect(postgis_dsn) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('cartopolis', 'redon', 'redon__staging')"
        ).fetchall()
        assert sorted(tables) == [("cartopolis", "manifests"), ("redon", "commune"), ("redon", "shops")]
        srid, kind = conn.execute(
            "SELECT srid, type FROM geometry_columns WHERE f_table_schema = 'redon' AND f_table_name = 'shops'"
        ).fetchone()
        assert (srid, kind) == (2154, "POINT")
        indexes = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'redon' AND tablename = 'shops'")
        assert any("USING gist (geometry)" in row[0] for row in indexes)
        comment = conn.execute("SELECT obj_description('redon.shops'::regclass)").fetchone()[0]
        assert "Sources : osm.redon" in comment and "Contributeurs OpenStreetMap" in comment
        assert "ODbL 1.0 ; © les contributeurs d'OpenStreetMap, ODbL" in comment and "réelles" in comment
        # the manifest, as JSON, in the catalog schema; QGIS users find the rows' key in `fid`
        manifest, version = conn.execute("SELECT manifest, version FROM cartopolis.manifests").fetchone()
        assert manifest["territory"]["name"] == "Redon" and version == 1
        assert conn.execute("SELECT fid, shop_id FROM redon.shops ORDER BY fid").fetchall() == [(0, "a"), (1, "b")]


def test_a_second_writer_of_a_territory_waits_for_the_first(pg):
    pg.write_layer("t", "commune", commune(), {"sources": [], "provenance": {}})
    order = []
    first = pg.transaction("t")

    def second():
        with pg.transaction("t") as tx:  # blocks on the advisory lock until `first` is published
            order.append(("second sees", tx.previous["layers"]["commune"]["rows"], "shops" in tx.previous["layers"]))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # still waiting
    first.write_layer("shops", shops(), {"sources": [], "provenance": {}})
    first.commit()
    thread.join(timeout=30)
    assert order == [("second sees", 1, True)]  # it started from the version `first` published


def test_reads_share_a_pool_per_process(pg):
    pg.write_layer("t", "commune", commune(), {"sources": [], "provenance": {}})
    for _ in range(20):
        assert pg.manifest("t")["layers"]["commune"]["rows"] == 1
    stats = pg._pool.get_stats()
    assert stats["connections_num"] <= 4  # CARTOPOLIS_PG_POOL default: 20 reads, a handful of connections
