"""sources.yaml / territories.yaml: typed objects, errors with the line at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalog import Catalog, load_sources, load_templates, load_territories
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


TEMPLATES = """
templates:
  - id: tri.{dep}
    title: TRI {dep}
    publisher: P
    page: https://example.org/
    url: https://example.org/tri_{dep}.zip
    licence: LO
    vintage: "2020"
    format: tri-2020
  - id: osm.{insee}
    title: OSM {name}
    publisher: P
    page: https://example.org/
    url: https://example.org/map?bbox={bbox}
    licence: ODbL
    vintage: "2024"
    format: osm-xml
"""
DEFAULTS = """defaults:
  layers:
    flood: ["tri.{dep}"]
    shops: ["osm.{insee}", a]
territories:
  - id: t
    insee: "30007"
    name: T
    departement: "30"
    layers:
      shops: [local, template]
"""


def _catalog(tmp_path: Path) -> Catalog:
    sources = "sources:\n" + "".join(SOURCE.format(id=i, url=f"https://x.org/{i}") for i in ("a", "local", "tri.24"))
    write(tmp_path, "sources.yaml", sources + TEMPLATES)
    write(tmp_path, "territories.yaml", DEFAULTS)
    return Catalog.load(tmp_path / "sources.yaml", tmp_path / "territories.yaml")


def test_declared_territory_overrides_the_defaults_and_keeps_them_where_it_says_template(tmp_path: Path):
    catalog = _catalog(tmp_path)
    territory = catalog.territories["t"]
    assert territory.layers == {"flood": ("tri.30",), "shops": ("local", "osm.30007", "a")}
    flood = catalog.sources_for(territory, "flood")[0]
    assert (flood.id, flood.title, flood.url) == ("tri.30", "TRI 30", "https://example.org/tri_30.zip")


def test_a_sources_entry_wins_over_its_template(tmp_path: Path):
    catalog = _catalog(tmp_path)
    assert catalog.source("tri.24").url == "https://x.org/tri.24"
    assert catalog.source("tri.971").url == "https://example.org/tri_971.zip"


def test_bbox_and_name_come_from_the_commune_with_a_margin(tmp_path: Path, mirror):
    catalog = _catalog(tmp_path)
    source = catalog.source("osm.34172")  # Montpellier: lon 3.8071–3.94132, lat 43.56679–43.65332
    assert source.title == "OSM Montpellier"
    assert source.url == "https://example.org/map?bbox=3.7971,43.5568,3.9513,43.6633"


def test_template_with_an_unknown_placeholder_names_the_line(tmp_path: Path):
    text = "sources: []\n" + TEMPLATES.replace("tri_{dep}", "tri_{region}")
    with pytest.raises(
        CatalogError, match=r"sources.yaml:4: template `tri.\{dep\}`, url: unknown placeholder\(s\) \['region'\]"
    ):
        load_templates(write(tmp_path, "sources.yaml", text))


def test_template_id_must_name_its_departement_or_commune(tmp_path: Path):
    text = "sources: []\n" + TEMPLATES.replace("id: tri.{dep}", "id: tri.all")
    with pytest.raises(CatalogError, match=r"template id `tri.all` must use \{dep\} or \{insee\}"):
        load_templates(write(tmp_path, "sources.yaml", text))


def test_real_templates_name_the_commune_s_departement_and_bbox(mirror):
    catalog = Catalog.load()
    montpellier = catalog.territory("34172")
    urls = {layer: [s.url for s in catalog.sources_for(montpellier, layer)] for layer in ("flood", "shops")}
    assert urls["flood"] == ["https://files.georisques.fr/di_2020/tri_2020_sig_di_34.zip"]
    assert urls["shops"] == [
        "https://overpass-api.de/api/map?bbox=3.7971,43.5568,3.9513,43.6633",
        "https://files.data.gouv.fr/geo-sirene/last/dep/geo_siret_34.csv.gz",
    ]
    grenoble = catalog.territory("grenoble")  # a thin override: its local cycle sources, then the template's OSM
    assert grenoble.layers["cycle"] == ("gam.pistes_cyclables", "smmag.schema_directeur_cyclable", "osm.overpass.38185")
    assert catalog.source("georisques.tri.24").mirror == "flood/perigueux_FRF_TRI_PERI"  # mirrored entry wins
