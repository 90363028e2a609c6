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
    frame = result.frame.set_index("code_qp")
    # the list decides which QPV: Voisin is Autreville's; a listed QPV without a 2024 perimeter in the
    # zip keeps today's rule (2015 contour or none); the straddling Cœur de Ville keeps its full contour
    assert list(frame.index) == ["QN09901M", "QN09902I", "QN09903M", "QN09904N"]
    assert frame["perimeter_status"].tolist() == [MODIFIED, "exact", "exact", "indisponible"]
    assert frame["area_ha"].round(3).tolist()[:3] == [2.0, 6.0, 2.0]  # bow-tie 2 × 1 ha, 300 × 200 m, 200 × 100 m
    assert frame["area_in_commune_ha"].round(3).tolist()[:3] == [2.0, 6.0, 1.5]
    assert set(frame["generation"]) == {"2024"}
    assert frame["code_qp_2015"].tolist()[:3] == ["QP099001", "QP099002", "QP099003"]
    assert result.sources == ["qp24.list", "qp24.zip", "qp15"]


def test_zip_alone_selects_by_overlap(fixture_mirror):
    write_zip(fixture_mirror / "qp2024.zip", ("geojson",))
    frame = qpv.build(make_ctx(fixture_mirror, ("qp24.zip", "qp15"))).frame
    # Voisin only touches the border (0 ha inside): left out
    assert frame["code_qp"].tolist() == ["QN09902I", "QN09903M"]
    assert set(frame["perimeter_status"]) == {"exact"}


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
    """The qpv and qpv_2015 layers of every real territory, built offline from the mirror (commune first)."""
    catalog = Catalog.load()
    store = Store(tmp_path_factory.mktemp("qpv-layers"))
    outcomes = {}
    for tid in ("ales", "valence", "grenoble", "perigueux", "redon"):
        result = build_territory(
            catalog.territory(tid), catalog, store, mirror=mirror, only=["qpv", "qpv_2015"], log=lambda _: None
        )
        outcomes[tid] = {o.layer: o for o in result}
    return store, outcomes


def _layer(built, tid, layer="qpv"):
    store, outcomes = built
    assert outcomes[tid][layer].status == "ok", outcomes[tid][layer].reason
    return store.read_layer(tid, layer), store.manifest(tid)["layers"][layer]


def test_ales(built):
    frame, entry = _layer(built, "ales")
    assert frame[["code_qp", "code_qp_2015", "perimeter_status"]].values.tolist() == [["QN03001I", "QP030001", "exact"]]
    # the 2024 perimeter, invalid as published (repaired): 235.30 ha
    assert frame.is_valid.all() and frame["area_ha"].iloc[0] == pytest.approx(235.3, abs=0.5)
    assert entry["sources"][:2] == ["anct.qpv2024.communes", "anct.qpv2024.perimetres.extrait"]
    # INSEE's 2015 figures of QP030001, shown beside the estimate
    assert frame[["published_population", "published_poverty_rate"]].values.tolist() == [[14621.0, 0.466]]
    history, _ = _layer(built, "ales", "qpv_2015")
    assert history[["code_qp_2015", "status_2024", "code_qp"]].values.tolist() == [
        ["QP030001", "inchangé en 2024", "QN03001I"]
    ]


def test_valence(built):
    frame, entry = _layer(built, "valence")
    got = frame.set_index("code_qp")
    assert got["area_ha"].round(1).to_dict() == {
        "QN02606M": 14.5,
        "QN02607M": 100.4,
        "QN02608I": 10.3,
        "QN02609M": 11.5,
    }
    assert got["area_in_commune_ha"].sum() == pytest.approx(136.7, abs=0.1)
    assert set(got["perimeter_status"]) == {"exact"}
    assert got["code_qp_2015"].to_dict() == {
        "QN02606M": "QP026006", "QN02607M": "QP026007", "QN02608I": "QP026008", "QN02609M": "QP026009"
    }  # fmt: skip
    rules = {m["code_qp"]: (m["name_2015"], m["rule"]) for m in entry["qpv_matching"]}
    assert rules["QN02608I"] == ("Valensoles", "token-overlap")
    history = _layer(built, "valence", "qpv_2015")[0].set_index("code_qp_2015")
    assert history["status_2024"].value_counts().to_dict() == {"modifié en 2024": 3, "inchangé en 2024": 1}
    # Les Hauts de Valence grew from 86.06 ha to 100.43 ha: 15.40 ha gained, 1.03 ha lost
    gained, lost = history.loc["QP026007", ["area_gained_ha", "area_lost_ha"]]
    assert (gained, lost) == (pytest.approx(15.40, abs=0.01), pytest.approx(1.03, abs=0.01))
    assert gained - lost == pytest.approx(got.loc["QN02607M", "area_ha"] - history.loc["QP026007", "area_ha"])


