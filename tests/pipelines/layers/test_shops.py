"""Shops layer: OSM vacancy rules, the SIRENE closed-retail reader, the build, the Redon figures."""

from __future__ import annotations

import dataclasses
import gzip

import geopandas as gpd
import pytest
import shapely
from _context import make_context
from _osm_fixture import node, way, write_osm

from pipelines.errors import SourceFormatError
from pipelines.layers import shops

REDON = "osm/redon_centre_overpass_2019-09-09.osm"

#: The StockEtablissement columns of Etalab's geo_siret_DD.csv, then the geocoding columns.
SIRENE_HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,"
    "libelleCommuneEtablissement,libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,"
    "codeCommuneEtablissement,codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,"
    "libellePaysEtrangerEtablissement,complementAdresse2Etablissement,numeroVoie2Etablissement,"
    "indiceRepetition2Etablissement,typeVoie2Etablissement,libelleVoie2Etablissement,codePostal2Etablissement,"
    "libelleCommune2Etablissement,libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,"
    "codeCommune2Etablissement,codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,"
    "activitePrincipaleEtablissement,nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement,"
    "longitude,latitude,geo_score,geo_type,geo_adresse,geo_id,geo_ligne,geo_l4,geo_l5"
)
N_COLUMNS = SIRENE_HEADER.count(",") + 1


def sirene_row(siret: str, commune: str, state: str, naf: str, sign: str, lon: str, lat: str) -> str:
    values = [""] * N_COLUMNS
    names = SIRENE_HEADER.split(",")
    for key, value in {
        "siren": siret[:9],
        "nic": siret[9:],
        "siret": siret,
        "codeCommuneEtablissement": commune,
        "etatAdministratifEtablissement": state,
        "activitePrincipaleEtablissement": naf,
        "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
        "enseigne1Etablissement": sign,
        "longitude": lon,
        "latitude": lat,
    }.items():
        values[names.index(key)] = value
    return ",".join(values)


SIRENE_ROWS = [
    sirene_row("12345678900011", "35236", "F", "47.71Z", "MODE REDON", "-2.0865", "47.6503"),  # kept
    sirene_row("12345678900029", "35236", "A", "47.11F", "SUPERETTE", "-2.0866", "47.6504"),  # active
    sirene_row("12345678900037", "35236", "F", "56.10A", "CREPERIE", "-2.0867", "47.6505"),  # not retail
    sirene_row("12345678900045", "35001", "F", "47.24Z", "BOULANGERIE", "-2.0868", "47.6506"),  # other commune
    sirene_row("12345678900052", "35236", "F", "47.19B", "BAZAR", "", ""),  # not geolocated
]


def write_sirene(path, rows=SIRENE_ROWS, header=SIRENE_HEADER):
    text = header + "\n" + "\n".join(rows) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def shop_extract(path):
    """Seven shop features near Redon centre, one 3 km away, and a café (not a shop)."""
    return write_osm(
        path,
        [
            node(1, -2.0860, 47.6500, shop="bakery", name="Fournil"),
            node(2, -2.0861, 47.6501, shop="vacant"),
            node(3, -2.0862, 47.6502, disused__shop="yes"),
            node(4, -2.0863, 47.6503, was__shop="florist"),
            node(5, -2.0864, 47.6504, vacant="yes", shop="shoes"),
            node(6, -2.0865, 47.6505, amenity="cafe", name="Bar"),
            node(11, -2.0870, 47.6510),
            node(12, -2.0868, 47.6510),
            node(13, -2.0868, 47.6512),
            node(14, -2.0870, 47.6512),
            way(20, [11, 12, 13, 14, 11], building="retail", shop="clothes", name="Boutique"),
            node(7, -2.0460, 47.6500, shop="books"),  # ~3 km east: outside the commune + 500 m
        ],
    )


