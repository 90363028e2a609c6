"""Plain-text helpers for programmes: quote normalisation, decoding, folding.

Private: :mod:`pipelines.measures` is the public face. Nothing here touches the disk.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from .errors import CartopolisError

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


def fold(text: str) -> str:
    """Lower-case, accent-free ASCII form of ``text`` (``Îlots`` → ``ilots``) for keyword matching."""
    return unidecode(text).lower()


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` (letters and digits), in order."""
    return re.findall(r"[a-z0-9]+", fold(text))


# -- decoding ---------------------------------------------------------------------------------
_FRENCH_MARKERS = re.compile(r"[éèêàçùôîâ]")
_FRENCH_WORDS = re.compile(r"\b(le|la|les|des|de|du|et|pour|une|un|à|en|nous)\b", re.IGNORECASE)


def decode_text(data: bytes, name: str) -> str:
    """Decode a programme file's bytes into text.

    UTF-8 is the expected encoding (a BOM is stripped). A file that is not valid UTF-8 is decoded
    as cp1252 (a superset of Latin-1 for printable characters, the usual encoding of French text
    exported on Windows) only when the result looks like French: accented letters or common
    French words are present and there are no control characters. Anything else is refused with
    a :class:`~pipelines.errors.CartopolisError` naming the file, so that a binary or a text in an
    unknown encoding never becomes a draft full of mojibake.

    Parameters
    ----------
    data : bytes
        Content of the file.
    name : str
        File name, for error messages.
    """
    if b"\x00" in data:
        raise CartopolisError(
            f"{name}: binary file (NUL bytes), not a programme text: export it as plain text (UTF-8) first"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        position = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f") + sum(
        1 for ch in text if 0x80 <= ord(ch) < 0xA0
    )
    if controls == 0 and (_FRENCH_MARKERS.search(text) or len(_FRENCH_WORDS.findall(text)) >= 3):
        return text
    raise CartopolisError(
        f"{name}: not UTF-8 (invalid byte at offset {position}) and not recognisable as Latin-1 French text: "
        "re-save the file as UTF-8"
    )
