"""Word documents (python-docx): heading styles → ``#`` lines, list paragraphs → ``- `` lines,
table rows → ``cell | cell`` lines."""

from __future__ import annotations

import io
import re

from ..refusals import ImportRefused

_HEADING = re.compile(r"^(?:heading|titre)\s*(\d)$", re.I)


def read_docx(data: bytes, name: str) -> str:
    """Text of a ``.docx`` programme, paragraphs and tables in document order.

    Raises
    ------
    ImportRefused
        ``unreadable`` when the file is not a Word document python-docx can open.
    """
    import docx  # imported here: only Word imports pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 — python-docx raises zipfile, KeyError or its own errors
        raise ImportRefused(
            "unreadable",
            f"{name}: not a readable Word document ({type(exc).__name__})",
            f"{name} : document Word illisible. Enregistrez-le à nouveau en .docx, ou en PDF.",
        ) from None
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = " ".join(paragraph.text.split())
            if not text:
                continue
            style = paragraph.style.name if paragraph.style is not None else ""
            heading = _HEADING.match(style or "")
            if heading or style in ("Title", "Titre"):
                lines.append("#" * (int(heading.group(1)) if heading else 1) + " " + text)
            elif "list" in style.lower() or child.find(".//{*}numPr") is not None:
                lines.append("- " + text)
            else:
                lines.append(text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                cells = [c for i, c in enumerate(cells) if c and c not in cells[:i]]  # merged cells repeat
                if cells:
                    lines.append(" | ".join(cells))
    return "\n\n".join(lines) + "\n"
