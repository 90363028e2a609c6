"""The outline of a programme text: lines → headings, items and paragraphs, with heading levels.

Structure comes before classification: this module says what is a heading (markdown ``#``,
all-caps lines, ``AXE 1``, numbered sections, ``(5)`` counts, bold lines, ``… :`` lines, short
plain lines that head a group), what is an item (bullets, numbers, ``[tag]`` lead-ins, dash-led
blocks, ``**Title** — text``, ``Title | text``, a title line with its explanation under it) and
what is a paragraph. :mod:`pipelines.importer.extract` then turns items and paragraphs into
measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grammar import is_commitment, starts_with_action_noun, starts_with_infinitive

_MD = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)[\s#]*$")
_BULLET = re.compile(r"^\s*[-–—•*·▪◦‣►✓✔➢➤→]\s+(\S.*)$")
_NUMBER = re.compile(r"^\s*((?:\d{1,3}[.)])+|\d{1,3}\s*[-–—]|\d{1,3}°)\s+(\S.*)$")
_AXIS = re.compile(r"^(?:axe|partie|chapitre|titre|pilier|th[eè]me|priorit[eé])\s+(?:[\dIVX]+|n°\s*\d+)\b", re.I)
_ROMAN = re.compile(r"^[IVX]{1,5}\s*[.)–—-]\s+\S")
_TAG = re.compile(r"^\s*\[([^\]\[]{1,60})\](?!\()\s*(\S.*)$")
_PIPE = re.compile(r"^(.{2,150}?)\s+\|\s+(\S.*)$")
_LEAD = re.compile(r"^\*\*(.{2,200}?)\*\*\s*(?:([—–:|-])\s*)?(\S.*)$")
_DASH_LEAD = re.compile(r"^(.{3,160}?)\s+[—–]\s+(\S.*)$")
_COUNT = re.compile(r"\s*\((\d{1,3})\)\s*:?\s*$")
_LONE_DASH = re.compile(r"^\s*[-–—•]\s*$")
_TRAILING_DASH = re.compile(r"\s+[-–—]\s*$")
_LINK_ONLY = re.compile(r"^(?:👉|&nbsp;|\s)*\[[^\]]*\]\([^)]*\)\W*$")
_TERMINAL = (".", "!", "?", ";", ",", "…", ":")
#: Page furniture and asides: never measures.
_FURNITURE = re.compile(r"\b(?:cookies?|partagez cette page|tous droits reserves|mentions legales|newsletter)\b")
#: Headings of sections that hold no measures (diagnosis, vision, who we are, page furniture).
_NOT_MEASURES = re.compile(
    r"^(?:(?:notre|nos|la|le|les|des|un|une)\s+)?(?:vision|valeurs?|constats?|diagnostics?|contexte|bilan|edito|"
    r"editorial|preambule|introduction|sommaire|legende|qui sommes nous|equipe|candidat\w*|contacts?|"
    r"mentions legales|termes du debat|questions?|faq|partagez|cookies?|remerciements|sources?|enjeux|"
    r"etat des lieux|pourquoi)\b"
)


@dataclass
class Block:
    """A heading, an item or a paragraph of the text (lines ``start``–``end``, 0-based, inclusive)."""

    kind: str  # heading | item | para
    start: int
    end: int
    text: str  # its words: markers and ``**`` removed, lines joined by "\n"
    style: str = ""  # heading style (md1…md6, caps, axis, number, count, bold, colon, plain) or item marker
    level: int = 0
    lead: str = ""  # an item's own title (bold lead-in, "Title |", "Title —", title line)
    count: int | None = None  # a heading's "(N)"
    skip: bool = False  # not a measure: table of contents, question, diagnosis section


def words_count(text: str) -> int:
    return len(text.split())


def looks_like_measure(text: str) -> bool:
    """A short line that reads as an action (infinitive, action noun, indefinite noun phrase)."""
    head = re.sub(r"^(?:la|le|les|l[’'])\s*", "", text.strip(), flags=re.I)
    if starts_with_infinitive(text):
        return is_commitment(text)  # not "Dynamiser notre cœur de ville, c'est la rendre attractive"
    return starts_with_action_noun(head) or is_commitment(text)


def _label(text: str) -> bool:
    """A heading-like label: at most three words, or a phrase that does not read as an action."""
    return words_count(text) <= 3 or not looks_like_measure(text)


def _candidate(block: Block) -> bool:
    """A one-line paragraph short enough, and unpunctuated, to be a plain-text heading."""
    text = block.text.strip()
    return (
        block.kind == "para"
        and block.start == block.end
        and 1 <= words_count(text) <= 10
        and not text.endswith(_TERMINAL)
        and not _LINK_ONLY.match(text)
    )


def _heading_style(raw: str, text: str) -> str | None:
    """The style of a line that is a heading by its form alone, else None."""
    if text.isupper() and words_count(text) <= 12 and sum(c.isalpha() for c in text) >= 2:  # cheap tests first
        return "caps"
    if _COUNT.search(text) and words_count(text) <= 14:
        return "count"
    if _AXIS.match(text) or _ROMAN.match(text):
        return "axis"
    if raw.startswith("**") and raw.rstrip().endswith("**") and raw.count("**") == 2 and words_count(text) <= 15:
        return "bold"
    if text.endswith(":") and words_count(text) <= 16 and not re.search(r"[.!?;]\s", text):
        return "colon"
    return None


def _item(raw: str) -> tuple[str, str, str] | None:
    """(marker, text, lead) when the line opens an item by its form."""
    for marker, pattern in (("tag", _TAG), ("bullet", _BULLET), ("number", _NUMBER)):
        match = pattern.match(raw)
        if match:
            rest = match.group(match.lastindex)
            lead, text = _lead(rest)
            return marker, text, lead
    match = _LEAD.match(raw)
    if match and (match.group(2) or match.group(1).rstrip().endswith((".", ":"))):
        return (
            "lead",
            f"{match.group(1)}{' ' + match.group(2) if match.group(2) else ''} {match.group(3)}",
            match.group(1).rstrip(" .:"),
        )
    match = _PIPE.match(raw.replace("**", ""))
    if match and words_count(match.group(1)) <= 20:
        return "pipe", raw.replace("**", ""), match.group(1).strip()
    return None


def _lead(rest: str) -> tuple[str, str]:
    """(lead, text) of an item's words: a bold lead-in or ``Title — text`` gives its title."""
    match = _LEAD.match(rest)
    if match and (match.group(2) or match.group(1).rstrip().endswith((".", ":"))):
        sep = f" {match.group(2)}" if match.group(2) else ""
        return match.group(1).rstrip(" .:"), f"{match.group(1)}{sep} {match.group(3)}"
    text = rest.replace("**", "")
    match = _DASH_LEAD.match(text)
    if match and words_count(match.group(1)) <= 25:
        return match.group(1).strip(), text
    return "", text


