"""Hand-written OSM XML in the layout of an Overpass ``map?bbox=`` download (BOM optional)."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<osm version="0.6" generator="Overpass API 0.7.55.7 8b86ff77">\n'
    "<note>The data included in this document is from www.openstreetmap.org. "
    "The data is made available under ODbL.</note>\n"
    '<meta osm_base="2019-09-09T14:03:02Z"/>\n'
)


def node(osm_id: int, lon: float, lat: float, **tags: str) -> str:
    """One ``<node>`` (tag keys with ``__`` stand for ``:``, e.g. ``disused__shop``)."""
    return f'<node id="{osm_id}" lat="{lat}" lon="{lon}">{_tags(tags)}</node>'


def way(osm_id: int, refs: list[int], **tags: str) -> str:
    """One ``<way>`` over the node ids ``refs``."""
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    return f'<way id="{osm_id}">{nds}{_tags(tags)}</way>'


def relation(osm_id: int, members: list[tuple[str, int, str]], **tags: str) -> str:
    """One ``<relation>`` with (type, ref, role) members."""
    body = "".join(f'<member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members)
    return f'<relation id="{osm_id}">{body}{_tags(tags)}</relation>'


def write_osm(path: Path, elements: list[str], *, bom: bool = True) -> Path:
    """Write the elements as an OSM XML file, with a UTF-8 BOM like the Redon extract."""
    text = HEADER + "\n".join(elements) + "\n</osm>\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _tags(tags: dict[str, str]) -> str:
    return "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
