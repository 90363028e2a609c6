"""The importer on real programmes it never saw (../shared/programmes-reels/) and on a PDF made from
one of them: recall ≥ 95 % and precision ≥ 90 % against the annotation file, one-to-one matching."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from pipelines import settings
from pipelines.importer import import_programme, read_document
from pipelines.importer.evaluate import Gold, evaluate, gold_from_lines
from pipelines.importer.scorecard import ANNOTATIONS, FONT_DIR, PDF_SOURCE, make_pdf
from pipelines.importer.targets import QpvInfo, territory_qpv
from pipelines.measures import quote_in_seed

MARKS = yaml.safe_load(ANNOTATIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reels() -> Path:
    folder = settings.programmes_reels_dir()
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real programmes not found in {folder}: set GEODATA_MIRROR (or CARTOPOLIS_PROGRAMMES_REELS)")
        pytest.skip(f"real programmes not found in {folder} (set GEODATA_MIRROR or CARTOPOLIS_PROGRAMMES_REELS)")
    return folder


def test_annotation_counts_are_the_reviewed_ones():
    assert {name: mark["measures"] for name, mark in MARKS.items()} == {
        "rennes-rennes-en-commun-le-pape.txt": 95,
        "le-peage-de-roussillon-une-nouvelle-dynamique.txt": 43,
        "montpellier-demain-montpellier-delafosse.txt": 252,
        "getigne-getigne-collectif.txt": 73,
    }
    assert all(len(mark["lines"]) == mark["measures"] for mark in MARKS.values())


@pytest.mark.parametrize("name", sorted(MARKS))
def test_real_programme_recall_and_precision(name, reels):
    text = (reels / name).read_text(encoding="utf-8")
    draft = import_programme(text, territory=MARKS[name]["insee"], source_name=name, qpv=QpvInfo(False))
    assert all(quote_in_seed(m["quote"], text) for m in draft["measures"])
    result = evaluate(draft, gold_from_lines(text, MARKS[name]["lines"]))
    print(f"{name}: {result['drafts']} drafts, recall {result['recall']:.1%}, precision {result['precision']:.1%}")
    assert result["recall"] >= 0.95, result["missed"]
    assert result["precision"] >= 0.90, result["extra"]


def test_headings_are_sections_titles_whole_and_items_keep_their_explanation(reels):
    text = (reels / "montpellier-demain-montpellier-delafosse.txt").read_text(encoding="utf-8")
    draft = import_programme(text, territory="34172", source_name="m.txt", qpv=QpvInfo(True, ("Mosson",), "test"))
    by_line = {m["_line"]: m for m in draft["measures"]}
    crèche = by_line[7]  # "- **Conforter l'offre publique de places en crèche** — Nous allons…"
    assert crèche["title"] == "Conforter l’offre publique de places en crèche"
    assert crèche["quote"].startswith("Conforter l’offre publique de places en crèche — Nous allons continuer")
    assert crèche["quote"].endswith("service public de la petite enfance de qualité.")
    assert crèche["section"] == "Porter une attention inédite aux 1 000 premiers jours de l’enfant"
    assert 5 not in by_line  # the section heading is not a measure
    académie = by_line[29]  # a heading with only a paragraph under it is one measure
    assert académie["title"] == "Créer une Académie du climat et de la biodiversité"
    assert académie["quote"].endswith("rénovation énergétique des Montpelliérains.")
    mosson = by_line[23]  # names the Mosson, a 2024 QPV of Montpellier: scope qpv
    assert mosson["target"]["scope"] == "qpv" and "Mosson" in mosson["target_evidence"]


def test_water_saving_is_not_flood_and_no_qpv_means_commune(reels):
    text = (
        "## Eau\n\n- Économiser durablement la ressource en eau\n"
        "- Végétaliser les quartiers prioritaires contre les îlots de chaleur\n"
        "- Un plan contre les crues et le ruissellement\n"
    )
    redon = territory_qpv("redon")
    assert redon.has_qpv is False  # Redon (35236) is not in the national 2024 list
    water, heat, flood = import_programme(text, territory="redon", source_name="x")["measures"]
    assert "target" not in water
    assert heat["target"] == {"layer": "heat", "select": "chaud", "scope": "commune"}
    assert flood["target"]["layer"] == "flood" and flood["target_evidence"][0] == "crues"
    ales = territory_qpv("ales")
    assert ales.has_qpv is True
    heat_ales = import_programme(text, territory="ales", source_name="x", qpv=ales)["measures"][1]
    assert heat_ales["target"]["scope"] == "qpv" and heat_ales["target_evidence"][1] == "quartiers prioritaires"


def test_pdf_made_from_a_real_programme(reels, tmp_path):
    if not (FONT_DIR / "DejaVuSans.ttf").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"DejaVu fonts missing in {FONT_DIR} (Debian fonts-dejavu-core, pulled by chromium)")
        pytest.skip(f"DejaVu fonts missing in {FONT_DIR}")
    source = (reels / PDF_SOURCE).read_text(encoding="utf-8")
    pdf = make_pdf(source, tmp_path / "peage.pdf", title="Le Péage")
    text = read_document(pdf.read_bytes(), "peage.pdf")
    assert "page 1" not in text and "Le Péage — programme" not in text  # running header and footer gone
    draft = import_programme(text, territory="38298", source_name="peage.pdf", qpv=QpvInfo(False))
    gold = [Gold(g.id, g.quote, None) for g in gold_from_lines(source, MARKS[PDF_SOURCE]["lines"])]
    result = evaluate(draft, gold)
    print(f"PDF: {result['drafts']} drafts, recall {result['recall']:.1%}, precision {result['precision']:.1%}")
    assert result["recall"] >= 0.95 and result["precision"] >= 0.90, (result["missed"], result["extra"])
