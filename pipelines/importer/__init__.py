"""The programme importer: a programme file (txt, md, pdf, html, docx) → a draft YAML to review.

Layers, each its own module:

- :mod:`.readers` — bytes → markdown-like text, one reader per format (PDF columns, running
  headers and hyphenation; HTML main content; Word styles); refusals in :mod:`.refusals`;
- :mod:`.outline` and :mod:`.structure` — headings, items and paragraphs, heading levels,
  tables of contents, sections without measures, the document's mode;
- :mod:`.extract` — one candidate per measure, with its title, quote and section path;
- :mod:`.grammar` (French sentence rules), :mod:`.themes` (keyword classifier with evidence),
  :mod:`.targets` (targets and the QPV rule);
- :mod:`.draft` (assembly), :mod:`.output` (YAML, files), :mod:`.evaluate` (recall, precision).
"""

from __future__ import annotations

from .draft import extract_figures, import_programme
from .output import draft_from_bytes, draft_header, dump_programme, import_programme_file, public
from .readers import FORMATS, detect_format, read_document
from .refusals import MAX_FILE_BYTES, ImportRefused
from .targets import QpvInfo, propose_target, territory_qpv

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "ImportRefused",
    "QpvInfo",
    "detect_format",
    "draft_from_bytes",
    "draft_header",
    "dump_programme",
    "extract_figures",
    "import_programme",
    "import_programme_file",
    "propose_target",
    "public",
    "read_document",
    "territory_qpv",
]
