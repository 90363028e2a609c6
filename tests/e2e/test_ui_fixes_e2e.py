"""QA review fixes seen in a browser: badges never clipped, URL notices, unticked unavailable layers,
accent-insensitive search (the rest is unit-tested in ``tests/dashboard/test_ui_fixes.py``)."""

from __future__ import annotations

from playwright.sync_api import expect
from test_dashboard_e2e import open_view

from pipelines.store import Store

#: Every badge line fully inside the badge block (nothing scrolled away or cut).
BADGES_UNCLIPPED = """() => {
    const block = document.querySelector('#badges');
    const outer = block.getBoundingClientRect();
    const lines = Array.from(block.querySelectorAll('.source-badge > summary'));
    return lines.length > 0 && block.scrollHeight <= block.clientHeight + 1 && lines.every(line => {
        const box = line.getBoundingClientRect();
        return box.height > 0 && box.top >= outer.top - 1 && box.bottom <= outer.bottom + 1
            && box.right <= document.documentElement.clientWidth + 1;
    });
}"""


def test_badges_readable_on_a_phone_with_notes(phone, base_url, e2e_store):
    open_view(phone, base_url, "?t=valence&l=qpv,population")
    badges = phone.locator("#badges .source-badge")
    expect(badges).to_have_count(3)  # commune, QPV, population: one line each
    assert phone.evaluate(BADGES_UNCLIPPED)
    population = badges.nth(2)  # drawn in the order of the layer list
    expect(population.locator("summary strong")).to_have_text("Population")
    population.locator("summary").click()
    notes = Store(e2e_store).manifest("valence")["layers"]["population"]["notes"]
    expect(population.locator(".badge-body")).to_contain_text(notes[0])


def test_unknown_territory_in_the_url_is_said(page, base_url):
    open_view(page, base_url, "?t=nope")
    expect(page.locator("#url-notice")).to_have_text("territoire inconnu « nope » : Alès affiché")
    expect(page.locator("#territory")).to_contain_text("Alès")


def test_unavailable_layer_is_never_ticked(page, base_url):
    open_view(page, base_url, "?t=ales&l=qpv,streets")
    streets = page.get_by_label("Rues — indisponible")
    expect(streets).to_be_disabled()
    expect(streets).not_to_be_checked()
    expect(page.get_by_label("Quartiers prioritaires (QPV)", exact=False)).to_be_checked()


def test_place_search_ignores_accents_and_case(page, base_url):
    open_view(page, base_url, "?t=ales&v=quartier")
    page.locator("#place-search").click()
    page.keyboard.type("pres saint")
    expect(page.locator(".dash-dropdown-options")).to_contain_text("Près Saint Jean")
