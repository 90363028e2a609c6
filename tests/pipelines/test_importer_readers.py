"""Readers and outline on small files written here: a two-column PDF with a running footer and a
hyphenated line end, a scanned PDF, an HTML page with menu and footer, a numbered programme with
"(N)" section counts, a "Title | text" programme, a Word file, a 6 MB file refused."""

from __future__ import annotations

import io
import os

import pytest

from pipelines.importer import ImportRefused, draft_from_bytes, import_programme, read_document
from pipelines.importer.scorecard import FONT_DIR


def _fpdf():
    fpdf = pytest.importorskip("fpdf")
    if not (FONT_DIR / "DejaVuSans.ttf").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"DejaVu fonts missing in {FONT_DIR}")
        pytest.skip(f"DejaVu fonts missing in {FONT_DIR}")
    pdf = fpdf.FPDF(format="A4", unit="pt")
    pdf.add_font("dejavu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    return pdf


def test_two_column_pdf_with_running_footer_and_hyphenation():
    pdf = _fpdf()
    left = [
        "Créer une maison de santé",
        "pluriprofessionnelle au centre.",
        "",
        "Rénover les écoles et les",
        "gymnases de la commune.",
    ]
    right = [
        "Ouvrir une épicerie soli-",
        "daire dans le quartier nord.",
        "",
        "Planter mille arbres dans",
        "les cours d’école.",
    ]
    for page in (1, 2):
        pdf.add_page()
        pdf.set_font("dejavu", "", 10)
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            pdf.text(50, 100 + 14 * i, a)
            pdf.text(320, 100 + 14 * i, b)
        pdf.text(50, 810, f"Liste Demain — programme municipal — {page}/2")
    text = read_document(bytes(pdf.output()), "deux-colonnes.pdf")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    # reading order: the whole left column, then the right one; the footer is gone; "soli-daire" joined
    assert paragraphs[:4] == [
        "Créer une maison de santé pluriprofessionnelle au centre.",
        "Rénover les écoles et les gymnases de la commune.",
        "Ouvrir une épicerie solidaire dans le quartier nord.",
        "Planter mille arbres dans les cours d’école.",
    ]
    assert "programme municipal" not in text and len(paragraphs) == 8


def test_scanned_pdf_is_refused():
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_fill_color(200, 200, 200)
    pdf.rect(50, 50, 400, 600, style="F")  # a page with no text layer (what a scanner gives, without the image)
    with pytest.raises(ImportRefused, match="no text layer") as refused:
        read_document(bytes(pdf.output()), "scan.pdf")
    assert refused.value.code == "scanned" and "OCR" in refused.value.french


HTML = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Programme</title></head><body>
<header><nav class="menu"><ul><li><a href="/">Accueil</a></li>
<li><a href="/equipe">Créer un compte</a></li></ul></nav></header>
<main><h1>Notre programme</h1><h2>Santé</h2><ul>
<li><strong>Ouvrir un centre de santé</strong> — avec des médecins salariés.</li>
<li>Créer une navette vers l’hôpital</li></ul>
<h2>Logement</h2><p>Nous rénoverons 200 logements sociaux.</p></main>
<aside class="sidebar"><p>Rejoindre la liste</p></aside>
<footer><p>Mentions légales — Créer votre site avec nous</p></footer>
<div id="cookie-banner">Nous utilisons des cookies.</div></body></html>"""


def test_html_keeps_the_main_content_not_the_menu_or_footer():
    text = read_document(HTML.encode("utf-8"), "page.html")
    assert "Accueil" not in text and "Mentions" not in text and "cookies" not in text and "Rejoindre" not in text
    draft = import_programme(text, territory="demo", source_name="page.html")
    assert [(m["title"], m["section"]) for m in draft["measures"]] == [
        ("Ouvrir un centre de santé", "Notre programme › Santé"),
        ("Créer une navette vers l’hôpital", "Notre programme › Santé"),
        ("Nous rénoverons 200 logements sociaux", "Notre programme › Logement"),
    ]


NUMBERED = """\
AXE 1 — GÉRER AVEC SÉRIEUX ET TRANSPARENCE (3)

1. Publier chaque année les comptes de la commune en ligne
2. Baisser de 10 % les indemnités des élus
3. Créer une commission des finances ouverte aux habitants

AXE 2 — UNE VILLE À VIVRE (2)

4. Sécuriser, éclairer et végétaliser les abords des écoles
5. Ouvrir la médiathèque le dimanche
"""


def test_numbered_programme_with_section_counts():
    draft = import_programme(NUMBERED, territory="demo", source_name="axes.txt")
    measures = draft["measures"]
    assert len(measures) == 5  # the "(3)" and "(2)" headings are sections, never measures
    assert [m["section"] for m in measures] == ["AXE 1 — GÉRER AVEC SÉRIEUX ET TRANSPARENCE"] * 3 + [
        "AXE 2 — UNE VILLE À VIVRE"
    ] * 2
    # a sentence is not cut at its commas: "Sécuriser" is not a measure of its own
    assert measures[3]["quote"] == "Sécuriser, éclairer et végétaliser les abords des écoles"


PIPES = """\
# Programme

Une mutuelle communale | Nous négocierons un contrat de groupe ouvert à tous, pour baisser les cotisations.
Des pistes cyclables protégées | Nous relierons chaque école au centre par une piste séparée de la chaussée.
"""


def test_title_pipe_text_programme():
    draft = import_programme(PIPES, territory="demo", source_name="pipes.md")
    titles = [m["title"] for m in draft["measures"]]
    assert titles == ["Une mutuelle communale", "Des pistes cyclables protégées"]  # whole, not cut mid-sentence
    assert draft["measures"][1]["quote"].endswith("séparée de la chaussée.")
    assert draft["measures"][1]["target"]["layer"] == "cycle"


def test_word_document_headings_and_lists():
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Santé", level=1)
    document.add_paragraph("Ouvrir une maison de santé au centre-bourg", style="List Bullet")
    document.add_paragraph("Créer une navette vers l’hôpital", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    draft = draft_from_bytes(buffer.getvalue(), "programme.docx", territory="demo")
    assert [(m["quote"], m["section"]) for m in draft["measures"]] == [
        ("Ouvrir une maison de santé au centre-bourg", "Santé"),
        ("Créer une navette vers l’hôpital", "Santé"),
    ]


def test_six_megabytes_and_wrong_types_refused():
    with pytest.raises(ImportRefused) as too_big:
        read_document("Créer une piste cyclable.\n".encode() * (6 * 1024 * 1024 // 26 + 1), "gros.txt")
    assert too_big.value.code == "too_big" and "5 Mo" in too_big.value.french
    with pytest.raises(ImportRefused) as image:
        read_document(b"\x89PNG\r\n\x1a\n" + bytes(100), "affiche.png")
    assert image.value.code == "wrong_type"
    with pytest.raises(ImportRefused) as nothing:
        draft_from_bytes(b"Nos rues sont belles.\n", "rien.txt", territory="demo")
    assert nothing.value.code == "no_measure"


def test_utf16_file_through_the_reader():
    text = "# Programme\n\n- Créer une maison de santé\n"
    draft = draft_from_bytes(text.encode("utf-16"), "unicode.txt", territory="demo")
    assert [m["quote"] for m in draft["measures"]] == ["Créer une maison de santé"]
