"""Context rules of the outline: which short lines head a group, heading levels, tables of
contents, sections that hold no measures, and how the document marks its measures (its mode).

Modes (:func:`document_mode`):

- ``items``: the document marks its measures (bullets, numbers, tags, dash-led blocks, lead-ins);
  each item is one measure, an unmarked paragraph is an introduction, and a heading with a text
  but no items under it is one measure (``## Créer une académie…`` + its paragraph);
- ``paragraphs``: one proposal per paragraph (long lists of short paragraphs); a paragraph is one
  measure, cut only where a sentence opens a new action (``Incitation … . Étude de la vacance.``);
- ``prose``: running text; each sentence that commits is a measure, and enumerations of things or
  actions are cut into their items (leaflets such as ``une mutuelle…, un bus santé et des maisons``).
"""

from __future__ import annotations

import statistics
from collections import Counter

from .._text import flat, folded_words
from .grammar import is_commitment, split_items, split_sentences
from .outline import _FURNITURE, _NOT_MEASURES, Block, _candidate, _label, looks_like_measure, parse_blocks, words_count

_RELATIVE = ("colon", "recurring")


_STOP = {"de", "des", "du", "la", "le", "les", "l", "d", "un", "une", "et", "a", "au", "aux", "en", "pour"}
_TOC_REACH = 150  # a table of contents announces the sections that follow it, not the whole document


def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in folded_words(text) if w not in _STOP)


def _similar(wa: frozenset[str], wb: frozenset[str]) -> bool:
    """Two titles name the same thing (``Une animation du centre-ville`` / ``Animation du centre-ville``)."""
    if not wa or not wb:
        return False
    shared = len(wa & wb)
    return shared >= min(2, len(wa), len(wb)) and shared / min(len(wa), len(wb)) >= 0.75


def _mark_toc(blocks: list[Block]) -> set[int]:
    """Runs of items that announce later sections (a table of contents): marked skip.

    Returns the indexes of the later one-line paragraphs they announce, which are headings.
    """
    announced: set[int] = set()
    titles = {
        j: _content_words(b.text)
        for j, b in enumerate(blocks)
        if b.kind == "heading"
        or (b.kind == "para" and b.start == b.end and words_count(b.text) <= 20 and not b.text.endswith("."))
    }
    k = 0
    while k < len(blocks):
        if blocks[k].kind != "item":
            k += 1
            continue
        run = [k]
        while run[-1] + 1 < len(blocks) and blocks[run[-1] + 1].kind == "item":
            run.append(run[-1] + 1)
        later = [j for j in range(run[-1] + 1, min(len(blocks), run[-1] + 1 + _TOC_REACH)) if j in titles]
        if len(run) >= 2 and len(run) <= 30:
            words = {i: _content_words(blocks[i].text) for i in run}
            matches = {i: next((j for j in later if _similar(words[i], titles[j])), None) for i in run}
            if sum(m is not None for m in matches.values()) >= max(2, 0.6 * len(run)):
                for i in run:
                    blocks[i].skip = True
                announced |= {j for j in matches.values() if j is not None}
        k = run[-1] + 1
    return announced


def _plain_headings(blocks: list[Block], announced: set[int], markdown: bool) -> None:
    """Decide which one-line unpunctuated paragraphs are headings (see the module docstring)."""
    texts = Counter(flat(b.text) for b in blocks if b.kind == "heading" or _candidate(b))
    is_cand = [(_candidate(b) or k in announced) and not markdown for k, b in enumerate(blocks)]
    decided = [False] * len(blocks)
    for k in range(len(blocks) - 1, -1, -1):  # right to left: a chain parent looks at its child
        if not is_cand[k] or k == len(blocks) - 1:
            continue
        block, following = blocks[k], blocks[k + 1]
        previous = blocks[k - 1] if k > 0 else None
        opens_chain = previous is None or previous.kind == "heading" or is_cand[k - 1] and _label(previous.text)
        child_heading = following.kind == "heading" or decided[k + 1] and _label(following.text)
        introduces = following.kind == "heading" and (following.style == "colon" or texts[flat(following.text)] >= 2)
        after_heading = previous is not None and previous.kind == "heading"
        context_next = following.kind == "para" and not _candidate(following) and not _commits(following.text)
        listed = previous is not None and previous.text.rstrip().endswith(":")  # content of a "… :" list
        if not listed and (
            k in announced
            or texts[flat(block.text)] >= 2
            or _label(block.text)
            or (child_heading and (opens_chain or introduces))
            or (after_heading and context_next)
        ):
            decided[k] = True
    for k in range(1, len(blocks) - 1):  # a sub-title right under a heading that opens a domain
        previous = blocks[k - 1]
        domain = previous.kind == "heading" or decided[k - 1]
        opens = k < 2 or not (blocks[k - 2].kind == "heading" or decided[k - 2])
        if (
            is_cand[k]
            and not decided[k]
            and domain
            and opens
            and previous.style != "colon"
            and not previous.text.endswith(":")
            and not _candidate(blocks[k + 1])
            and words_count(blocks[k + 1].text) >= 1.5 * words_count(blocks[k].text)
        ):
            decided[k] = True
    for k, yes in enumerate(decided):
        if yes:
            recurring = texts[flat(blocks[k].text)] >= 2
            blocks[k].kind, blocks[k].style = "heading", "recurring" if recurring else "plain"


