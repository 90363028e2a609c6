"""The layer store: atomic writes, manifest entries, read side for the dashboard."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipelines.errors import CartopolisError, SchemaError
from pipelines.store import Store


def commune() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"insee": ["99999"], "name": ["Carré"], "population": [1000]},
        geometry=[box(700_000, 6_600_000, 701_000, 6_601_000)],
        crs="EPSG:2154",
    )


ENTRY = {"sources": ["test"], "provenance": {"kind": "fictional"}, "notes": []}


def test_write_then_read(store: Store):
    record = store.write_layer("t", "commune", commune(), ENTRY)
    assert record["rows"] == 1 and record["status"] == "ok" and record["crs"] == "EPSG:2154"
    assert record["bbox"] == [700000.0, 6600000.0, 701000.0, 6601000.0]
    assert len(record["sha256"]) == 64
    frame = store.read_layer("t", "commune")
    assert frame.crs.to_epsg() == 2154 and frame.area.iloc[0] == pytest.approx(1e6)
    wgs = store.read_layer("t", "commune", crs="EPSG:4326")
    assert wgs.crs.to_epsg() == 4326
    assert store.territories() == ["t"]
    manifest = store.manifest("t")
    assert manifest["layers"]["commune"]["sources"] == ["test"]
    assert manifest["pipeline_version"]


def test_failure_mid_write_keeps_previous_version(store: Store, monkeypatch):
    store.write_layer("t", "commune", commune(), ENTRY)
    path = store.layer_path("t", "commune")
    before = path.read_bytes()
    manifest_before = store.manifest("t")

    def explode(self, tmp, **kwargs):
        tmp.write_bytes(b"half a parquet file")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", explode)
    bigger = commune().assign(population=[2000])
    with pytest.raises(OSError, match="disk full"):
        store.write_layer("t", "commune", bigger, ENTRY)
    assert path.read_bytes() == before
    assert store.manifest("t")["layers"] == manifest_before["layers"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_invalid_layer_is_never_written(store: Store):
    bad = commune().to_crs("EPSG:4326")
    with pytest.raises(SchemaError, match="layer `commune`"):
        store.write_layer("t", "commune", bad, ENTRY)
    assert not store.layer_path("t", "commune").exists()


def test_unavailable_layer_recorded_with_reason_and_file_removed(store: Store):
    store.write_layer("t", "commune", commune(), ENTRY)
    store.record_status("t", "commune", "unavailable", {"reason": "pas de source", "urls": ["https://x.org/a.zip"]})
    entry = store.manifest("t")["layers"]["commune"]
    assert entry["status"] == "unavailable" and entry["reason"] == "pas de source" and entry["rows"] == 0
    assert not store.layer_path("t", "commune").exists()
    with pytest.raises(ValueError, match="reason"):
        store.record_status("t", "flood", "error", {})


def test_simplified_read(store: Store):
    import shapely

    wiggly = shapely.Polygon([(0, 0), (500, 0.2), (1000, 0), (1000, 1000), (0, 1000)])
    frame = commune().set_geometry([shapely.affinity.translate(wiggly, 700_000, 6_600_000)])
    store.write_layer("t", "commune", frame, ENTRY)
    assert len(store.read_layer("t", "commune", simplify_m=1).geometry.iloc[0].exterior.coords) == 5


def test_missing_territory_and_layer_messages(store: Store):
    with pytest.raises(CartopolisError, match="python -m pipelines build --territory nowhere"):
        store.manifest("nowhere")
    with pytest.raises(CartopolisError, match="layer `flood` of `t` is not in the store"):
        store.read_layer("t", "flood")
    with pytest.raises(CartopolisError, match="invalid territory id"):
        store.folder("../etc")


def test_manifest_is_valid_json_after_many_updates(store: Store):
    for i in range(5):
        store.record_status("t", "flood", "unavailable", {"reason": f"r{i}"})
    data = json.loads((store.folder("t") / "manifest.json").read_text())
    assert data["layers"]["flood"]["reason"] == "r4"
