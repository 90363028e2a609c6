"""Charts: the numbers drawn are the table's, unknown values are written « inconnu », French formats.

Expected values are computed by hand from the small rows below (or the mini town's tables).
"""

from __future__ import annotations

import math

import pandas as pd
from dash import html
from minitown import text_of

from dashboard import views
from dashboard.charts import base, compare, measure, zones
from dashboard.components import ranking

#: The demo town's vacant-shops measure: 36 vacant shops of 300, 11 of the 33 shops of the QPV.
VACANT = {
    "need_commune": 36.0,
    "need_in_qpv": 11.0,
    "rate_qpv": 11 / 33,
    "rate_hors_qpv": 25 / 267,
    "equity_ratio": (11 / 33) / (25 / 267),
    "need_unit": "commerces",
    "rate_unit": "part",
}


def _cells(table: html.Table) -> list[list[str]]:
    return [[str(td.children) for td in tr.children] for tr in table.children[-1].children]


def test_commune_rate_from_the_two_zones():
    # bases 33 + 267 = 300 shops: 36 / 300 = 12 %
    assert math.isclose(measure.commune_rate(VACANT), 0.12)
    assert measure.commune_rate({**VACANT, "rate_commune": 0.5}) == 0.5
    # a zone with a rate of 0 hides its base: unknown, not a guess
    assert measure.commune_rate({**VACANT, "need_in_qpv": 0.0, "rate_qpv": 0.0}) is None


def test_need_chart_draws_the_numbers_of_its_table():
    row = pd.Series(VACANT)
    chart, table = views.measure.need_chart(row, "vacants")
    figure = measure.need_figure(row)
    rates, counts = figure.data
    assert list(rates.text) == ["33,3\u00a0%", "9,4\u00a0%", "12\u00a0%"]
    assert [round(x, 6) for x in rates.x] == [33.333333, 9.363296, 12.0]  # shares drawn in % points
    assert list(counts.text) == ["11", "25", "36"] and list(counts.x) == [11, 25, 36]
    assert _cells(table) == [[z, r, c] for z, r, c in zip(rates.y, rates.text, counts.text, strict=True)]
    notes = " ".join(a.text for a in figure.layout.annotations)
    assert "Ratio d'équité (taux QPV ÷ hors QPV) : <b>3,56</b>" in notes
    assert figure.layout.separators == ",\u202f"


def test_unknown_rate_is_written_not_drawn_as_zero():
    row = {**VACANT, "rate_hors_qpv": None, "equity_ratio": None}
    figure = measure.need_figure(row)
    rates = figure.data[0]
    assert rates.x[1] is None and rates.x[2] is None  # hors QPV, and so the commune too
    assert list(rates.text) == ["33,3\u00a0%", "inconnu", "inconnu"]
    marks = [(a.y, a.xref) for a in figure.layout.annotations if a.text == "inconnu"]
    assert marks == [("Hors QPV", "x"), ("Commune", "x")]
    assert any("<b>inconnu</b>" in a.text for a in figure.layout.annotations)


def test_ranked_bars_put_unknown_last_and_never_at_zero():
    rows = pd.DataFrame(
        {"name": ["A", "B", "C", "D"], "value": [0.1, None, 0.0, 0.25], "unit": ["part", None, "part", "part"]}
    )
    figure = base.ranked_bars(rows, "#7b3294", "titre")
    bars = figure.data[0]
    assert list(bars.y) == ["D", "A", "C", "B"]
    assert list(bars.x) == [25.0, 10.0, 0.0, None]  # a real zero is a zero; unknown is no bar
    assert list(bars.text) == ["25\u00a0%", "10\u00a0%", "0\u00a0%", "inconnu"]
    assert [a.y for a in figure.layout.annotations if a.text == "inconnu"] == ["B"]


def test_per_qpv_chart_text_is_the_table_cell(data):
    part = pd.DataFrame(
        {
            "zone_id": ["Q1", "Q2", "Q3"],
            "zone_name": ["Nord", "Sud", "Est"],
            "need": [3.0, 8.0, float("nan")],
            "need_unit": "commerces",
            "share_of_commune": [0.1, 0.2, None],
            "rate": [0.2, 0.4, None],
            "rate_unit": "part",
            "residents": [None, None, None],
        }
    )
    figure = measure.per_qpv_figure(part)
    table = views.measure._per_qpv(data, "testville", part)
    besoin = {row[0]: row[2] for row in _cells(table)}
    assert dict(zip(figure.data[0].y, figure.data[0].text, strict=True)) == {
        "Sud": besoin["Sud"],
        "Nord": besoin["Nord"],
        "Est": "inconnu",
    }
    assert besoin["Sud"] == "8 commerces" and besoin["Est"] == "inconnu"


