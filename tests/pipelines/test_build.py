"""`build --territory all` on the real mirror: every layer ends ok, unavailable or error, never silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.errors import UsageError
from pipelines.store import Store

QPV = {"commune", "qpv", "qpv_2015"}
EXPECTED = {
    "ales": {"ok": {*QPV, "population"}, "unavailable": {"flood", "heat", "shops", "cycle", "streets"}},
    "valence": {"ok": {*QPV, "population"}, "unavailable": {"flood", "heat", "shops", "cycle", "streets"}},
    "grenoble": {"ok": {*QPV, "cycle", "population"}, "unavailable": {"flood", "heat", "shops", "streets"}},
    "redon": {"ok": {*QPV, "heat", "shops", "cycle", "population", "streets"}, "unavailable": {"flood"}},
    "perigueux": {"ok": {*QPV, "flood", "population"}, "unavailable": {"heat", "shops", "cycle", "streets"}},
    "demo": {
        "ok": {"commune", "qpv", "flood", "heat", "shops", "cycle", "population", "streets"},
        "unavailable": {"qpv_2015"},  # the fictional town has no 2015 geography
    },
}


@pytest.fixture(scope="module")
def built(mirror, tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("layers"))
    catalog = Catalog.load()
    for territory in catalog.territories.values():
        build_territory(territory, catalog, store, offline=True, mirror=mirror, log=lambda m: None)
    return store


@pytest.mark.parametrize("territory", sorted(EXPECTED))
def test_every_layer_has_the_expected_status(built: Store, territory: str):
    layers = built.manifest(territory)["layers"]
    statuses = {name: entry["status"] for name, entry in layers.items()}
    assert {k for k, v in statuses.items() if v == "ok"} == EXPECTED[territory]["ok"]
    assert {k for k, v in statuses.items() if v == "unavailable"} == EXPECTED[territory]["unavailable"]
    for name, entry in layers.items():
        if entry["status"] == "unavailable":
            assert entry["reason"], (territory, name)
            if territory != "demo":
                assert entry["urls"] and all(u.startswith("http") for u in entry["urls"]), (territory, name)
        else:
            assert built.layer_path(territory, name).exists()
            kind = "fictional" if territory == "demo" else "real"
            assert entry["provenance"]["kind"] == kind


def test_unavailable_flood_points_to_the_departement_zip(built: Store):
    entry = built.manifest("ales")["layers"]["flood"]
    assert entry["urls"] == ["https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip"]
    assert "hors ligne" in entry["reason"]


def test_ales_done_when_figures(built: Store):
    commune = built.read_layer("ales", "commune")
    assert len(commune) == 1 and commune.area.iloc[0] / 1e6 == pytest.approx(23.2, abs=0.5)
    qpv = built.read_layer("ales", "qpv")
    assert qpv["code_qp"].tolist() == ["QN03001I"] and qpv["code_qp_2015"].tolist() == ["QP030001"]
    assert qpv.area.iloc[0] / 1e4 == pytest.approx(235.3, abs=0.5)
    assert qpv["perimeter_status"].iloc[0] == "exact"


def test_corrupt_source_gives_error_for_that_layer_only(mirror, mirror_links, tmp_path):
    broken = mirror_links
    shp = broken / "flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp"
    shp.unlink()
    shutil.copyfile(mirror / shp.relative_to(broken), shp)
    with open(shp, "r+b") as handle:  # a truncated download
        handle.truncate(1000)
    catalog = Catalog.load()
    store = Store(tmp_path / "layers")
    outcomes = build_territory(catalog.territory("perigueux"), catalog, store, offline=True, mirror=broken)
    status = {o.layer: o.status for o in outcomes}
    assert status["flood"] == "error"
    assert status["commune"] == status["qpv"] == status["population"] == "ok"
    reason = store.manifest("perigueux")["layers"]["flood"]["reason"]
    assert "georisques.tri.24" in reason and "sha256" in reason
    assert not store.layer_path("perigueux", "flood").exists()


def test_truncated_shapefile_without_known_checksum_is_an_error(mirror, tmp_path):
    """A download cut short (no sha256 to check it against) must not publish a layer missing most zones."""
    from pipelines.errors import SourceFormatError
    from pipelines.layers.flood import read_tri

    folder = tmp_path / "FRF_TRI_PERI"
    folder.mkdir()
    for part in (mirror / "flood/perigueux_FRF_TRI_PERI").iterdir():
        shutil.copyfile(part, folder / part.name)
    shp = next(folder.glob("*.shp"))
    with open(shp, "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(
        SourceFormatError,
        match=r"n_tri_peri_inondable_01_01for_s_024.shp`: the .shp is 1,000 bytes, its header says 667,320; "
        "the shapefile is truncated",
    ):
        read_tri(folder, log=lambda m: None)


# -- the last good version is never lost -----------------------------------------------------------


@pytest.fixture(scope="module")
def perigueux_good(mirror, tmp_path_factory) -> Path:
    """A store where Périgueux was built once from the real mirror (copied by each test)."""
    root = tmp_path_factory.mktemp("good") / "layers"
    catalog = Catalog.load()
    build_territory(
        catalog.territory("perigueux"), catalog, Store(root), offline=True, mirror=mirror, log=lambda m: None
    )
    return root


def copy_store(root: Path, dest: Path) -> Store:
    shutil.copytree(root, dest, symlinks=True)
    return Store(dest)


def files_of(store: Store, territory: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in store.folder(territory).iterdir()}


def test_a_broken_source_keeps_the_last_good_layer_stale(perigueux_good, mirror, mirror_links, tmp_path):
    store = copy_store(perigueux_good, tmp_path / "layers")
    good = store.manifest("perigueux")["layers"]["flood"]
    flood_before = store.layer_path("perigueux", "flood").read_bytes()
    broken = mirror_links
    shp = broken / "flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp"
    shp.unlink()
    shp.write_bytes((mirror / shp.relative_to(broken)).read_bytes()[:1000])
    catalog = Catalog.load()
    outcomes = build_territory(catalog.territory("perigueux"), catalog, store, offline=True, mirror=broken, log=print)
    status = {o.layer: o.status for o in outcomes}
    assert status["flood"] == "stale" and status["commune"] == status["qpv"] == "ok"
    entry = store.manifest("perigueux")["layers"]["flood"]
    assert entry["status"] == "stale" and entry["rows"] == good["rows"] == 36
    assert entry["built_at"] == good["built_at"] and entry["sha256"] == good["sha256"]
    assert entry["reason"].startswith("mirror file of source `georisques.tri.24` `flood/perigueux_FRF_TRI_PERI` has")
    assert str(tmp_path) not in json.dumps(store.manifest("perigueux"))  # no absolute path in the manifest
    assert store.layer_path("perigueux", "flood").read_bytes() == flood_before
    assert {o.layer: o.rows for o in outcomes}["flood"] == 36


def test_a_missing_mirror_is_an_error_before_anything_is_touched(perigueux_good, tmp_path):
    store = copy_store(perigueux_good, tmp_path / "layers")
    before = files_of(store, "perigueux")
    catalog = Catalog.load()
    with pytest.raises(UsageError, match=r"mirror `/nonexistent` is not a folder .* nothing was built or changed"):
        build_territory(catalog.territory("perigueux"), catalog, store, offline=True, mirror=Path("/nonexistent"))
    assert files_of(store, "perigueux") == before


def test_an_unreadable_first_commune_source_falls_back_to_the_next(mirror, mirror_links, tmp_path):
    broken = mirror_links
    gpkg = broken / "other/perigueux_commune_bdtopo.gpkg"
    gpkg.unlink()
    gpkg.write_bytes(b"SQLite format 3\x00 cut short")
    catalog = Catalog.load()
    store = Store(tmp_path / "layers")
    outcomes = build_territory(
        catalog.territory("perigueux"), catalog, store, offline=True, mirror=broken, only=["commune"], log=print
    )
    assert {o.layer: o.status for o in outcomes}["commune"] == "ok"
    entry = store.manifest("perigueux")["layers"]["commune"]
    assert entry["sources"] == ["datafrance.communes"]
    expected = (
        "source « Commune de Périgueux (IGN BD TOPO) » écartée : mirror file of source "
        "`ign.bdtopo.commune.perigueux` `other/perigueux_commune_bdtopo.gpkg` has sha256"
    )
    assert any(n.startswith(expected) for n in entry["notes"])


def test_a_source_gone_from_the_mirror_keeps_the_last_good_layer(perigueux_good, mirror, mirror_links, tmp_path):
    store = copy_store(perigueux_good, tmp_path / "layers")
    before = store.layer_path("perigueux", "flood").read_bytes()
    partial = mirror_links
    shutil.rmtree(partial / "flood")
    catalog = Catalog.load()
    build_territory(catalog.territory("perigueux"), catalog, store, offline=True, mirror=partial, only=["flood"])
    entry = store.manifest("perigueux")["layers"]["flood"]
    assert entry["status"] == "stale" and "absente du miroir local" in entry["reason"]
    assert store.layer_path("perigueux", "flood").read_bytes() == before
