"""Classes within a layer (flood scenarios, heat classes, vacant shops, cycle facilities): the
permalink words, the class checkboxes, and a legend / table / map filter that follow them.

Numbers from minitown.py: flood ``fort`` and ``moyen`` (one zone each, 0,25 km²); shops 2 vacant,
1 active; cycle: piste and bande existing, one piste ``projet``.
"""

from __future__ import annotations

import geopandas as gpd
from dash import html
from minitown import text_of

from dashboard import maps, state, views


def test_parse_layers_keeps_old_links_and_reads_classes():
    assert maps.parse_layers("qpv,streets") == (["qpv", "streets"], {})
    layers, classes = maps.parse_layers("qpv,flood:fort,flood:moyen,shops:vacant,cycle:zone_apaisee,cycle:projet")
    assert layers == ["qpv", "flood", "shops", "cycle"]
    assert classes == {"flood": ["fort", "moyen"], "shops": ["vacant"], "cycle": ["zone_apaisee", "projet"]}
    # legend order whatever the URL order; ``aucun`` hides every class; a bare name wins
    assert maps.parse_layers("flood:faible,flood:fort") == (["flood"], {"flood": ["fort", "faible"]})
    assert maps.parse_layers("heat:aucun") == (["heat"], {"heat": []})
    assert maps.parse_layers("flood:fort,flood") == (["flood"], {})
    # unknown words and layers are dropped; classes of a layer without classes are ignored
    assert maps.parse_layers("flood:crue,volcans,qpv:x") == (["flood", "qpv"], {})


def test_format_layers_is_the_inverse():
    layers, classes = ["qpv", "flood", "heat", "cycle"], {"flood": ["fort"], "heat": [], "cycle": ["voie_verte"]}
    text = maps.format_layers(layers, classes)
    assert text == "qpv,flood:fort,heat:aucun,cycle:voie_verte"
    assert maps.parse_layers(text) == (layers, classes)
    # a restriction of a layer that is not shown is not written
    assert maps.format_layers(["qpv"], {"flood": ["fort"]}) == "qpv"


def test_slugs_are_ascii_and_map_back_to_legend_keys():
    assert maps.class_slug("zone apaisée") == "zone_apaisee"
    assert maps.class_slug("double sens cyclable") == "double_sens_cyclable"
    assert maps.class_keys("cycle", ["zone_apaisee", "projet", "x"]) == ["zone apaisée", "projet"]
    assert maps.class_keys("flood", None) is None


def test_resolve_state_reads_classes(data):
    view = state.resolve_state(data, "?t=testville&l=qpv,flood:fort,shops:vacant")
    assert view.layers == ["qpv", "flood", "shops"]
    assert view.classes == {"flood": ["fort"], "shops": ["vacant"]}


def test_flood_options_name_absent_scenarios(data):
    # the mini town's manifest says nothing about scenarios: the absent ones are absent from the source
    options = views.class_options(data, "testville", "flood")
    assert [(o["value"], o.get("disabled", False)) for o in options] == [
        ("fort", False),
        ("moyen", False),
        ("moyen_cc", True),
        ("faible", True),
    ]
    assert options[0]["label"] == "scénario fort (crue fréquente) (1)"
    assert options[3]["label"] == "scénario faible (crue extrême) — absent de la source"


class OneLayer:
    """Just what :func:`views.class_options` reads of :class:`Data`: one layer and its manifest entry."""

    def __init__(self, frame: gpd.GeoDataFrame, entry: dict):
        self._frame, self._entry = frame, entry

    def frame(self, territory, layer):
        return self._frame

    def layer_entry(self, territory, layer):
        return self._entry


def test_flood_options_follow_the_manifest(data):
    fort = data.frame("testville", "flood").iloc[[0]]
    entry = {"status": "ok", "scenarios_present": ["fort", "moyen"], "scenarios_missing": ["moyen_cc", "faible"]}
    options = {o["value"]: o["label"] for o in views.class_options(OneLayer(fort, entry), "x", "flood")}
    # moyen is in the source but has no zone in this commune
    assert options["moyen"] == "scénario moyen — aucune zone dans la commune"
    assert options["moyen_cc"].endswith("— absent de la source")


def test_other_layers_list_present_classes_with_counts(data):
    shops = views.class_options(data, "testville", "shops")
    assert [(o["value"], o["label"]) for o in shops] == [
        ("actif", "commerces actifs (1)"),
        ("vacant", "vitrines vides (2)"),
    ]
    cycle = views.class_options(data, "testville", "cycle")
    assert [o["value"] for o in cycle] == ["piste", "bande", "projet"]
    assert [o["value"] for o in views.class_options(data, "testville", "heat")] == ["chaud", "frais"]


def test_class_lists_follow_the_view(data):
    blocks = views.class_lists(data, "testville", ["flood"], {"flood": ["fort"]})
    by_layer = {b.id["layer"]: b for b in blocks}
    assert list(by_layer) == ["flood", "heat", "shops", "cycle"]
    flood = by_layer["flood"]
    assert flood.hidden is False and flood.open is True
    assert flood.children[1].value == ["fort"]
    assert by_layer["shops"].hidden is True and by_layer["shops"].open is False
    assert by_layer["shops"].children[1].value == ["actif", "vacant"]
    # a territory without the layers has no list (fictiveville has only its commune)
    assert views.class_lists(data, "fictiveville", ["flood"], {}) == []


def test_legend_and_table_show_only_the_shown_classes(data):
    legend = text_of(html.Div(views.legend(data, "testville", ["flood", "shops"], {"flood": ["moyen"]})))
    assert "scénario moyen" in legend and "scénario fort" not in legend
    assert "Vitrine vide" in legend and "Commerce actif" in legend
    legend = text_of(html.Div(views.legend(data, "testville", ["shops"], {"shops": ["vacant"]})))
    assert "Vitrine vide" in legend and "Commerce actif" not in legend

    table = views.map_table(data, "testville", ["flood", "cycle"], {"flood": ["fort"], "cycle": ["projet"]})
    rows = [[td.children for td in tr.children] for tr in table[0].children[2].children]
    assert [r[1:] for r in rows[1:]] == [
        ["Inondation — scénario fort (crue fréquente)", "1", "0,25 km²"],
        ["Aménagement en projet (tirets orange)", "1", "2 km"],
    ]
    everything = views.map_table(data, "testville", ["flood"], {})
    assert len(everything[0].children[2].children) == 3  # commune, fort, moyen


def test_map_filter_gets_legend_keys_and_keeps_the_url(data):
    plain = views.geojson_layer(data, "testville", "cycle", 0)
    only = views.geojson_layer(data, "testville", "cycle", 0, ["voie_verte", "projet"])
    assert plain.hideout["only"] is None
    assert only.hideout["only"] == ["voie verte", "projet"]
    assert only.filter == {"variable": "cartopolis.filter"}
    assert only.url == plain.url  # same geometry request: the browser filters what it has
    children = state.map_children(data, "testville", ["flood"], 0, {"flood": []})
    assert children[-1].hideout["only"] == []