def test_osm_vacancy_rules(tmp_path):
    frame, report = shops.read_osm_shops(shop_extract(tmp_path / "shops.osm"))
    assert report.missing_node_refs == 0 and report.bom_removed
    by_id = frame.set_index("shop_id")
    assert len(by_id) == 7  # 5 shop nodes + the shop building + the far shop; the café is not a shop
    assert by_id.loc["osm:node/1", ["category", "vacant", "name"]].tolist() == ["bakery", False, "Fournil"]
    assert by_id.loc["osm:node/2", ["category", "vacancy_source"]].tolist() == ["vacant", "osm:shop=vacant"]
    assert by_id.loc["osm:node/3", ["category", "vacancy_source"]].tolist() == ["non précisé", "osm:disused:shop"]
    assert by_id.loc["osm:node/4", ["category", "vacancy_source"]].tolist() == ["florist", "osm:was:shop"]
    assert by_id.loc["osm:node/5", ["category", "vacancy_source"]].tolist() == ["shoes", "osm:vacant=yes"]
    assert int(by_id["vacant"].sum()) == 4
    building = by_id.loc["osm:way/20"]
    assert building.geometry.geom_type == "Point" and building["category"] == "clothes"
    footprint = gpd.GeoSeries(
        [shapely.Polygon([(-2.0870, 47.6510), (-2.0868, 47.6510), (-2.0868, 47.6512), (-2.0870, 47.6512)])],
        crs="EPSG:4326",
    ).to_crs("EPSG:2154")
    assert footprint.iloc[0].contains(building.geometry)
    assert frame.crs.to_epsg() == 2154


@pytest.mark.parametrize("name", ["geo_siret_35.csv", "geo_siret_35.csv.gz"])
def test_sirene_closed_retail(tmp_path, name):
    frame = shops.read_sirene_closed_shops(write_sirene(tmp_path / name), "35236")
    # of 5 rows: 1 active, 1 restaurant (56.10A), 1 in another commune, 1 without coordinates
    assert frame[["shop_id", "name", "category", "vacant", "vacancy_source"]].values.tolist() == [
        ["sirene:12345678900011", "MODE REDON", "47.71Z", True, "sirene:fermé"]
    ]
    expected = gpd.GeoSeries(gpd.points_from_xy([-2.0865], [47.6503]), crs="EPSG:4326").to_crs("EPSG:2154")
    assert frame.geometry.iloc[0].distance(expected.iloc[0]) < 0.01


def test_sirene_lambert_columns_and_missing_columns(tmp_path):
    header = "siret,codeCommuneEtablissement,etatAdministratifEtablissement,activitePrincipaleEtablissement,x,y"
    path = write_sirene(tmp_path / "l93.csv", ["12345678900011,35236,F,47.71Z,318500.5,6740000.0"], header)
    frame = shops.read_sirene_closed_shops(path, "35236")
    assert frame.crs.to_epsg() == 2154 and frame.geometry.iloc[0].coords[0] == (318500.5, 6740000.0)
    assert frame["name"].tolist() == [None]
    broken = write_sirene(tmp_path / "broken.csv", ["1,35236"], "siret,codeCommuneEtablissement")
    with pytest.raises(SourceFormatError, match="broken.csv.*etatAdministratifEtablissement"):
        shops.read_sirene_closed_shops(broken, "35236")


def test_build_merges_osm_and_sirene_and_clips(tmp_path):
    shop_extract(tmp_path / "shops.osm")
    write_sirene(tmp_path / "geo_siret_35.csv.gz")
    centre = gpd.GeoSeries(gpd.points_from_xy([-2.0865], [47.6505]), crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]
    commune = centre.buffer(300)
    sources = [("test.osm", "osm-xml", "shops.osm", {}), ("test.sirene", "sirene-geo-csv", "geo_siret_35.csv.gz", {})]
    ctx = make_context(tmp_path, "shops", sources, commune)
    ctx.territory = dataclasses.replace(ctx.territory, insee="35236")  # the SIRENE rows are in Redon
    result = shops.build(ctx)
    # 6 OSM shops within commune + 500 m (the far bookshop is cut) + 1 closed SIRENE shop
    assert len(result.frame) == 7
    assert int(result.frame["vacant"].sum()) == 5
    assert result.sources == ["test.osm", "test.sirene"]
    assert result.extra["osm_cleaning"]["missing_node_refs"] == 0
    assert result.extra["vacancy_sources"] == {
        "osm:shop=vacant": 1,
        "osm:disused:shop": 1,
        "osm:was:shop": 1,
        "osm:vacant=yes": 1,
        "sirene:fermé": 1,
    }


def test_redon_shops(mirror):
    frame, report = shops.read_osm_shops(mirror / REDON)
    # SOURCES_OSM_CYCLE_HEAT.md: 97 shop=* (one of them shop=vacant) + 8 disused:shop=* = 105
    assert len(frame) == 105
    assert frame["shop_id"].is_unique
    assert frame["vacancy_source"].value_counts().to_dict() == {"osm:disused:shop": 8, "osm:shop=vacant": 1}
    assert int(frame["vacant"].sum()) == 9
    assert (frame["category"] == "clothes").sum() == 15
    assert report.missing_node_refs == 3058
