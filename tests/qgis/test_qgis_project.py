"""``qgis-project``: the project XML read back — every layer present, styled as the legend, with sources and licences.

The store holds the fictional demo town (every layer), with two changes that exercise the
classes: its second QPV has a 2015 contour (approximate), and ``streets`` is recorded unavailable
with a reason.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pyogrio
import pytest

from pipelines import demo
from pipelines.cli import main
from pipelines.qgis import write_project
from pipelines.store import Store
from pipelines.styles import LEGENDS

sys.path.insert(0, str(Path(__file__).parent))

import pyqgis  # noqa: E402

CLASS_LAYERS = ("qpv", "flood", "heat", "shops", "cycle", "population")
LICENCE = "Licence Ouverte / Etalab 2.0"


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("qgis") / "layers")
    store.write_territory("demo", {"insee": "99999", "name": "Ville fictive", "fictional": True})
    frames = demo.generate()
    frames["qpv"] = frames["qpv"].copy()
    frames["qpv"].loc[frames["qpv"].index[1], "perimeter_status"] = "contour 2015"
    for layer, frame in frames.items():
        if layer == "streets":
            continue
        provenance = {
            "kind": "fictional",
            "publishers": ["Cartopolis"],
            "licences": [LICENCE],
            "vintages": ["fictif"],
            "pages": [f"https://example.org/{layer}"],
        }
        store.write_layer("demo", layer, frame, {"sources": [f"demo.{layer}"], "provenance": provenance, "notes": []})
    store.record_status("demo", "streets", "unavailable", {"reason": "pas de rues dans cette source de test"})
    return store


@pytest.fixture(scope="module")
def project(town, tmp_path_factory) -> tuple[Path, ET.Element]:
    out = tmp_path_factory.mktemp("out") / "ville.qgz"
    write_project(town, "99999", out)  # named by its INSEE code
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["ville.qgs"]
        root = ET.fromstring(archive.read("ville.qgs"))
    return out, root


def _layers(root: ET.Element) -> dict[str, ET.Element]:
    return {node.findtext("datasource").split("layername=")[1]: node for node in root.iter("maplayer")}


def _rgb(qgis_colour: str) -> str:
    red, green, blue = (int(v) for v in qgis_colour.split(",")[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def _colour(symbol: ET.Element) -> str:
    options = {o.get("name"): o.get("value") for o in symbol.find("layer").find("Option")}
    return _rgb(options.get("color") or options["line_color"])


def test_every_built_layer_is_in_its_french_group_and_in_the_geopackage_beside(town, project):
    out, root = project
    layers = _layers(root)
    built = [name for name, entry in town.manifest("demo")["layers"].items() if entry["status"] == "ok"]
    assert sorted(layers) == sorted(built) and "streets" not in layers
    groups = {g.get("name"): [n.get("name") for n in g] for g in root.find("layer-tree-group")}
    assert groups == {
        "Commerces et mobilité": ["Commerces et vitrines vides", "Réseau cyclable"],
        "Contexte": ["Commune"],
        "Quartiers prioritaires": ["Quartiers prioritaires (QPV)"],
        "Risques et climat": ["Zones inondables", "Îlots de chaleur (zones climatiques locales)"],
        "Habitants": ["Population"],
    }
    gpkg = out.with_suffix(".gpkg")
    assert sorted(pyogrio.list_layers(gpkg)[:, 0]) == sorted(built)
    for name, node in layers.items():
        assert node.findtext("datasource") == f"./ville.gpkg|layername={name}"
        assert node.find("srs/spatialrefsys").findtext("authid") == "EPSG:2154"
        assert pyogrio.read_info(gpkg, layer=name)["features"] == town.manifest("demo")["layers"][name]["rows"]
    shops = pyogrio.read_dataframe(gpkg, layer="shops")
    assert set(shops["provenance"]) == {"fictional"} and set(shops["licence"]) == {LICENCE}
    assert root.find("properties/Paths/Absolute").text == "false"  # the GeoPackage travels with the project


def test_layers_are_styled_with_the_classes_and_colours_of_the_legend(project):
    _, root = project
    layers = _layers(root)
    for name in CLASS_LAYERS:
        renderer = layers[name].find("renderer-v2")
        assert renderer.get("type") == "categorizedSymbol", name
        categories = [(c.get("value"), c.get("label")) for c in renderer.find("categories")]
        colours = [_colour(s) for s in renderer.find("symbols")]
        legend = LEGENDS[name]
        assert categories == [(key, label) for key, label, _ in legend], name
        assert colours == [colour for _, _, colour in legend], name
    commune = layers["commune"].find("renderer-v2")
    assert commune.get("type") == "singleSymbol" and _colour(commune.find("symbols/symbol")) == "#333333"
    assert layers["shops"].find("renderer-v2").get("attr") == "CASE WHEN \"vacant\" THEN 'vacant' ELSE 'actif' END"
    qpv_attr = layers["qpv"].find("renderer-v2").get("attr")
    assert "'contour 2015'" in qpv_attr and "'contour 2015, modifié en 2024'" in qpv_attr
    # a planned route is dashed, an approximate QPV dotted, as on the map
    symbols = {
        c.get("value"): s for c, s in zip(*(layers["cycle"].find("renderer-v2")[i] for i in (0, 1)), strict=True)
    }
    pen = {o.get("name"): o.get("value") for o in symbols["projet"].find("layer/Option")}["line_style"]
    assert pen == "dash"


def test_metadata_carries_sources_licences_and_the_fictional_label(project):
    _, root = project
    for name, node in _layers(root).items():
        meta = node.find("resourceMetadata")
        assert [r.text for r in meta.findall("rights")] == [LICENCE], name
        assert [r.text for r in meta.findall("license")] == [LICENCE], name
        keywords = {k.get("vocabulary"): [w.text for w in k] for k in meta.findall("keywords")}
        assert keywords["cartopolis:sources"] == [f"demo.{name}"], name
        assert keywords["cartopolis:provenance"] == ["fictional"], name
        assert [link.get("url") for link in meta.find("links")] == [f"https://example.org/{name}"], name
        assert "Données fictives" in meta.findtext("abstract") and "Producteurs : Cartopolis" in meta.findtext(
            "abstract"
        )
    assert root.findtext("title") == "Cartopolis — Ville fictive (FICTIF)"
    abstract = root.findtext("projectMetadata/abstract")
    assert "Rues : pas de rues dans cette source de test" in abstract and "ville fictive" in abstract


def test_operator_mistakes_are_clear_errors(town, tmp_path, capsys):
    assert (
        main(["qgis-project", "--territory", "demo", "--out", str(tmp_path / "x.zip"), "--data", str(town.root)]) == 2
    )
    assert "ends in .qgz" in capsys.readouterr().out
    assert (
        main(["qgis-project", "--territory", "lyon", "--out", str(tmp_path / "x.qgz"), "--data", str(town.root)]) == 2
    )
    assert "`lyon` is not built" in capsys.readouterr().out
    assert (
        main(["qgis-project", "--territory", "demo", "--out", str(tmp_path / "x.qgz"), "--data", str(town.root)]) == 0
    )
    assert (tmp_path / "x.qgz").exists() and (tmp_path / "x.gpkg").exists()


@pytest.mark.skipif(not pyqgis.available(), reason=pyqgis.REASON)
def test_real_qgis_opens_the_project_and_classes_every_feature_as_the_dashboard(town, project):
    from dashboard.maps import legend_keys

    out, _ = project
    seen = pyqgis.open_project(out, out.parent)
    assert seen["read"] and seen["crs"] == "EPSG:2154"
    for layer in seen["layers"]:
        name = layer["id"].removeprefix("cartopolis_demo_")
        assert layer["valid"] and layer["crs"] == "EPSG:2154", name
        assert layer["rights"] == [LICENCE] and layer["keywords"]["cartopolis:sources"] == [f"demo.{name}"]
        frame = town.read_layer("demo", name)
        assert layer["features"] == len(frame)
        if name in CLASS_LAYERS:
            assert layer["error"] == "", name
            qgis_keys = [key for _, key in sorted(layer["keys"])]  # by fid: the order the rows were written
            expected = legend_keys(name, frame).tolist()
            assert qgis_keys == expected, name
            assert len(set(expected)) > 1, name  # the check compares several classes, not one
