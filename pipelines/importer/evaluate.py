"""How good the importer is: recall and precision of a draft against the measures a person chose.

Gold measures are either a curated programme (``geodata/programmes/*.yaml``: their quotes) or an
annotation of a text (the lines where its measures are, see :func:`gold_from_lines`). Matching is
one to one: a gold measure and a draft match when the draft's quote shares a contiguous run of at
least half of the gold's words (folded); pairs are taken by longest run first, then nearest line.
A draft that lumps two measures matches one of them only, and a fragment shorter than half a
measure matches none: recall counts the measures found, precision the drafts that are one.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from .._text import folded_words, normalise_quote
from ..measures import Measure, Programme
from .draft import verbatim_index


@dataclass(frozen=True)
class Gold:
    """One measure a reviewer counts: its words, and its line in the text when known (1-based)."""

    id: str
    quote: str
    line: int | None = None


def gold_from_programme(programme: Programme, text: str | None = None) -> list[Gold]:
    """Gold measures of a curated programme; lines are found in ``text`` when given."""
    out = []
    norm, starts = verbatim_index(text) if text else ("", None)
    used: dict[str, int] = {}
    for m in programme.measures:
        line = None
        if starts is not None:
            quote = normalise_quote(m.quote)
            position = norm.find(quote, used.get(quote, 0))
            if position >= 0:
                used[quote] = position + 1
                line = sum(1 for s in starts if s <= position)
        out.append(Gold(m.id, m.quote, line))
    return out


def gold_from_lines(text: str, entries: list) -> list[Gold]:
    """Gold measures of an annotated text.

    ``entries`` holds, per measure, its line number (1-based; the measure is the text of that
    line: an item, a paragraph, or a heading that is a measure), or ``[line, "anchor"]`` when one
    line holds several measures: the measure then runs from the anchor to the next anchor of the
    same line (or the line's end).
    """
    lines = text.split("\n")
    anchors: dict[int, list[str]] = {}
    for entry in entries:
        if isinstance(entry, (list, tuple)):
            anchors.setdefault(int(entry[0]), []).append(str(entry[1]))
    out = []
    for n, entry in enumerate(entries):
        line = int(entry[0]) if isinstance(entry, (list, tuple)) else int(entry)
        raw = lines[line - 1]
        if isinstance(entry, (list, tuple)):
            cuts = sorted(raw.find(a) for a in anchors[line])
            start = raw.find(str(entry[1]))
            if start < 0:
                raise ValueError(f"line {line}: anchor « {entry[1]} » not found")
            end = next((c for c in cuts if c > start), len(raw))
            raw = raw[start:end]
        out.append(Gold(f"l{line}-{n}", raw.lstrip("#-• ").replace("**", ""), line))
    return out


def _run(gold_words: tuple[str, ...], draft_words: tuple[str, ...]) -> int:
    """Words of the longest common run: two quotes of one text overlap on a contiguous stretch."""
    return SequenceMatcher(None, gold_words, draft_words, autojunk=False).find_longest_match().size


def _draft_items(draft: dict | Programme) -> list[tuple[str, int | None]]:
    items = draft.measures if isinstance(draft, Programme) else draft.get("measures", [])
    return [(m.quote, None) if isinstance(m, Measure) else (m["quote"], m.get("_line")) for m in items]


def evaluate(draft: dict | Programme, gold: list[Gold]) -> dict:
    """Recall and precision of a draft against gold measures (one-to-one matching, see module).

    Returns
    -------
    dict
        ``gold``, ``drafts``, ``matched``, ``recall`` and ``precision`` (shares 0–1), ``missed``
        (gold ids with their words), ``extra`` (quotes of drafts that match no gold measure),
        ``pairs`` (gold index → draft index).
    """
    drafts = _draft_items(draft)
    gold_words = [folded_words(g.quote) for g in gold]
    draft_words = [folded_words(q) for q, _ in drafts]
    draft_sets = [set(w) for w in draft_words]
    pairs = []
    for gi, words in enumerate(gold_words):
        if not words:
            continue
        need = (len(words) + 1) // 2
        wanted = set(words)
        for di, dset in enumerate(draft_sets):
            if len(wanted & dset) < min(need, len(wanted)):
                continue
            run = _run(words, draft_words[di])
            if run * 2 >= len(words):
                g_line, d_line = gold[gi].line, drafts[di][1]
                distance = abs(g_line - d_line) if g_line is not None and d_line is not None else 0
                pairs.append((-run / len(words), distance, -run, gi, di))
    pairs.sort()
    taken_gold: dict[int, int] = {}
    taken_draft: set[int] = set()
    for *_, gi, di in pairs:
        if gi in taken_gold or di in taken_draft:
            continue
        taken_gold[gi] = di
        taken_draft.add(di)
    n_gold, n_drafts, matched = len(gold), len(drafts), len(taken_gold)
    return {
        "gold": n_gold,
        "drafts": n_drafts,
        "matched": matched,
        "recall": matched / n_gold if n_gold else 0.0,
        "precision": matched / n_drafts if n_drafts else 0.0,
        "missed": [(g.id, g.line, g.quote[:90]) for i, g in enumerate(gold) if i not in taken_gold],
        "extra": [(drafts[i][1], drafts[i][0][:90]) for i in range(n_drafts) if i not in taken_draft],
        "pairs": taken_gold,
    }
