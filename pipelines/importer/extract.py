"""From the outline to measures: one candidate per item, paragraph or sentence, by document mode.

A candidate is a verbatim piece of one block (or a heading and the text under it), with its
title in the programme's words, its section path and the sentence around it (for themes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._text import folded_words
from .grammar import (
    colon_list,
    has_finite_verb,
    is_commitment,
    split_colon,
    split_items,
    split_sentences,
    strong_start,
)
from .outline import Block, looks_like_measure, words_count
from .structure import outline

_ANAPHORA = {"ce", "cet", "cette", "ces", "c", "il", "elle", "ils", "elles", "celle", "celui", "ceux", "cela", "ceci"}
_AND_CAPITAL = re.compile(r"\s+et\s+(?=[A-ZÉÈÀ][a-zéèêàç]+\s)")


@dataclass
class Candidate:
    """One measure found in the text, before themes and targets."""

    quote: str  # verbatim piece of the blocks (markers removed; normalised later)
    title: str
    section: str
    line: int  # first line, 1-based
    context: str = ""  # the enclosing sentence when the quote is one item of an enumeration
    blocks: tuple[int, ...] = ()


def _clean_heading(text: str) -> str:
    return re.sub(r"\s*\(\d{1,3}\)\s*:?\s*$", "", text).strip().rstrip(":").strip()


def _sections(blocks: list[Block]) -> list[str]:
    """The section path (``AXE 1 › Gérer avec sérieux``) above each block."""
    stack: list[tuple[int, str]] = []
    out = []
    for block in blocks:
        if block.kind == "heading":
            stack = [(lv, t) for lv, t in stack if lv < block.level]
            out.append(" › ".join(t for _, t in stack))
            stack.append((block.level, _clean_heading(block.text)))
        else:
            out.append(" › ".join(t for _, t in stack))
    return out


def _first_sentence(text: str) -> str:
    sentence = split_sentences(" ".join(text.split()))[0] if text.strip() else ""
    sentence = sentence.rstrip(" .;:,!…")
    return sentence[:1].upper() + sentence[1:]


def _keeps_whole(sentence: str) -> bool:
    """A sentence with no enumeration that is still a measure: a commitment, or ``Label : description``."""
    if is_commitment(sentence):
        return True
    parts = split_colon(sentence)
    if parts is None:
        return False
    lead, tail = (folded_words(p) for p in parts)
    return is_commitment(parts[1]) or (0 < len(lead) <= 5 and len(tail) >= 5)


def _prose(text: str) -> list[tuple[str, str]]:
    """(measure text, context) pairs of a prose paragraph: each committing sentence, cut into the
    items it enumerates; a sentence opened by an anaphora (``Cette contribution sera…``) extends the
    measure before it."""
    spans: list[list] = []
    cursor, extendable = 0, False
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        cursor = start + len(sentence)
        tokens = folded_words(sentence)
        if extendable and tokens and tokens[0] in _ANAPHORA:
            spans[-1][1] = cursor
            continue
        items = split_items(sentence)
        listed = colon_list(sentence) is not None or len(items) >= 3
        if not (listed or (len(items) == 2 and is_commitment(sentence)) or _keeps_whole(sentence)):
            extendable = False
            continue
        context = sentence if len(items) > 1 else ""
        item_cursor = start
        for item in items:
            item_start = text.find(item, item_cursor)
            item_cursor = item_start + len(item)
            if len(folded_words(item)) >= 2 or len(items) > 2:
                spans.append([item_start, item_cursor, context])
        extendable = len(items) == 1
    return [(text[a:b], context) for a, b, context in spans]


def _proposal(text: str) -> bool:
    """A paragraph's opening that is a measure: a commitment, a verbless noun phrase, or
    ``Label : description`` (a short label, or a description that is itself a proposal)."""
    if is_commitment(text) or (not has_finite_verb(text) and words_count(text) <= 60):
        return True
    parts = split_colon(text)
    return parts is not None and (0 < words_count(parts[0]) <= 5 or is_commitment(parts[1]))


def _paragraph(text: str) -> list[tuple[str, str]]:
    """Measures of a one-proposal paragraph: a new one where a sentence opens a new action
    (``Incitation … . Étude de la vacance.``) or at ``et`` before a capitalised action
    (``Gel des implantations … et Initiatives pour…``); other sentences explain the one before."""
    pieces: list[list[int]] = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        cursor = start + len(sentence)
        tokens = folded_words(sentence)
        restates = pieces and tokens[:1] == folded_words(text[pieces[-1][0] :])[:1]  # "Coupler … . Coupler …"
        aside = sentence.startswith("(")  # "(S'inspirer des … de Poitiers)" comments the sentence before
        if pieces and (restates or aside or not (strong_start(sentence) and tokens[0] not in _ANAPHORA)):
            pieces[-1][1] = cursor
            continue
        if not pieces and not _proposal(sentence):
            continue  # a diagnosis before the proposal
        offset = start
        for match in _AND_CAPITAL.finditer(sentence):
            if looks_like_measure(sentence[match.end() :]) and words_count(sentence[: match.start()]) >= 3:
                pieces.append([offset, start + match.start()])
                offset = start + match.end()
        pieces.append([offset, cursor])
    return [(text[a:b], "") for a, b in pieces]


def _subtree(blocks: list[Block], k: int) -> range:
    end = k + 1
    while end < len(blocks) and not (blocks[end].kind == "heading" and blocks[end].level <= blocks[k].level):
        end += 1
    return range(k + 1, end)


def _heading_measures(blocks: list[Block], found: dict[int, list], sections: list[str]) -> dict[int, Candidate]:
    """Headings that are measures themselves: nothing under them is one, and they read as an
    action (or their text does), or they head a project described by findings and questions."""
    out: dict[int, Candidate] = {}
    for k in range(len(blocks) - 1, -1, -1):  # deepest first: a project under "3 chantiers" claims itself
        block = blocks[k]
        if block.kind != "heading" or block.skip or block.style in ("bold", "colon", "recurring"):
            continue
        tree = _subtree(blocks, k)
        if any(found.get(j) for j in tree) or any(j in out for j in tree):
            continue
        own = []
        for j in tree:
            if blocks[j].kind == "heading":
                break
            if blocks[j].kind == "para" and not blocks[j].skip:
                own.append(j)
        described = any(blocks[j].kind == "heading" and blocks[j].skip for j in tree)
        if not (
            looks_like_measure(block.text)
            or (own and is_commitment(split_sentences(blocks[own[0]].text)[0]))
            or described
        ):
            continue
        if not own and not described and words_count(block.text) < 3:
            continue
        quote = "\n".join([block.text] + [blocks[j].text for j in own])
        out[k] = Candidate(quote, _clean_heading(block.text), sections[k], block.start + 1, "", (k, *own))
    return out


def candidates(text: str) -> tuple[list[Candidate], str]:
    """Every measure of a programme text, in document order, and the document's mode."""
    blocks, mode = outline(text)
    sections = _sections(blocks)
    found: dict[int, list[Candidate]] = {}
    for k, block in enumerate(blocks):
        if block.kind == "heading" or block.skip:
            continue
        if block.kind == "item":
            if len(folded_words(block.text)) >= 2:
                title = block.lead or _first_sentence(block.text)
                found[k] = [Candidate(block.text, title, sections[k], block.start + 1, "", (k,))]
            continue
        if mode == "items":
            continue  # an introduction: in an itemised programme the items are the measures
        pairs = _prose(block.text) if mode == "prose" else _paragraph(block.text)
        found[k] = [
            Candidate(piece, _first_sentence(piece), sections[k], block.start + 1, context, (k,))
            for piece, context in pairs
            if piece.strip()
        ]
    heads = _heading_measures(blocks, found, sections)
    out: list[Candidate] = []
    for k in range(len(blocks)):
        if k in heads:
            out.append(heads[k])
        out += found.get(k, [])
    return out, mode
