"""HTML (Jinja2 templates beside this module) to an A4 PDF with WeasyPrint.

WeasyPrint lays out CSS paged media itself (page counters in the margins, « FICTIF » repeated
in every page's header) on Debian's Pango; no browser and no network: the maps are inline SVG.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True
)


def html_of(content: dict) -> str:
    """The report's HTML: ``content`` from :mod:`pipelines.reports.content` in its template."""
    template = _ENV.get_template("fiche.html" if content["kind"] == "fiche" else "programme.html")
    title = content["qpv"]["name"] if content["kind"] == "fiche" else content["programme"]["title"]
    generated = f"Généré le {datetime.now().strftime('%d/%m/%Y à %H:%M')} par Cartopolis"
    return template.render(**content, title=title, generated=generated, map_svg=content.get("map"))


def pdf_of(html: str) -> bytes:
    """The PDF bytes of ``html`` (A4, fonts from the system, nothing fetched)."""
    import weasyprint  # loads Pango: imported only when a PDF is made

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"a report fetches nothing: {url}")
