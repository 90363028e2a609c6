"""UI fixes of the QA review (issue 6 follow-up): wording, contours, repeats, search, street anchor.

Pure functions on hand-built frames, plus the view builders on the mini town (``minitown.py``).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import geopandas as gpd
import pytest
from dash import html
from minitown import line, pt, sq, text_of

from dashboard import i18n, maps, place, state, views
from pipelines.measures import Measure, Programme, Target


# -- 1. approximate QPV contours ------------------------------------------------------------------
def qpv_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Exact", "Modifié", "Ancien"],
            "code_qp": ["QN1", "QN2", None],
            "code_qp_2015": ["QP1", "QP2", "QP3"],
            "perimeter_status": ["exact", "contour 2015, modifié en 2024", "contour 2015"],
        },
        geometry=[sq(0, 0, 10, 10), sq(20, 0, 30, 10), sq(40, 0, 50, 10)],
        crs="EPSG:2154",
    )


def test_approximate_qpv_have_their_own_key_style_and_tooltip():
    frame = qpv_frame()
    assert list(maps.legend_keys("qpv", frame)) == ["qpv", "qpv_approx", "qpv_approx"]
    assert list(maps._tooltips("qpv", frame)) == [
        "QPV Exact (QN1) — contour exact",
        "QPV Modifié (QN2) — contour 2015, modifié en 2024 (approximatif)",
        "QPV Ancien (QP3) — contour 2015 (statut 2024 inconnu)",
    ]
    assert views.STYLES["qpv"]["qpv_approx"]["dashArray"] != views.STYLES["qpv"]["qpv"]["dashArray"]
    assert [key for key, _, _ in i18n.LEGENDS["qpv"]] == ["qpv", "qpv_approx"]
    # the GeoJSON carries the status (the browser's tooltip and any client reading it)
    features = json.loads(maps.layer_geojson("qpv", frame))["features"]
    assert [f["properties"]["perimeter_status"] for f in features][1] == "contour 2015, modifié en 2024"


def test_indicator_table_says_each_qpv_contour(data):
    table = views.indicator_table(data.table("testville", "indicators"), "flood", {"QN09901A": "contour 2015"})
    first = [td.children for td in table.children[2].children[0].children]
    assert first == ["Contour du quartier", "contour 2015 (statut 2024 inconnu)", "—", "—"]


def test_per_qpv_table_and_place_card_say_the_contour(data):
    detail = text_of(html.Div(views.measure_detail(data, "testville", "test-prog", "vitrines")))
    assert '"Contour"' in detail and "contour exact" in detail
    card = text_of(views.place_card(data, "testville", pt(150, 150), None))
    assert "Les Tilleuls (QN09901A, contour exact)" in card


# -- 2, 3, 7. badges, notes, declared sources -----------------------------------------------------
ENTRY = {
    "status": "ok",
    "provenance": {"kind": "real", "publishers": ["INSEE", "IGN"], "vintages": ["2014"], "licences": ["LO 2.0"]},
    "notes": ["population connue seulement au total communal"],
}


def test_badge_is_one_line_with_details_and_notes():
    badge = views.source_badge(ENTRY, "population")
    summary, body = badge.children
    assert text_of(summary).count("INSEE +1") == 1 and "LO 2.0" not in text_of(summary)
    assert "Producteur : INSEE, IGN" in text_of(body) and "Licence : LO 2.0" in text_of(body)
    assert "population connue seulement au total communal" in text_of(body)


def test_sources_cells_of_a_layer_not_built_come_from_declared():
    entry = {
        "status": "unavailable",
        "declared": [
            {"id": "a", "publisher": "Géorisques", "licence": "Licence Ouverte", "vintage": "TRI 2020"},
            {"id": "b", "publisher": "Géorisques", "licence": "ODbL", "vintage": "TRI 2020"},
        ],
    }
    note = "(source qui remplirait la couche)"
    assert views.source_cells(entry) == (f"Géorisques {note}", "Licence Ouverte, ODbL", "TRI 2020")
    assert views.source_cells(ENTRY) == ("INSEE, IGN", "LO 2.0", "2014")
    assert views.source_cells({"status": "unavailable"}) == ("", "", "")


def test_sources_table_has_a_notes_column(data):
    table = text_of(views.sources_table(data))
    assert '"Notes"' in table and "aucune donnée de chaleur hors ligne" in table


# -- 4. repeated measures ------------------------------------------------------------------------
def programme_with_repeat() -> Programme:
    first = Measure(id="sub", title="Rechercher les subventions", quote="q", themes=("finances",))
    other = Measure(id="mut", title="Mutualiser", quote="q", themes=("finances",))
    repeat = Measure(id="budget-sub", title="Subventions (budget)", quote="q", themes=("finances",), same_as="sub")
    return Programme(id="p", title="P", kind="programme_electoral", source="s", measures=(first, other, repeat))


def test_repeats_are_not_counted_and_point_to_the_first():
    programme = programme_with_repeat()
    assert [m.id for m in views.distinct_measures(programme)] == ["sub", "mut"]
    text = text_of(views.non_spatial_list(programme, programme.measures))
    assert "2 mesures sans lieu" in text
    assert "Subventions (budget)" in text and "reprise de : Rechercher les subventions" in text
    assert "1 reprise d'une mesure déjà listée" in text


def test_pop_finances_counts_seven_not_thirteen():
    from pipelines.measures import load_programmes
    from pipelines.settings import PROGRAMMES_DIR

    pop = load_programmes(PROGRAMMES_DIR)["pop-petites-villes"]
    assert sum("finances" in m.themes for m in pop.measures) == 13
    assert sum("finances" in m.themes for m in views.distinct_measures(pop)) == 7


# -- 5. accent-insensitive search ---------------------------------------------------------------
def test_search_text_ignores_accents_and_case(data):
    assert views.search_text("QPV — Près Saint Jean").startswith("qpv -- pres saint jean")
    options = views.place_options(data, "testville")
    assert options[1]["search"].startswith("rue -- avenue jean jaures")


# -- 6. street anchor --------------------------------------------------------------------------
def test_street_anchor_is_the_midpoint_of_the_part_inside_the_commune():
    # a street from x = -1000 to 1000 (two segments) on a commune 0–2000: 1000 m inside, so the
    # point is at x = 500; the whole street (2000 m) is kept for "nearby"
    commune = sq(0, 0, 2000, 2000)
    point, whole = maps.street_anchor(
        gpd.GeoSeries([line((-1000, 300), (0, 300)), line((0, 300), (1000, 300))]), commune
    )
    assert point.equals_exact(pt(500, 300), 1e-6) and whole.length == pytest.approx(2000)
    # wholly outside: the midpoint of the whole street
    outside, _ = maps.street_anchor(gpd.GeoSeries([line((-1000, 300), (-200, 300))]), commune)
    assert outside.equals_exact(pt(-600, 300), 1e-6)


def test_shops_counted_around_the_whole_street():
    shops = gpd.GeoDataFrame({"vacant": [True, False]}, geometry=[pt(1900, 350), pt(1000, 1000)], crs="EPSG:2154")
    street = line((0, 300), (2000, 300))
    at_middle = place.describe_place(pt(1000, 300), {"shops": shops})
    along = place.describe_place(pt(1000, 300), {"shops": shops}, around=street)
    assert (at_middle.shops, along.shops, along.vacant) == (0, 1, 1)  # (1900, 350) is 50 m from the street


# -- 8, 9, 10, 12. colours and wording ----------------------------------------------------------
def test_cool_heat_is_green_and_distinct_from_flood():
    colours = {key: colour for layer in ("heat", "flood") for key, _, colour in i18n.LEGENDS[layer]}
    assert colours["frais"] == "#c7e9c0" and colours["faible"] == "#9ecae1"
    assert i18n.layer_label("streets") == "Rues" and i18n.LEGENDS["streets"][0][1] == "Rues"


def test_french_tooltips():
    assert i18n.heat_label("tiede", "6") == "Zone tiède (LCZ 6 : bâti ouvert bas)"
    assert i18n.flood_label("moyen_cc") == "Inondation, scénario moyen avec changement climatique"
    assert [i18n.shop_category(c) for c in ("craft", "hairdresser", "bakery", "vape_shop")] == [
        "artisan",
        "coiffeur",
        "boulangerie",
        "commerce (vape shop)",
    ]


def test_plural_and_whole_residents():
    assert [i18n.plural(n, "vitrine vide") for n in (0, 1, 2)] == [
        "0 vitrine vide",
        "1 vitrine vide",
        "2 vitrines vides",
    ]
    assert i18n.plural(3, "mesure") == "3 mesures"
    assert i18n.fmt_value(118.6, "habitants") == "119 habitants"
    assert i18n.fmt_value(118.6, "ha") == "118,6 ha"


# -- 11, 13, 14. URL notices, national panel, collectives ------------------------------------------
def test_unknown_ids_in_the_url_give_a_notice(data):
    view = state.resolve_state(data, "?t=nope")
    assert view.territory == "fictiveville"
    assert view.notices == ["territoire inconnu « nope » : Fictiveville affiché"]
    view = state.resolve_state(data, "?t=testville&p=zzz&m=qqq")
    assert view.notices == [
        "programme inconnu pour ce territoire « zzz » : Programme test affiché",
        "mesure inconnue « qqq » : aucune mesure choisie",
    ]
    assert state.resolve_state(data, "?t=testville&p=test-prog&m=vitrines").notices == []


def test_national_view_has_no_layer_boxes(data):
    assert state.territory_props(data, i18n.NATIONAL)["layer_options"] == []


def test_collective_descriptions_are_marked_english():
    row = SimpleNamespace(kind="collectif", detail="we work for our city")
    assert text_of(views._detail(row)).count("(citation en anglais)") == 1
    assert views._detail(SimpleNamespace(kind="programme", detail="46 mesures")) == "46 mesures"


def test_same_target_layer_measures_use_target_dataclass():
    # a repeat with a target is not offered on the map (the first one is)
    first = Measure(id="a", title="A", quote="q", themes=("commerce",), target=Target("shops", "vacant", "commune"))
    again = Measure(
        id="b", title="B", quote="q", themes=("commerce",), target=Target("shops", "vacant", "commune"), same_as="a"
    )
    programme = Programme(id="p", title="P", kind="programme_electoral", source="s", measures=(first, again))
    spatial, others = views.split_measures(programme, None)
    assert [m.id for m in spatial] == ["a"] and [m.id for m in others] == ["b"]
