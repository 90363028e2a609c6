"""A BuildContext over hand-made sources: one fictional territory, a square commune, a tmp mirror."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import shapely

from pipelines.build import build_territory
from pipelines.catalog import Catalog, Source, Territory
from pipelines.layers import BuildContext


def make_context(
    mirror: Path, layer: str, sources: list[tuple[str, str, str, dict]], commune: shapely.Geometry
) -> BuildContext:
    """Context of territory ``test`` whose ``layer`` is fed by ``sources``.

    ``sources`` holds (id, format, mirror path relative to ``mirror``, options) tuples; the
    commune is ``commune`` (EPSG:2154), so the area of interest is it buffered by 500 m.
    """
    entries = {
        sid: Source(
            id=sid,
            title=f"source de test {sid}",
            publisher="tests",
            page="https://example.org/",
            url=f"https://example.org/{sid}.zip",
            licence="test",
            vintage="test",
            format=fmt,
            mirror=path,
            options=options,
        )
        for sid, fmt, path, options in sources
    }
    territory = Territory("test", "99998", "Testville", "99", layers={layer: tuple(entries)})
    catalog = Catalog(entries, {"test": territory})
    frame = gpd.GeoDataFrame(
        {"insee": ["99998"], "name": ["Testville"], "population": [1000]}, geometry=[commune], crs="EPSG:2154"
    )
    return BuildContext(territory, catalog, offline=True, mirror=mirror, commune=frame, log=lambda _: None)


def build_real(territory: str, layers: list[str], mirror: Path, store, **sources: list[str]) -> dict:
    """Build ``layers`` of a real territory from the mirror; the outcomes keyed by layer.

    ``sources`` replaces the declared sources of a layer (``population=[…]``), to test one source
    of a territory that declares a finer one first.
    """
    catalog = Catalog.load()
    real = catalog.territory(territory)
    if sources:
        real = dataclasses.replace(real, layers={**real.layers, **{k: tuple(v) for k, v in sources.items()}})
        catalog.territories[real.id] = real
    outcomes = build_territory(real, catalog, store, offline=True, mirror=mirror, only=layers)
    return {o.layer: o for o in outcomes}
