"""Readers: a programme file's bytes → markdown-like text, one reader per format.

Formats: ``txt`` and ``md`` (:mod:`.plain`), ``pdf`` (:mod:`.pdf`), ``html`` (:mod:`.html`),
``docx`` (:mod:`.docx`). :func:`detect_format` looks at the bytes first (``%PDF``, a zip holding
``word/document.xml``, an HTML opening) and at the extension second, so a misnamed file is still
read by the right reader.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..refusals import MAX_FILE_BYTES, ImportRefused

FORMATS = ("txt", "md", "pdf", "html", "docx")
_EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf", ".html": "html",
               ".htm": "html", ".docx": "docx"}  # fmt: skip


def detect_format(data: bytes, name: str) -> str:
    """The format of a programme file, from its first bytes, else its extension.

    Raises
    ------
    ImportRefused
        ``wrong_type`` for an extension or content the importer does not read (images, spreadsheets,
        old ``.doc``, other archives).
    """
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise _wrong_type(name, "a zip archive that is not a Word document")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<head" in head:
        return "html"
    suffix = Path(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in ("", ".csv"):
        return "txt"
    raise _wrong_type(name, f"extension {suffix}")


def _wrong_type(name: str, what: str) -> ImportRefused:
    return ImportRefused(
        "wrong_type",
        f"{name}: {what} is not a programme format the importer reads (txt, md, pdf, html, docx)",
        f"{name} : type de fichier non pris en charge. "
        "Formats acceptés : texte (.txt, .md), PDF, page HTML, Word (.docx).",
    )


def read_document(data: bytes, name: str, fmt: str | None = None) -> str:
    """Text of a programme file (markdown-like: ``#`` headings, ``- `` items, blank lines between paragraphs).

    Parameters
    ----------
    data : bytes
        The file's content (at most :data:`MAX_FILE_BYTES`).
    name : str
        File name, for messages and for the extension.
    fmt : str, optional
        One of :data:`FORMATS`; detected when None.

    Raises
    ------
    ImportRefused
        Too big, wrong type, binary, unknown encoding, scanned or unreadable PDF, empty page.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            "too_big",
            f"{name}: {len(data) / 1e6:.1f} MB, "
            f"more than the {MAX_FILE_BYTES // (1024 * 1024)} MB a programme may weigh",
            f"{name} : fichier trop gros ({len(data) / (1024 * 1024):.1f} Mo ; 5 Mo au plus).",
        )
    fmt = fmt or detect_format(data, name)
    if fmt not in FORMATS:
        raise _wrong_type(name, f"format {fmt}")
    if fmt == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "html":
        from .html import read_html

        return read_html(data, name)
    if fmt == "docx":
        from .docx import read_docx

        return read_docx(data, name)
    from .plain import read_plain

    return read_plain(data, name)
