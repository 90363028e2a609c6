"""The ``sources:`` of ``geodata/sources.yaml``: one official source each, checked as it is read.

Unknown or duplicate ids, bad URLs, malformed sha256, unknown fields and mirror paths that leave the
mirror raise :class:`~pipelines.errors.CatalogError` with the file and line at fault. The same
checks read the ``templates:`` (see :mod:`pipelines.catalog_templates`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ._catalog_yaml import LINE, RAW, check_url, load_yaml
from .errors import CatalogError
from .settings import SOURCES_FILE

#: Placeholders a template may use (see :mod:`pipelines.catalog_templates`).
PLACEHOLDERS = ("dep", "insee", "name", "bbox")


@dataclass(frozen=True)
class Source:
    """One official source: where it is published and where the mirror keeps it."""

    id: str
    title: str
    publisher: str
    page: str
    url: str
    licence: str
    vintage: str
    format: str
    mirror: str | None = None  # path relative to the mirror root (file or folder)
    sha256: str | None = None
    notes: str = ""
    options: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def provenance(self) -> dict:
        """Publisher, licence and vintage, as written to the manifest."""
        return {"publisher": self.publisher, "licence": self.licence, "vintage": self.vintage}


def placeholders(text: str) -> set[str]:
    """The names of the ``{placeholders}`` in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(str(text)) if name}


def check_mirror_path(path: object, where: str) -> None:
    """Fail when a ``mirror:`` path is absolute or climbs out of the mirror root (``../``)."""
    posix = PurePosixPath(str(path))
    if posix.is_absolute() or Path(str(path)).is_absolute() or ".." in posix.parts or not str(path).strip():
        raise CatalogError(
            f"{where}: mirror path `{path}` leaves the mirror root: give a path relative to the mirror, inside it "
            "(e.g. `flood/perigueux_FRF_TRI_PERI`)"
        )


_SOURCE_FIELDS = ("id", "title", "publisher", "page", "url", "licence", "vintage", "format")


def source_entry(entry: object, where: str, template: bool = False) -> Source:
    """One checked ``sources:`` (or ``templates:``) entry."""
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: each source must be a mapping")
    missing = [k for k in _SOURCE_FIELDS if not entry.get(k)]
    if missing:
        raise CatalogError(f"{where}: source `{entry.get('id', '?')}` lacks {missing}")
    sid = str(entry["id"])
    sample = {"dep": "34", "insee": "34172", "name": "X", "bbox": "0,0,1,1"}
    for key in ("page", "url"):
        value = str(entry[key])
        if template:
            unknown = sorted(placeholders(value) - set(PLACEHOLDERS))
            if unknown:
                raise CatalogError(f"{where}: template `{sid}`, {key}: unknown placeholder(s) {unknown}")
            value = value.format(**sample)
        check_url(value, f"{where} (source `{sid}`, {key})")
    sha = entry.get("sha256")
    if sha is not None and (len(str(sha)) != 64 or any(c not in "0123456789abcdef" for c in str(sha))):
        raise CatalogError(f"{where}: source `{sid}` has a malformed sha256 `{sha}`")
    known = set(_SOURCE_FIELDS) | {"mirror", "sha256", "notes", "options", LINE, RAW}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CatalogError(f"{where}: source `{sid}` has unknown field(s) {unknown}")
    options = {k: v for k, v in (entry.get("options") or {}).items() if k not in (LINE, RAW)}
    if entry.get("mirror") is not None:
        check_mirror_path(entry["mirror"], f"{where}: source `{sid}`")
    return Source(
        **{k: str(entry[k]) for k in _SOURCE_FIELDS},
        mirror=entry.get("mirror"),
        sha256=sha,
        notes=str(entry.get("notes", "")).strip(),
        options=options,
    )


def load_sources(path: Path = SOURCES_FILE, data: dict | None = None) -> dict[str, Source]:
    """Read every source of ``sources.yaml``, keyed by id (``data``: the file when already read)."""
    data = load_yaml(path) if data is None else data
    entries = data.get("sources")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a `sources:` list")
    sources: dict[str, Source] = {}
    for entry in entries:
        where = f"{path}:{entry.get(LINE, '?') if isinstance(entry, dict) else '?'}"
        source = source_entry(entry, where)
        if source.id in sources:
            raise CatalogError(f"{where}: duplicate source id `{source.id}`")
        sources[source.id] = source
    return sources
