"""What a national build covers, counted from the national files, and the national QPV table."""

from __future__ import annotations

import json

import pytest

from pipelines.catalog import Catalog
from pipelines.errors import UsageError
from pipelines.national_plan import build_fingerprint, departement_communes, is_current, qpv_communes
from pipelines.national_qpv import qpv_rows
from pipelines.store import Store

LIST_2024 = "qpv/qp2024_communes_points_anct_france.geojson"


@pytest.fixture(scope="module")
def plan(mirror):
    return qpv_communes(Catalog.load(), offline=True, mirror=mirror)


def test_every_commune_hosting_a_qpv_is_planned(plan, mirror):
    features = json.loads((mirror / LIST_2024).read_text(encoding="utf-8"))["features"]
    hosts_2024 = {f["properties"]["insee_com"] for f in features}
    assert len(hosts_2024) == 824  # SOURCES_2024_QPV_GRID_BUILDINGS.md: 824 communes
    assert set(plan.loc[plan["qpv_2024"].map(bool), "insee"]) == hosts_2024
    assert len(plan) == 875 and int(plan["qpv_2015"].map(bool).sum()) == 832
    redon = plan[plan["insee"] == "35236"].iloc[0]
    assert redon["qpv_2015"] == ["QP035007"] and redon["qpv_2024"] == []  # Bellevue left in 2024
    assert plan.loc[plan["insee"] == "24138", "qpv_2015"].iloc[0] == ["QP024004", "QP024005"]  # shared QPV


def test_national_qpv_table_has_one_row_per_qpv_and_the_status_of_its_code(plan, mirror):
    from pipelines.communes import all_communes
    from pipelines.national_plan import national_qpv_files

    qpv15, pairs24 = national_qpv_files(Catalog.load(), offline=True, mirror=mirror)
    communes = all_communes()
    table = qpv_rows(qpv15, pairs24, communes[communes.geometry.notna()])
    codes = {
        c.strip()
        for f in json.loads((mirror / LIST_2024).read_text())["features"]
        for c in f["properties"]["code_qp"].split(",")
    }
    by_letter = {letter: sum(c.endswith(letter) for c in codes) for letter in "IMNC"}
    assert by_letter == {"I": 323, "M": 1028, "N": 125, "C": 17}  # C: Mayotte's 17 codes, letter undocumented
    counts = table["status"].value_counts()
    assert (counts["unchanged"], counts["modified"], counts["new"], counts["undocumented"]) == (323, 1028, 125, 17)
    assert table["code_qp"].dropna().is_unique and table["code_qp_2015"].dropna().is_unique
    continued = table.loc[table["status"] != "left", "code_qp_2015"].dropna()
    assert counts["left"] == 1514 - len(continued)  # every 2015 QPV is continued or left
    redon = table[table["code_qp_2015"] == "QP035007"].iloc[0]
    assert (redon["status"], redon["communes"]) == ("left", "35236")
    ales = table[table["code_qp"] == "QN03001I"].iloc[0]
    assert ales["code_qp_2015"] == "QP030001" and ales["area_ha"] == pytest.approx(235.3, abs=0.1)
    assert table.crs.to_epsg() == 4326


def test_departement_lists_its_communes_and_an_unknown_one_is_a_usage_error(mirror):
    corse = departement_communes("2A")
    assert len(corse) == 124 and corse["insee"].str.startswith("2A").all()
    assert len(departement_communes("974")) == 24
    with pytest.raises(UsageError, match="no commune in département `99`"):
        departement_communes("99")


def test_fingerprint_changes_with_the_sources_and_marks_a_build_current(tmp_path, mirror):
    catalog = Catalog.load()
    territory = catalog.territory("34172")
    offline = build_fingerprint(territory, catalog, offline=True, mirror=mirror)
    assert offline == build_fingerprint(territory, catalog, offline=True, mirror=mirror)
    assert offline != build_fingerprint(territory, catalog, offline=False, mirror=mirror)
    assert offline != build_fingerprint(territory, catalog, offline=True, mirror=tmp_path)  # nothing resolves
    store = Store(tmp_path / "layers")
    assert not is_current(store, territory, offline)
    store.write_territory(territory.id, {"insee": territory.insee, "fingerprint": offline})
    assert is_current(store, territory, offline)
    store.record_status(territory.id, "qpv_2015", "error", {"reason": "broken"})
    assert not is_current(store, territory, offline)  # a failed layer is built again


def test_a_changed_member_of_a_shapefile_source_changes_its_state(tmp_path):
    from pipelines.catalog import Source
    from pipelines.national_plan import _source_state

    folder = tmp_path / "flood"
    folder.mkdir()
    for suffix in (".shp", ".shx", ".dbf", ".prj"):
        (folder / f"zones{suffix}").write_bytes(b"x" * 10)
    (folder / "other.dbf").write_bytes(b"y")
    source = Source(
        "s", "t", "p", "https://example.org", "https://example.org/z.zip", "lo", "2020", "shp", "flood/zones.shp"
    )
    before = _source_state(source, tmp_path)
    assert [name for name, _, _ in before[2]] == ["zones.dbf", "zones.prj", "zones.shp", "zones.shx"]
    (folder / "zones.dbf").write_bytes(b"x" * 11)  # the records changed, not the geometry file
    assert _source_state(source, tmp_path) != before
