"""Text PDFs (pdfplumber): reading order over columns, running headers/footers and page numbers
removed, hyphenation at line ends repaired, larger type marked as headings. No OCR: a PDF with no
text layer is refused.

The output is markdown-like text (``## `` before a heading, a blank line between paragraphs) for
:mod:`pipelines.importer.outline`; quotes are taken from this text, so they are verbatim words of
the PDF.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from ..refusals import ImportRefused

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|sur\s+\d{1,4})?\s*[-–—)]?$", re.I)
_MARGIN = 0.09  # share of the page height where running headers and footers live
_HYPHEN_END = re.compile(r"(\w+)[-\u00ad]$")


@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    text: str
    size: float
    bold: bool


def _group_lines(words: list[dict]) -> list[list[dict]]:
    """Words → rows (same baseline within 3 pt), each sorted left to right."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= 3:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


def _gutter(words: list[dict], width: float) -> float | None:
    """The x of a column gutter: a vertical band mid-page (30–70 % of the width) that almost no word
    covers (a full-width title may cross it), with at least a fifth of the words on each side."""
    if len(words) < 20:
        return None
    step = 2.0
    cover = [0] * (int(width // step) + 1)
    for word in words:
        for b in range(int(word["x0"] // step), min(len(cover), int(word["x1"] // step) + 1)):
            cover[b] += 1
    limit = max(1, 0.02 * len(words))
    best: tuple[int, int] | None = None
    run_start = None
    for b in range(int(0.3 * width // step), int(0.7 * width // step) + 1):
        if cover[b] <= limit:
            run_start = b if run_start is None else run_start
            if best is None or b - run_start > best[1] - best[0]:
                best = (run_start, b)
        else:
            run_start = None
    if best is None or (best[1] - best[0] + 1) * step < 8:
        return None
    x = (best[0] + best[1] + 1) / 2 * step
    left = sum(1 for w in words if w["x1"] <= x)
    right = sum(1 for w in words if w["x0"] >= x)
    return x if min(left, right) >= 0.2 * len(words) else None


def _line(words: list[dict]) -> _Line:
    sizes = [w.get("size", 10.0) for w in words]
    return _Line(
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        x0=min(w["x0"] for w in words),
        text=" ".join(w["text"] for w in words),
        size=statistics.median(sizes),
        bold=all("bold" in str(w.get("fontname", "")).lower() for w in words),
    )


def _page_lines(page) -> list[_Line]:
    """One page's lines in reading order: full-width lines, and each two-column band left then right."""
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False, use_text_flow=False)
    gutter = _gutter(words, float(page.width))
    if gutter is None:
        return [_line(row) for row in _group_lines(words)]
    # two columns: each column's rows apart (their baselines need not align), full-width rows between
    rows = _group_lines(words)
    out: list[_Line] = []
    left: list[_Line] = []
    right: list[_Line] = []

    def flush() -> None:
        out.extend(left + right)
        left.clear()
        right.clear()

    for row in rows:
        if any(w["x0"] < gutter < w["x1"] for w in row):  # a word crosses the gutter: a full-width line
            flush()
            out.append(_line(row))
            continue
        west = [w for w in row if w["x1"] <= gutter]
        east = [w for w in row if w["x0"] >= gutter]
        if west:
            left.append(_line(west))
        if east:
            right.append(_line(east))
    flush()
    return out


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _strip_running(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Drop page numbers and the header/footer lines that repeat on at least half the pages."""
    margin_keys: Counter[str] = Counter()
    for lines, height in zip(pages, heights, strict=True):
        keys = {
            _running_key(ln.text) for ln in lines if ln.top < _MARGIN * height or ln.bottom > (1 - _MARGIN) * height
        }
        margin_keys.update(keys)
    repeated = {k for k, n in margin_keys.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    kept = []
    for lines, height in zip(pages, heights, strict=True):
        page_kept = []
        for ln in lines:
            in_margin = ln.top < _MARGIN * height or ln.bottom > (1 - _MARGIN) * height
            if in_margin and (_running_key(ln.text) in repeated or _PAGE_NUMBER.match(ln.text.strip())):
                continue
            page_kept.append(ln)
        kept.append(page_kept)
    return kept


def _join_hyphenated(previous: str, following: str, vocabulary: set[str]) -> str | None:
    """``trans-`` + ``port…`` → ``transport…``; a real compound (``centre-`` + ``ville``, seen whole
    elsewhere in the document) keeps its hyphen. None when ``previous`` does not end with a hyphen."""
    match = _HYPHEN_END.search(previous)
    if not match or not following[:1].isalpha() or not following[:1].islower():
        return None
    head = match.group(1)
    tail = re.match(r"\w+", following).group(0)
    if f"{head}-{tail}".lower() in vocabulary and f"{head}{tail}".lower() not in vocabulary:
        return previous[:-1] + "-" + following if previous.endswith("\u00ad") else previous + following
    return previous[: match.end(1)] + following


def _paragraphs(lines: list[_Line], body_size: float, vocabulary: set[str]) -> list[str]:
    """Lines → markdown-like paragraphs: a blank line where the vertical gap is wide or the type
    changes; ``## `` before lines in larger (or bold, short) type; hyphenated line ends joined."""
    out: list[str] = []
    current = ""
    previous: _Line | None = None
    spacing = statistics.median(
        [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if b.top > a.top] or [12]
    )
    for ln in lines:
        heading = ln.size >= 1.18 * body_size or (ln.bold and len(ln.text.split()) <= 12)
        if previous is not None:
            gap = ln.top - previous.top
            previous_heading = previous.size >= 1.18 * body_size or (previous.bold and len(previous.text.split()) <= 12)
            new_paragraph = gap > 1.45 * spacing or gap < 0 or heading != previous_heading
            if gap < 0 and not heading and not previous_heading and ln.text[:1].islower():
                new_paragraph = False  # a sentence going on at the top of the next column or page
            if not new_paragraph and current:
                joined = _join_hyphenated(current, ln.text, vocabulary)
                current = joined if joined is not None else f"{current} {ln.text}"
                previous = ln
                continue
            out.append(current)
        current = ("## " if heading else "") + ln.text
        previous = ln
    if current:
        out.append(current)
    return out


def read_pdf(data: bytes, name: str) -> str:
    """Text of a PDF programme.

    Raises
    ------
    ImportRefused
        ``scanned`` when no page has a text layer (images only: OCR is not done here),
        ``unreadable`` when the file is not a PDF pdfplumber can open.
    """
    import pdfplumber  # imported here: only PDF imports pay for it

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_lines(page) for page in pdf.pages]
            heights = [float(page.height) for page in pdf.pages]
            images = sum(len(page.images) for page in pdf.pages)
    except Exception as exc:  # noqa: BLE001 — pdfminer raises many kinds on a damaged file (no /Root…)
        raise ImportRefused(
            "unreadable",
            f"{name}: not a readable PDF ({type(exc).__name__}): export it again as PDF",
            f"{name} : PDF illisible ou abîmé. Exportez-le à nouveau en PDF.",
        ) from None
    if not any(pages):
        raise ImportRefused(
            "scanned",
            f"{name}: this PDF has no text layer (scanned pages{', images only' if images else ''}); "
            "OCR is not done here: export the programme as a text PDF, or as text",
            f"{name} : ce PDF n'a pas de couche texte (pages scannées, images seules). La reconnaissance "
            "de caractères (OCR) n'est pas faite ici : exportez le programme en PDF texte ou en texte.",
        )
    pages = _strip_running(pages, heights)
    lines = [ln for page in pages for ln in page]
    body_size = statistics.median([ln.size for ln in lines]) if lines else 10.0
    vocabulary = {w.lower() for ln in lines for w in re.findall(r"\w+(?:-\w+)*", ln.text)}
    return "\n\n".join(_paragraphs(lines, body_size, vocabulary)) + "\n"
