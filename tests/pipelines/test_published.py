"""Published QPV figures beside our estimates: a hand-made fixture, then Alès and Grenoble from the mirror."""

from __future__ import annotations

import _indicator_fixtures as fx
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from pipelines import indicators as ind
from pipelines.published import published_vs_estimates
from pipelines.schemas import validate


def test_estimate_on_the_2015_contour_beside_the_published_figure():
    # commune 1 km²; the 2024 QPV is the west half; its 2015 contour the west quarter
    commune = fx.commune(box(0, 0, 1000, 1000))
    qpv = fx.qpv([box(0, 0, 500, 1000)], codes=["QP099001"]).assign(
        code_qp=["QN09901M"],
        published_population=[300.0],
        published_population_year=["2015"],
        published_poverty_rate=[0.5],
        published_poverty_year=["2017"],
        published_source=["insee.test"],
    )
    history = validate(
        "qpv_2015",
        gpd.GeoDataFrame(
            {
                "code_qp_2015": ["QP099001"],
                "name": ["Q"],
                "insee_com": ["99998"],
                "status_2024": ["modifié en 2024"],
                "code_qp": ["QN09901M"],
            },  # fmt: skip
            geometry=[box(0, 0, 250, 1000)],
            crs="EPSG:2154",
        ),
    )
    # one cell of 1,000 residents over the whole commune, 400 households of which 100 poor
    population = fx.population(
        [box(0, 0, 1000, 1000)], [1000.0], households=[400.0], poor_households=[100.0], support="carreau_200m"
    )
    zones = ind.make_zones(commune, qpv)
    table = published_vs_estimates(zones, qpv, history, population, "pondération surfacique, test").set_index(
        "indicator"
    )
    # a quarter of the commune: 250 residents estimated against 300 published, -16.7 %
    row = table.loc["population"]
    assert row["zone_id"] == "QN09901M" and row["geography"] == "contour 2015 QP099001"
    assert (row["published"], row["estimate"]) == (300.0, pytest.approx(250.0))
    assert row["gap_pct"] == pytest.approx(-100 / 6) and row["published_year"] == "2015"
    poverty = table.loc["poverty_rate"]
    assert (poverty["published"], poverty["estimate"]) == (0.5, pytest.approx(0.25))
    assert np.isnan(poverty["gap_pct"])  # two definitions (people vs households): no gap
    assert "ménages pauvres" in poverty["estimate_label"] and "personnes" in poverty["label"]


def test_without_a_2015_contour_the_2024_perimeter_is_used():
    commune = fx.commune(box(0, 0, 1000, 1000))
    qpv = fx.qpv([box(0, 0, 500, 1000)], codes=["QP099001"]).assign(
        published_population=[600.0], published_population_year=["2013"], published_source=["t"]
    )
    population = fx.population([box(0, 0, 1000, 1000)], [1000.0], support="carreau_200m")
    table = published_vs_estimates(ind.make_zones(commune, qpv), qpv, None, population)
    assert table[["geography", "estimate", "gap_pct"]].values.tolist() == [
        ["périmètre QP099001", pytest.approx(500.0), pytest.approx(-100 / 6)]
    ]


def test_no_published_column_gives_an_empty_table():
    commune = fx.commune(box(0, 0, 1000, 1000))
    qpv = fx.qpv([box(0, 0, 500, 1000)])
    assert published_vs_estimates(ind.make_zones(commune, qpv), qpv, None, None).empty


@pytest.fixture(scope="module")
def real(mirror, tmp_path_factory):
    from pipelines.build import build_territory
    from pipelines.catalog import Catalog
    from pipelines.store import Store

    store, catalog = Store(tmp_path_factory.mktemp("published")), Catalog.load()
    for tid in ("ales", "grenoble"):
        build_territory(catalog.territory(tid), catalog, store, offline=True, mirror=mirror, log=lambda _: None)
    return store


def test_ales_published_population_and_poverty(real):
    table = real.read_table("ales", "published").set_index("indicator")
    population = table.loc["population"]
    assert population["zone_id"] == "QN03001I" and population["code_qp_2015"] == "QP030001"
    assert population["published"] == 14_621 and population["published_year"] == "2015"
    assert population["estimate"] == pytest.approx(10_800, rel=0.05)
    assert population["gap_pct"] == pytest.approx(-26.1, abs=0.1)
    poverty = table.loc["poverty_rate"]
    assert poverty["published"] == pytest.approx(0.466) and poverty["published_year"] == "2017"
    assert poverty["estimate"] == pytest.approx(0.443, abs=0.001)


def test_grenoble_published_2013_populations(real):
    table = real.read_table("grenoble", "published").set_index("zone_id")
    assert table["published"].to_dict() == {
        "QN03806M": 2893.0, "QN03807M": 12304.0, "QN03808M": 6629.0, "QN03809M": 1507.0
    }  # fmt: skip
    assert set(table["published_year"]) == {"2013"}
    assert table["geography"].str.startswith("contour 2015 QP0380").all()
    assert (table["gap_pct"] < 0).all()  # Filosofi counts fiscal households only
