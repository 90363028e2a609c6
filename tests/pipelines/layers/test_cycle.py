"""Cycle layer: the OSM tag table, BNAC / GAM / SMMAG readers on official layouts, real figures."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from _osm_fixture import node, way, write_osm

from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.errors import SourceFormatError
from pipelines.layers import cycle
from pipelines.layers.commune import read_communes
from pipelines.store import Store

REDON = "osm/redon_centre_overpass_2019-09-09.osm"
GAM = "cycle/grenoble_gam_pistes_cyclables.geojson"
SMMAG = "cycle/grenoble_smmag_schema_directeur_cyclable.geojson"
ISERE = "communes/communes-38-isere_france-geojson_2018.geojson"


def line(x0: float, length: float, y: float = 6_740_000.0) -> shapely.LineString:
    """A west–east line of ``length`` metres in Lambert-93."""
    return shapely.LineString([(x0, y), (x0 + length, y)])


def write_l93(path, rows: list[dict], geoms) -> str:
    gpd.GeoDataFrame(rows, geometry=list(geoms), crs="EPSG:2154").to_file(path, driver="GeoJSON")
    return path


# -- OSM ---------------------------------------------------------------------------------------
OSM_CASES = [  # (tags, expected facility)
    ({"highway": "cycleway"}, "piste"),
    ({"highway": "primary", "cycleway:right": "track"}, "piste"),
    ({"highway": "path", "bicycle": "designated"}, "voie verte"),
    ({"highway": "footway", "bicycle": "designated"}, "voie verte"),
    ({"highway": "primary", "cycleway": "lane"}, "bande"),
    ({"highway": "residential", "cycleway": "lane", "oneway": "yes", "oneway:bicycle": "no"}, "bande"),
    ({"highway": "tertiary", "oneway": "yes", "cycleway:left": "opposite_lane"}, "double sens cyclable"),
    ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, "double sens cyclable"),
    ({"highway": "secondary", "cycleway:both": "share_busway"}, "partagée"),
    ({"highway": "residential", "cycleway": "shared_lane"}, "partagée"),
    ({"highway": "living_street"}, "zone apaisée"),
    ({"highway": "pedestrian", "bicycle": "yes"}, "zone apaisée"),
    ({"highway": "residential", "maxspeed": "30"}, "zone apaisée"),
    ({"highway": "residential", "zone:maxspeed": "FR:30"}, "zone apaisée"),
    ({"highway": "residential", "maxspeed": "30", "bicycle": "no"}, None),
    ({"highway": "residential", "maxspeed": "50"}, None),
    ({"highway": "footway", "bicycle": "yes"}, None),
    ({"highway": "pedestrian"}, None),
    ({"shop": "bakery"}, None),
]


def test_osm_tag_table():
    index = pd.MultiIndex.from_tuples([("way", i) for i in range(len(OSM_CASES))], names=["element", "id"])
    features = gpd.GeoDataFrame(
        pd.DataFrame([tags for tags, _ in OSM_CASES], index=index),
        geometry=[line(0, 10)] * len(OSM_CASES),
        crs="EPSG:2154",
    )
    assert cycle.osm_facilities(features).tolist() == [facility for _, facility in OSM_CASES]


def test_read_osm_cycle_keeps_ways_and_measures_them(tmp_path):
    lon0, lat = -2.0900, 47.6500
    path = write_osm(
        tmp_path / "cycle.osm",
        [
            node(1, lon0, lat),
            node(2, lon0 + 0.002, lat),
            node(3, lon0 + 0.002, lat + 0.001),
            node(4, lon0, lat + 0.001),
            way(10, [1, 2, 99], highway="cycleway", name="Piste du canal"),  # 99 is outside the extract
            way(11, [2, 3], highway="residential", cycleway="lane"),
            way(12, [1, 2, 3, 4, 1], highway="pedestrian", area="yes", bicycle="yes"),  # an area: not a segment
            way(13, [3, 4], highway="residential"),  # no facility
        ],
    )
    frame, report = cycle.read_osm_cycle(path)
    assert report.missing_node_refs == 1
    assert frame[["segment_id", "facility", "protected", "status", "name"]].values.tolist() == [
        ["osm:way/10", "piste", True, "existant", "Piste du canal"],
        ["osm:way/11", "bande", False, "existant", None],
    ]
    projected = gpd.GeoSeries([shapely.LineString([(lon0, lat), (lon0 + 0.002, lat)])], crs="EPSG:4326").to_crs(
        "EPSG:2154"
    )
    assert frame["length_m"].iloc[0] == pytest.approx(projected.length.iloc[0])  # ~150 m at 47.65° N
    assert frame["length_m"].iloc[0] == pytest.approx(150, abs=2)


# -- finish: clip, explode, measure ----------------------------------------------------------------
def test_finish_clips_and_splits_multilines():
    frame = gpd.GeoDataFrame(
        {"segment_id": ["a", "b"], "facility": ["piste", "bande"]},
        geometry=[line(0, 1000, y=0), shapely.MultiLineString([line(0, 100, y=10), line(0, 50, y=20)])],
        crs="EPSG:2154",
    )
    out = cycle.finish(frame, shapely.box(-10, -10, 400, 30))
    assert out["segment_id"].tolist() == ["a", "b#1", "b#2"]
    assert out["length_m"].tolist() == pytest.approx([400, 100, 50])
    assert set(out.geom_type) == {"LineString"}


# -- BNAC ------------------------------------------------------------------------------------------
def bnac_row(i, com_d, ame_d, com_g="", ame_g="AUCUN", regime="EN AGGLOMERATION", statut="EN SERVICE"):
    return {
        "id_local": f"35AC{i:03d}", "id_osm": "", "num_iti": "", "code_com_d": com_d, "ame_d": ame_d,
        "regime_d": regime, "sens_d": "UNIDIRECTIONNEL", "largeur_d": 1.5, "local_d": "CHAUSSEE",
        "statut_d": statut, "revetement_d": "LISSE", "code_com_g": com_g or com_d, "ame_g": ame_g,
        "regime_g": regime, "sens_g": "UNIDIRECTIONNEL", "largeur_g": None, "local_g": "CHAUSSEE",
        "statut_g": statut, "revetement_g": "LISSE", "access_ame": "VELO DE ROUTE", "date_maj": "2024-01-15",
        "trafic_vit": 50, "lumiere": True, "d_service": 2019, "comm": "", "source": "Ville de test",
        "project_c": "EPSG:2154", "ref_geo": "OpenStreetMap",
    }  # fmt: skip


def test_bnac_reader(tmp_path):
    rows = [
        bnac_row(1, "35236", "PISTE CYCLABLE"),  # 100 m
        bnac_row(2, "35236", "BANDE CYCLABLE", ame_g="DOUBLE SENS CYCLABLE PISTE"),  # 200 m: the track wins
        bnac_row(3, "35236", "AUCUN", regime="ZONE 30"),  # 50 m
        bnac_row(4, "35236", "VOIE VERTE", statut="EN TRAVAUX"),  # 300 m, not yet open
        bnac_row(5, "35001", "PISTE CYCLABLE"),  # another commune
        bnac_row(6, "35236", "AUCUN"),  # nothing for cyclists
        bnac_row(7, "35001", "AUCUN", com_g="35236", ame_g="COULOIR BUS+VELO"),  # left side in the commune, 40 m
    ]
    lengths = [100, 200, 50, 300, 80, 60, 40]
    path = write_l93(tmp_path / "amenagements_cyclables.geojson", rows, [line(0, n) for n in lengths])
    frame = cycle.read_bnac(path, "35236")
    assert frame[["segment_id", "facility", "protected", "status"]].values.tolist() == [
        ["bnac:35AC001", "piste", True, "existant"],
        ["bnac:35AC002", "piste", True, "existant"],
        ["bnac:35AC003", "zone apaisée", False, "existant"],
        ["bnac:35AC004", "voie verte", True, "projet"],
        ["bnac:35AC007", "partagée", False, "existant"],
    ]
    assert cycle.km_by_facility(frame) == {
        "existant": {"piste": 0.3, "zone apaisée": 0.05, "partagée": 0.04},
        "projet": {"voie verte": 0.3},
    }
    frame.to_parquet(tmp_path / "out.parquet")
    gpd.GeoDataFrame(rows, geometry=[line(0, n) for n in lengths], crs="EPSG:2154").to_parquet(tmp_path / "b.parquet")
    assert len(cycle.read_bnac(tmp_path / "b.parquet", "35236")) == 5


# -- GAM and SMMAG ---------------------------------------------------------------------------------
def test_gam_reader(tmp_path):
    types = ["chronovelo", "veloamenage", "velononamenage", "velodifficile", "voieverte", None]
    rows = [{"ogc_fid": i, "annee_maj": 2020.0, "type": t, "la_metro": True} for i, t in enumerate(types)]
    frame, versions = cycle.read_gam(write_l93(tmp_path / "gam.geojson", rows, [line(0, 100)] * 6))
    assert (versions.identical, versions.redrawn) == (0, 0)
    assert frame["facility"].tolist() == [
        "piste",
        "bande",
        "non aménagée",
        "non aménagée",
        "voie verte",
        "non aménagée",
    ]
    assert frame["protected"].tolist() == [True, False, False, False, True, False]
    assert set(frame["status"]) == {"existant"} and frame["segment_id"].iloc[0] == "gam:0"
    bad = write_l93(tmp_path / "bad.geojson", [{"ogc_fid": 1, "type": "autoroute"}], [line(0, 10)])
    with pytest.raises(SourceFormatError, match="bad.geojson.*autoroute"):
        cycle.read_gam(bad)


def test_gam_records_published_twice(tmp_path):
    y = 6_740_000.0
    rows = [
        {"ogc_fid": 7, "annee_maj": 2022.0, "type": "chronovelo"},  # same line as the 2016 row below
        {"ogc_fid": 7, "annee_maj": 2016.0, "type": "veloamenage"},  # identical, older: dropped
        {"ogc_fid": 8, "annee_maj": None, "type": "veloamenage"},  # undated = oldest: trimmed
        {"ogc_fid": 8, "annee_maj": 2022.0, "type": "chronovelo"},  # redrawn: kept whole
        {"ogc_fid": 9, "annee_maj": 2020.0, "type": "voieverte"},  # same year: the earlier row is the older
        {"ogc_fid": 9, "annee_maj": 2020.0, "type": "velodifficile"},
    ]
    geoms = [
        line(0, 100),
        line(0, 100),
        line(0, 1000, y=y + 50),
        # the first 600 m of the old line, then 300 m north (another street)
        shapely.LineString([(0, y + 50), (600, y + 50), (600, y + 350)]),
        line(0, 100, y=y + 500),
        line(0, 88, y=y + 500),
    ]
    frame, versions = cycle.read_gam(write_l93(tmp_path / "gam.geojson", rows, geoms))
    assert frame[["segment_id", "facility"]].values.tolist() == [
        ["gam:7", "piste"],
        ["gam:8/sans-date", "bande"],
        ["gam:8/2022", "piste"],
        ["gam:9", "non aménagée"],
    ]
    # fid 8: the 5 m buffer of the new line covers the old one up to x = 600 + 5, so 1000 - 605 = 395 m stay;
    # fid 9: 100 - 88 - 5 = 7 m left, shorter than the 20 m minimum: the old version goes entirely
    assert frame["length_m"].tolist() == pytest.approx([100, 395, 900, 88])
    assert (versions.identical, versions.redrawn, versions.redrawn_dropped) == (1, 2, 1)
    assert versions.removed_m == pytest.approx(605 + 100)
    assert frame.geometry.iloc[1].coords[0] == pytest.approx((605, y + 50))


def test_smmag_reader(tmp_path):
    rows = [
        {"fid": 1, "nom": "Chronovélo Nord", "epci": "GAM", "legende_sdic": "Niveau 1 - Axe Chronovélo"},
        {"fid": 2, "nom": None, "epci": "GAM", "legende_sdic": "Niveau 1 - Véloroutes nationales (V63, V64)"},
        {"fid": 3, "nom": "Desserte", "epci": "CCLG", "legende_sdic": "Niveau 3 - Itinéraire de desserte locale"},
    ]
    geoms = [shapely.MultiLineString([line(0, 100), line(0, 30, y=10)]), line(0, 200), line(0, 50)]
    frame = cycle.read_smmag(write_l93(tmp_path / "smmag.geojson", rows, geoms))
    assert frame[["segment_id", "facility", "status", "name"]].values.tolist() == [
        ["smmag:1#1", "piste", "projet", "Chronovélo Nord"],
        ["smmag:1#2", "piste", "projet", "Chronovélo Nord"],
        ["smmag:2", "voie verte", "projet", None],
        ["smmag:3", "non aménagée", "projet", "Desserte"],
    ]
    assert frame["length_m"].tolist() == pytest.approx([100, 30, 200, 50])


# -- real files ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grenoble(mirror):
    return read_communes(mirror / ISERE, "france-geojson", "38185").geometry.union_all()


def test_gam_network_inside_grenoble(mirror, grenoble):
    # the published file, as is: 1,201 LineStrings, about 516 km (SOURCES_OSM_CYCLE_HEAT.md), of
    # which 103.6 km inside the commune — the "about 104 km" of issue 3, which counts 35 streets twice
    raw = gpd.read_file(mirror / GAM).to_crs("EPSG:2154")
    assert len(raw) == 1201 and raw.length.sum() / 1000 == pytest.approx(516, abs=1)
    assert gpd.clip(raw, grenoble).length.sum() / 1000 == pytest.approx(103.58, abs=0.01)
    gam, versions = cycle.read_gam(mirror / GAM)
    # 20 identical pairs: 2.84 km inside the commune counted twice (103.58 -> 100.74 km);
    # 15 redrawn pairs: the older drawings lose 6.37 km where the newer one runs within 5 m, 7 of them
    # entirely, of which 2.09 km inside the commune (100.74 -> 98.65 km). What stays of them inside the
    # commune (1.18 km, ids gam:<ogc_fid>/2016) lies within 5 m of another record for 54 m only.
    assert (versions.identical, versions.redrawn, versions.redrawn_dropped) == (20, 15, 7)
    assert versions.removed_m / 1000 == pytest.approx(6.37, abs=0.01)
    assert gpd.clip(gpd.GeoDataFrame(geometry=versions.removed), grenoble).length.sum() / 1000 == pytest.approx(
        2.09, abs=0.01
    )
    assert len(gam) == 1181  # 1,201 - 20 - 7 records, 7 older versions cut in 2 to 6 pieces (+7)
    inside = cycle.finish(gam, grenoble)  # the commune itself, not the 500 m context
    assert inside["length_m"].sum() / 1000 == pytest.approx(98.65, abs=0.01)
    assert cycle.km_by_facility(inside)["existant"] == pytest.approx(
        {"bande": 50.55, "non aménagée": 28.30, "piste": 11.81, "voie verte": 7.99}, abs=0.01
    )


def test_smmag_plan_inside_grenoble(mirror, grenoble):
    plan = cycle.read_smmag(mirror / SMMAG)
    assert set(plan["status"]) == {"projet"}
    inside = cycle.finish(plan, grenoble)
    assert inside["length_m"].sum() / 1000 == pytest.approx(137.0, abs=0.5)
    assert cycle.km_by_facility(inside)["projet"] == pytest.approx(
        {"non aménagée": 97.37, "piste": 37.11, "voie verte": 2.52}, abs=0.01
    )


def test_redon_cycle_from_osm_tags(mirror):
    frame, _ = cycle.read_osm_cycle(mirror / REDON)
    # 1 cycleway; 5 path + bicycle=designated of which 2 lose their nodes to the bbox (3 left);
    # 3 cycleway=lane; 1 cycleway:left=opposite_lane; 21 ways in zone 30 / living street / pedestrian+bicycle
    assert frame.groupby("facility").size().to_dict() == {
        "bande": 4, "double sens cyclable": 1, "piste": 1, "voie verte": 3, "zone apaisée": 21
    }  # fmt: skip
    assert cycle.km_by_facility(frame) == {
        "existant": {
            "bande": 1.0,
            "double sens cyclable": 0.07,
            "piste": 0.13,
            "voie verte": 0.54,
            "zone apaisée": 1.93,
        }
    }


@pytest.mark.parametrize(("territory", "sources"), [("grenoble", 2), ("redon", 1)])
def test_build_cycle_on_the_mirror(mirror, tmp_path, territory, sources):
    catalog = Catalog.load()
    store = Store(tmp_path / "layers")
    outcomes = build_territory(
        catalog.territory(territory), catalog, store, mirror=mirror, only=["cycle"], log=lambda _: None
    )
    statuses = {o.layer: o.status for o in outcomes}
    assert statuses["commune"] == statuses["cycle"] == "ok"
    entry = store.manifest(territory)["layers"]["cycle"]
    assert len(entry["sources"]) == sources
    frame = store.read_layer(territory, "cycle")
    assert set(frame.geom_type) == {"LineString"} and frame["segment_id"].is_unique
    if territory == "grenoble":
        assert set(entry["km_by_facility"]) == {"existant", "projet"}
        assert entry["gam_versions"] == {
            "identical_dropped": 20,
            "redrawn": 15,
            "redrawn_dropped": 7,
            "km_removed": 6.37,
            "km_removed_commune": 2.09,
            "tolerance_m": 5.0,
            "min_piece_m": 20.0,
        }
        assert any("15 tronçons publiés deux fois et redessinés" in note for note in entry["notes"])
        assert "osm.overpass.grenoble" not in entry["sources"]  # not in the mirror: said in the notes
        assert any("non disponible" in note for note in entry["notes"])
    else:
        assert entry["osm_cleaning"]["missing_node_refs"] == 3058