def _commits(text: str) -> bool:
    return any(is_commitment(s) for s in split_sentences(text))


def _title_lines(blocks: list[Block]) -> list[Block]:
    """A short action line directly followed (no blank line) by its explanation is one item."""
    out: list[Block] = []
    k = 0
    while k < len(blocks):
        block = blocks[k]
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        action_colon = (
            block.kind == "heading" and block.style == "colon" and looks_like_measure(block.text.rstrip(" :"))
        )
        if (
            (block.kind == "para" or action_colon)
            and nxt is not None
            and nxt.kind == "para"
            and nxt.start == block.end + 1
            and block.start == block.end
            and words_count(block.text) <= 15
            and not block.text.endswith((".", "!", "?", ";", "…"))
            and looks_like_measure(block.text.rstrip(" :"))
            and words_count(nxt.text) > words_count(block.text)
        ):
            out.append(Block("item", block.start, nxt.end, f"{block.text}\n{nxt.text}", "title", lead=block.text))
            k += 2
            continue
        out.append(block)
        k += 1
    return out


def _levels(blocks: list[Block]) -> None:
    """Heading levels: markdown by its ``#``; other styles ranked by first appearance; ``… :`` and
    recurring headings one below the heading before them; a run of plain headings nests."""
    ranks: dict[str, int] = {}
    last_absolute = 0
    leaf_plain = None
    markdown = any(b.kind == "heading" and b.style.startswith("md") for b in blocks)  # once, not per heading
    k = 0
    while k < len(blocks):
        block = blocks[k]
        if block.kind != "heading":
            k += 1
            continue
        if block.style.startswith("md"):
            block.level = int(block.style[2:])
        elif block.style in _RELATIVE:
            block.level = last_absolute + 1
            k += 1
            continue
        elif block.style == "plain":
            run = [k]
            while (
                run[-1] + 1 < len(blocks)
                and blocks[run[-1] + 1].kind == "heading"
                and blocks[run[-1] + 1].style == "plain"
            ):
                run.append(run[-1] + 1)
            base = ranks.setdefault("plain", len([r for r in ranks if not r.startswith("md")]) + 1)
            deepest = leaf_plain if leaf_plain is not None else base + len(run) - 1
            first = max(base, deepest - len(run) + 1)
            previous = blocks[k - 1] if k > 0 else None
            if previous is not None and previous.kind == "heading" and previous.style != "plain":
                first = previous.level + 1  # a subtitle under a numbered or all-caps heading
            for offset, j in enumerate(run):
                blocks[j].level = first + offset
            leaf_plain = blocks[run[-1]].level
            last_absolute = leaf_plain
            k = run[-1] + 1
            continue
        else:
            block.level = ranks.setdefault(block.style, len([r for r in ranks if not r.startswith("md")]) + 1)
            if markdown:
                block.level += 6  # bold or caps lines inside a markdown document sit under its headings
        last_absolute = block.level
        k += 1


def _mark_skipped(blocks: list[Block]) -> None:
    """Questions, and everything under a heading such as « Des constats » or « Notre vision »."""
    skip_level = None
    for block in blocks:
        if block.kind == "heading":
            if skip_level is not None and block.level <= skip_level:
                skip_level = None
            if skip_level is None and _NOT_MEASURES.match(flat(block.text)):
                skip_level = block.level
                block.skip = True
            continue
        folded = flat(block.text)
        if (
            skip_level is not None
            or block.text.rstrip().endswith("?")
            or (_NOT_MEASURES.match(folded) and ":" in block.text[:40])
            or _FURNITURE.search(folded)
            or (block.text.startswith("(") and block.text.rstrip().endswith(")"))
        ):
            block.skip = True


def document_mode(blocks: list[Block]) -> str:
    """``items``, ``paragraphs`` or ``prose`` (see the module docstring)."""
    items = sum(1 for b in blocks if b.kind == "item" and not b.skip)
    paras = [b for b in blocks if b.kind == "para" and not b.skip]
    if items >= 5 and items >= 0.4 * (items + len(paras)):
        return "items"
    if not paras:
        return "paragraphs"
    sizes = [words_count(b.text) for b in paras]
    enumerating = sum(1 for b in paras if any(len(split_items(s)) > 1 for s in split_sentences(b.text)))
    if statistics.median(sizes) >= 45 or enumerating >= 0.25 * len(paras):
        return "prose"
    return "paragraphs"


def outline(text: str) -> tuple[list[Block], str]:
    """Blocks of ``text`` with headings decided and levelled, and the document's mode."""
    blocks = parse_blocks(text)
    markdown = sum(1 for b in blocks if b.style.startswith("md")) >= 2
    blocks = _title_lines(blocks)
    announced = _mark_toc(blocks)
    _plain_headings(blocks, announced, markdown)
    _levels(blocks)
    _mark_skipped(blocks)
    return blocks, document_mode(blocks)
