"""A programme text → a draft programme (the YAML as a dict): structure first, then themes,
targets and figures, every guessed field marked ``draft: true``."""

from __future__ import annotations

import re
from pathlib import Path

from .._text import flat, folded_words, normalise_quote
from ..errors import CartopolisError
from .extract import candidates
from .grammar import split_sentences
from .targets import QpvInfo, propose_target, territory_qpv
from .themes import classify

_FIGURE = re.compile(
    r"(?<![\w,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+(?:,\d+)?)\s*(%|k€|M€|€|euros?\b)?(\s*/\s*an\b)?\s*([^\W\d_]+)?"
)
_FIGURE_SKIP_WORDS = {"premiers", "premieres", "nouveaux", "nouvelles", "grands", "petits", "de", "d", "et", "a"}
_NO_PLACE = "aucun lieu reconnu dans le texte (à vérifier)"
_STOP = {"de", "des", "du", "la", "le", "les", "l", "d", "un", "une", "et", "a", "au", "aux", "en", "pour", "nous"}


def extract_figures(text: str) -> dict[str, float]:
    """Numbers the text gives, keyed by what they count (``200 jeunes`` → ``{jeunes: 200}``).

    ``%`` gives ``pourcent``, ``€`` gives ``euros`` (``euros_par_an`` with ``/an``); years
    (1900–2100 with no unit) are skipped. Keys are folded words.
    """
    figures: dict[str, float] = {}
    for match in _FIGURE.finditer(text):
        number, unit, per_year, word = match.groups()
        value = float(re.sub(r"\D", "", number)) if "," not in number else float(number.replace(",", "."))
        if unit is None and 1900 <= value <= 2100 and re.fullmatch(r"\d{4}", number):
            continue
        if unit == "%":
            key = "pourcent"
        elif unit:
            value *= {"k€": 1e3, "M€": 1e6}.get(unit, 1)
            key = "euros_par_an" if per_year else "euros"
        else:
            following = folded_words(text[match.start(4) :])[:3] if word else []
            following = [w for w in following if w not in _FIGURE_SKIP_WORDS]
            if not following or following[0].isdigit():
                continue
            key = following[0]
        figures.setdefault(key, int(value) if value.is_integer() else value)
    return figures


def _slug(text: str, words: int = 6) -> str:
    kept = [w for w in folded_words(text) if w not in _STOP][:words]
    return "-".join(kept) or "mesure"


def verbatim_index(text: str) -> tuple[str, list[int]]:
    """The normalised text (as quotes are checked) and where each line starts in it."""
    normalised, line_start, position = [], [], 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        piece = normalise_quote(line)
        line_start.append(position)
        if piece:
            normalised.append(piece)
            position += len(piece) + 1
    return " ".join(normalised), line_start


def import_programme(text: str, *, territory: str, source_name: str, qpv: QpvInfo | None = None) -> dict:
    """Draft a programme (the YAML as a dict) from the text of a programme.

    The outline is read first (:mod:`pipelines.importer.structure`): headings are sections, never
    measures (unless nothing under them is one); items are one measure each, with their
    explanation; paragraphs are measures by the document's mode (:mod:`pipelines.importer.extract`).
    Each measure gets a title in the programme's words, its verbatim quote, its ``section`` path,
    themes from the French keyword classifier with the words that matched (``theme_evidence``), a
    target and the words behind it (``target_evidence``) or a ``non_spatial_reason``, its figures,
    ``same_as`` when it repeats an earlier measure, and ``draft: true``.

    Parameters
    ----------
    text : str
        The programme (plain text or markdown, as the readers give it).
    territory : str
        Territory id the programme applies to.
    source_name : str
        File name recorded as ``source``.
    qpv : QpvInfo, optional
        The territory's 2024 QPV (default: :func:`pipelines.importer.targets.territory_qpv`).

    Raises
    ------
    CartopolisError
        If a quote is not verbatim in the normalised text (a bug: checked before returning).
    """
    qpv = qpv if qpv is not None else territory_qpv(territory)
    norm_text, line_start = verbatim_index(text)
    found, mode = candidates(text)
    measures: list[dict] = []
    ids: dict[str, int] = {}
    seen: dict[str, str] = {}
    for candidate in found:
        quote = normalise_quote(candidate.quote).strip(" :-–—")
        if not quote:
            continue
        start = line_start[min(candidate.line - 1, len(line_start) - 1)]
        if norm_text.find(quote, start) < 0 and quote not in norm_text:
            raise CartopolisError(f"{source_name}: internal error, quote not verbatim: « {quote[:80]} »")
        context = f"{candidate.context} {candidate.section}"
        themes, evidence = classify(quote, context)
        key = flat(quote)
        title_text = normalise_quote(candidate.title)
        body = quote[len(title_text) :] if title_text and quote.startswith(title_text) else ""
        if not flat(body) or len(flat(body)) < len(flat(quote)) / 3:
            body = quote  # no title of its own: the quote's sentences
        sentences = [flat(s) for s in split_sentences(body) if flat(s)]  # an explanation seen before: a repeat
        repeated = seen.get(key)
        if repeated is None and sentences and all(s in seen for s in sentences):
            repeated = seen[sentences[0]]
        base = _slug(candidate.title or quote)
        ids[base] = ids.get(base, 0) + 1
        measure_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
        title = title_text or quote  # normalise_quote already collapsed the whitespace
        measure: dict = {"id": measure_id, "title": title, "quote": quote, "themes": themes}
        measure["theme_evidence"] = evidence
        target, target_evidence = propose_target(themes, quote, qpv)
        if target:
            measure["target"] = target
            measure["target_evidence"] = target_evidence
        else:
            measure["non_spatial_reason"] = _NO_PLACE
        figures = extract_figures(quote)
        if figures:
            measure["figures"] = figures
        if repeated:
            measure["same_as"] = repeated
        if candidate.section:
            measure["section"] = candidate.section
        measure["draft"] = True
        measure["_line"] = candidate.line
        measures.append(measure)
        for sentence in sentences:
            seen.setdefault(sentence, measure_id)
        seen.setdefault(key, measure_id)
    first_heading = next((c.section.split(" › ")[0] for c in found if c.section), None)
    return {
        "id": _slug(Path(source_name).stem, 5),
        "title": first_heading or Path(source_name).stem,
        "territory": territory,
        "source": source_name,
        "kind": "contrat_de_ville" if "contrat de ville" in flat(text[:5000]) else "programme_electoral",
        "draft": True,
        "measures": measures,
        "_mode": mode,
    }
