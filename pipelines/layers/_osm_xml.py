"""Raw OpenStreetMap XML: clean what a bbox download breaks, then read the tagged features with osmnx.

An Overpass ``map?bbox=`` download (and the Redon mirror file) is not self-contained: ways keep
references to nodes outside the box, relations keep members that are not in the file, and some
tools write a UTF-8 byte-order mark before ``<?xml``. osmnx reads such a file badly or not at all,
so :func:`clean_osm_xml` repairs it first and counts every repair:

- the BOM is stripped;
- ``<nd ref>`` pointing to a node absent from the file is removed (``missing_node_refs``);
- a way left with fewer than 2 nodes is removed (``ways_dropped``);
- a relation ``<member>`` pointing to an absent node, way or relation is removed
  (``relation_members_dropped``), and a relation left without member is removed
  (``relations_dropped``), repeatedly until nothing changes (relations may nest).

:func:`read_osm_features` writes the cleaned XML to a temporary file, reads it with
``osmnx.features_from_xml`` (offline, no tag filter: every tagged element) and caches the result
per file path and modification time, since the shops, cycle and streets layers read the same file.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import osmnx as ox
import shapely

from ..errors import SourceFormatError
from ._common import temp_dir

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CleaningReport:
    """What :func:`clean_osm_xml` removed from one OSM XML file (counts of elements)."""

    bom_removed: bool
    missing_node_refs: int
    ways_dropped: int
    relation_members_dropped: int
    relations_dropped: int
    bbox: tuple[float, float, float, float] | None = None  # lon/lat extent of the extract's nodes

    def as_dict(self) -> dict:
        """The counts as a plain dict (for ``LayerResult.extra`` and the manifest)."""
        return asdict(self)

    def sentence(self) -> str:
        """A French sentence for the build log and the layer notes."""
        return (
            f"extrait OSM nettoyé : {self.missing_node_refs} références de nœuds hors extrait retirées, "
            f"{self.ways_dropped} voies de moins de 2 nœuds supprimées, "
            f"{self.relation_members_dropped} membres de relations absents retirés, "
            f"{self.relations_dropped} relations vides supprimées" + (", BOM UTF-8 retiré" if self.bom_removed else "")
        )


def clean_osm_xml(source: Path, target: Path) -> CleaningReport:
    """Write to ``target`` a self-contained copy of the OSM XML file ``source``.

    Parameters
    ----------
    source : Path
        OSM XML file (``.osm``), possibly with a BOM and dangling references.
    target : Path
        Where the cleaned XML is written (UTF-8, no BOM).

    Returns
    -------
    CleaningReport
        Counts of what was removed.
    """
    raw = Path(source).read_bytes()
    bom = raw.startswith(_BOM)
    try:
        # expat >= 2.4 (Python 3.11) caps entity expansion; OSM XML carries no DTD anyway
        root = ET.fromstring(raw[len(_BOM) :] if bom else raw)  # noqa: S314
    except ET.ParseError as exc:
        raise SourceFormatError(f"`{source}`: not a well-formed OSM XML file ({exc})") from None
    if root.tag != "osm":
        raise SourceFormatError(f"`{source}`: root element is <{root.tag}>, expected <osm>")

    nodes = {el.get("id") for el in root.iter("node")}
    lons = [float(el.get("lon")) for el in root.iter("node") if el.get("lon")]
    lats = [float(el.get("lat")) for el in root.iter("node") if el.get("lat")]
    bbox = (min(lons), min(lats), max(lons), max(lats)) if lons else None
    missing_refs = ways_dropped = 0
    ways = set()
    for way in root.findall("way"):
        refs = way.findall("nd")
        absent = [nd for nd in refs if nd.get("ref") not in nodes]
        for nd in absent:
            way.remove(nd)
        missing_refs += len(absent)
        if len(refs) - len(absent) < 2:
            root.remove(way)
            ways_dropped += 1
        else:
            ways.add(way.get("id"))

    members_dropped = relations_dropped = 0
    changed = True
    while changed:  # a relation emptied here may be the member of another one
        changed = False
        present = {"node": nodes, "way": ways, "relation": {el.get("id") for el in root.findall("relation")}}
        for relation in root.findall("relation"):
            members = relation.findall("member")
            absent = [m for m in members if m.get("ref") not in present.get(m.get("type"), ())]
            for member in absent:
                relation.remove(member)
            members_dropped += len(absent)
            if len(members) == len(absent):
                root.remove(relation)
                relations_dropped += 1
                changed = True
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
    return CleaningReport(bom, missing_refs, ways_dropped, members_dropped, relations_dropped, bbox)


def read_osm_features(path: Path) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    """Every tagged OSM element of ``path`` as a GeoDataFrame (EPSG:4326), with the cleaning report.

    The frame is osmnx's: indexed by (``element``, ``id``) with one column per tag key. It is
    cached per (path, modification time); callers must not modify it in place.
    """
    path = Path(path).resolve()
    return _read_cached(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read_cached(path: str, mtime_ns: int) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    with temp_dir("osm") as tmp:  # named after the process: a killed build's folder is removed later
        cleaned = tmp / "cleaned.osm"
        report = clean_osm_xml(Path(path), cleaned)
        try:
            features = ox.features_from_xml(cleaned)
        except Exception as exc:  # noqa: BLE001 - osmnx errors do not name the file
            raise SourceFormatError(f"`{path}`: osmnx cannot read the cleaned OSM XML ({exc})") from None
    return features, report


def record_cleaning(ctx, layer: str, source_id: str, report: CleaningReport, notes: list, extra: dict) -> None:
    """Log the cleaning counts of ``source_id`` and keep them in the layer's notes and manifest extra."""
    ctx.log(f"{ctx.territory.id}/{layer}: {source_id}: {report.sentence()}")
    notes.append(report.sentence())
    extra["osm_cleaning"] = report.as_dict()
    if report.bbox is not None and ctx.commune is not None:
        coverage = extract_coverage(report.bbox, ctx.commune)
        extra["coverage"] = {"source": source_id, **coverage}
        if coverage["share_of_commune"] < 0.99:
            notes.append(
                f"emprise de l'extrait OSM : {coverage['km2_in_commune']:.2f} km² sur "
                f"{coverage['commune_km2']:.2f} km² de la commune ({coverage['share_of_commune']:.1%}) ; "
                "ce qui est hors de cette emprise n'est pas compté"
            )


