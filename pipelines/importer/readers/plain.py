"""Plain text and markdown: bytes → text (UTF-8, UTF-16 with BOM, cp1252 French), nothing else."""

from __future__ import annotations

import re

from ..refusals import ImportRefused

_FRENCH_MARKERS = re.compile(r"[éèêàçùôîâ]")
_FRENCH_WORDS = re.compile(r"\b(le|la|les|des|de|du|et|pour|une|un|à|en|nous)\b", re.IGNORECASE)


def _reads_as_french(text: str) -> bool:
    """True when ``text`` has no control characters and looks French (accents or common words)."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f") + sum(
        1 for ch in text if 0x80 <= ord(ch) < 0xA0
    )
    return bool(text) and controls == 0 and bool(_FRENCH_MARKERS.search(text) or len(_FRENCH_WORDS.findall(text)) >= 3)


def decode_text(data: bytes, name: str) -> str:
    """Decode a programme file's bytes into text.

    UTF-8 is the expected encoding (a BOM is stripped); UTF-16 with a BOM (what Windows calls
    "Unicode" text) is decoded too. A file that is not valid UTF-8 is decoded
    as cp1252 (a superset of Latin-1 for printable characters, the usual encoding of French text
    exported on Windows) only when the result looks like French: accented letters or common
    French words are present and there are no control characters. Anything else is refused with
    an :class:`~pipelines.importer.refusals.ImportRefused` naming the file, so that a binary or a text in an
    unknown encoding never becomes a draft full of mojibake.

    Parameters
    ----------
    data : bytes
        Content of the file.
    name : str
        File name, for error messages.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM (Windows "Unicode" text)
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if _reads_as_french(text):
            return text
    if b"\x00" in data:
        raise ImportRefused(
            "binary",
            f"{name}: binary file (NUL bytes), not a programme text: export it as plain text (UTF-8) first",
            f"{name} : fichier binaire (octets nuls), pas un texte de programme. Enregistrez-le en texte "
            "(UTF-8), en PDF texte ou en page HTML.",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        position = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _reads_as_french(text):
        return text
    raise ImportRefused(
        "encoding",
        f"{name}: not UTF-8 (invalid byte at offset {position}) and not recognisable as Latin-1 French text: "
        "re-save the file as UTF-8",
        f"{name} : encodage inconnu (ni UTF-8, ni Latin-1 lisible en français, octet invalide à la position "
        f"{position}). Réenregistrez le fichier en UTF-8.",
    )


def read_plain(data: bytes, name: str) -> str:
    """Text of a ``.txt`` / ``.md`` file: decoded (see :func:`decode_text`), line ends made ``\\n``."""
    return decode_text(data, name).replace("\r\n", "\n").replace("\r", "\n")
