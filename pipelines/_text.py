"""Plain-text helpers shared by the programme model and the importer: quotes and folding.

Private: :mod:`pipelines.measures` is the public face. Nothing here touches the disk. The
importer's own text rules (sentences, commitments, themes) live in :mod:`pipelines.importer`.
"""

from __future__ import annotations

import functools
import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def normalise_quote(text: str) -> str:
    """Return ``text`` as quotes are compared: markdown ``**`` removed, whitespace collapsed.

    Every run of whitespace (spaces, tabs, newlines, no-break spaces) becomes one space and the
    ends are stripped. Typographic apostrophes and accents are kept as they are: a quote must use
    the same characters as its seed.

    Examples
    --------
    >>> normalise_quote("**Créer**  1 000\\n emplois ")
    'Créer 1 000 emplois'
    """
    return _SPACES.sub(" ", text.replace("**", "")).strip()


# Latin letters and French punctuation folded by one C-speed str.translate; unidecode only for the rest.
_FOLD_TABLE = {code: unidecode(chr(code)) for code in range(0x80, 0x250)}
_FOLD_TABLE.update({ord(c): unidecode(c) for c in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u202f\u20ac\u0153"})
_NOT_FOLDED = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accent-free ASCII form of ``text`` (``Îlots`` → ``ilots``) for keyword matching."""
    text = text.translate(_FOLD_TABLE)
    if _NOT_FOLDED.search(text):
        text = unidecode(text)
    return text.lower()


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` (letters and digits), in order."""
    return list(folded_words(text))


_URL = re.compile(r"\(?https?://[^\s)]*\)?|www\.[^\s)]+")


@functools.lru_cache(maxsize=1024)
def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(_URL.sub(" ", text) if "://" in text or "www." in text else text)))


def folded_words(text: str) -> tuple[str, ...]:
    """Folded words with apostrophes and hyphens treated as separators (``l’emploi`` → l, emploi).

    Web addresses are left out: they are not words of the programme (``[SCIC](http://…)`` → scic).
    """
    return _folded_words(text)  # cached: one sentence is looked at by several rules


def flat(text: str) -> str:
    """Folded text with every non-alphanumeric run turned into one space (``centre-ville`` → ``centre ville``)."""
    return " ".join(folded_words(text))
