"""The layer store: atomic writes, manifest entries, read side for the dashboard."""

from __future__ import annotations

import errno
import json
import os
import stat

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipelines.errors import CartopolisError, SchemaError, StoreError
from pipelines.store import Store
from pipelines.transaction import stale_notice


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
    with pytest.raises(StoreError, match="disk full.*Nothing was published"):
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


# -- transactions: published together or not at all ----------------------------------------------


def snapshot(store: Store, territory: str) -> dict[str, bytes]:
    """Every file a reader of ``territory`` sees, by name."""
    folder = store.folder(territory)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_readers_see_nothing_before_the_commit_then_everything(store: Store):
    store.write_layer("t", "commune", commune(), ENTRY)
    before = snapshot(store, "t")
    with store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
        tx.record_status("flood", "unavailable", {"reason": "pas de TRI"})
        tx.write_table("indicators", pd.DataFrame({"value": [1.0]}))
        assert tx.manifest()["layers"]["qpv"]["status"] == "ok"  # the transaction reads its own writes
        assert len(tx.read_layer("qpv")) == 1
        assert snapshot(store, "t") == before  # a reader still sees the previous version only
        assert "qpv" not in store.manifest("t")["layers"]
    layers = store.manifest("t")["layers"]
    assert {k: v["status"] for k, v in layers.items()} == {"commune": "ok", "qpv": "ok", "flood": "unavailable"}
    assert sorted(snapshot(store, "t")) == ["commune.parquet", "indicators.parquet", "manifest.json", "qpv.parquet"]
    assert snapshot(store, "t")["commune.parquet"] == before["commune.parquet"]


def test_an_exception_in_the_transaction_publishes_nothing(store: Store):
    store.write_layer("t", "commune", commune(), ENTRY)
    before = snapshot(store, "t")
    with pytest.raises(RuntimeError, match="boom"), store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
        tx.record_status("commune", "error", {"reason": "cassé"})
        raise RuntimeError("boom")
    assert snapshot(store, "t") == before
    assert sorted(p.name for p in (store.root / ".versions" / "t").iterdir()) == [
        ".lock",
        store.folder("t").resolve().name,
    ]


def test_a_failed_layer_keeps_its_last_good_version_as_stale(store: Store):
    good = store.write_layer("t", "commune", commune(), ENTRY)
    file_before = store.layer_path("t", "commune").read_bytes()
    with store.transaction("t") as tx:
        record = tx.record_failure("commune", {"reason": "`communes/x.geojson`: cannot read", "sources": ["test"]})
    entry = store.manifest("t")["layers"]["commune"]
    assert entry == record
    assert entry["status"] == "stale" and entry["reason"] == "`communes/x.geojson`: cannot read"
    assert entry["built_at"] == good["built_at"] and entry["sha256"] == good["sha256"] and entry["rows"] == 1
    assert entry["failed_at"] >= good["built_at"]
    assert store.layer_path("t", "commune").read_bytes() == file_before
    with store.transaction("t") as tx:  # failing again keeps the same good version
        tx.record_failure("commune", {"reason": "encore"})
    again = store.manifest("t")["layers"]["commune"]
    assert again["built_at"] == good["built_at"] and again["reason"] == "encore"


def test_a_failed_layer_without_good_version_is_an_error(store: Store):
    with store.transaction("t") as tx:
        assert tx.record_failure("flood", {"reason": "tronqué"})["status"] == "error"
        assert tx.record_failure("heat", {"reason": "absent", "urls": ["https://x.org"]}, "unavailable")["status"] == (
            "unavailable"
        )
    assert not store.layer_path("t", "flood").exists()


def test_stale_notice_in_french():
    entry = {"status": "stale", "built_at": "2025-11-28T07:05:00+00:00", "reason": "fichier tronqué"}
    assert stale_notice(entry) == "données du 28/11/2025, la mise à jour a échoué : fichier tronqué"
    assert stale_notice({"status": "ok"}) is None and stale_notice(None) is None


def test_store_files_are_world_readable(store: Store):
    previous = os.umask(0o077)  # a restrictive account: the store must still be readable by the dashboard's
    try:
        store.write_layer("t", "commune", commune(), ENTRY)
    finally:
        os.umask(previous)
    folder = store.folder("t").resolve()
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert modes == {"commune.parquet": 0o644, "manifest.json": 0o644}
    for path in (folder, folder.parent, store.root / ".versions", store.root):
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path


def test_a_plain_folder_store_is_moved_into_versions(store: Store):
    legacy = store.root / "t"
    legacy.mkdir(parents=True)
    commune().to_parquet(legacy / "commune.parquet")
    (legacy / "manifest.json").write_text(
        json.dumps({"territory": {"id": "t"}, "layers": {"commune": {"status": "ok"}}})
    )
    (legacy / ".commune.parquet.abc.tmp").write_bytes(b"left by a kill")
    with store.transaction("t") as tx:
        assert tx.last_good("commune") == {"status": "ok"}
        tx.write_layer("qpv", qpv(), ENTRY)
    assert legacy.is_symlink() and sorted(p.name for p in legacy.iterdir()) == [
        "commune.parquet",
        "manifest.json",
        "qpv.parquet",
    ]
    assert set(store.manifest("t")["layers"]) == {"commune", "qpv"}


def test_what_a_killed_build_left_is_removed_by_the_next(store: Store):
    store.write_layer("t", "commune", commune(), ENTRY)
    versions = store.root / ".versions" / "t"
    (versions / "staging-999999-dead").mkdir()
    (versions / "staging-999999-dead" / "flood.parquet").write_bytes(b"half")
    (store.folder("t") / ".flood.parquet.x1.tmp").write_bytes(b"killed before os.replace")
    with store.transaction("t") as tx:
        tx.write_territory({"name": "T"})
    assert sorted(p.name for p in versions.iterdir()) == [".lock", store.folder("t").resolve().name]
    assert not list(store.folder("t").glob(".*"))


def test_a_store_that_is_a_file_is_a_clear_error(tmp_path):
    path = tmp_path / "layers"
    path.write_text("not a folder")
    with pytest.raises(StoreError, match=r"a file stands where a folder is expected: give a folder to --data"):
        Store(path).write_layer("t", "commune", commune(), ENTRY)


@pytest.mark.parametrize(
    ("code", "fix"), [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only"), (errno.EACCES, "read-only")]
)
def test_a_full_or_read_only_store_keeps_the_previous_version(store: Store, monkeypatch, code, fix):
    store.write_layer("t", "commune", commune(), ENTRY)
    before = snapshot(store, "t")

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", refuse)
    with pytest.raises(StoreError, match=fix), store.transaction("t") as tx:
        tx.write_layer("qpv", qpv(), ENTRY)
    assert snapshot(store, "t") == before


def qpv() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code_qp": ["QN09999T"],
            "code_qp_2015": ["QP099999"],
            "name": ["Test"],
            "insee_com": ["99999"],
            "generation": [2024],
            "perimeter_status": ["exact"],
        },
        geometry=[box(700_100, 6_600_100, 700_400, 6_600_400)],
        crs="EPSG:2154",
    )
