"""sources.yaml / territories.yaml: typed objects, errors with the line at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalog import Catalog, load_sources, load_territories
from pipelines.errors import CatalogError

SOURCE = """\
  - id: {id}
    title: T
    publisher: P
    page: https://example.org/
    url: {url}
    licence: LO
    vintage: "2024"
    format: csv
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_real_catalog_loads_and_cross_checks():
    catalog = Catalog.load()
    assert len(catalog.sources) >= 15
    assert {"ales", "valence", "grenoble", "redon", "perigueux", "demo"} <= set(catalog.territories)
    assert catalog.territory("30007").id == "ales"
    assert catalog.territory("ales").insee == "30007"
    assert catalog.territories["demo"].fictional
    assert catalog.sources_for(catalog.territory("perigueux"), "flood")[0].id == "georisques.tri.24"


def test_every_mirrored_source_has_a_checksum():
    for source in Catalog.load().sources.values():
        assert (source.mirror is None) == (source.sha256 is None), source.id


def test_duplicate_source_id_names_the_line(tmp_path: Path):
    text = "sources:\n" + SOURCE.format(id="a", url="https://x.org/a") + SOURCE.format(id="a", url="https://x.org/b")
    with pytest.raises(CatalogError, match=r"sources.yaml:10: duplicate source id `a`"):
        load_sources(write(tmp_path, "sources.yaml", text))


def test_bad_url_names_the_line(tmp_path: Path):
    text = "sources:\n" + SOURCE.format(id="a", url="ftp//nowhere")
    with pytest.raises(
        CatalogError, match=r"sources.yaml:2 \(source `a`, url\): `ftp//nowhere` is not an http\(s\) URL"
    ):
        load_sources(write(tmp_path, "sources.yaml", text))


def test_unknown_source_id_in_territory(tmp_path: Path):
    sources = load_sources(write(tmp_path, "sources.yaml", "sources:\n" + SOURCE.format(id="a", url="https://x.org/a")))
    text = """territories:
  - id: t
    insee: "30007"
    name: T
    departement: "30"
    layers:
      flood: [a, nope]
"""
    with pytest.raises(
        CatalogError, match=r"territories.yaml:2: territory `t`, layer `flood`: unknown source id `nope`"
    ):
        load_territories(write(tmp_path, "territories.yaml", text), sources)


def test_unknown_layer_and_duplicate_territory(tmp_path: Path):
    text = """territories:
  - {id: t, insee: "30007", name: T, departement: "30", layers: {lava: []}}
"""
    with pytest.raises(CatalogError, match="unknown layer `lava`"):
        load_territories(write(tmp_path, "t1.yaml", text))
    text = """territories:
  - {id: t, insee: "30007", name: T, departement: "30"}
  - {id: t, insee: "30008", name: U, departement: "30"}
"""
    with pytest.raises(CatalogError, match=r"t2.yaml:3: duplicate territory id `t`"):
        load_territories(write(tmp_path, "t2.yaml", text))


def test_unknown_territory_names_the_closest_communes(mirror):
    with pytest.raises(CatalogError, match=r"no commune named « atlantis ».*closest names:\n  - Plantis — INSEE 61331"):
        Catalog.load().territory("atlantis")