def extract_coverage(bbox: tuple[float, float, float, float], commune: gpd.GeoDataFrame) -> dict:
    """The extent of an extract (lon/lat bbox) against the commune: bbox in EPSG:2154, km², share (0–1)."""
    extent = gpd.GeoSeries([shapely.box(*bbox)], crs="EPSG:4326").to_crs(commune.crs).iloc[0]
    boundary = commune.geometry.union_all()
    inside = extent.intersection(boundary).area
    return {
        "bbox": [round(float(v), 1) for v in extent.bounds],
        "km2_in_commune": round(inside / 1e6, 4),
        "commune_km2": round(boundary.area / 1e6, 4),
        "share_of_commune": round(inside / boundary.area, 4),
    }


def osm_ids(features: gpd.GeoDataFrame) -> list[str]:
    """Stable identifiers ``osm:<element>/<id>`` (e.g. ``osm:node/123``) from osmnx's index."""
    return [f"osm:{element}/{osm_id}" for element, osm_id in features.index]


def tag(features: gpd.GeoDataFrame, key: str):
    """The column of tag ``key`` (object Series, missing values as None), even when no element has it."""
    if key in features.columns:
        return features[key].astype(object).where(features[key].notna(), None)
    return gpd.pd.Series([None] * len(features), index=features.index, dtype=object)
