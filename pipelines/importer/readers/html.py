"""Saved web pages (BeautifulSoup with lxml): the main content only, as markdown-like text.

Menus, headers, footers, sidebars, cookie banners, forms and scripts are dropped (by tag, ARIA
role, and id/class words); the main content is ``<main>``, else the ``<article>`` or element holding
the most paragraph text. Headings become ``#`` lines, list items ``- `` lines, table rows
``cell | cell`` lines.
"""

from __future__ import annotations

import re

from ..refusals import ImportRefused
from .plain import decode_text

_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "button")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog"}
_DROP_WORDS = re.compile(
    r"(?:^|[\s_-])(?:menu|nav|navbar|navigation|footer|header|cookies?|breadcrumbs?|sidebar|share|social|"
    r"newsletter|banner|skip|modal|popup)(?:$|[\s_-])",
    re.I,
)
_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "dd", "dt", "figcaption", "pre")
_SPACES = re.compile(r"\s+")


def _charset(data: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    return match.group(1).decode("ascii", "ignore") if match else None


def _decode(data: bytes, name: str) -> str:
    charset = _charset(data)
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)


def _dropped(tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    if str(attrs.get("role", "")).lower() in _DROP_ROLES or attrs.get("aria-hidden") == "true" or "hidden" in attrs:
        return True
    names = " ".join([str(attrs.get("id", ""))] + list(attrs.get("class", []) or []))
    return bool(names.strip()) and bool(_DROP_WORDS.search(names))


def _text(tag) -> str:
    return _SPACES.sub(" ", tag.get_text(" ")).strip()


def _main(soup):
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return main
    candidates = soup.find_all(["article", "section", "div"]) or [soup]
    lengths: dict[int, int] = {}  # each paragraph's text measured once, not once per ancestor

    def weight(tag) -> int:
        return sum(lengths.setdefault(id(p), len(_text(p))) for p in tag.find_all(["p", "li"], recursive=True))

    weights = [weight(tag) for tag in candidates]
    heaviest = max(range(len(candidates)), key=weights.__getitem__)
    body = soup.body or soup
    return candidates[heaviest] if weights[heaviest] >= 0.5 * weight(body) else body


def _lines(root) -> list[str]:
    out: list[str] = []
    for tag in root.find_all(_BLOCKS):
        if tag.find_parent(_BLOCKS) is not None and tag.name not in ("li", "tr"):
            continue  # a <p> inside an <li> is part of the item
        if tag.name == "li" and tag.find(["li"]) is not None:
            own = " ".join(
                _text(c) if hasattr(c, "get_text") else str(c).strip()
                for c in tag.children
                if c.name not in ("ul", "ol")
            )
            text = _SPACES.sub(" ", own).strip()
        else:
            text = _text(tag)
        if not text:
            continue
        if tag.name.startswith("h") and tag.name[1:].isdigit():
            out.append("#" * int(tag.name[1]) + " " + text)
        elif tag.name == "li":
            strong = tag.find(["strong", "b"])
            if strong is not None and text.startswith(_text(strong)) and _text(strong) != text:
                text = f"**{_text(strong)}**{text[len(_text(strong)) :]}"
            out.append("- " + text)
        elif tag.name == "tr":
            cells = [_text(c) for c in tag.find_all(["td", "th"]) if _text(c)]
            if cells:
                out.append(" | ".join(cells))
        else:
            out.append(text)
    return out


def read_html(data: bytes, name: str) -> str:
    """Text of the main content of a saved web page.

    Raises
    ------
    ImportRefused
        ``empty`` when the page holds no text outside menus and footers.
    """
    from bs4 import BeautifulSoup  # imported here: only HTML imports pay for it

    soup = BeautifulSoup(_decode(data, name), "lxml")
    for tag in soup.find_all(_dropped):
        if not tag.decomposed:  # its parent may have gone already
            tag.decompose()
    lines = _lines(_main(soup))
    if not lines:
        raise ImportRefused(
            "empty",
            f"{name}: no text in the page outside menus and footers",
            f"{name} : la page ne contient aucun texte en dehors des menus et pieds de page.",
        )
    return "\n\n".join(lines) + "\n"
