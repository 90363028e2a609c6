"""Printable reports (PDF, A4, French): the fiche quartier of a QPV and the rapport programme.

``python -m pipelines report --territory ID [--programme ID] [--qpv CODE] --out FILE.pdf`` and
the dashboard's « Rapport PDF » links (``/rapport/<territory>.pdf``) both call :func:`build_report`.
The reports read the store through the dashboard's read side (same numbers, same French
wording), draw their maps as SVG from the layers (:mod:`.svgmap`) and are laid out by WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.errors import UsageError


def build_report(data, territory: str, programme: str | None = None, qpv: str | None = None) -> bytes:
    """The PDF of a fiche quartier (``qpv``: its 2024 or 2015 code) or of a rapport programme.

    ``data`` is a :class:`dashboard.data.Data`. Exactly one of ``programme`` and ``qpv`` is
    given; otherwise (or for an unknown territory, programme or QPV) a French
    :class:`~pipelines.errors.UsageError` says what to pass.
    """
    from . import content, render

    if bool(programme) == bool(qpv):
        raise UsageError("rapport : donnez soit --qpv CODE (fiche quartier) soit --programme ID (rapport programme)")
    info = (
        content.fiche_quartier(data, territory, qpv) if qpv else content.rapport_programme(data, territory, programme)
    )
    return render.pdf_of(render.html_of(info))


def write_report(data, out: Path, **kwargs) -> Path:
    """Write :func:`build_report` to ``out`` (its folder must exist) and return the path."""
    out = Path(out)
    if not out.parent.exists():
        raise UsageError(f"dossier de sortie introuvable : {out.parent} (créez-le ou changez --out)")
    out.write_bytes(build_report(data, **kwargs))
    return out
