"""Charts in a real browser: the number a bar shows is in the table beside it, an unavailable
layer reads « inconnu », the SVG download works and nothing is fetched outside 127.0.0.1; the
« Rapport PDF » link downloads a PDF whose text holds the QPV and its flood share."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from test_dashboard_e2e import WIDE_COMMUNE

from dashboard.i18n import fmt_share
from pipelines.store import Store

#: The data and layout plotly holds for the graph ``id`` (once drawn).
FIGURE = """id => {
    const holder = document.getElementById(id);
    const gd = holder && holder.querySelector('.js-plotly-plot');  // dcc.Graph's div holds plotly's
    if (!gd || !gd.data || !gd._fullLayout) { return null; }
    return {data: gd.data.map(t => ({x: t.x, y: t.y, text: t.text, customdata: t.customdata})),
            annotations: (gd.layout.annotations || []).map(a => ({text: a.text, x: a.x, y: a.y}))};
}"""


def open_view(page: Page, base_url: str, query: str) -> None:
    """Load the page and wait for the commune at the scale of the town; these tests run first,
    on a cold server (its first layouts fill the caches), so they wait longer than the others."""
    page.goto(f"{base_url}/{query}")
    expect(page.locator(".leaflet-p-commune-pane path").first).to_be_attached(timeout=30_000)
    page.wait_for_function(WIDE_COMMUNE, timeout=30_000)


def figure_of(page: Page, graph_id: str) -> dict:
    page.wait_for_function(f"() => ({FIGURE})('{graph_id}') !== null", timeout=30_000)
    return page.evaluate(FIGURE, graph_id)


def test_measure_bar_value_is_in_the_table(page, base_url, e2e_store, external_requests):
    # the demo town's vacant shops: the rate in QPV drawn as a bar, read back from plotly's data
    measures = Store(e2e_store).read_table("demo", "measures").set_index("measure_id")
    row = measures.loc["locaux-vacants-espaces-partages"]
    query = "?t=demo&v=programmes&p=pop-petites-villes&m=locaux-vacants-espaces-partages"
    open_view(page, base_url, query)
    figure = figure_of(page, "chart-need")
    rates = figure["data"][0]
    assert rates["y"] == ["En QPV", "Hors QPV", "Commune"]
    assert abs(rates["x"][0] - 100 * row["rate_qpv"]) < 1e-9  # drawn in percentage points
    assert rates["text"][0] == fmt_share(row["rate_qpv"])
    zones = page.locator("table.need-zones")
    expect(zones.locator("tbody tr", has_text="En QPV")).to_contain_text(rates["text"][0])
    facts = page.locator("#measure-detail .measure-facts")
    expect(facts).to_contain_text(rates["text"][0])  # « Taux en QPV » says the same
    # per-QPV bars: each bar's text is the « Besoin » cell of its QPV
    bars = figure_of(page, "chart-per-qpv")["data"][0]
    per_qpv = page.locator("table.per-qpv")
    for name, text in zip(bars["y"], bars["text"], strict=True):
        expect(per_qpv.locator("tbody tr", has_text=name)).to_contain_text(text)
    assert external_requests == []


def test_unavailable_layer_reads_inconnu(page, base_url, e2e_store):
    # Périgueux has no heat layer offline: its zone profile writes « inconnu », draws no bar
    assert Store(e2e_store).manifest("perigueux")["layers"]["heat"]["status"] == "unavailable"
    open_view(page, base_url, "?t=perigueux&l=qpv,flood")
    figure = figure_of(page, "chart-profile")
    heat = figure["data"][1]
    assert all(x is None for x in heat["x"]) and set(heat["text"]) == {"inconnu"}
    assert sum(a["text"] == "inconnu" for a in figure["annotations"]) >= len(heat["y"])
    chart = page.locator("#chart-profile")
    expect(chart).to_contain_text("inconnu")  # written in the drawn SVG, where a bar would be
    profile = page.locator("table.profile")
    expect(profile.locator("tbody tr", has_text="Surface en zone chaude")).to_contain_text("inconnu")
    # the flood bar of the QPV is the flood table's « scénario fort » share
    flood = figure["data"][0]
    expect(profile.locator("tbody tr").first).to_contain_text(flood["text"][0])
    expect(page.locator("table.indicators-flood")).to_contain_text(flood["text"][0])


def test_heatmap_click_lists_the_measures_and_svg_downloads(page, base_url):
    page.goto(f"{base_url}/?t=redon&v=comparer")  # a wide tab: the map is hidden
    figure = figure_of(page, "matrix-chart")
    heat = figure["data"][0]
    # click the cell of the first programme on the « Commerce » row
    row = heat["y"].index("Commerce")
    box = page.locator("#matrix-chart .nsewdrag").first.bounding_box()
    rows, cols = len(heat["y"]), len(heat["x"])
    page.mouse.click(box["x"] + box["width"] / (2 * cols), box["y"] + box["height"] * (row + 0.5) / rows)
    count = heat["text"][row][0]
    expect(page.locator("#matrix-list h3")).to_contain_text(f"Commerce ({count})")
    with page.expect_download() as download:
        page.locator("#matrix .chart-svg").click()
    assert download.value.suggested_filename == "programmes-themes.svg"


def test_national_ranking_chart_and_table(page, base_url):
    page.goto(f"{base_url}/?t=_national")
    figure = figure_of(page, "chart-ranking")
    bars = figure["data"][0]
    known = [(y, t) for y, t in zip(bars["y"], bars["text"], strict=True) if t != "inconnu"]
    assert known, "at least one built territory has a flood share"
    table = page.locator("table.ranking")
    first_name, first_text = known[0]
    expect(table.locator("tbody tr").first).to_contain_text(first_text)
    page.locator("#ranking-indicator").click()
    page.locator(".dash-dropdown-options").get_by_text("Taux de pauvreté des ménages").click()
    expect(table).to_contain_text("Taux de pauvreté des ménages")


def test_rapport_pdf_from_the_exporter_menu(page, base_url, e2e_store, tmp_path):
    store = Store(e2e_store)
    name = store.read_layer("perigueux", "qpv")["name"].iloc[0]
    indicators = store.read_table("perigueux", "indicators")
    fort = indicators[(indicators["zone_kind"] == "qpv") & (indicators["indicator"] == "share_fort")]["value"].item()
    open_view(page, base_url, "?t=perigueux&l=qpv,flood")
    page.locator("#exports summary").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Rapport PDF — fiche {name}").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert f"Fiche quartier — {name}" in text and fmt_share(fort).replace("\u00a0", " ") in text
