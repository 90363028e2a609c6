"""The national view in a real browser: every QPV of France, the QPV search and sheet, the picker.

Its own store: Grenoble and Montpellier built offline through the Dask national build (one local
worker), which also writes the national QPV table; then its own dashboard server.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from pipelines.settings import PROJECT_ROOT as ROOT
from pipelines.store import Store


@pytest.fixture(scope="module")
def national_store(mirror, tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-national")
    command = [sys.executable, "-m", "pipelines", "build", "--territory", "38185,34172", "--workers", "1"]
    command += ["--offline", "--mirror", str(mirror), "--data", str(data)]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ}, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"national build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return data


@pytest.fixture(scope="module")
def national_url(national_store, tmp_path_factory, serve_store):
    with serve_store(national_store, tmp_path_factory.mktemp("e2e-national-logs")) as url:
        yield url


def test_every_qpv_of_france_is_drawn_and_villeneuve_opens_its_sheet(page, national_url, national_store):
    table = Store(national_store).read_geotable("_national", "qpv")
    drawn = int(table.geometry.notna().sum())
    page.goto(f"{national_url}/?t=_national")
    expect(page.locator(".leaflet-p-qpv-pane path")).to_have_count(drawn)  # 1,514 contours
    expect(page.locator("#qpv-national-count")).to_contain_text(f"{len(table)} quartiers prioritaires")
    page.locator("#qpv-search").fill("Villeneuve")
    page.locator("#qpv-search").press("Enter")
    hit = page.locator(".qpv-hit").first
    expect(hit).to_have_text("Villeneuve - Village Olympique — QN03807M — Grenoble")
    hit.click()
    sheet = page.locator("#qpv-sheet")
    expect(sheet.locator("#qpv-sheet-name")).to_have_text("Villeneuve - Village Olympique")
    expect(sheet).to_contain_text("périmètre modifié en 2024")
    expect(sheet).to_contain_text("QP038")  # its 2015 code
    expect(sheet.locator("#qpv-sheet-link")).to_have_attribute("href", "?t=grenoble")
    ranking = page.locator("table.qpv-ranking")
    expect(ranking).to_contain_text("Villeneuve - Village Olympique")
    expect(ranking).to_contain_text("inconnu")  # no flood layer offline: unknown, never 0 %


def test_picker_finds_a_commune_built_by_the_test(page, national_url, national_store):
    qpv = Store(national_store).read_layer("montpellier", "qpv")
    page.goto(f"{national_url}/?t=_national")
    page.locator("#territory").click()
    page.keyboard.type("montpel")
    option = page.locator(".dash-dropdown-options").get_by_text("Montpellier (34172)", exact=False)
    expect(option).to_be_visible()
    option.click()
    expect(page.locator("#territory")).to_contain_text("Montpellier (34172)")
    expect(page.locator(".leaflet-p-commune-pane path").first).to_be_attached()
    assert len(qpv) == 10  # its 10 QPV of 2024; the ones with a contour are drawn
    expect(page.locator(".leaflet-p-qpv-pane path")).to_have_count(int(qpv.geometry.notna().sum()))