def test_grenoble(built):
    frame, entry = _layer(built, "grenoble")
    assert sorted(frame["code_qp"]) == ["QN03806M", "QN03807M", "QN03808M", "QN03809M"]
    assert set(frame["perimeter_status"]) == {"exact"}
    assert frame["area_in_commune_ha"].sum() == pytest.approx(132.5, abs=0.1)
    assert "QP038003" not in set(frame["code_qp_2015"])  # Échirolles' Essarts - Surieux: 0.04 ha sliver
    malherbe = next(m for m in entry["qpv_matching"] if m["code_qp"] == "QN03808M")
    assert malherbe["name_2015"] == "Teisseire Abbaye Jouhaux Châtelet" and malherbe["score"] == 0.848
    assert frame.set_index("code_qp")["published_population"].to_dict() == {
        "QN03806M": 2893.0, "QN03807M": 12304.0, "QN03808M": 6629.0, "QN03809M": 1507.0
    }  # fmt: skip


def test_perigueux_straddling_qpv(built):
    frame, entry = _layer(built, "perigueux")
    assert frame[["code_qp", "code_qp_2015", "generation", "perimeter_status"]].values.tolist() == [
        ["QN02405M", "QP024005", "2024", "exact"]
    ]
    assert frame["insee_communes"].iloc[0] == "24138, 24322"  # shared with Coulounieix-Chamiers
    assert frame["area_ha"].iloc[0] == pytest.approx(46.65, abs=0.05)
    assert frame["area_in_commune_ha"].iloc[0] == pytest.approx(34.2, abs=0.1)
    history, _ = _layer(built, "perigueux", "qpv_2015")
    assert history[["code_qp_2015", "status_2024"]].values.tolist() == [["QP024005", "modifié en 2024"]]
    assert history["area_in_commune_ha"].iloc[0] == pytest.approx(32.1, abs=0.2)


def test_redon_has_no_qpv_in_2024(built):
    # Redon is absent from the national 2024 list: Bellevue (QP035007) left the priority geography
    frame, entry = _layer(built, "redon")
    assert frame.empty and entry["no_qpv_2024"] is True
    assert entry["sources"] == ["anct.qpv2024.communes"]
    assert "aucun quartier prioritaire de la géographie 2024" in entry["notes"][0]
    history, history_entry = _layer(built, "redon", "qpv_2015")
    assert history[["code_qp_2015", "status_2024"]].values.tolist() == [["QP035007", "sorti en 2024"]]
    assert history["name"].iloc[0].startswith("Bellevue")
    assert history.area.iloc[0] / 1e4 == pytest.approx(20.3, abs=0.2)
    assert "sortis de la géographie prioritaire en 2024" in history_entry["notes"][0]


def test_national_list_reads_every_commune(mirror):
    table = qpv.read_qpv2024_communes(mirror / "qpv/qp2024_communes_points_anct_france.geojson")
    assert len(table) == 1684 and table["insee_com"].nunique() == 824
    assert (table["insee_com"] == "13055").sum() == 41  # Marseille
    assert "35236" not in set(table["insee_com"])  # Redon
    assert table.loc[table["insee_com"] == "97411", "insee_dep"].iloc[0] == "974"


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


