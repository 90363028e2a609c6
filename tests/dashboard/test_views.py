"""View builders and the view state, on the mini town (numbers from minitown.py)."""

from __future__ import annotations

from dash import html
from minitown import text_of

from dashboard import state, views


def test_uncovered_needs_lists_flood_in_the_qpv(data):
    # test-prog targets shops (commune) and heat (qpv): only flood is left; the fort zone covers
    # 500 m × 250 m of the 500 m × 500 m QPV, i.e. 50 %. No poor households in the fixture: unknown.
    table = views.uncovered_needs(data)
    assert table[["territoire", "qpv", "couche", "besoin", "known"]].values.tolist() == [
        ["Testville", "Les Tilleuls", "Zones inondables", "50\u00a0% de la surface", True],
        ["Testville", "Les Tilleuls", "Pauvreté des ménages", "inconnu", False],
    ]


def test_unavailable_layers_are_named_not_hidden(data):
    options = {o["value"]: o for o in views.layer_options(data, "fictiveville")}
    # an unavailable layer's value is not the layer id, so a view showing "heat" never ticks it
    assert options["heat:indisponible"]["disabled"] is True
    assert "indisponible" in options["heat:indisponible"]["label"]
    assert "heat" not in options
    notes = text_of(views.layer_notes(data, "fictiveville"))
    assert "aucune donnée de chaleur hors ligne" in notes and "https://example.org/lcz" in notes


def test_fictional_territory_badge(data):
    badges = text_of(html.Div(views.badges(data, "fictiveville", [])))
    assert "badge-fictif" in badges and "Territoire fictif" in badges
    assert "badge-fictif" not in text_of(html.Div(views.badges(data, "testville", ["qpv"])))


def test_measure_detail_shows_need_share_and_per_qpv(data):
    detail = text_of(html.Div(views.measure_detail(data, "testville", "test-prog", "vitrines")))
    assert "nous reprendrons les locaux vides" in detail and "999_test.txt" in detail
    assert "2 commerces — vitrines vides" in detail and "Dont en QPV" in detail
    assert "50\u00a0%" in detail and '"16"' in detail  # share in QPV, equity ratio
    assert "Les Tilleuls" in detail and "QN09901A" in detail  # per-QPV table


def test_resolve_state_defaults_and_validation(data):
    view = state.resolve_state(data, "?t=99001&v=programmes&m=vitrines&l=flood,bogus")
    assert (view.territory, view.tab, view.programme, view.measure, view.layers) == (
        "testville",
        "programmes",
        "test-prog",
        "vitrines",
        ["flood"],
    )
    # a non-spatial measure cannot be selected on the map; an unknown territory falls back
    assert state.resolve_state(data, "?t=testville&m=veto").measure is None
    assert state.resolve_state(data, "?t=atlantis").territory == "fictiveville"


def test_place_card_in_the_qpv(data):
    from minitown import pt

    card = text_of(views.place_card(data, "testville", pt(150, 150), "QPV Les Tilleuls"))
    assert "Les Tilleuls (QN09901A, contour exact)" in card
    assert "scénario fort (crue fréquente)" in card and "zone chaude" in card
    assert "2 commerces dont 1 vitrine vide" in card and "piste, à 450 m" in card
    assert "Reprendre les vitrines vides" in card and "Ombrager les quartiers chauds" in card
    assert "Des pistes près de chez vous" not in card  # 450 m > 300 m


def test_place_options_search_qpv_and_streets(data):
    options = views.place_options(data, "testville")
    assert [o["value"] for o in options] == ["qpv:QN09901A", "rue:Avenue Jean Jaurès", "rue:Rue des Lilas"]
    point, label = views.place_point(data, "testville", "rue:Rue des Lilas")
    assert label == "Rue des Lilas" and 0 < point.x < 5


def test_indicator_table_columns_per_zone(data):
    # fort zone: 50 % of the QPV, 125 000 / 3 750 000 = 3,3 % outside it, 250 000 / 4 000 000 = 6,25 % of the town
    table = views.indicator_table(data.table("testville", "indicators"), "flood")
    head, body = table.children[1], table.children[2]
    assert [th.children for th in head.children.children] == ["Indicateur", "Les Tilleuls", "Hors QPV", "Testville"]
    cells = [td.children for td in body.children[0].children]
    assert cells == ["part inondable (scénario fort)", "50\u00a0%", "3,3\u00a0%", "6,2\u00a0%"]