def parse_blocks(text: str) -> list[Block]:
    """Cut a text into headings, items and paragraphs (forms only; context rules come after)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    current: Block | None = None
    in_block = False

    def close() -> None:
        nonlocal current
        if current is not None and current.text.strip():
            blocks.append(current)
        current = None

    for index, raw in enumerate(lines):
        stripped = raw.strip()
        hard_break = raw.endswith("  ")  # markdown: two trailing spaces break the line, not the paragraph
        if not stripped:
            close()
            in_block = False
            continue
        if _LONE_DASH.match(raw):
            close()
            in_block = True
            continue
        text = stripped.replace("**", "").strip()
        md = _MD.match(raw)
        if md:
            close()
            in_block = False
            level = len(md.group(1))
            blocks.append(Block("heading", index, index, md.group(2).replace("**", "").strip(), f"md{level}", level))
            continue
        joins = current is not None and (
            text[:1].islower()
            or text.startswith(("👉", "(", "&nbsp;"))
            or bool(_LINK_ONLY.match(text))
            or (current.lead == "  " and _item(stripped) is None)
            or (in_block and _heading_style(stripped, text) is None)
        )
        if joins:
            current.text += "\n" + text  # a wrapped line, a link under its item, a dash-led block going on
            current.end = index
            current.lead = "  " if hard_break else ("" if current.lead == "  " else current.lead)
            if in_block and _TRAILING_DASH.search(current.text):  # "… éducateurs. -": the dash opens the next block
                current.text = _TRAILING_DASH.sub("", current.text)
                close()
            continue
        item = None if in_block else _item(stripped)
        close()
        style = _heading_style(stripped, text)
        if in_block and style is None and words_count(text) <= 10 and not text.endswith(_TERMINAL):
            in_block = False  # "Mieux financer" after a dash-led block: a heading, not the next block
        if in_block and style is None:
            current = Block("item", index, index, text, "dash")
            if _TRAILING_DASH.search(current.text):
                current.text = _TRAILING_DASH.sub("", current.text)
                close()
            continue
        in_block = False
        if item is not None:
            marker, body, lead = item
            if marker == "number" and _heading_style(body, body) in ("caps", "count"):
                blocks.append(Block("heading", index, index, text, "number"))
            else:
                current = Block("item", index, index, body, marker, lead=lead)
            continue
        if style is not None and not hard_break:
            blocks.append(Block("heading", index, index, text, style))
            continue
        current = Block("para", index, index, text, lead="  " if hard_break else "")
    close()
    for block in blocks:
        block.text = block.text.strip()
        block.lead = block.lead.strip()
        if block.kind == "heading":
            count = _COUNT.search(block.text)
            if count:
                block.count = int(count.group(1))
    return blocks
