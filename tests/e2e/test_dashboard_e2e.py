"""What a person reads in the dashboard, in a real browser, on data built from the mirror.

Expected figures are recomputed here from the store's layers (not copied from the page), so a
wrong number on screen fails the test.
"""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pytest
import shapely
from playwright.sync_api import Page, expect

from dashboard.i18n import fmt_share
from pipelines.store import Store

ALES_HEAT_MEASURE = "Végétaliser les quartiers pour lutter contre les îlots de chaleur"
REDON_VACANT_MEASURE = "Transformer les anciens locaux publics ou commerces en espaces partagés"


def open_view(page: Page, base_url: str, query: str = "") -> None:
    """Load the page and wait until the commune is drawn at the scale of the town."""
    page.goto(f"{base_url}/{query}")
    expect(page.locator(".leaflet-p-commune-pane path").first).to_be_attached()
    page.wait_for_function(WIDE_COMMUNE)


WIDE_COMMUNE = """() => {
    const path = document.querySelector('.leaflet-p-commune-pane path');
    return path !== null && path.getBoundingClientRect().width > 200;
}"""


def pick(page: Page, dropdown_id: str, text: str) -> None:
    """Choose an option of a Dash dropdown by its visible text."""
    page.locator(f"#{dropdown_id}").click()
    page.locator(".dash-dropdown-options").get_by_text(text, exact=False).first.click()
    if page.locator(f"#{dropdown_id}[aria-expanded=true]").count():
        page.keyboard.press("Escape")
    expect(page.locator(f"#{dropdown_id}")).to_contain_text(text)


def test_ales_qpv_toggle_and_heat_measure(page, base_url, e2e_store, external_requests):
    open_view(page, base_url, "?t=demo")
    pick(page, "territory", "Alès (30007)")
    # the map fits the new commune (its outline then spans more than 200 px)
    page.wait_for_function(WIDE_COMMUNE)
    qpv_paths = page.locator(".leaflet-p-qpv-pane path")
    expect(qpv_paths.first).to_be_attached()
    page.get_by_label("Quartiers prioritaires (QPV)", exact=False).uncheck()
    expect(qpv_paths).to_have_count(0)
    page.get_by_label("Quartiers prioritaires (QPV)", exact=False).check()
    expect(qpv_paths.first).to_be_attached()

    page.get_by_role("tab", name="Programmes").click()
    expect(page.locator("#programme")).to_contain_text("Alès Commun")
    page.get_by_label(ALES_HEAT_MEASURE).check()
    detail = page.locator("#measure-detail")
    expect(detail.locator(".quote")).to_contain_text(
        "végétaliser les quartiers pour lutter contre les îlots de chaleur"
    )
    expect(detail.locator("figcaption")).to_contain_text("000_35d941bce52580a3.txt")
    heat = Store(e2e_store).manifest("ales")["layers"]["heat"]
    assert heat["status"] == "unavailable"
    reason = detail.locator(".unavailable-reason")
    expect(reason).to_contain_text("Îlots de chaleur")
    expect(reason).to_contain_text("indisponible")
    expect(reason).to_contain_text(heat["reason"])
    assert external_requests == []


def test_redon_pop_vacant_shops(page, base_url, e2e_store):
    shops = Store(e2e_store).read_layer("redon", "shops")
    vacant = int(shops["vacant"].sum())
    assert vacant == 9  # the 2019 OSM extract of Redon (SOURCES.md)
    open_view(page, base_url, "?t=redon&v=programmes&p=pop-petites-villes")
    page.get_by_label(REDON_VACANT_MEASURE).check()
    need = page.locator("#measure-detail .measure-facts dd").first
    expect(need).to_contain_text("vitrines vides")
    assert need.inner_text().split()[0] == str(vacant)


def test_perigueux_qpv_share_in_fort_flood_zone(page, base_url, e2e_store):
    store = Store(e2e_store)
    qpv = store.read_layer("perigueux", "qpv")
    flood = store.read_layer("perigueux", "flood")
    # zones are counted inside the commune: the QPV « La Boucle de l'Isle » spills over its border
    zone = qpv.geometry.iloc[0].intersection(store.read_layer("perigueux", "commune").geometry.iloc[0])
    fort = shapely.union_all(flood[flood["scenario"] == "fort"].geometry.values)
    expected = fmt_share(zone.intersection(fort).area / zone.area)

    open_view(page, base_url, "?t=perigueux&l=qpv,flood")
    table = page.locator("table.indicators-flood")
    expect(table).to_be_visible()
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index(qpv["name"].iloc[0])
    row = table.locator("tbody tr", has_text="scénario fort").first
    assert row.locator("td").nth(column).inner_text() == expected


