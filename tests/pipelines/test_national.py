"""The national overview tables: places of programmes and collectives, département outlines."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipelines.catalog import Catalog
from pipelines.measures import Collective, Programme
from pipelines.national import build_national, departements, places


def communes() -> gpd.GeoDataFrame:
    # two adjacent 1 km squares in département 30, one in 26, one overseas (dropped from outlines)
    return gpd.GeoDataFrame(
        {
            "insee": ["30007", "30008", "26362", "97101"],
            "name": ["Alès", "Voisine", "Valence", "Outre-mer"],
            "departement": ["30", "30", "26", "971"],
        },
        geometry=[
            box(0, 0, 1000, 1000),
            box(1000, 0, 2000, 1000),
            box(5000, 5000, 6000, 6000),
            box(9e5, 0, 9.01e5, 1e3),
        ],
        crs="EPSG:2154",
    )


def programme(pid, kind, territory=None, applies_to=(), collectives=()) -> Programme:
    return Programme(
        id=pid,
        title=pid.title(),
        kind=kind,
        source="x.txt",
        territory=territory,
        applies_to=tuple(applies_to),
        measures=(),
        metadata={},
        collectives=tuple(collectives),
    )


def test_places_skip_fictional_towns_and_place_collectives():
    catalog = Catalog.load()
    collective = Collective(id="c", name="Collectif", commune="Valence", insee="26362", quote="Nous agissons.")
    lost = Collective(id="d", name="Perdu", commune="Nulle part", insee="00000", quote="…")
    progs = {
        "a": programme("a", "programme_electoral", territory="ales"),
        "pop": programme("pop", "programme_commun", applies_to=["demo", "ales"]),
        "col": programme("col", "collectifs", collectives=[collective, lost]),
    }
    frame = places(communes(), progs, catalog)
    assert frame[["kind", "ref", "insee"]].values.tolist() == [
        ["programme", "a", "30007"],
        ["programme", "pop", "30007"],  # the demo town is fictional: not on the map of France
        ["collectif", "c", "26362"],
        ["collectif", "d", "00000"],
    ]
    assert frame.geometry.iloc[0].within(box(0, 0, 1000, 1000))
    assert frame.geometry.iloc[3] is None


def test_departements_dissolve_and_drop_overseas():
    outlines = departements(communes(), tolerance_m=1.0)
    assert outlines["departement"].tolist() == ["26", "30"]
    assert outlines.area.tolist() == pytest.approx([1e6, 2e6])


def test_real_national_tables(mirror, store):
    from pipelines.measures import load_programmes

    counts = build_national(store, Catalog.load(), load_programmes())
    assert counts["departements"] == 96 and counts["unplaced"] == 0
    placed = store.read_geotable("_national", "places", crs="EPSG:4326")
    nantes = placed[placed["insee"] == "44109"].geometry.iloc[0]
    assert -1.7 < nantes.x < -1.4 and 47.1 < nantes.y < 47.4
