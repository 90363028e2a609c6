"""The flood layer: the real Périgueux TRI of the mirror and a département zip in the official layout."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from _context import build_real, make_context
from pyproj import CRS
from shapely.geometry import box

from pipelines.build import build_territory
from pipelines.errors import SourceFormatError
from pipelines.layers.flood import TRI_LAYER, build, read_tri, scenario_report

PERIGUEUX_TRI = "flood/perigueux_FRF_TRI_PERI"
COMMUNE = box(0, 0, 1000, 1000)  # 1 km², so the area of interest reaches x = 1,500 m on the east side


def _write_layer(folder: Path, name: str, squares: list, scenario: str, typ: str) -> None:
    frame = gpd.GeoDataFrame(
        {"id_tri": ["FRD_TRI_TEST"] * len(squares), "scenario": [scenario] * len(squares), "typ_inond": typ},
        geometry=squares,
        crs="EPSG:2154",
    )
    frame.to_file(folder / name, driver="ESRI Shapefile")


def _zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent).as_posix())
    return target


@pytest.fixture
def tri_zip(tmp_path: Path) -> Path:
    """tri_2020_sig_di_99.zip: one TRI folder, types 01/02/03, the four scenarios, one `01For` name."""
    tri = tmp_path / "src" / "FRD_TRI_TEST"
    tri.mkdir(parents=True)
    # 100 m × 100 m = 1 ha, inside the commune; upper-case scenario code as in some deliveries.
    _write_layer(tri, "n_tri_test_inondable_01_01For_s_099.shp", [box(100, 100, 200, 200)], "01For", "01")
    _write_layer(tri, "n_tri_test_inondable_02_01for_s_099.shp", [box(500, 500, 600, 600)], "01For", "02")  # 1 ha
    _write_layer(tri, "n_tri_test_inondable_01_02moy_s_099.shp", [box(100, 100, 300, 200)], "02Moy", "01")  # 2 ha
    # 3 ha inside; 200 m × 200 m astride the context edge x = 1,500 keeps 100 m × 200 m = 2 ha; one far away.
    faible = [box(100, 100, 400, 200), box(1400, 400, 1600, 600), box(5000, 5000, 5100, 5100)]
    _write_layer(tri, "n_tri_test_inondable_01_04fai_s_099.shp", faible, "04Fai", "01")
    _write_layer(tri, "n_tri_test_inondable_03_03mcc_s_099.shp", [box(0, 900, 100, 950)], "03Mcc", "03")  # 0.5 ha
    # Water-depth classes share the folder: not a floodable-surface layer, must be ignored.
    _write_layer(tri, "n_tri_test_isoclasse_01_01for_s_099.shp", [box(0, 0, 1000, 1000)], "01For", "01")
    (tri / "LISEZMOI.txt").write_text("métadonnées", encoding="utf-8")
    return _zip_folder(tri, tmp_path / "tri_2020_sig_di_99.zip")


def test_mirror_prj_is_recognised_as_lambert93(mirror):
    prj = mirror / PERIGUEUX_TRI / "n_tri_peri_inondable_01_01for_s_024.prj"
    assert "EPSG" not in prj.read_text()  # ESRI WKT, no authority code
    assert CRS.from_wkt(prj.read_text()).to_epsg() == 2154


def test_read_real_perigueux_tri(mirror):
    frame = read_tri(mirror / PERIGUEUX_TRI)
    assert len(frame) == 114
    assert frame.crs.to_epsg() == 2154
    assert frame.area.sum() / 1e4 == pytest.approx(1060.7, abs=0.05)
    assert set(frame["scenario"]) == {"fort"}
    assert set(frame["flood_type"]) == {"debordement"}
    assert set(frame["tri_name"]) == {"FRF_TRI_PERI"}
    # The same layer given as a single .shp path (its .prj found next to it).
    assert len(read_tri(mirror / PERIGUEUX_TRI / "n_tri_peri_inondable_01_01for_s_024.shp")) == 114


def test_perigueux_flood_layer_from_mirror(mirror, store):
    outcomes = build_real("perigueux", ["commune", "flood"], mirror, store)
    assert outcomes["commune"].status == outcomes["flood"].status == "ok", outcomes
    flood, commune = store.read_layer("perigueux", "flood"), store.read_layer("perigueux", "commune")
    # 62.4 ha of the TRI fall inside the BD TOPO boundary of Périgueux (SOURCES_MORE.md).
    assert flood.geometry.intersection(commune.geometry.iloc[0]).area.sum() / 1e4 == pytest.approx(62.4, abs=0.05)
    assert flood.geometry.is_valid.all() and set(flood["scenario"]) == {"fort"}
    entry = store.manifest("perigueux")["layers"]["flood"]
    assert entry["scenarios_present"] == ["fort"]
    assert entry["scenarios_missing"] == ["moyen", "moyen_cc", "faible"]
    assert entry["notes"] == ["scénarios moyen et faible absents de la source : non disponibles, pas nuls"]


def test_a_commune_the_mirrors_tri_extract_does_not_cover_is_unavailable(mirror, store):
    # Bergerac (24037): the mirror's Dordogne source is the TRI of Périgueux alone, 25 km away: its
    # absence of zones says nothing of Bergerac (the département zip holds every TRI of the Dordogne)
    from pipelines.build import build_territory
    from pipelines.catalog import Catalog

    catalog = Catalog.load()
    outcomes = build_territory(catalog.territory("24037"), catalog, store, mirror=mirror, only=["flood"])
    flood = {o.layer: o for o in outcomes}["flood"]
    assert flood.status == "unavailable", flood.reason
    assert flood.reason.startswith("le miroir ne contient que le TRI de Périgueux pour le département 24")
    assert flood.urls == ["https://files.georisques.fr/di_2020/tri_2020_sig_di_24.zip"]


def test_towns_without_tri_are_unavailable_with_departement_zip(mirror, store):
    outcome = build_real("ales", ["flood"], mirror, store)["flood"]
    assert outcome.status == "unavailable"
    assert outcome.urls == ["https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip"]
    assert "Aucun TRI d'Alès" in outcome.reason


def test_official_zip_layout_all_scenarios(tri_zip, tmp_path):
    ctx = make_context(tmp_path, "flood", [("test.tri", "tri-2020", tri_zip.name, {})], COMMUNE)
    result = build(ctx)
    frame = result.frame
    hectares = (frame.area / 1e4).groupby(frame["scenario"]).sum().round(6).to_dict()
    assert hectares == {"fort": 2.0, "moyen": 2.0, "faible": 5.0, "moyen_cc": 0.5}
    assert len(frame) == 6  # the far-away square is clipped out, the isoclasse layer ignored
    by_type = frame.groupby(["scenario", "flood_type"]).size().to_dict()
    assert by_type[("fort", "ruissellement")] == 1 and by_type[("moyen_cc", "submersion marine")] == 1
    assert set(frame["tri_name"]) == {"FRD_TRI_TEST"}
    assert result.extra["scenarios_present"] == ["fort", "moyen", "moyen_cc", "faible"]
    assert result.extra["scenarios_missing"] == [] and result.notes == []
    assert result.sources == ["test.tri"]


def test_scenario_report_names_moyen_cc_only_for_marine_tri():
    river = [("fort", "debordement")]
    assert scenario_report(river)[1] == ["scénarios moyen et faible absents de la source : non disponibles, pas nuls"]
    extra, notes = scenario_report([("fort", "submersion marine"), ("moyen", "submersion marine")])
    assert extra["scenarios_missing"] == ["moyen_cc", "faible"]
    assert notes == [
        "scénarios moyen avec changement climatique et faible absents de la source : non disponibles, pas nuls"
    ]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("n_tri_peri_inondable_01_01for_s_024.shp", ("01for", None)),
        ("N_TRI_PERI_INONDABLE_01_01FOR_S_024.SHP", ("01for", None)),
        ("n_tri_st_etienne_inondable_02_04Fai_s_042.shp", ("04fai", None)),
        ("n_tri_tours_inondable_01_02moy_cher_s_037.shp", ("02moy", "cher")),  # river name before _s_
        ("n_inondable_03_03mcc_s.shp", ("03mcc", None)),  # national consolidated delivery
        ("n_inondable_03_03mcc_ct_s.shp", ("03mcc_ct", None)),  # climate-change horizon: recognised, then skipped
    ],
)
def test_tri_layer_name_variants(name, key):
    match = TRI_LAYER.fullmatch(name)
    assert (match["scenario"].lower(), match["river"]) == key


def test_climate_change_horizon_layers_are_skipped(tri_zip, tmp_path):
    extended = tmp_path / "extended.zip"
    with zipfile.ZipFile(tri_zip) as src, zipfile.ZipFile(extended, "w") as dst:
        for item in src.infolist():
            data = src.read(item)  # before writestr, which moves the header offset of ``item``
            dst.writestr(item.filename, data)
            if "_03_03mcc_s_099" in item.filename:
                dst.writestr(item.filename.replace("_03mcc_s_", "_03mcc_ct_s_"), data)
    logged = []
    frame = read_tri(extended, log=logged.append)
    assert len(frame) == 7 and (frame["scenario"] == "moyen_cc").sum() == 1  # the _ct copy is not read
    assert len(logged) == 1 and "03mcc_ct_s_099.shp" in logged[0]


def test_zip_without_tri_layer_names_the_zip(tmp_path):
    folder = tmp_path / "src" / "FRD_TRI_TEST"
    folder.mkdir(parents=True)
    _write_layer(folder, "n_tri_test_isoclasse_01_01for_s_099.shp", [box(0, 0, 10, 10)], "01For", "01")
    target = _zip_folder(folder, tmp_path / "tri_2020_sig_di_98.zip")
    with pytest.raises(SourceFormatError, match="tri_2020_sig_di_98.zip.*no TRI layer"):
        read_tri(target)


def test_missing_prj_names_the_file(tri_zip, tmp_path):
    stripped = tmp_path / "no_prj.zip"
    with zipfile.ZipFile(tri_zip) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if not item.filename.endswith("01_02moy_s_099.prj"):
                dst.writestr(item.filename, src.read(item))
    with pytest.raises(SourceFormatError, match=r"n_tri_test_inondable_01_02moy_s_099\.shp.*no \.prj"):
        read_tri(stripped)


def test_corrupt_shapefile_is_an_error_for_flood_only(tri_zip, tmp_path, store):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(tri_zip) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            corrupt = item.filename.endswith("01_04fai_s_099.shp")
            dst.writestr(item.filename, b"not a shapefile" * 10 if corrupt else src.read(item))
    with pytest.raises(SourceFormatError, match=r"broken\.zip!FRD_TRI_TEST/n_tri_test_inondable_01_04fai_s_099\.shp"):
        read_tri(broken)
    ctx = make_context(tmp_path, "flood", [("test.tri", "tri-2020", broken.name, {})], COMMUNE)
    store.write_layer("test", "commune", ctx.commune, {"label": "commune", "sources": [], "notes": []})
    outcomes = build_territory(ctx.territory, ctx.catalog, store, offline=True, mirror=tmp_path, only=["flood"])
    outcome = next(o for o in outcomes if o.layer == "flood")
    assert outcome.status == "error" and "04fai_s_099.shp" in outcome.reason
    assert store.manifest("test")["layers"]["commune"]["status"] == "ok"