def test_matrix_heatmap_counts_and_click_ids(data):
    counts, ids = views.compare.matrix_counts(data)
    figure = compare.matrix_figure(counts, ids)
    heat = figure.data[0]
    # test-prog: one measure on each of commerce, chaleur, mobilite_cyclable, democratie
    column = dict(zip(heat.y, [row[0] for row in heat.z], strict=True))
    assert column["Commerce"] == 1 and column["Îlots de chaleur"] == 1 and column["Logement"] == 0
    text = dict(zip(heat.y, [row[0] for row in heat.text], strict=True))
    assert text["Commerce"] == "1" and text["Logement"] == compare.ZERO
    assert heat.customdata[list(heat.y).index("Commerce")][0] == "test-prog|commerce"


def test_profile_takes_the_widest_known_flood_scenario_and_says_unknown():
    indicators = pd.DataFrame(
        [
            ("Q", "qpv", "Quartier", "flood", "share_fort", 0.05, "part (scénario fort)"),
            ("Q", "qpv", "Quartier", "flood", "share_faible_ou_plus", float("nan"), "tous"),
            ("commune", "commune", "Ville", "flood", "share_fort", 0.06, "part (scénario fort)"),
            ("commune", "commune", "Ville", "flood", "share_faible_ou_plus", float("nan"), "tous"),
            ("Q", "qpv", "Quartier", "population", "poverty_rate", 0.37, "taux de pauvreté"),
        ],
        columns=["zone_id", "zone_kind", "zone_name", "layer", "indicator", "value", "label"],
    )
    rows = zones.profile_rows(indicators, zones.zones_of(indicators))
    flood = rows[rows["indicator"] == "share_fort"]
    assert flood["value"].tolist() == [0.05, 0.06] and flood["title"].iloc[0] == "Part (scénario fort)"
    heat = rows[rows["indicator"] == "share_chaud"]
    assert heat["value"].isna().all() and len(heat) == 2  # no heat layer: unknown for each zone
    poverty = rows[rows["indicator"] == "poverty_rate"].set_index("zone_id")["value"]
    assert poverty["Q"] == 0.37 and pd.isna(poverty["commune"])
    figure = zones.profile_figure(rows)
    assert sum(a.text == "inconnu" for a in figure.layout.annotations) == 2 + 2 + 2 + 1
    heat_bars = figure.data[1]
    assert list(heat_bars.x) == [None, None] and list(heat_bars.text) == ["inconnu", "inconnu"]


def test_national_ranking_names_a_narrower_flood_scenario(data):
    # the mini town has only the « fort » share (0.5 in its QPV)
    rows = ranking.ranking_rows(data, "share_faible_ou_plus")
    assert rows[["name", "value"]].values.tolist() == [["Les Tilleuls (Testville, scénario fort seul)", 0.5]]
    content = text_of(html.Div(ranking.ranking_content(data, "vacancy_rate")))
    assert "inconnu" in content  # no vacancy rate in the mini town's indicators


def test_national_ranking_shows_the_first_50_of_a_national_build_and_says_so():
    # 1,500 QPV as a national build gives (every 3rd unknown): the chart and the table hold the same 50
    values = [None if i % 3 == 0 else i / 2000 for i in range(1500)]
    frame = pd.DataFrame({"name": [f"Q{i} (Ville)" for i in range(1500)], "territory": "t", "zone_id": range(1500)})
    frame = frame.assign(value=values, unit="part")

    class Built:  # ranking_rows asks the app's Data for its rows, cached until a territory changes
        def memo_built(self, key, build):
            return frame

    chart, table = ranking.ranking_content(Built(), "vacancy_rate")
    bars = chart.children[0].figure["data"][0]
    assert len(bars["y"]) == 50 and bars["y"][0] == "Q1499 (Ville)" and bars["x"][0] == 1499 / 2000 * 100
    assert "(50 premiers sur 1\u202f500)" in text_of(table) and text_of(table).count("(Ville)") == 50
    assert "inconnu" not in text_of(table)  # 1,000 known values come before the unknown ones


def test_graph_wrapper_downloads_png_and_svg():
    figure = base.ranked_bars(pd.DataFrame({"name": ["A"], "value": [1.0], "unit": ["km"]}), "#000", None)
    block = base.graph("g", figure, "fichier", "légende")
    graph, caption = block.children
    assert graph.config["toImageButtonOptions"] == {"format": "png", "filename": "fichier", "scale": 2}
    button = caption.children[1]
    assert button.to_plotly_json()["props"]["data-graph"] == "g" and "SVG" in button.children
    assert isinstance(graph.figure, dict)  # plain JSON, no numpy arrays


def test_dcc_graph_gets_the_cartesian_plotly_bundle_of_the_same_version(client):
    from plotly.offline import get_plotlyjs_version

    from dashboard.charts import plotlyjs

    answer = client.get(plotlyjs.ADDRESS)
    head = answer.get_data()[:120].decode()
    assert answer.status_code == 200 and "javascript" in answer.mimetype
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head  # bump the bundle with plotly
    assert plotlyjs.BUNDLE.name == f"plotly-cartesian-{get_plotlyjs_version()}.min.js"
