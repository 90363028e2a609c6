"""``build`` straight into PostGIS, and the QGIS project that opens the layers from the database."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pipelines.cli import main
from pipelines.qgis import write_project
from pipelines.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "qgis"))

import pyqgis  # noqa: E402

VARYING = ("built_at", "updated_at", "file", "table")  # when it was built, and where it is kept


def _steady(value):
    """A manifest without what differs between two builds of the same data in two stores."""
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


@pytest.fixture(scope="module")
def demo_in_postgis(postgis_database, tmp_path_factory):
    from pipelines import _pgserver

    _pgserver.empty_database(postgis_database)
    folder = tmp_path_factory.mktemp("folder") / "layers"
    assert main(["build", "--territory", "demo", "--data", postgis_database]) == 0
    assert main(["build", "--territory", "demo", "--data", str(folder)]) == 0
    store = open_store(postgis_database)
    yield store, Store(folder)
    store.close()


def test_build_writes_the_same_manifest_and_checksums_into_postgis(demo_in_postgis):
    postgis, folder = demo_in_postgis
    assert postgis.territories() == ["demo"]
    assert _steady(postgis.manifest("demo")) == _steady(folder.manifest("demo"))
    layers = postgis.manifest("demo")["layers"]
    # every layer of the fictional town but the historical QPV 2015 one, which it has no reason to invent
    built = {name: entry for name, entry in layers.items() if name != "qpv_2015"}
    assert {name: entry["status"] for name, entry in built.items()} == dict.fromkeys(built, "ok") and len(built) == 8
    assert layers["qpv_2015"]["status"] == "unavailable"
    # the checksums are those of the GeoParquet files the folder store wrote for the same data
    assert {n: e["sha256"] for n, e in built.items()} == {
        n: e["sha256"] for n, e in folder.manifest("demo")["layers"].items() if n in built
    }
    assert postgis.read_table("demo", "indicators").equals(folder.read_table("demo", "indicators"))


def test_qgis_project_from_postgis_opens_the_tables_without_a_password(demo_in_postgis, postgis_database, tmp_path):
    postgis_dsn = postgis_database
    postgis, _ = demo_in_postgis
    project, gpkg, layers = write_project(postgis, "demo", tmp_path / "demo.qgz")
    assert gpkg is None and not (tmp_path / "demo.gpkg").exists() and len(layers) == 8
    with zipfile.ZipFile(project) as archive:
        root = ET.fromstring(archive.read("demo.qgs"))
    sources = {node.findtext("id"): node.findtext("datasource") for node in root.iter("maplayer")}
    assert {node.findtext("provider") for node in root.iter("maplayer")} == {"postgres"}
    port = postgis_dsn.rsplit(":", 1)[1].split("/")[0]
    assert sources["cartopolis_demo_qpv"] == (
        f"dbname='{postgis_dsn.rsplit('/', 1)[1]}' host=127.0.0.1 port={port} user='cartopolis' key='fid' "
        'srid=2154 type=Polygon checkPrimaryKeyUnicity=\'0\' table="demo"."qpv" (geometry)'
    )
    assert all("password" not in source for source in sources.values())
    if not pyqgis.available():
        pytest.skip(f"{pyqgis.REASON}: the project was read back as XML only")
    seen = pyqgis.open_project(project, tmp_path)
    counts = {layer["id"]: (layer["valid"], layer["features"]) for layer in seen["layers"]}
    expected = {f"cartopolis_demo_{name}": (True, postgis.manifest("demo")["layers"][name]["rows"]) for name in layers}
    assert counts == expected  # QGIS connected to the test server and read every table