def test_demo_town_is_labelled_fictif(page, base_url):
    open_view(page, base_url, "?t=demo")
    expect(page.locator(".fictif-banner")).to_contain_text("fictif")
    expect(page.locator(".badges .badge-fictif").first).to_be_visible()
    expect(page.locator("#territory")).to_contain_text("fictif")


FIND_INSIDE = """
([selector, steps]) => {
    const paths = Array.from(document.querySelectorAll(selector));
    for (const path of paths) {
        const box = path.getBoundingClientRect();
        for (let i = 1; i < steps; i++) {
            for (let j = 1; j < steps; j++) {
                const x = box.left + (box.width * i) / steps, y = box.top + (box.height * j) / steps;
                // the point and its neighbours 8 px away all hit the polygon: well inside, not on its edge
                const around = [[0, 0], [8, 0], [-8, 0], [0, 8], [0, -8]];
                if (around.every(([dx, dy]) => document.elementFromPoint(x + dx, y + dy) === path)) { return [x, y]; }
            }
        }
    }
    return null;
}
"""


def test_mon_quartier_click_inside_a_qpv(page, base_url, e2e_store):
    names = set(Store(e2e_store).read_layer("ales", "qpv")["name"])
    open_view(page, base_url, "?t=ales&v=quartier&l=qpv")
    expect(page.locator(".leaflet-p-qpv-pane path").first).to_be_attached()
    page.wait_for_timeout(300)  # end of any zoom animation
    point = page.evaluate(FIND_INSIDE, [".leaflet-p-qpv-pane path", 16])
    assert point is not None, "no visible pixel of a QPV on the map"
    page.mouse.click(*point)
    card = page.locator(".place-card")
    expect(card).to_be_visible()
    text = card.inner_text()
    assert any(name in text for name in names), text
    assert "non, ce lieu n'est pas dans un QPV" not in text


def test_permalink_restores_the_view(page, base_url, browser):
    open_view(page, base_url, "?t=redon")
    page.get_by_label("Population", exact=False).check()
    page.get_by_role("tab", name="Programmes").click()
    page.get_by_label(REDON_VACANT_MEASURE).check()
    expect(page.locator("#measure-detail h3")).to_have_text(REDON_VACANT_MEASURE)
    href = page.locator("#permalink").get_attribute("href")
    assert "t=redon" in href and "m=locaux-vacants-espaces-partages" in href and "population" in href

    other = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        open_view(other, base_url, href)
        expect(other.locator("#territory")).to_contain_text("Redon")
        expect(other.get_by_role("tab", name="Programmes")).to_have_attribute("aria-selected", "true")
        expect(other.get_by_label(REDON_VACANT_MEASURE)).to_be_checked()
        expect(other.get_by_label("Population", exact=False)).to_be_checked()
        expect(other.locator("#measure-detail h3")).to_have_text(REDON_VACANT_MEASURE)
    finally:
        other.close()


def test_csv_export_of_indicators(page, base_url, e2e_store):
    open_view(page, base_url, "?t=perigueux&l=qpv,flood")
    page.get_by_text("Exporter").click()
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"territory", "zone_id", "zone_kind", "zone_name", "layer", "indicator", "value", "unit"} <= set(rows[0])
    assert {r["layer"] for r in rows} == {"zone", "population", "flood"}  # zone and population: denominators
    stored = Store(e2e_store).read_table("perigueux", "indicators")
    fort = stored[(stored["indicator"] == "share_fort") & (stored["zone_kind"] == "qpv")]["value"].iloc[0]
    exported = [r for r in rows if r["indicator"] == "share_fort" and r["zone_kind"] == "qpv"]
    assert float(exported[0]["value"]) == pytest.approx(fort)


def test_api_unknown_territory_is_404_json(page, base_url):
    answer = page.request.get(f"{base_url}/api/territories/atlantis")
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert "atlantis" in json.loads(answer.text())["error"]