# -- the national list and the historical layer -----------------------------------------------
def write_national_list(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """ANCT's national list of host communes: one point per commune, codes and names comma-joined."""
    frame = gpd.GeoDataFrame(
        {
            "insee_com": [r[0] for r in rows],
            "lib_com": [r[1] for r in rows],
            "code_qp": [r[2] for r in rows],
            "lib_qp": [r[3] for r in rows],
        },
        geometry=[shapely.Point(0.5, 45.0)] * len(rows),
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def national_ctx(tmp_path: Path, layers: tuple[str, ...]) -> BuildContext:
    ctx = make_ctx(tmp_path, layers)
    common = {"publisher": "ANCT", "page": "https://example.org/", "licence": "LO", "vintage": "test"}
    ctx.catalog.sources["qp24.national"] = Source(
        "qp24.national",
        "QPV 2024 communes",
        url="https://example.org/c.geojson",
        format="qpv2024-communes-geojson",
        mirror="communes.geojson",
        options={"scope": "national"},
        **common,
    )
    return ctx


def test_commune_absent_from_the_national_list_has_no_2024_qpv(fixture_mirror):
    from pipelines.layers import qpv_2015

    write_national_list(fixture_mirror / "communes.geojson", [("99002", "Autreville", "QN09905M", "Voisin")])
    ctx = national_ctx(fixture_mirror, ("qp24.national", "qp15"))
    result = qpv.build(ctx)
    assert result.frame.empty and result.extra["no_qpv_2024"] is True
    assert result.sources == ["qp24.national"] and qpv.NO_QPV_2024 == "sans objet : aucun QPV en 2024"
    history = qpv_2015.build(ctx)  # same context: the sources are read once (memo)
    assert history.frame["code_qp_2015"].tolist() == ["QP099001", "QP099002", "QP099003"]
    assert set(history.frame["status_2024"]) == {"sorti en 2024"} and history.frame["code_qp"].isna().all()
    assert history.frame["area_in_commune_ha"].round(6).tolist() == [2.0, 4.0, 1.5]


def test_national_list_names_and_counts(fixture_mirror):
    rows = [("99001", "Villeneuve", "QN09902I, QN09903M", "Valensolles, Cœur de Ville")]
    table = qpv.read_qpv2024_communes(write_national_list(fixture_mirror / "communes.geojson", rows))
    assert table.values.tolist() == [
        ["QN09902I", "Valensolles", "99001", "Villeneuve", "99"],
        ["QN09903M", "Cœur de Ville", "99001", "Villeneuve", "99"],
    ]
    bad = [("99001", "Villeneuve", "QN09902I, QN09903M", "Valensolles")]
    with pytest.raises(SourceFormatError, match="lists 2 QPV codes but 1 names"):
        qpv.read_qpv2024_communes(write_national_list(fixture_mirror / "bad.geojson", bad))


def test_history_statuses_and_area_gained_or_lost(fixture_mirror):
    from pipelines.layers import qpv_2015

    write_zip(fixture_mirror / "qp2024.zip", ("geojson",))
    rows = [("99001", "Villeneuve", "QN09902I, QN09903M", "Valensolles, Cœur de Ville")]
    write_national_list(fixture_mirror / "communes.geojson", rows)
    ctx = national_ctx(fixture_mirror, ("qp24.zip", "qp24.national", "qp15"))
    frame = qpv_2015.build(ctx).frame.set_index("code_qp_2015")
    # Valensoles 2015 = 200 × 200 m; its 2024 perimeter 300 × 200 m: +2 ha, nothing lost
    assert frame.loc["QP099002", ["status_2024", "code_qp"]].tolist() == ["inchangé en 2024", "QN09902I"]
    assert frame.loc["QP099002", ["area_gained_ha", "area_lost_ha"]].round(6).tolist() == [2.0, 0.0]
    assert frame.loc["QP099003", "status_2024"] == "modifié en 2024"
    # the bow-tie QP099001 has no 2024 counterpart and every 2024 QPV has its perimeter: it left
    assert frame.loc["QP099001", "status_2024"] == "sorti en 2024"
    assert pd.isna(frame.loc["QP099001", "area_gained_ha"])


def test_perimeter_named_for_the_commune_is_kept_whatever_its_overlap(fixture_mirror):
    path = fixture_mirror / "qp2024.zip"
    write_zip(path, ("geojson",))
    perimeters = qpv.read_qpv2024_perimeters(path)
    commune = COMMUNE
    named = perimeters["code_qp"].eq("QN09905M").to_numpy()  # Voisin touches the border: 0 ha inside
    kept = qpv.in_commune(perimeters, commune, named=named)
    assert kept["code_qp"].tolist() == ["QN09902I", "QN09903M", "QN09905M"]
    assert kept["area_in_commune_ha"].round(6).tolist() == [6.0, 1.5, 0.0]
