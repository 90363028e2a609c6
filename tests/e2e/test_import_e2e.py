"""The import screen in a real browser, on the demo town built from the mirror: a real programme
uploaded as PDF, reviewed (delete, merge, change a target), drawn on the map, downloaded as YAML
and read back by ``pipelines.measures``; a 6 MB file refused with the route's French message.

Expected figures are recomputed here from the store's layers with shapely (not read from the page).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shapely
from playwright.sync_api import Page, expect

from dashboard.i18n import fmt_value
from pipelines import settings
from pipelines.importer import draft_from_bytes, read_document, territory_qpv
from pipelines.importer.scorecard import FONT_DIR, PDF_SOURCE, make_pdf
from pipelines.measures import load_programme, quote_in_seed
from pipelines.store import Store

FLOOD_LABEL = "Zones inondables"
#: Records the Content-Security-Policy violations of the page (the upload script must run under it).
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _needed(path: Path, what: str) -> None:
    if not path.exists():
        message = f"{what} not found at {path}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def real_pdf(tmp_path_factory) -> Path:
    """« Le Péage, une nouvelle dynamique ! » laid out as a two-column PDF (fpdf2)."""
    reels = settings.programmes_reels_dir()
    _needed(reels / PDF_SOURCE, "real programme (set GEODATA_MIRROR or CARTOPOLIS_PROGRAMMES_REELS)")
    _needed(FONT_DIR / "DejaVuSans.ttf", "DejaVu fonts (Debian fonts-dejavu-core, pulled by chromium)")
    source = (reels / PDF_SOURCE).read_text(encoding="utf-8")
    return make_pdf(source, tmp_path_factory.mktemp("pdf") / "le-peage.pdf", title="Le Péage")


def choose(page: Page, row, field: str, text: str) -> None:
    """Pick ``text`` in the dropdown labelled ``field`` of a review row."""
    row.locator(".import-field", has_text=field).locator("button.dash-dropdown").click()
    page.locator(".dash-dropdown-options").get_by_text(text, exact=True).first.click()
    expect(row.locator(".import-field", has_text=field)).to_contain_text(text)


def flood_need_ha(store: Store) -> float:
    """Area (ha) of the demo town's flood zones « moyen ou fort » inside the commune, by hand."""
    flood = store.read_layer("demo", "flood")
    commune = shapely.union_all(store.read_layer("demo", "commune").geometry.values)
    zones = shapely.union_all(flood[flood["scenario"].isin(["fort", "moyen", "moyen_cc"])].geometry.values)
    return shapely.intersection(zones, commune).area / 1e4


def test_import_a_real_pdf_on_the_demo_town(page, base_url, e2e_store, real_pdf, tmp_path, external_requests):
    store = Store(e2e_store)
    expected = draft_from_bytes(
        real_pdf.read_bytes(), real_pdf.name, territory="demo", qpv=territory_qpv("demo", store)
    )["measures"]
    page.add_init_script(WATCH_CSP)
    page.goto(f"{base_url}/?t=demo&v=importer")
    expect(page.locator("#panel-importer")).to_be_visible()
    expect(page.locator("#import-territory")).to_contain_text("Ville fictive")
    expect(page.locator(".fictif-banner")).to_be_visible()  # the demo town is said fictional

    page.locator("#import-upload input[type=file]").set_input_files(str(real_pdf))
    rows = page.locator(".import-row")
    expect(page.locator("#import-status")).to_contain_text(f"le-peage.pdf : {len(expected)} mesures proposées")
    expect(page.locator("#import-summary")).to_contain_text(f"{len(expected)} mesures proposées")
    expect(rows.first).to_have_attribute("data-measure", expected[0]["id"])
    expect(rows.first.locator(".import-facts")).to_contain_text("Besoin")  # computed at once
    targets = page.locator(".leaflet-p-target-pane path.import-target")
    expect(targets.first).to_be_attached()

    # delete the first draft
    rows.first.get_by_role("button", name="Supprimer").click()
    expect(page.locator(f'.import-row[data-measure="{expected[0]["id"]}"]')).to_have_count(0)
    expect(page.locator("#import-summary")).to_contain_text(f"{len(expected) - 1} mesures proposées")

    # merge the second and third remaining drafts (neighbours in the text)
    second, third = expected[2]["id"], expected[3]["id"]
    page.locator(f'.import-row[data-measure="{second}"]').get_by_label("à fusionner").check()
    page.locator(f'.import-row[data-measure="{third}"]').get_by_label("à fusionner").check()
    page.get_by_role("button", name="Fusionner les mesures cochées").click()
    expect(page.locator(f'.import-row[data-measure="{third}"]')).to_have_count(0)
    expect(page.locator("#import-summary")).to_contain_text(f"{len(expected) - 2} mesures proposées")

    # target a measure without a place at the flood zones: its need appears, the zones are drawn
    placeless = next(m for m in expected[4:10] if "target" not in m)  # on the first page
    row = page.locator(f'.import-row[data-measure="{placeless["id"]}"]')
    expect(row.locator(".import-facts")).to_contain_text("non spatialisée")
    choose(page, row, "Couche", FLOOD_LABEL)
    with page.expect_response(lambda r: "cible.geojson" in r.url and "select=moyen_ou_fort" in r.url) as answer:
        choose(page, row, "Sélection", "zone inondable, scénario moyen ou fort")
    assert answer.value.ok and "layer=flood" in answer.value.url
    need = fmt_value(flood_need_ha(store), "ha")
    expect(row.locator(".import-facts")).to_contain_text(f"Besoin : {need}")
    # the flood target is drawn in the target pane: one path per feature the route sent
    flood_features = len(page.request.get(answer.value.url).json()["features"])
    assert flood_features > 0
    expect(page.locator(".leaflet-p-target-pane path.import-flood")).to_have_count(flood_features)
    expect(page.locator(".leaflet-p-target-pane path.import-flood").first).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le YAML").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    programme = load_programme(path)
    assert programme.territory == "demo" and programme.source == "le-peage.pdf"
    assert len(programme.measures) == len(expected) - 2
    assert expected[0]["id"] not in [m.id for m in programme.measures]
    placed = programme.measure(placeless["id"])
    assert (placed.target.layer, placed.target.select, placed.target.scope) == ("flood", "moyen_ou_fort", "commune")
    merged = programme.measure(second)
    text = read_document(real_pdf.read_bytes(), real_pdf.name)
    assert merged.title == expected[2]["title"] and quote_in_seed(merged.quote, text)
    assert expected[3]["quote"] in merged.quote
    assert all(quote_in_seed(m.quote, text) and m.draft for m in programme.measures)
    assert all(m.section for m in programme.measures)  # the outline survives the review and the YAML
    assert external_requests == []
    assert page.evaluate("window.__csp") == []  # no inline script: the upload runs under the CSP


def test_six_megabytes_refused_in_the_browser(page, base_url, tmp_path):
    big = tmp_path / "programme-enorme.txt"
    big.write_bytes(("Nous ferons des pistes cyclables. " * 200_000).encode()[: 6 * 1024 * 1024])
    page.goto(f"{base_url}/?t=demo&v=importer")
    page.locator("#import-upload input[type=file]").set_input_files(str(big))
    alert = page.get_by_role("alert").filter(has_text="trop gros")
    expect(alert).to_have_text("programme-enorme.txt — Fichier trop gros : 5 Mo au plus pour un programme.")
    expect(page.locator(".import-row")).to_have_count(0)
    expect(page.locator("#import-review")).to_be_hidden()
