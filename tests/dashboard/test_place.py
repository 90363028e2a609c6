""" "Mon quartier" on the mini town: every number below is worked out in minitown.py's docstring."""

from __future__ import annotations

import pytest
from minitown import pt

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
