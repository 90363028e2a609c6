"""The heat layer: LCZ → heat class table, the four readers, the merge of sources, the LST anomaly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from _context import build_real, make_context
from rasterio.transform import from_origin
from shapely.geometry import box

from pipelines.catalog import Catalog
from pipelines.errors import SourceFormatError
from pipelines.layers.heat import (
    LCZ_HEAT_CLASS,
    build,
    lcz_code,
    lst_anomaly,
    merge_by_priority,
    read_cerema,
    read_geoclimate,
    read_wudapt,
)

GEOCLIMATE = "heat/redon_lcz_geoclimate_osm2022.geojson"
WUDAPT = "heat/redon_lcz_wudapt_eu_100m.tif"
COMMUNE = box(0, 0, 1000, 1000)


def _hectares(frame: gpd.GeoDataFrame, by: str) -> dict:
    return (frame.area / 1e4).groupby(frame[by]).sum().round(6).to_dict()


def _write_tif(path: Path, values: np.ndarray, *, crs: str = "EPSG:2154", cell: float = 100.0, nodata=None) -> Path:
    """A float32 GeoTIFF whose top-left corner is (0, rows × cell) in ``crs``."""
    rows, cols = values.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(0, rows * cell, cell, cell),
        nodata=nodata,
    ) as out:
        out.write(values.astype("float32"), 1)
    return path


def test_lcz_heat_class_table():
    expected = {
        "chaud": {"1", "2", "3", "7", "8", "10", "E"},
        "tiede": {"4", "5", "6", "9", "F"},
        "frais": {"A", "B", "C", "D", "G"},
    }
    assert {c: {k for k, v in LCZ_HEAT_CLASS.items() if v == c} for c in expected} == expected
    assert len(LCZ_HEAT_CLASS) == 17


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (2, "2"),
        ("10", "10"),
        (101, "A"),
        (105, "E"),
        (11, "A"),
        (17.0, "G"),
        ("e", "E"),
        ("LCZ 3", "3"),
        ("2.0", "2"),
        (0, None),
        (18, None),
        (108, None),
        ("Z", None),
        (float("nan"), None),
        (None, None),
    ],
)
def test_lcz_code_normalises_every_coding(value, code):
    assert lcz_code(value) == code


def test_read_real_geoclimate_redon(mirror):
    frame = read_geoclimate(mirror / GEOCLIMATE)
    assert len(frame) == 521 and frame.crs.to_epsg() == 2154
    counts = frame["lcz"].value_counts().to_dict()
    # Counts of SOURCES_OSM_CYCLE_HEAT.md (104 → D, 105 → E, 101 → A, 107 → G).
    assert {k: counts[k] for k in ("D", "E", "A", "9", "G", "6", "2", "8")} == {
        "D": 139,
        "E": 138,
        "A": 63,
        "9": 60,
        "G": 39,
        "6": 33,
        "2": 23,
        "8": 21,
    }


def test_read_real_wudapt_redon(mirror):
    frame = read_wudapt(mirror / WUDAPT)
    # Codes 3, 6, 8, 9, 11, 12, 14, 16, 17 of the crop; 60 × 57 cells of 1 ha, all valid.
    assert set(frame["lcz"]) == {"3", "6", "8", "9", "A", "B", "D", "F", "G"}
    assert frame.area.sum() / 1e4 == pytest.approx(3420, rel=0.005)  # EPSG:3035 → 2154 scale change < 0.5 %
    assert _hectares(frame, "lcz")["3"] == pytest.approx(20, rel=0.005)


def test_redon_heat_from_both_sources_without_double_count(mirror, store):
    outcomes = build_real("redon", ["commune", "heat"], mirror, store)
    assert outcomes["commune"].status == outcomes["heat"].status == "ok", outcomes
    heat, commune = store.read_layer("redon", "heat"), store.read_layer("redon", "commune")
    counts = heat["lcz_source"].value_counts().to_dict()
    assert counts["geoclimate.lcz.redon"] == 521  # every RSU lies in the commune + 500 m
    assert counts["wudapt.lcz.europe"] > 0
    assert heat.area.sum() == pytest.approx(heat.union_all().area, rel=1e-6)  # a partition: nothing counted twice
    vector = read_geoclimate(mirror / GEOCLIMATE).union_all()
    filled = heat[heat["lcz_source"] == "wudapt.lcz.europe"]
    assert filled.geometry.intersection(vector).area.sum() < 1.0  # the raster only fills where the vector is absent
    entry = store.manifest("redon")["layers"]["heat"]
    assert entry["sources"] == ["geoclimate.lcz.redon", "wudapt.lcz.europe"]
    inside = entry["heat_class_ha_in_commune"]
    assert sum(inside.values()) == pytest.approx(heat.clip(commune).area.sum() / 1e4, abs=0.2)
    assert inside == pytest.approx({"chaud": 289.7, "tiede": 297.2, "frais": 945.8}, abs=0.2)


def test_towns_without_lcz_are_unavailable_with_cerema_url(mirror, store):
    outcome = build_real("valence", ["heat"], mirror, store)["heat"]
    assert outcome.status == "unavailable"
    assert outcome.urls == [Catalog.load().source("cerema.lcz.2022").url]


@pytest.fixture
def cerema_zip(tmp_path: Path):
    """A Cerema-style zip: the LCZ shapefile (field ``lcz`` and morphology fields), an outline, a CSV."""

    def make(field: str = "lcz") -> Path:
        folder = tmp_path / "src" / "LCZ_SPOT_2022_testville"
        folder.mkdir(parents=True, exist_ok=True)
        squares = [box(0, 0, 500, 500), box(500, 0, 1000, 500), box(0, 500, 500, 1000), box(500, 500, 1000, 1000)]
        lcz = gpd.GeoDataFrame(
            {field: ["2", "6", "A", "E"], "hre": [15.0, 6.0, 0.0, 0.0], "bur": [0.5, 0.2, 0.0, 0.0]},
            geometry=squares,
            crs="EPSG:2154",
        )
        lcz.to_file(folder / "lcz_spot_2022_testville.shp", driver="ESRI Shapefile")
        outline = gpd.GeoDataFrame({"nom": ["Testville"]}, geometry=[box(-100, -100, 1100, 1100)], crs="EPSG:2154")
        outline.to_file(folder / "emprise_aire_urbaine.shp", driver="ESRI Shapefile")
        (folder / "communes_couvertes.csv").write_text("insee\n99998\n", encoding="utf-8")
        target = tmp_path / f"lcz_testville_{field}.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"{folder.name}/{path.name}")
        return target

    return make


@pytest.mark.parametrize("field", ["lcz", "LCZ"])
def test_cerema_zip_layout(cerema_zip, field):
    frame = read_cerema(cerema_zip(field))
    assert _hectares(frame, "lcz") == {"2": 25.0, "6": 25.0, "A": 25.0, "E": 25.0}  # the outline is ignored


def test_cerema_zip_without_lcz_field_names_the_zip(tmp_path):
    outline = gpd.GeoDataFrame({"nom": ["x"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:2154")
    outline.to_file(tmp_path / "emprise.shp", driver="ESRI Shapefile")
    target = tmp_path / "lcz_vide.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in tmp_path.glob("emprise.*"):
            archive.write(path, path.name)
    with pytest.raises(SourceFormatError, match=r"lcz_vide\.zip.*no shapefile or GeoPackage with an LCZ field"):
        read_cerema(target)


def test_build_from_cerema_zip_gives_heat_classes(cerema_zip, tmp_path):
    ctx = make_context(tmp_path, "heat", [("test.cerema", "lcz-cerema-zip", cerema_zip().name, {})], COMMUNE)
    result = build(ctx)
    assert _hectares(result.frame, "heat_class") == {"chaud": 50.0, "tiede": 25.0, "frais": 25.0}
    assert result.extra["heat_class_ha_in_commune"] == {"chaud": 50.0, "tiede": 25.0, "frais": 25.0}
    assert set(result.frame["lcz_source"]) == {"test.cerema"} and "lst_anomaly_c" not in result.frame


def test_wudapt_polygonise_skips_nodata_and_out_of_range(tmp_path):
    values = np.array([[3, 3, 14, 14], [3, 3, 14, 14], [17, 17, np.nan, np.nan], [17, 17, 0, 0]])
    frame = read_wudapt(_write_tif(tmp_path / "lcz.tif", values))
    assert _hectares(frame, "lcz") == {"3": 4.0, "D": 4.0, "G": 4.0}  # 4 cells of 1 ha each; NaN and 0 dropped
    assert len(frame) == 3  # connected cells of one class are one polygon


def test_wudapt_reads_only_the_window_of_the_area(tmp_path):
    values = np.array([[3, 3, 14, 14], [3, 3, 14, 14], [17, 17, 17, 17], [17, 17, 17, 17]])
    frame = read_wudapt(_write_tif(tmp_path / "lcz.tif", values), area=box(0, 300, 150, 400))
    assert _hectares(frame, "lcz") == {"3": 2.0}  # the top-left 2 × 1 cells cover the area's bounds


def test_merge_by_priority_first_source_wins_and_drops_slivers():
    vector = gpd.GeoDataFrame({"lcz": ["2"], "lcz_source": ["v"]}, geometry=[box(0, 0, 500, 1000)], crs="EPSG:2154")
    raster = gpd.GeoDataFrame(
        {"lcz": ["D", "A"], "lcz_source": ["r", "r"]},
        geometry=[box(0, 0, 1000, 1000), box(-1, 0, 500, 1000)],  # the second leaves a 1 m × 1,000 m sliver
        crs="EPSG:2154",
    )
    merged, dropped = merge_by_priority([vector, raster])
    assert _hectares(merged, "lcz") == {"2": 50.0, "D": 50.0}
    assert dropped == 1


def test_lst_anomaly_exact_cell_fractions(tmp_path):
    # One row of 100 m cells over x 0–400: 300, 302, 304, 306 K; commune mean 303 K.
    tif = _write_tif(tmp_path / "lst.tif", np.array([[300.0, 302.0, 304.0, 306.0]]))
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100), box(150, 0, 350, 100)], crs="EPSG:2154")
    anomaly = lst_anomaly(zones, tif, box(0, 0, 400, 100), "kelvin")
    # Zone 1: (300 + 302) / 2 = 301 → −2; zone 2: (0.5 × 302 + 304 + 0.5 × 306) / 2 = 304 → +1.
    assert anomaly.to_list() == pytest.approx([-2.0, 1.0])
    celsius = _write_tif(tmp_path / "lst_c.tif", np.array([[26.85, 28.85, 30.85, 32.85]]))
    assert lst_anomaly(zones, celsius, box(0, 0, 400, 100), "celsius").to_list() == pytest.approx([-2.0, 1.0], abs=1e-4)


def test_lst_unit_mismatch_is_reported(tmp_path):
    tif = _write_tif(tmp_path / "lst.tif", np.array([[26.0, 28.0, 30.0, 32.0]]))
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100)], crs="EPSG:2154")
    with pytest.raises(SourceFormatError, match=r"lst\.tif.*-244\.1 °C.*options\.unit"):
        lst_anomaly(zones, tif, box(0, 0, 400, 100), "kelvin")
    with pytest.raises(SourceFormatError, match="expected one of"):
        lst_anomaly(zones, tif, box(0, 0, 400, 100), "fahrenheit")


def test_build_with_lst_source(cerema_zip, tmp_path):
    # Landsat-style integers: value × 0.5 + 250 = K; columns 300 K on the west half, 310 K on the east half.
    values = np.array([[100.0] * 5 + [120.0] * 5] * 10)
    _write_tif(tmp_path / "lst.tif", values)
    sources = [
        ("test.cerema", "lcz-cerema-zip", cerema_zip().name, {}),
        ("test.lst", "lst-tif", "lst.tif", {"unit": "kelvin", "scale": 0.5, "offset": 250.0}),
    ]
    result = build(make_context(tmp_path, "heat", sources, COMMUNE))
    anomaly = dict(zip(result.frame["lcz"], result.frame["lst_anomaly_c"], strict=True))
    # Commune mean 305 K: west squares (LCZ 2, A) are −5 °C, east squares (6, E) +5 °C.
    assert anomaly == pytest.approx({"2": -5.0, "A": -5.0, "6": 5.0, "E": 5.0})
    assert result.sources == ["test.cerema", "test.lst"]


def test_geoclimate_fixture_codes_and_overlap_note(tmp_path):
    # GeoClimate coding (101 = A, 105 = E) in UTM 30N; two 200 m × 100 m rectangles overlapping by 1 ha.
    rsu = gpd.GeoDataFrame(
        {"ID_RSU": [1, 2], "LCZ_PRIMARY": [101, 105]},
        geometry=[box(0, 0, 200, 100), box(100, 0, 300, 100)],
        crs="EPSG:2154",
    ).to_crs("EPSG:32630")
    rsu.to_file(tmp_path / "rsu_lcz.geojson", driver="GeoJSON")
    ctx = make_context(tmp_path, "heat", [("test.gc", "geoclimate-rsu-lcz", "rsu_lcz.geojson", {})], COMMUNE)
    result = build(ctx)
    assert _hectares(result.frame, "heat_class") == pytest.approx({"frais": 2.0, "chaud": 2.0}, abs=1e-3)
    assert "test.gc : 1.0 ha de polygones LCZ superposés dans la source" in result.notes
