"""QPV layer: 2015 ↔ 2024 name matching, the three readers on official layouts, the build on the mirror."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipelines.build import build_territory
from pipelines.catalog import Catalog, Source, Territory
from pipelines.errors import LayerUnavailable, SourceFormatError
from pipelines.layers import qpv
from pipelines.layers._common import BuildContext
from pipelines.layers._qpv_match import match_qpv, name_score
from pipelines.store import Store

MODIFIED = "contour 2015, modifié en 2024"


# -- matching --------------------------------------------------------------------------------
def test_name_score_on_real_drifts():
    # one word differs by one letter: word ratio 20/21 ≥ 0.85, so the word sets overlap fully
    assert name_score("Valensolles", "Valensoles") == (1.0, "token-overlap")
    # 25-char shared prefix "teisseire abbaye jouhaux " + 3 single chars matched: 2 × 28 / 66
    score, rule = name_score("Teisseire Abbaye Jouhaux Malherbe", "Teisseire Abbaye Jouhaux Châtelet")
    assert rule == "string-ratio" and score == pytest.approx(56 / 66)
    assert name_score("Les Hauts de Valence", "Les Hauts De Valence") == (1.0, "exact-name")
    # the 2015 name is contained in the 2024 one: overlap 1 / min(1, 4)
    assert name_score("Mistral Lys Rouge Camine", "Mistral") == (1.0, "token-overlap")
    assert name_score("Cœur De Loriol", "Coeur De Loriol") == (1.0, "exact-name")
    assert name_score("Polygone", "Chamberlière")[0] < 0.6


def test_match_statuses_follow_the_code_letter():
    qpv2024 = [
        ("QN02606M", "Polygone"),
        ("QN02608I", "Valensolles"),
        ("QN03808M", "Teisseire Abbaye Jouhaux Malherbe"),
        ("QN02699N", "Polygone Nord"),  # new in 2024: never takes a 2015 contour
    ]
    qpv2015 = [
        ("QP038008", "Teisseire Abbaye Jouhaux Châtelet"),
        ("QP026008", "Valensoles"),
        ("QP026006", "Polygone"),
    ]
    got = {m.code_qp: m for m in match_qpv(qpv2024, qpv2015)}
    assert [(c, got[c].code_qp_2015, got[c].perimeter_status) for c in got] == [
        ("QN02606M", "QP026006", MODIFIED),
        ("QN02608I", "QP026008", "exact"),
        ("QN03808M", "QP038008", MODIFIED),
        ("QN02699N", None, "indisponible"),
    ]
    assert got["QN02699N"].rule == "new-2024" and got["QN02699N"].score is None
    assert got["QN03808M"].score == round(56 / 66, 3)


def test_match_is_one_to_one_and_below_threshold_is_no_match():
    # both 2024 names score 1.0 against "Mistral"; the tie goes to the higher string ratio
    # ("mistral nord" 2×7/19 = 0.737 against "mistral lys rouge camine" 2×7/31 = 0.452)
    qpv2024 = [("QN03806M", "Mistral Lys Rouge Camine"), ("QN03899M", "Mistral Nord"), ("QN03898I", "Arlequin")]
    got = match_qpv(qpv2024, [("QP038006", "Mistral")])
    assert [(m.code_qp, m.code_qp_2015, m.rule, m.perimeter_status) for m in got] == [
        ("QN03806M", None, "no-match", "indisponible"),
        ("QN03899M", "QP038006", "token-overlap", MODIFIED),
        ("QN03898I", None, "no-match", "indisponible"),
    ]


# -- fixtures in the official layouts (Lambert-93 metres, so areas are hand-checkable) ------------
COMMUNE = shapely.box(0, 0, 1000, 1000)  # 100 ha
BOWTIE = shapely.Polygon([(100, 100), (300, 300), (300, 100), (100, 300)])  # self-crossing: invalid


def write_qp2015(folder: Path) -> Path:
    """A 2015 national shapefile as CGET published it: WGS84 there, L93 here; cp1252 DBF, LDID 87, no .cpg."""
    frame = gpd.GeoDataFrame(
        {
            "CODE_QP": ["QP099001", "QP099002", "QP099003", "QP099004", "QP099005"],
            "NOM_QP": ["Teisseire Abbaye Jouhaux Châtelet", "Valensoles", "Cœur De Ville", "Voisin", "Frange"],
            "COMMUNE_QP": ["Villeneuve", "Villeneuve", "Villeneuve, Autreville", "Autreville", "Autreville"],
        },
        geometry=[
            BOWTIE,  # crosses at (200, 200): two triangles of 200 × 100 / 2 = 1 ha each once repaired
            shapely.box(400, 400, 600, 600),  # 4 ha, inside
            shapely.box(850, 0, 1050, 100),  # 2 ha, 1.5 ha inside (straddles x = 1000)
            shapely.box(1000, 500, 1100, 600),  # touches the border: 0 ha inside
            shapely.box(990, 800, 1090, 900),  # sliver: 10 × 100 m = 0.1 ha inside
        ],
        crs="EPSG:2154",
    )
    path = folder / "QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp"
    frame.to_file(path, encoding="cp1252", engine="pyogrio")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[29] = 87  # language driver id of Windows-1252, as in the official DBF
    dbf.write_bytes(bytes(raw))
    return path


def write_list(path: Path) -> Path:
    """The ANCT 2024 list as published: ';'-separated, UTF-8 with BOM, one row per (QPV, commune)."""
    rows = [
        "code_qp;lib_qp;insee_com;lib_com;insee_dep",
        "QN09901M;Teisseire Abbaye Jouhaux Malherbe;99001;Villeneuve;99",
        "QN09902I;Valensolles;99001;Villeneuve;99",
        "QN09903M;Cœur de Ville;99001;Villeneuve; Autreville;99",
        "QN09903M;Cœur de Ville;99002;Villeneuve; Autreville;99",
        "QN09904N;Les Jardins;99001;Villeneuve;99",
        "QN09905M;Voisin;99002;Autreville;99",
    ]
    # a commune list inside one field is ';'-joined by ANCT: quote it as the official file does
    text = "\n".join(r.replace("Villeneuve; Autreville", '"Villeneuve; Autreville"') for r in rows) + "\n"
    path.write_text(text, encoding="utf-8-sig")
    return path


def write_zip(path: Path, extensions: tuple[str, ...] = ("gpkg", "geojson", "shp")) -> Path:
    """The ANCT 2024 zip: GEOJSON/, SHP/, GPKG/ folders; the GPKG rows differ to show which one was read."""
    frame = gpd.GeoDataFrame(
        {"code_qp": ["QN09902I", "QN09903M", "QN09905M"], "lib_qp": ["Valensolles", "Cœur de Ville", "Voisin"]},
        geometry=[shapely.box(400, 400, 700, 600), shapely.box(850, 0, 1050, 100), shapely.box(1000, 500, 1100, 600)],
        crs="EPSG:2154",
    )
    staging = path.parent / "staging"
    members = {}
    for ext in extensions:
        folder = staging / ext.upper()
        folder.mkdir(parents=True)
        if ext == "gpkg":
            target = folder / "QP2024_France_Hexagonale_Outre_Mer_LB93.gpkg"
            frame.assign(lib_qp=frame["lib_qp"] + " (gpkg)").to_file(target, layer="qp2024", engine="pyogrio")
        elif ext == "geojson":
            target = folder / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"
            frame.to_crs("EPSG:4326").to_file(target, driver="GeoJSON", engine="pyogrio")
        else:
            target = folder / "QP2024_France_hexagonale_LB93.shp"
            frame.to_file(target, engine="pyogrio")
        for part in folder.iterdir():
            members[f"{ext.upper()}/{part.name}"] = part
    with zipfile.ZipFile(path, "w") as archive:
        for name, part in members.items():
            archive.write(part, name)
    return path


def make_ctx(tmp_path: Path, layers: tuple[str, ...], notes: dict | None = None, log=None) -> BuildContext:
    """A context for commune 99001 (COMMUNE, département 99) whose sources are the fixture files."""
    common = {"publisher": "ANCT", "page": "https://example.org/", "licence": "LO", "vintage": "test"}
    sources = {
        "qp24.zip": Source(
            "qp24.zip",
            "QPV 2024 zip",
            url="https://example.org/qp.zip",
            format="qpv2024-zip",
            mirror="qp2024.zip",
            **common,
        ),
        "qp24.list": Source(
            "qp24.list",
            "QPV 2024 liste",
            url="https://example.org/l.csv",
            format="qpv2024-list-csv",
            mirror="list.csv",
            **common,
        ),
        "qp15": Source(
            "qp15",
            "QPV 2015",
            url="https://example.org/qp15.zip",
            format="qpv2015-shp",
            mirror="qp2015/QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp",
            **common,
        ),
    }
    territory = Territory("villeneuve", "99001", "Villeneuve", "99", layers={"qpv": layers}, notes=notes or {})
    commune = gpd.GeoDataFrame({"insee": ["99001"]}, geometry=[COMMUNE], crs="EPSG:2154")
    lines = log if log is not None else []
    return BuildContext(
        territory,
        Catalog(sources, {territory.id: territory}),
        offline=True,
        mirror=tmp_path,
        cache=tmp_path / "cache",
        commune=commune,
        log=lines.append,
    )


@pytest.fixture
def fixture_mirror(tmp_path: Path) -> Path:
    (tmp_path / "qp2015").mkdir()
    write_qp2015(tmp_path / "qp2015")
    write_list(tmp_path / "list.csv")
    return tmp_path


def test_read_qpv2015_decodes_cp1252_and_repairs_the_bowtie(fixture_mirror):
    frame = qpv.read_qpv2015_shp(fixture_mirror / "qp2015" / "QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp")
    assert frame.attrs["invalid"] == 1
    assert frame.is_valid.all() and len(frame) == 5
    assert frame["name"].tolist()[:3] == ["Teisseire Abbaye Jouhaux Châtelet", "Valensoles", "Cœur De Ville"]
    assert frame.geometry.iloc[0].area == pytest.approx(2 * 200 * 100 / 2)  # two 1 ha triangles


def test_read_list_official_layout(fixture_mirror):
    table = qpv.read_qpv2024_list(fixture_mirror / "list.csv")
    assert len(table) == 6 and table["code_qp"].nunique() == 5
    assert table.loc[2, "lib_com"] == "Villeneuve; Autreville" and table.loc[0, "insee_dep"] == "99"


def test_offline_build_from_list_and_2015_contours(fixture_mirror):
    log: list[str] = []
    ctx = make_ctx(fixture_mirror, ("qp24.zip", "qp24.list", "qp15"), log=log)
    result = qpv.build(ctx)
    frame = result.frame.set_index("code_qp")
    # QN09905M is Autreville's (not this commune's row); 2015 Voisin/Frange are outside by ≤ 0.5 ha
    assert list(frame.index) == ["QN09901M", "QN09902I", "QN09903M", "QN09904N"]
    assert frame["perimeter_status"].tolist() == [MODIFIED, "exact", MODIFIED, "indisponible"]
    assert frame["code_qp_2015"].tolist()[:3] == ["QP099001", "QP099002", "QP099003"]
    assert pd.isna(frame["code_qp_2015"].iloc[3]) and pd.isna(frame["area_ha"].iloc[3])
    assert frame["area_ha"].round(6).tolist()[:3] == [2.0, 4.0, 2.0]
    assert frame["area_in_commune_ha"].round(6).tolist()[:3] == [2.0, 4.0, 1.5]
    assert frame.geometry.iloc[3] is None and frame["name"].iloc[3] == "Les Jardins"
    assert frame.geometry.iloc[2].area == pytest.approx(20_000)  # full contour kept for display
    assert set(frame["generation"]) == {"2024"} and set(frame["insee_com"]) == {"99001"}
    assert result.sources == ["qp24.list", "qp15"]
    table = {m["code_qp"]: m for m in result.extra["qpv_matching"]}
    assert table["QN09901M"]["rule"] == "string-ratio" and table["QN09904N"]["rule"] == "new-2024"
    assert any("match QN09902I ← QP099002 score=1.0" in line for line in log)
    assert any("left out QP099005" in line and "0.10 ha" in line for line in log)
    assert any("QN09904N" in note for note in result.notes)


def test_2015_only_when_no_list(fixture_mirror):
    result = qpv.build(make_ctx(fixture_mirror, ("qp24.zip", "qp15")))
    frame = result.frame
    assert frame["code_qp_2015"].tolist() == ["QP099001", "QP099002", "QP099003"]
    assert set(frame["generation"]) == {"2015"} and set(frame["perimeter_status"]) == {"contour 2015"}
    assert frame["code_qp"].isna().all()
    assert "département 99 absente du miroir" in result.notes[0]


def test_list_not_covering_the_departement_falls_back_to_2015(fixture_mirror):
    text = (fixture_mirror / "list.csv").read_text(encoding="utf-8-sig").replace(";99\n", ";98\n")
    (fixture_mirror / "list.csv").write_text(text, encoding="utf-8-sig")
    result = qpv.build(make_ctx(fixture_mirror, ("qp24.list", "qp15")))
    assert set(result.frame["generation"]) == {"2015"} and len(result.frame) == 3


@pytest.mark.parametrize(
    ("extensions", "picked"),
    [
        (("gpkg", "geojson", "shp"), ["GPKG/QP2024_France_Hexagonale_Outre_Mer_LB93.gpkg"]),
        (("geojson", "shp"), ["GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"]),
        (("shp",), ["SHP/QP2024_France_hexagonale_LB93.shp"]),
    ],
)
def test_zip_member_picked_by_extension(tmp_path, extensions, picked):
    assert qpv.pick_zip_members(write_zip(tmp_path / "qp2024.zip", extensions)) == picked


def test_online_build_from_the_2024_zip(fixture_mirror):
    write_zip(fixture_mirror / "qp2024.zip", ("geojson", "shp"))
    result = qpv.build(make_ctx(fixture_mirror, ("qp24.zip", "qp24.list", "qp15")))
    frame = result.frame
    # Voisin touches the border only; the straddling Cœur de Ville keeps its full 2 ha contour
    assert frame["code_qp"].tolist() == ["QN09902I", "QN09903M"]
    assert frame["area_ha"].round(3).tolist() == [6.0, 2.0]  # 300 × 200 m, 200 × 100 m
    assert frame["area_in_commune_ha"].round(3).tolist() == [6.0, 1.5]
    assert set(frame["perimeter_status"]) == {"exact"} and set(frame["generation"]) == {"2024"}
    assert frame["code_qp_2015"].tolist() == ["QP099002", "QP099003"]
    assert result.sources == ["qp24.zip", "qp15"]


def test_gpkg_is_read_when_present(fixture_mirror):
    write_zip(fixture_mirror / "qp2024.zip")
    frame = qpv.read_qpv2024_zip(fixture_mirror / "qp2024.zip")
    assert frame["name"].tolist() == ["Valensolles (gpkg)", "Cœur de Ville (gpkg)", "Voisin (gpkg)"]


def test_no_qpv_declared_is_unavailable_with_the_note(fixture_mirror):
    ctx = make_ctx(fixture_mirror, (), notes={"qpv": "Villeneuve ne compte aucun quartier prioritaire."})
    with pytest.raises(LayerUnavailable, match="Villeneuve ne compte aucun quartier prioritaire"):
        qpv.build(ctx)


# -- the real mirror -------------------------------------------------------------------------
def test_real_2015_file_and_list(mirror):
    national = qpv.read_qpv2015_shp(mirror / "qpv/france_qp2015_cget_shp/QP_METROPOLEOUTREMER_WGS84_EPSG4326.shp")
    assert len(national) == 1514 and national.attrs["invalid"] == 34 and national.is_valid.all()
    assert {"Teisseire Abbaye Jouhaux Châtelet", "Cœur de Ville", "Bois D’Olives"} <= set(national["name"])
    table = qpv.read_qpv2024_list(mirror / "qpv/qp2024_list_dep26_30_38.csv")
    assert len(table) == 58 and table["code_qp"].nunique() == 53


@pytest.fixture(scope="module")
def built(mirror, tmp_path_factory):
    """The qpv layer of every real territory, built offline from the mirror (commune first)."""
    catalog = Catalog.load()
    store = Store(tmp_path_factory.mktemp("qpv-layers"))
    outcomes = {}
    for tid in ("ales", "valence", "grenoble", "perigueux", "redon"):
        result = build_territory(
            catalog.territory(tid), catalog, store, mirror=mirror, only=["qpv"], log=lambda _: None
        )
        outcomes[tid] = {o.layer: o for o in result}
    return store, outcomes


def _layer(built, tid):
    store, outcomes = built
    assert outcomes[tid]["qpv"].status == "ok", outcomes[tid]["qpv"].reason
    return store.read_layer(tid, "qpv"), store.manifest(tid)["layers"]["qpv"]


def test_ales(built):
    frame, entry = _layer(built, "ales")
    assert frame[["code_qp", "code_qp_2015", "perimeter_status"]].values.tolist() == [["QN03001I", "QP030001", "exact"]]
    assert frame.is_valid.all() and frame.area.iloc[0] / 1e4 == pytest.approx(235, abs=2)


def test_valence(built):
    frame, entry = _layer(built, "valence")
    got = frame.set_index("code_qp")
    assert got["area_ha"].round(1).to_dict() == {"QN02606M": 11.8, "QN02607M": 86.1, "QN02608I": 10.3, "QN02609M": 9.6}
    assert got.loc["QN02608I", ["code_qp_2015", "perimeter_status"]].tolist() == ["QP026008", "exact"]
    assert (got["perimeter_status"] == MODIFIED).sum() == 3
    rules = {m["code_qp"]: (m["name_2015"], m["rule"]) for m in entry["qpv_matching"]}
    assert rules["QN02608I"] == ("Valensoles", "token-overlap")


def test_grenoble(built):
    frame, entry = _layer(built, "grenoble")
    assert sorted(frame["code_qp"]) == ["QN03806M", "QN03807M", "QN03808M", "QN03809M"]
    assert set(frame["perimeter_status"]) == {MODIFIED}
    assert "QP038003" not in set(frame["code_qp_2015"])  # Échirolles' Essarts - Surieux: 0.04 ha sliver
    malherbe = next(m for m in entry["qpv_matching"] if m["code_qp"] == "QN03808M")
    assert malherbe["name_2015"] == "Teisseire Abbaye Jouhaux Châtelet" and malherbe["score"] == 0.848


def test_perigueux_straddling_qpv(built):
    frame, entry = _layer(built, "perigueux")
    assert frame[["code_qp_2015", "generation", "perimeter_status"]].values.tolist() == [
        ["QP024005", "2015", "contour 2015"]
    ]
    assert frame["area_ha"].iloc[0] == pytest.approx(45.1, abs=0.2)
    assert frame["area_in_commune_ha"].iloc[0] == pytest.approx(32.1, abs=0.2)
    assert "département 24 absente du miroir" in entry["notes"][0]


def test_redon_keeps_its_2015_qpv(built):
    # SOURCES said Redon has no QPV; the national 2015 file has QP035007 Bellevue inside the commune.
    # The 2024 list of département 35 is not mirrored, so the 2015 contour is kept and labelled as such.
    frame, entry = _layer(built, "redon")
    assert frame["code_qp_2015"].tolist() == ["QP035007"]
    assert frame["name"].iloc[0].startswith("Bellevue")
    assert frame["perimeter_status"].tolist() == ["contour 2015"]
    assert frame.area.iloc[0] / 1e4 == pytest.approx(20.3, abs=0.2)
    assert any("35" in note for note in entry["notes"])


def test_broken_files_name_the_file(tmp_path):
    bad_zip = tmp_path / "qp2024.zip"
    bad_zip.write_bytes(b"<!doctype html><p>moved</p>")
    with pytest.raises(SourceFormatError, match="qp2024.zip`: not a readable zip"):
        qpv.read_qpv2024_zip(bad_zip)
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("LISEZMOI.txt", "rien")
    with pytest.raises(SourceFormatError, match="no .gpkg/.geojson/.json/.shp file"):
        qpv.pick_zip_members(tmp_path / "empty.zip")
    bad_list = tmp_path / "list.csv"
    bad_list.write_text("code;nom\nQN1;A\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"list.csv`: column\(s\) \['code_qp'"):
        qpv.read_qpv2024_list(bad_list)
