"""Drafts out: the YAML text (format of ``geodata/programmes/``) and the file-to-file import."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from .draft import import_programme
from .readers import read_document
from .refusals import ImportRefused
from .targets import QpvInfo

_PLAIN = re.compile(r"[a-z0-9][a-z0-9_\-]*")


def _scalar(value: object) -> str:
    """One YAML scalar: identifiers plain, numbers and booleans as such, other text double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    text = str(value)
    numeric = re.fullmatch(r"[\d_.eE+-]+", text) is not None  # "2026" must stay a string
    if _PLAIN.fullmatch(text) and not numeric and text not in ("true", "false", "null", "yes", "no", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def dump_programme(programme: dict) -> str:
    """YAML text of a programme dict: keys in their given order, one measure field per line.

    Written by hand rather than with PyYAML's emitter, which takes tens of seconds on the draft
    of a 5 MB text; the result is read back by :func:`yaml.safe_load` (checked in the tests).
    """
    out = []
    for key, value in programme.items():
        if key in ("measures", "collectifs") and isinstance(value, list):
            out.append(f"{key}:" if value else f"{key}: []")
            for item in value:
                for n, (field_name, field_value) in enumerate(item.items()):
                    out.append(f"{'  - ' if n == 0 else '    '}{field_name}: {_inline(field_value)}")
        else:
            out.append(f"{key}: {_inline(value)}")
    return "\n".join(out) + "\n"


def public(programme: dict) -> dict:
    """The draft without its internal keys (``_line``, ``_mode``): what the YAML holds."""
    out = {k: v for k, v in programme.items() if not k.startswith("_")}
    if "measures" in out:
        out["measures"] = [{k: v for k, v in m.items() if not k.startswith("_")} for m in out["measures"]]
    return out


def draft_header(source_name: str) -> str:
    """The comment lines a draft YAML starts with: where it comes from and what to review."""
    return (
        f"# Brouillon importé de {source_name} le {time.strftime('%Y-%m-%d')} : tout sauf les citations est deviné\n"
        "# (draft: true). Relire titres, thèmes et cibles, puis retirer draft et lancer check-programmes.\n"
    )


def draft_from_bytes(
    data: bytes, name: str, *, territory: str, fmt: str | None = None, qpv: QpvInfo | None = None
) -> dict:
    """Read a programme file's bytes (any format) and draft it.

    ``qpv`` is the territory's 2024 QPV (default: :func:`~pipelines.importer.targets.territory_qpv`).
    The text read is kept under ``_text`` (dropped by :func:`public`, like every ``_`` key).

    Raises
    ------
    ImportRefused
        Refused file (see :func:`pipelines.importer.readers.read_document`), or ``no_measure``
        when the text holds no measure.
    """
    text = read_document(data, name, fmt)
    draft = import_programme(text, territory=territory, source_name=name, qpv=qpv)
    draft["_text"] = text
    if not draft["measures"]:
        raise ImportRefused(
            "no_measure",
            f"{name}: no measure found in the text (no item, no sentence that commits to an action)",
            f"{name} : aucune mesure trouvée dans le texte (ni liste, ni phrase d'engagement).",
        )
    return draft


def import_programme_file(
    path: Path, *, territory: str, out: Path, fmt: str | None = None, section_depth: int | None = None
) -> Path:
    """Read a programme file (txt, md, pdf, html, docx), draft it, write the YAML atomically.

    An empty text gives a draft with no measures (the YAML says so); every other refusal is an
    :class:`~pipelines.importer.refusals.ImportRefused` naming the file. ``section_depth`` keeps
    that many levels of each ``section`` path (0 drops it).

    Returns
    -------
    Path
        ``out``.
    """
    from ..catalog import Catalog
    from ..errors import CartopolisError
    from ..store import atomic_path  # the store pulls geopandas: import it only when writing

    Catalog.load().territory(territory)  # an unknown territory id fails here, before any work
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CartopolisError(f"{path}: cannot read ({exc.strerror})") from None
    text = read_document(data, str(path), fmt)
    draft = import_programme(text, territory=territory, source_name=path.name)
    if section_depth is not None:
        for measure in draft["measures"]:
            if "section" in measure:
                measure["section"] = " › ".join(measure["section"].split(" › ")[: max(section_depth, 0)])
                if not measure["section"]:
                    del measure["section"]
    with atomic_path(Path(out)) as tmp:
        tmp.write_text(draft_header(path.name) + dump_programme(public(draft)), "utf-8")
    return Path(out)
