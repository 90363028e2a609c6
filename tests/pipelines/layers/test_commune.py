"""The commune layer on the real mirror files."""

from __future__ import annotations

import pytest

from pipelines.build import build_territory
from pipelines.catalog import Catalog


@pytest.mark.parametrize(
    ("territory", "area_km2", "tolerance", "population", "first_source"),
    [
        ("ales", 23.2, 0.5, 40219, "francegeojson.communes.30"),
        ("perigueux", 10.1, 0.1, 29896, "ign.bdtopo.commune.perigueux"),
        ("redon", None, None, 9014, "datafrance.communes"),
    ],
)
def test_commune_from_mirror(mirror, store, territory, area_km2, tolerance, population, first_source):
    catalog = Catalog.load()
    outcomes = build_territory(
        catalog.territory(territory), catalog, store, offline=True, mirror=mirror, only=["commune"]
    )
    [outcome] = [o for o in outcomes if o.layer == "commune"]
    assert outcome.status == "ok", outcome.reason
    frame = store.read_layer(territory, "commune")
    assert len(frame) == 1 and frame.crs.to_epsg() == 2154
    assert frame["insee"].iloc[0] == catalog.territory(territory).insee
    assert int(frame["population"].iloc[0]) == population
    if area_km2 is not None:
        assert frame.area.iloc[0] / 1e6 == pytest.approx(area_km2, abs=tolerance)
    entry = store.manifest(territory)["layers"]["commune"]
    assert entry["sources"][0] == first_source
    assert entry["provenance"]["kind"] == "real"
    if first_source == "datafrance.communes":
        assert "simplifié" in entry["notes"][0]


def test_missing_source_gives_unavailable_with_url(store, tmp_path):
    catalog = Catalog.load()
    outcomes = build_territory(
        catalog.territory("ales"), catalog, store, offline=True, mirror=tmp_path, only=["commune"]
    )
    assert outcomes[0].status == "unavailable"
    assert "https://geo.api.gouv.fr/communes/30007" in " ".join(outcomes[0].urls)
