"""Read ``geodata/sources.yaml`` and ``geodata/territories.yaml`` into typed objects.

Both files are checked as they are read: unknown or duplicate ids, bad URLs, missing fields and
unknown layers raise :class:`~pipelines.errors.CatalogError` with the file and line at fault.
A territory can be looked up by its id (``ales``) or its INSEE code (``30007``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

from . import safe_yaml
from .errors import CatalogError, UnknownTerritory
from .schemas import CONTEXT_LAYERS, LAYERS
from .settings import SOURCES_FILE, TERRITORIES_FILE

_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = safe_yaml.load(text, _LineLoader)  # size cap, no aliases, bounded nesting
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping at the top level")
    return data


def _check_url(value: object, where: str) -> str:
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CatalogError(f"{where}: `{value}` is not an http(s) URL")
    return str(value)


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


@dataclass(frozen=True)
class Territory:
    """A commune Cartopolis builds layers for."""

    id: str
    insee: str
    name: str
    departement: str
    fictional: bool = False
    layers: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)
    programmes: tuple[str, ...] = ()
    notes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


_SOURCE_FIELDS = ("id", "title", "publisher", "page", "url", "licence", "vintage", "format")


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read every source of ``sources.yaml``, keyed by id."""
    data = _load_yaml(path)
    entries = data.get("sources")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a `sources:` list")
    sources: dict[str, Source] = {}
    for entry in entries:
        line = entry.get(_LINE, "?") if isinstance(entry, dict) else "?"
        where = f"{path}:{line}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: each source must be a mapping")
        missing = [k for k in _SOURCE_FIELDS if not entry.get(k)]
        if missing:
            raise CatalogError(f"{where}: source `{entry.get('id', '?')}` lacks {missing}")
        sid = str(entry["id"])
        if sid in sources:
            raise CatalogError(f"{where}: duplicate source id `{sid}`")
        _check_url(entry["page"], f"{where} (source `{sid}`, page)")
        _check_url(entry["url"], f"{where} (source `{sid}`, url)")
        sha = entry.get("sha256")
        if sha is not None and (len(str(sha)) != 64 or any(c not in "0123456789abcdef" for c in str(sha))):
            raise CatalogError(f"{where}: source `{sid}` has a malformed sha256 `{sha}`")
        known = set(_SOURCE_FIELDS) | {"mirror", "sha256", "notes", "options", _LINE}
        unknown = sorted(set(entry) - known)
        if unknown:
            raise CatalogError(f"{where}: source `{sid}` has unknown field(s) {unknown}")
        options = {k: v for k, v in (entry.get("options") or {}).items() if k != _LINE}
        sources[sid] = Source(
            **{k: str(entry[k]) for k in _SOURCE_FIELDS},
            mirror=entry.get("mirror"),
            sha256=sha,
            notes=str(entry.get("notes", "")).strip(),
            options=options,
        )
    return sources


def load_territories(path: Path = TERRITORIES_FILE, sources: dict[str, Source] | None = None) -> dict[str, Territory]:
    """Read ``territories.yaml``; every source id it names must exist in ``sources``."""
    data = _load_yaml(path)
    entries = data.get("territories")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a `territories:` list")
    known_layers = set(LAYERS) | set(CONTEXT_LAYERS)
    territories: dict[str, Territory] = {}
    insee_seen: set[str] = set()
    for entry in entries:
        line = entry.get(_LINE, "?") if isinstance(entry, dict) else "?"
        where = f"{path}:{line}"
        for key in ("id", "insee", "name", "departement"):
            if not isinstance(entry, dict) or not entry.get(key):
                raise CatalogError(f"{where}: territory lacks `{key}`")
        tid, insee = str(entry["id"]), str(entry["insee"])
        if tid in territories:
            raise CatalogError(f"{where}: duplicate territory id `{tid}`")
        if insee in insee_seen:
            raise CatalogError(f"{where}: duplicate INSEE code `{insee}`")
        if not (len(insee) == 5 and insee[:2].isalnum() and insee[2:].isdigit()):
            raise CatalogError(f"{where}: territory `{tid}` has a malformed INSEE code `{insee}`")
        layers: dict[str, tuple[str, ...]] = {}
        for layer, ids in (entry.get("layers") or {}).items():
            if layer == _LINE:
                continue
            if layer not in known_layers:
                raise CatalogError(f"{where}: territory `{tid}` names unknown layer `{layer}`")
            ids = tuple(str(i) for i in (ids or []))
            for sid in ids:
                if sources is not None and sid not in sources:
                    raise CatalogError(f"{where}: territory `{tid}`, layer `{layer}`: unknown source id `{sid}`")
            layers[layer] = ids
        territories[tid] = Territory(
            id=tid,
            insee=insee,
            name=str(entry["name"]),
            departement=str(entry["departement"]),
            fictional=bool(entry.get("fictional", False)),
            layers=layers,
            programmes=tuple(entry.get("programmes") or ()),
            notes={k: str(v) for k, v in (entry.get("notes") or {}).items() if k != _LINE},
        )
        insee_seen.add(insee)
    return territories


@dataclass
class Catalog:
    """Sources and territories, cross-checked."""

    sources: dict[str, Source]
    territories: dict[str, Territory]

    @classmethod
    def load(cls, sources_path: Path = SOURCES_FILE, territories_path: Path = TERRITORIES_FILE) -> Catalog:
        sources = load_sources(sources_path)
        return cls(sources, load_territories(territories_path, sources))

    def territory(self, key: str) -> Territory:
        """Return a territory by id or INSEE code."""
        if key in self.territories:
            return self.territories[key]
        for territory in self.territories.values():
            if territory.insee == key:
                return territory
        raise UnknownTerritory(f"unknown territory `{key}`; known: {', '.join(sorted(self.territories))}")

    def source(self, sid: str) -> Source:
        try:
            return self.sources[sid]
        except KeyError:
            raise CatalogError(f"unknown source id `{sid}`") from None

    def sources_for(self, territory: Territory, layer: str) -> list[Source]:
        """The sources that feed ``layer`` for ``territory``, in order of preference."""
        return [self.sources[sid] for sid in territory.layers.get(layer, ())]
