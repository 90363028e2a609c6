"""Printed reports built from the mirror: the text a reader finds in the PDF (extracted with pypdf).

Expected figures are read from the store's tables and formatted here, so a wrong number or a
missing quote in the PDF fails the test.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from pypdf import PdfReader

from dashboard.data import Data
from dashboard.i18n import fmt_share
from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.cli import main
from pipelines.errors import CartopolisError
from pipelines.reports import build_report
from pipelines.store import Store


@pytest.fixture(scope="module")
def data(mirror, tmp_path_factory) -> Data:
    """Alès, Périgueux and the demo town built offline from the mirror."""
    store = Store(tmp_path_factory.mktemp("reports") / "layers")
    catalog = Catalog.load()
    for tid in ("ales", "perigueux", "demo"):
        build_territory(catalog.territory(tid), catalog, store, offline=True, mirror=mirror, log=lambda msg: None)
    return Data(store)


def pages_of(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_fiche_quartier_perigueux(data, tmp_path):
    # the 2024 code of Périgueux's QPV (its 2015 code QP024005 is accepted too, see below)
    pages = pages_of(build_report(data, "perigueux", qpv="QN02405M"), tmp_path)
    text = " ".join(pages)
    qpv = data.frame("perigueux", "qpv").set_index("code_qp").loc["QN02405M"]
    indicators = data.table("perigueux", "indicators")
    fort = indicators[(indicators["zone_id"] == "QN02405M") & (indicators["indicator"] == "share_fort")]["value"]
    share = fmt_share(fort.item()).replace("\u00a0", " ")  # the no-break space reads as a space once extracted
    assert f"Fiche quartier — {qpv['name']}" in text and "QN02405M" in text and "QP024005" in text
    assert "part inondable (scénario fort)" in text and share in text
    assert "Géorisques" in text and "Licence Ouverte" in text  # the flood layer's source and licence
    assert "scénario moyen" in text and "inconnu" in text  # missing scenarios are unknown, not 0
    assert "Chiffre publié (INSEE)" in text
    # the residents come from buildings: the method is printed with the figure
    assert "Estimation (estimation par le bâti" in text
    # every page numbered « Page n / N »; no « FICTIF » on a real town
    assert [re.search(r"Page (\d+) / (\d+)", p).groups() for p in pages] == [
        (str(i), str(len(pages))) for i in range(1, len(pages) + 1)
    ]
    assert "FICTIF" not in text
    assert 2 <= len(pages) <= 6


def test_fiche_accepts_the_2015_code(data, tmp_path):
    name = data.frame("perigueux", "qpv").set_index("code_qp_2015").loc["QP024005", "name"]
    assert f"Fiche quartier — {name}" in " ".join(pages_of(build_report(data, "perigueux", qpv="QP024005"), tmp_path))
    with pytest.raises(CartopolisError, match="QN00000X.*codes connus : QN02405M, QP024005"):
        build_report(data, "perigueux", qpv="QN00000X")


def test_rapport_programme_ales(data, tmp_path):
    pages = pages_of(build_report(data, "ales", programme="ales-commun-2026"), tmp_path)
    text = " ".join(pages)
    programme = data.programme("ales-commun-2026")
    spatial = [m for m in programme.measures if m.target is not None and not m.same_as]
    assert f"Mesures localisées ({len(spatial)})" in text  # repeats (same_as) counted once
    for measure in spatial:
        quote = " ".join(measure.quote.split())
        assert quote[:80] in text, measure.id
    assert "Mesures non spatialisées" in text and "Le contrat de ville à côté du programme" in text
    assert "données indisponibles" in text  # measures whose layer is missing offline say so
    assert "Sources et licences" in text and "INSEE" in text
    assert all(f"Page {i} / {len(pages)}" in p for i, p in enumerate(pages, start=1))


def test_demo_reports_say_fictif_on_every_page(data, tmp_path):
    for pdf in (
        build_report(data, "demo", qpv="QNDEMO01I"),
        build_report(data, "demo", programme="pop-petites-villes"),
    ):
        pages = pages_of(pdf, tmp_path)
        assert len(pages) >= 2 and all("FICTIF" in p for p in pages)


def test_demo_programme_report_has_the_measure_figures(data, tmp_path):
    text = " ".join(pages_of(build_report(data, "demo", programme="pop-petites-villes"), tmp_path))
    # 36 vacant shops, 11 in QPV (share 0.31, equity 3.56: issue 5)
    assert "36 commerces" in text and "11 commerces" in text and "30,6" in text and "3,56" in text
    assert "Détail par quartier prioritaire" in text and "Les Tilleuls" in text


def test_report_errors_are_french_and_name_what_to_pass(data, tmp_path, capsys):
    with pytest.raises(CartopolisError, match="soit --qpv CODE"):
        build_report(data, "demo")
    with pytest.raises(CartopolisError, match="programme « nope » inconnu.*pop-petites-villes"):
        build_report(data, "demo", programme="nope")
    store_dir = str(data.store.root)
    out = tmp_path / "f.pdf"
    assert main(["report", "--territory", "24322", "--qpv", "QN02405M", "--out", str(out), "--data", store_dir]) == 0
    assert out.read_bytes()[:5] == b"%PDF-" and "rapport écrit" in capsys.readouterr().out
    assert main(["report", "--territory", "nowhere", "--qpv", "X", "--out", str(out), "--data", store_dir]) == 2
    assert "territoire inconnu « nowhere »" in capsys.readouterr().out


def test_published_population_is_printed_with_its_year_and_source():
    from pipelines.reports.content import published_population

    row = pd.Series({"published_population": 14621.0, "published_population_year": "2018", "published_source": "INSEE"})
    assert published_population(row) == "14\u202f621 habitants (2018, INSEE)"  # Alès QP030001 (issue 5)
    assert published_population(pd.Series({"name": "x"})).startswith("non disponible")
