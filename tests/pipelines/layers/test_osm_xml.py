"""OSM XML cleaning: counts on a hand-written broken extract and on the real Redon file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _osm_fixture import node, relation, way, write_osm

from pipelines.errors import SourceFormatError
from pipelines.layers._osm_xml import CleaningReport, clean_osm_xml, osm_ids, read_osm_features, tag

REDON = "osm/redon_centre_overpass_2019-09-09.osm"


def broken_extract(path: Path) -> Path:
    """Nodes 1–3 exist; 99, 98, 97, 96, 95 are outside the extract (as in a bbox download)."""
    return write_osm(
        path,
        [
            node(1, -2.0880, 47.6500),
            node(2, -2.0870, 47.6500),
            node(3, -2.0860, 47.6505, shop="bakery", name="Fournil"),
            way(10, [1, 2, 99], highway="residential", name="Rue A"),  # 1 missing ref, 2 nodes left: kept
            way(11, [3, 98], highway="footway"),  # 1 missing ref, 1 node left: dropped
            way(12, [97, 96], highway="service"),  # 2 missing refs, 0 left: dropped
            relation(20, [("way", 10, "outer"), ("way", 11, "outer"), ("node", 95, "")], type="route"),  # 2 gone
            relation(21, [("way", 12, "")], type="route"),  # its only member is gone: dropped
            relation(22, [("relation", 21, "")], type="route_master"),  # emptied on the second pass: dropped
        ],
    )


def test_cleaning_counts_on_a_hand_written_extract(tmp_path):
    report = clean_osm_xml(broken_extract(tmp_path / "broken.osm"), tmp_path / "clean.osm")
    # refs: 99 (way 10) + 98 (way 11) + 97, 96 (way 12) = 4; members: 2 (rel 20) + 1 (21) + 1 (22) = 4
    assert report == CleaningReport(
        bom_removed=True,
        missing_node_refs=4,
        ways_dropped=2,
        relation_members_dropped=4,
        relations_dropped=2,
        bbox=(-2.088, 47.65, -2.086, 47.6505),  # extent of the extract's nodes (lon/lat)
    )
    cleaned = (tmp_path / "clean.osm").read_bytes()
    assert cleaned.startswith(b"<?xml")
    root = ET.fromstring(cleaned)
    assert [w.get("id") for w in root.iter("way")] == ["10"]
    assert [nd.get("ref") for nd in root.find("way").iter("nd")] == ["1", "2"]
    assert [r.get("id") for r in root.iter("relation")] == ["20"]
    assert [m.get("ref") for m in root.find("relation").iter("member")] == ["10"]


def test_features_read_from_the_cleaned_file(tmp_path):
    features, report = read_osm_features(broken_extract(tmp_path / "broken.osm"))
    assert report.missing_node_refs == 4
    # tagged elements only: node 3 (shop) and way 10 (street); untagged nodes 1, 2 are not features
    assert sorted(osm_ids(features)) == ["osm:node/3", "osm:way/10"]
    assert sorted(tag(features, "name")) == ["Fournil", "Rue A"]
    assert tag(features, "no_such_key").isna().all()
    # the parse is cached per path and modification time
    assert read_osm_features(tmp_path / "broken.osm")[0] is features


def test_a_file_that_is_not_osm_xml_names_the_file(tmp_path):
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'></osm>")
    with pytest.raises(SourceFormatError, match="bad.osm"):
        clean_osm_xml(bad, tmp_path / "out.osm")
    (tmp_path / "other.osm").write_text("<gpx/>")
    with pytest.raises(SourceFormatError, match="expected <osm>"):
        clean_osm_xml(tmp_path / "other.osm", tmp_path / "out.osm")


def test_cleaning_counts_on_the_redon_extract(mirror):
    features, report = read_osm_features(mirror / REDON)
    # SOURCES_OSM_CYCLE_HEAT.md: BOM and 3,058 way node references outside the extract;
    # 23 of the 1,752 ways keep fewer than 2 nodes; every relation keeps at least one member
    assert report == CleaningReport(
        bom_removed=True,
        missing_node_refs=3058,
        ways_dropped=23,
        relation_members_dropped=22537,
        relations_dropped=0,
        bbox=(-2.0937065, 47.64627, -2.079808, 47.6529646),  # SOURCES: about 2.094–2.080 W, 47.646–47.653 N
    )
    elements = features.index.get_level_values(0).value_counts().to_dict()
    # 1,729 ways left, 1,721 of them tagged; osmnx builds multipolygons for 13 of the 69 relations
    assert elements == {"way": 1721, "node": 1059, "relation": 13}