def test_phone_layout_stacks_map_above_panel(phone, base_url):
    open_view(phone, base_url, "?t=ales")
    map_box = phone.locator("#map").bounding_box()
    panel_box = phone.locator("#panel-col").bounding_box()
    assert map_box["width"] <= 390 and panel_box["width"] <= 390
    assert panel_box["y"] >= map_box["y"] + map_box["height"]
    for query in ("?t=ales&v=sources", "?t=redon&v=programmes&m=locaux-vacants-espaces-partages"):
        phone.goto(f"{base_url}/{query}")
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, query  # nothing wider than the phone


def test_keyboard_only(page, base_url):
    open_view(page, base_url, "?t=demo&l=qpv")
    heat = page.get_by_label("Îlots de chaleur", exact=False)
    heat.focus()
    page.keyboard.press("Space")
    expect(heat).to_be_checked()
    expect(page.locator(".leaflet-p-heat-pane path").first).to_be_attached()
    page.get_by_role("tab", name="Sources").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#panel-sources")).to_be_visible()
    expect(page.locator("#sources-table")).to_contain_text("Ville fictive")


def test_national_overview(page, base_url):
    from pipelines.measures import load_programmes

    collectives = [c for p in load_programmes().values() for c in p.collectives]
    page.goto(f"{base_url}/?t=_national")
    expect(page.locator(".leaflet-p-points-pane path").first).to_be_attached()
    table = page.locator("#map-table table")
    for collective in collectives[:3]:
        expect(table).to_contain_text(collective.name)
    rows = table.locator("tbody tr", has_text="Collectif")
    expect(rows).to_have_count(len(collectives))


def test_geopackage_export_opens_in_lambert93(page, base_url, tmp_path):
    answer = page.request.get(f"{base_url}/export/perigueux/flood.gpkg")
    assert answer.status == 200
    path = tmp_path / "flood.gpkg"
    path.write_bytes(answer.body())
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 2154 and len(frame) > 0 and set(frame["scenario"]) <= {"fort", "moyen", "faible"}


def test_flood_scenario_toggles(page, base_url, e2e_store, browser):
    store = Store(e2e_store)
    # Périgueux: the source has only the « fort » scenario; the others are named, not hidden
    assert set(store.manifest("perigueux")["layers"]["flood"]["scenarios_missing"]) == {"moyen", "moyen_cc", "faible"}
    open_view(page, base_url, "?t=perigueux&l=qpv,flood")
    page.locator("#class-lists summary", has_text="Inondation").click()
    expect(page.get_by_label("scénario fort", exact=False)).to_be_enabled()
    for label in ("scénario moyen avec", "scénario faible"):
        expect(page.get_by_label(label, exact=False)).to_be_disabled()
    expect(page.locator("#class-lists")).to_contain_text("scénario faible (crue extrême) — absent de la source")

    # the demo town: hide the « faible » zone with the keyboard; map, legend, table and link follow
    flood = store.read_layer("demo", "flood")
    faible = int((flood["scenario"] == "faible").sum())
    assert faible == 1 and len(flood) == 3  # fort, moyen, faible: one zone each (fictional data)
    open_view(page, base_url, "?t=demo&l=qpv,flood")
    paths = page.locator(".leaflet-p-flood-pane path")
    expect(paths).to_have_count(len(flood))
    geometry = []
    page.on("request", lambda r: geometry.append(r.url) if "/carto/" in r.url else None)
    page.locator("#class-lists summary", has_text="Inondation").click()
    box = page.get_by_label("scénario faible", exact=False)
    box.focus()
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    expect(paths).to_have_count(len(flood) - faible)
    expect(page.locator("#legend")).not_to_contain_text("scénario faible")
    expect(page.locator("#legend")).to_contain_text("scénario fort")
    summary = page.locator("#map-table table.summary")
    expect(summary).not_to_contain_text("scénario faible")
    expect(summary).to_contain_text("scénario moyen")
    href = page.locator("#permalink").get_attribute("href")
    assert "l=qpv,flood:fort,flood:moyen" in href, href
    assert geometry == []  # filtered in the browser: no geometry fetched again

    other = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        open_view(other, base_url, href)
        expect(other.locator(".leaflet-p-flood-pane path")).to_have_count(len(flood) - faible)
        expect(other.get_by_label("scénario faible", exact=False)).not_to_be_checked()
        expect(other.get_by_label("scénario fort", exact=False)).to_be_checked()
        expect(other.locator("#legend")).not_to_contain_text("scénario faible")
    finally:
        other.close()
