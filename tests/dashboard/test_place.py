""" "Mon quartier" on the mini town: every number below is worked out in minitown.py's docstring."""

from __future__ import annotations

import pytest
from minitown import pt, sq

from dashboard import place
from pipelines.measures import Target

LAYERS = ("commune", "qpv", "flood", "heat", "shops", "cycle", "population")


@pytest.fixture(scope="module")
def layers(mini):
    store, _ = mini
    return {layer: store.read_layer("testville", layer) for layer in LAYERS}


def test_place_in_qpv_in_fort_flood_zone(layers):
    # (150, 150): in the QPV, in the fort zone (y < 250), in the chaud zone; shops at
    # (100, 100) [vacant, 71 m] and (200, 200) [71 m] are within 300 m, (1500, 1500) is not;
    # the protected piste y = 600 is 450 m away.
    card = place.describe_place(pt(150, 150), layers)
    assert card.in_commune
    assert card.qpv == [{"name": "Les Tilleuls", "code": "QN09901A", "perimeter": "exact"}]
    assert card.flood == ["fort"]
    assert card.heat == "chaud"
    assert (card.shops, card.vacant) == (2, 1)
    assert card.cycle_m == pytest.approx(450.0)
    assert card.cycle_facility == "piste"


def test_place_outside_qpv(layers):
    card = place.describe_place(pt(1500, 1500), layers)
    assert card.qpv == []
    assert card.flood == []
    assert card.heat == "frais"
    assert (card.shops, card.vacant) == (1, 1)
    assert card.cycle_m == pytest.approx(900.0)


def test_missing_layer_is_none_not_guessed(layers):
    card = place.describe_place(pt(150, 150), {**layers, "flood": None, "shops": None})
    assert card.flood is None and card.shops is None and card.vacant is None


def test_measure_reach(layers):
    inside = pt(150, 150)
    card = place.describe_place(inside, layers)
    heat_qpv = Target("heat", "chaud", "qpv")
    assert place.measure_reach(heat_qpv, inside, card, layers) == "oui"
    assert place.measure_reach(Target("heat", "chaud", "hors_qpv"), inside, card, layers) is None
    # protected piste at 450 m: not within a 300 m buffer, within a 500 m one
    assert place.measure_reach(Target("cycle", "protege", "commune", 300.0), inside, card, layers) is None
    assert place.measure_reach(Target("cycle", "protege", "commune", 500.0), inside, card, layers) == "oui"
    # vacant shop at 71 m: "near" defaults to 300 m for points
    assert place.measure_reach(Target("shops", "vacant", "commune"), inside, card, layers) == "oui"
    assert place.measure_reach(heat_qpv, inside, card, {**layers, "heat": None}) == "indéterminé"
    assert place.measure_reach(None, inside, card, layers) is None


def test_outside_the_commune_reaches_nothing(layers):
    far = pt(5000, 5000)
    card = place.describe_place(far, layers)
    assert not card.in_commune
    assert place.measure_reach(Target("population", "tous", "commune"), far, card, layers) is None


def test_figures_outside_a_partial_source_are_unknown_not_zero(data, monkeypatch):
    """A source covering part of the commune (an OSM extract's box) says nothing beyond its extent."""
    from dashboard.views import place as view

    real = data.layer_entry
    south_west = sq(0, 0, 1000, 1000)  # a quarter of the mini town
    extent = {"bbox": list(south_west.bounds), "share_of_commune": 0.25}

    def entry(territory, layer):
        found = real(territory, layer)
        return {**found, "coverage": extent} if layer in ("shops", "cycle") and found else found

    monkeypatch.setattr(data, "layer_entry", entry)
    far = view.place_card(data, "testville", pt(1500, 1500), "loin").children[1].children
    texts = [str(getattr(c, "children", c)) for c in far]
    assert texts.count(view.OUTSIDE_EXTENT) == 2  # shops nearby and nearest cycle facility
    # (800, 800): inside, but 300 m around it reach beyond x, y = 1000: a lower bound, said so
    edge = [
        str(getattr(c, "children", c))
        for c in view.place_card(data, "testville", pt(800, 800), "bord").children[1].children
    ]
    assert any(text.endswith(view.PARTIAL_EXTENT) for text in edge)
