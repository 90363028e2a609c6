"""The importer's scorecard: drafts, recall and precision per file (seeds, real texts, a PDF).

Seeds are scored against their curated YAMLs, the real programmes of ``programmes-reels/``
against the annotation file (``tests/pipelines/importer_annotations.yaml``), and one real text is
also laid out as a two-column PDF with running header and footer and hyphenated line ends
(:func:`make_pdf`, with fpdf2 — a test tool), read back by the PDF reader and scored again.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from .. import settings
from ..measures import load_programmes
from .draft import import_programme
from .evaluate import evaluate, gold_from_lines, gold_from_programme
from .readers import read_document
from .targets import QpvInfo

ANNOTATIONS = settings.PROJECT_ROOT / "tests" / "pipelines" / "importer_annotations.yaml"
PDF_SOURCE = "le-peage-de-roussillon-une-nouvelle-dynamique.txt"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def make_pdf(text: str, path: Path, *, title: str) -> Path:
    """Lay ``text`` out as an A4 PDF of two columns, with a running header and footer (page
    numbers) and long words hyphenated at line ends; ``#`` lines in bold.

    Needs fpdf2 and the DejaVu fonts (Debian's ``fonts-dejavu-core``, pulled by Chromium).
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_font("dejavu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    margin, gutter, size, leading = 50.0, 24.0, 9.0, 12.0
    width = (pdf.w - 2 * margin - gutter) / 2
    top, bottom = margin + 30, pdf.h - margin - 30
    state = {"col": 1, "y": bottom + 1}

    def new_column() -> None:
        if state["col"] == 1:
            state["col"] = 0
        else:
            state["col"] += 1
            if state["col"] < 2:
                state["y"] = top
                return
            state["col"] = 0
        pdf.add_page()
        pdf.set_font("dejavu", "", 8)
        pdf.text(margin, margin, f"{title} — programme")
        pdf.text(margin, pdf.h - margin, f"{title} — page {pdf.page_no()}")
        state["y"] = top

    def emit(line: str, bold: bool) -> None:
        if state["y"] > bottom:
            new_column()
        pdf.set_font("dejavu", "B" if bold else "", size)
        pdf.text(margin + state["col"] * (width + gutter), state["y"], line)
        state["y"] += leading

    for paragraph in text.split("\n\n"):
        raw = " ".join(paragraph.split())
        if not raw:
            continue
        bold = raw.startswith("#")
        words = raw.lstrip("# ").split()
        pdf.set_font("dejavu", "B" if bold else "", size)
        line = ""
        for word in words:
            trial = f"{line} {word}".strip()
            if pdf.get_string_width(trial) <= width:
                line = trial
                continue
            room = width - pdf.get_string_width(f"{line} -")
            cut = max((i for i in range(3, len(word) - 2) if pdf.get_string_width(word[:i]) <= room), default=0)
            if line and cut and word.isalpha() and len(word) >= 8:
                emit(f"{line} {word[:cut]}-", bold)  # hyphenated at the line end
                line = word[cut:]
            else:
                emit(line, bold)
                line = word
        if line:
            emit(line, bold)
        state["y"] += leading * 0.8
    pdf.output(str(path))
    return path


def _row(name: str, draft: dict, gold: list, seconds: float) -> dict:
    result = evaluate(draft, gold)
    return {
        "file": name,
        "mode": draft.get("_mode", ""),
        "drafts": result["drafts"],
        "gold": result["gold"],
        "matched": result["matched"],
        "recall": result["recall"],
        "precision": result["precision"],
        "seconds": seconds,
        "missed": result["missed"],
        "extra": result["extra"],
    }


def scorecard(*, annotations: Path = ANNOTATIONS, pdf_dir: Path | None = None) -> list[dict]:
    """One row per file: ``file, mode, drafts, gold, matched, recall, precision, seconds``.

    The PDF row is left out (with a ``note`` row) when fpdf2 or the fonts are missing.
    """
    rows = []
    seeds = settings.seeds_dir()
    for programme in load_programmes().values():
        if programme.kind == "collectifs" or not (seeds / programme.source).is_file():
            continue
        text = (seeds / programme.source).read_text(encoding="utf-8")
        started = time.perf_counter()
        draft = import_programme(text, territory=programme.territory or "demo", source_name=programme.source)
        rows.append(_row(programme.source, draft, gold_from_programme(programme, text), time.perf_counter() - started))
    reels = settings.programmes_reels_dir()
    marks = yaml.safe_load(Path(annotations).read_text(encoding="utf-8"))
    for name, mark in marks.items():
        if not (reels / name).is_file():
            continue
        text = (reels / name).read_text(encoding="utf-8")
        qpv = _qpv_of(mark["insee"])
        started = time.perf_counter()
        draft = import_programme(text, territory=mark["insee"], source_name=name, qpv=qpv)
        rows.append(_row(name, draft, gold_from_lines(text, mark["lines"]), time.perf_counter() - started))
    if pdf_dir is not None and (reels / PDF_SOURCE).is_file():
        try:
            pdf = make_pdf(
                (reels / PDF_SOURCE).read_text(encoding="utf-8"), Path(pdf_dir) / "programme.pdf", title="Le Péage"
            )
        except (ImportError, FileNotFoundError, RuntimeError) as exc:
            rows.append({"file": f"{PDF_SOURCE} (PDF)", "note": f"PDF not made: {exc}"})
            return rows
        started = time.perf_counter()
        text = read_document(pdf.read_bytes(), pdf.name)
        draft = import_programme(text, territory=marks[PDF_SOURCE]["insee"], source_name=pdf.name, qpv=QpvInfo(False))
        gold = gold_from_lines((reels / PDF_SOURCE).read_text(encoding="utf-8"), marks[PDF_SOURCE]["lines"])
        gold = [type(g)(g.id, g.quote, None) for g in gold]  # PDF lines differ from the text's
        rows.append(_row(f"{PDF_SOURCE} (PDF)", draft, gold, time.perf_counter() - started))
    return rows


def _qpv_of(insee: str) -> QpvInfo:
    from .targets import territory_qpv

    return territory_qpv(insee)
