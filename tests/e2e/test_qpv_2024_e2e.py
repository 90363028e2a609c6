"""The 2024 priority geography as a person reads it: Redon has no QPV in 2024, Alès's QPV card
shows its poor households and INSEE's published figures beside our estimates."""

from __future__ import annotations

from playwright.sync_api import expect
from test_dashboard_e2e import FIND_INSIDE, REDON_VACANT_MEASURE, open_view

from dashboard import i18n
from pipelines.store import Store


def test_redon_has_no_qpv_in_2024(page, base_url):
    open_view(page, base_url, "?t=redon")
    qpv = page.get_by_label("Quartiers prioritaires (QPV) — aucun QPV en 2024")
    expect(qpv).to_be_disabled()
    expect(page.locator("#layer-notes")).to_contain_text("aucun quartier prioritaire de la géographie 2024")
    # the 2015 district is drawn in its own layer, labelled as having left the priority geography
    history = page.get_by_label("QPV 2015, sortis de la géographie prioritaire en 2024", exact=False)
    history.check()
    expect(page.locator(".leaflet-p-qpv_2015-pane path").first).to_be_attached()
    expect(page.locator("#legend")).to_contain_text("Ancien QPV 2015, sorti de la géographie prioritaire en 2024")
    expect(page.locator(".leaflet-p-qpv-pane path")).to_have_count(0)
    # a measure's « en QPV » figures say why there is none, not zero
    page.get_by_role("tab", name="Programmes").click()
    page.get_by_label(REDON_VACANT_MEASURE).check()
    detail = page.locator("#measure-detail")
    expect(detail).to_contain_text("sans objet : aucun QPV en 2024")
    expect(detail).not_to_contain_text("Bellevue")


def test_ales_qpv_card_shows_poverty_and_published_figures(page, base_url, e2e_store):
    store = Store(e2e_store)
    indicators = store.read_table("ales", "indicators").set_index(["indicator", "zone_id"])["value"]
    poverty = i18n.fmt_share(indicators[("poverty_rate", "QN03001I")])
    hors = i18n.fmt_share(indicators[("poverty_rate", "hors_qpv")])
    published = store.read_table("ales", "published").set_index("indicator")
    insee = i18n.fmt_value(published.loc["population", "published"], "habitants")
    open_view(page, base_url, "?t=ales&v=quartier&l=qpv")
    expect(page.locator(".leaflet-p-qpv-pane path").first).to_be_attached()
    page.wait_for_function("() => document.querySelector('.leaflet-p-qpv-pane path') !== null")
    point = page.evaluate(FIND_INSIDE, [".leaflet-p-qpv-pane path", 16])
    assert point is not None, "no visible pixel of a QPV on the map"
    page.mouse.click(*point)
    card = page.locator(".place-card")
    expect(card).to_contain_text("Ménages pauvres")
    expect(card).to_contain_text(f"{poverty} des ménages ({hors} hors QPV)")
    expect(card).to_contain_text(f"{insee} en 2015")
    expect(card).to_contain_text("Taux de pauvreté publié (INSEE)")
    expect(card).to_contain_text(i18n.fmt_share(published.loc["poverty_rate", "published"]))
