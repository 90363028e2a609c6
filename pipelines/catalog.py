"""Read ``geodata/sources.yaml`` and ``geodata/territories.yaml`` into typed objects.

Both files are checked as they are read: unknown or duplicate ids, bad URLs, missing fields and
unknown layers raise :class:`~pipelines.errors.CatalogError` with the file and line at fault.

**Templates.** ``sources.yaml`` also holds ``templates:``, sources whose id, title, URL or mirror
path carry placeholders — ``{dep}`` (département code), ``{insee}`` (INSEE code), ``{name}``
(commune name), ``{bbox}`` (the commune's lon/lat bounding box with a margin, as
``west,south,east,north``). ``territories.yaml`` has ``defaults: layers:``, the sources of every
layer of a commune nobody declared (template ids allowed, e.g. ``georisques.tri.{dep}``). A
declared territory lists only the layers it overrides; the word ``template`` in its list stands
for the default sources of that layer (``[francegeojson.communes.30, template]``). A concrete id
(``georisques.tri.34``) becomes a :class:`Source` the first time it is asked for; a ``sources:``
entry with the same id wins over the template (``georisques.tri.24`` is mirrored).

**Territories.** :meth:`Catalog.territory` takes a declared id (``ales``), an INSEE code
(``30007``, ``34172``, an arrondissement code), a commune name (``Montpellier``, any case or
accents) or the id of a territory on demand (``montpellier``, ``saint-denis-93066``); any French
commune of the national file is a territory, its layers fed by the defaults.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import yaml

from . import safe_yaml
from .errors import CatalogError
from .schemas import CONTEXT_LAYERS, LAYERS, crs_for_departement
from .settings import SOURCES_FILE, TERRITORIES_FILE

#: Placeholders a template may use; only the first two may appear in an id.
PLACEHOLDERS = ("dep", "insee", "name", "bbox")
ID_PLACEHOLDERS = ("dep", "insee")
#: In a declared territory's layer list: the default sources of that layer.
TEMPLATE_TOKEN = "template"  # noqa: S105 - a YAML keyword, not a secret
#: Margin around a commune's bounding box for ``{bbox}`` (degrees, about 1 km): layers keep 500 m of context.
BBOX_MARGIN_DEG = 0.01
_CODE_SUFFIX = re.compile(r"^[a-z0-9-]+-(\d{5}|2[ab]\d{3})$")

_LINE = "__line__"
_RAW = "__raw__"  # the text of scalars YAML read as integers, to report `insee: 01004` (octal 516) as it was written
_INT_TAG = "tag:yaml.org,2002:int"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    raw = {k.value: v.value for k, v in node.value if isinstance(v, yaml.ScalarNode) and v.tag == _INT_TAG}
    if raw:
        mapping[_RAW] = raw
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
    """A commune Cartopolis builds layers for: declared in territories.yaml, or on demand.

    ``bbox`` is the commune's lon/lat bounding box when known; ``note`` says how a query was
    resolved when it was not the commune itself (an arrondissement code).
    """

    id: str
    insee: str
    name: str
    departement: str
    fictional: bool = False
    layers: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)
    programmes: tuple[str, ...] = ()
    notes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    declared: bool = True
    bbox: tuple[float, float, float, float] | None = field(default=None, compare=False, hash=False)
    note: str = field(default="", compare=False, hash=False)

    @property
    def crs(self) -> str:
        """The official projection the territory is stored and measured in (EPSG:2154 in metropolitan France)."""
        return crs_for_departement(self.departement)


@dataclass(frozen=True)
class Template:
    """A source with placeholders (:data:`PLACEHOLDERS`); :meth:`pattern` matches its concrete ids."""

    source: Source
    line: str = ""

    @property
    def pattern(self) -> re.Pattern:
        parts = string.Formatter().parse(self.source.id)
        regex = "".join(re.escape(text) + (f"(?P<{name}>[0-9AB]{{2,5}})" if name else "") for text, name, _, _ in parts)
        return re.compile(regex)

    @property
    def needs_place(self) -> bool:
        """Whether a field uses ``{name}`` or ``{bbox}`` (which need the commune's record)."""
        text = " ".join(str(v) for v in (self.source.title, self.source.url, self.source.page, self.source.mirror))
        return "{name}" in text or "{bbox}" in text

    def instantiate(self, values: dict[str, str]) -> Source:
        """The concrete source for ``values`` (placeholder → text)."""
        fill = lambda text: None if text is None else str(text).format(**values)  # noqa: E731
        src = self.source
        return replace(
            src, id=fill(src.id), title=fill(src.title), url=fill(src.url), page=fill(src.page), mirror=fill(src.mirror)
        )


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(str(text)) if name}


def _check_quoted(entry: dict, key: str, where: str) -> None:
    """Fail when a code was written without quotes and YAML changed it (``01004`` is read as octal 516)."""
    value, raw = entry.get(key), (entry.get(_RAW) or {}).get(key)
    if isinstance(value, int) and not isinstance(value, bool) and raw is not None and raw != str(value):
        raise CatalogError(
            f'{where}: `{key}: {raw}` is read by YAML as the number {value}: write it in quotes, `{key}: "{raw}"`'
        )


def check_mirror_path(path: object, where: str) -> None:
    """Fail when a ``mirror:`` path is absolute or climbs out of the mirror root (``../``)."""
    posix = PurePosixPath(str(path))
    if posix.is_absolute() or Path(str(path)).is_absolute() or ".." in posix.parts or not str(path).strip():
        raise CatalogError(
            f"{where}: mirror path `{path}` leaves the mirror root: give a path relative to the mirror, inside it "
            "(e.g. `flood/perigueux_FRF_TRI_PERI`)"
        )


_SOURCE_FIELDS = ("id", "title", "publisher", "page", "url", "licence", "vintage", "format")


def _source_entry(entry: object, where: str, template: bool = False) -> Source:
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
            unknown = sorted(_placeholders(value) - set(PLACEHOLDERS))
            if unknown:
                raise CatalogError(f"{where}: template `{sid}`, {key}: unknown placeholder(s) {unknown}")
            value = value.format(**sample)
        _check_url(value, f"{where} (source `{sid}`, {key})")
    sha = entry.get("sha256")
    if sha is not None and (len(str(sha)) != 64 or any(c not in "0123456789abcdef" for c in str(sha))):
        raise CatalogError(f"{where}: source `{sid}` has a malformed sha256 `{sha}`")
    known = set(_SOURCE_FIELDS) | {"mirror", "sha256", "notes", "options", _LINE, _RAW}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CatalogError(f"{where}: source `{sid}` has unknown field(s) {unknown}")
    options = {k: v for k, v in (entry.get("options") or {}).items() if k not in (_LINE, _RAW)}
    if entry.get("mirror") is not None:
        check_mirror_path(entry["mirror"], f"{where}: source `{sid}`")
    return Source(
        **{k: str(entry[k]) for k in _SOURCE_FIELDS},
        mirror=entry.get("mirror"),
        sha256=sha,
        notes=str(entry.get("notes", "")).strip(),
        options=options,
    )


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read every source of ``sources.yaml``, keyed by id."""
    data = _load_yaml(path)
    entries = data.get("sources")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a `sources:` list")
    sources: dict[str, Source] = {}
    for entry in entries:
        where = f"{path}:{entry.get(_LINE, '?') if isinstance(entry, dict) else '?'}"
        source = _source_entry(entry, where)
        if source.id in sources:
            raise CatalogError(f"{where}: duplicate source id `{source.id}`")
        sources[source.id] = source
    return sources


def load_templates(path: Path = SOURCES_FILE) -> list[Template]:
    """Read the ``templates:`` of ``sources.yaml`` (ids must carry ``{dep}`` or ``{insee}``)."""
    templates: list[Template] = []
    for entry in _load_yaml(path).get("templates") or []:
        where = f"{path}:{entry.get(_LINE, '?') if isinstance(entry, dict) else '?'}"
        source = _source_entry(entry, where, template=True)
        in_id = _placeholders(source.id)
        if not in_id or not in_id <= set(ID_PLACEHOLDERS):
            raise CatalogError(f"{where}: template id `{source.id}` must use {{dep}} or {{insee}} (and nothing else)")
        if any(t.source.id == source.id for t in templates):
            raise CatalogError(f"{where}: duplicate template id `{source.id}`")
        templates.append(Template(source, where))
    return templates


def load_defaults(path: Path = TERRITORIES_FILE) -> dict[str, tuple[str, ...]]:
    """The ``defaults: layers:`` of ``territories.yaml``: the sources of each layer of an undeclared commune."""
    data = _load_yaml(path)
    layers = (data.get("defaults") or {}).get("layers") or {}
    known = set(LAYERS) | set(CONTEXT_LAYERS)
    out = {}
    for layer, ids in layers.items():
        if layer in (_LINE, _RAW):
            continue
        if layer not in known:
            raise CatalogError(f"{path}:{layers.get(_LINE, '?')}: defaults name unknown layer `{layer}`")
        out[layer] = tuple(str(i) for i in ids or [])
    return out


def expand_layers(
    declared: dict[str, tuple[str, ...]], defaults: dict[str, tuple[str, ...]], departement: str, insee: str
) -> dict[str, tuple[str, ...]]:
    """Concrete source ids per layer: the declared lists (``template`` → the defaults), else the defaults."""
    values = {"dep": departement, "insee": insee}
    out = {}
    for layer in (*LAYERS, *CONTEXT_LAYERS):
        ids = declared.get(layer, (TEMPLATE_TOKEN,) if defaults else ())
        flat = [d for i in ids for d in (defaults.get(layer, ()) if i == TEMPLATE_TOKEN else (i,))]
        concrete = tuple(dict.fromkeys(i.format(**values) for i in flat))
        if concrete or layer in declared:
            out[layer] = concrete
    return out


def load_territories(
    path: Path = TERRITORIES_FILE,
    sources: dict[str, Source] | None = None,
    templates: list[Template] | None = None,
) -> dict[str, Territory]:
    """Read ``territories.yaml``; every source id it names must be in ``sources`` or match a template.

    Layer lists are expanded with the file's ``defaults`` (see the module docstring).
    """
    data = _load_yaml(path)
    defaults = load_defaults(path)
    known_id = lambda sid: sid in sources or any(t.pattern.fullmatch(sid) for t in templates or [])  # noqa: E731
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
        for key in ("insee", "departement"):
            _check_quoted(entry, key, where)
        tid, insee = str(entry["id"]), str(entry["insee"])
        if tid in territories:
            raise CatalogError(f"{where}: duplicate territory id `{tid}`")
        if insee in insee_seen:
            raise CatalogError(f"{where}: duplicate INSEE code `{insee}`")
        if not (len(insee) == 5 and insee[:2].isalnum() and insee[2:].isdigit()):
            raise CatalogError(f"{where}: territory `{tid}` has a malformed INSEE code `{insee}`")
        layers: dict[str, tuple[str, ...]] = {}
        for layer, ids in (entry.get("layers") or {}).items():
            if layer in (_LINE, _RAW):
                continue
            if layer not in known_layers:
                raise CatalogError(f"{where}: territory `{tid}` names unknown layer `{layer}`")
            layers[layer] = tuple(str(i) for i in (ids or []))
        fictional = bool(entry.get("fictional", False))
        if not fictional:
            layers = expand_layers(layers, defaults, str(entry["departement"]), insee)
        for layer, ids in layers.items():
            for sid in ids:
                if sources is not None and not known_id(sid):
                    raise CatalogError(f"{where}: territory `{tid}`, layer `{layer}`: unknown source id `{sid}`")
        territories[tid] = Territory(
            id=tid,
            insee=insee,
            name=str(entry["name"]),
            departement=str(entry["departement"]),
            fictional=fictional,
            layers=layers,
            programmes=tuple(entry.get("programmes") or ()),
            notes={k: str(v) for k, v in (entry.get("notes") or {}).items() if k not in (_LINE, _RAW)},
        )
        insee_seen.add(insee)
    return territories


@dataclass
class Catalog:
    """Sources, templates and territories, cross-checked; any French commune is a territory on demand."""

    sources: dict[str, Source]
    territories: dict[str, Territory]
    templates: list[Template] = field(default_factory=list)
    defaults: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_demand: dict[str, Territory] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, sources_path: Path = SOURCES_FILE, territories_path: Path = TERRITORIES_FILE) -> Catalog:
        sources = load_sources(sources_path)
        templates = load_templates(sources_path)
        territories = load_territories(territories_path, sources, templates)
        return cls(sources, territories, templates, load_defaults(territories_path))

    def territory(self, key: str) -> Territory:
        """Return a territory by declared id, INSEE code, commune name or on-demand id.

        Raises CatalogError (UnknownCommune, AmbiguousCommune) naming the candidates.
        """
        key = str(key).strip()
        if key in self.territories:
            return self.territories[key]
        for territory in (*self.territories.values(), *self.on_demand.values()):
            if key.upper() == territory.insee or key == territory.id:
                return territory
        from .communes import resolve_commune  # the national commune file, read once per process

        suffix = _CODE_SUFFIX.match(key)
        match = resolve_commune(suffix[1].upper() if suffix else key)
        declared = next((t for t in self.territories.values() if t.insee == match.insee), None)
        if declared is not None:
            return replace(declared, note=match.note) if match.note else declared
        return self.commune_territory(match)

    def commune_territory(self, match) -> Territory:
        """The on-demand territory of a commune of the national file (a :class:`~pipelines.communes.CommuneMatch`)."""
        from .communes import territory_id

        territory = Territory(
            id=territory_id(match.name, match.insee, reserved=set(self.territories)),
            insee=match.insee,
            name=match.name,
            departement=match.departement,
            layers=expand_layers({}, self.defaults, match.departement, match.insee),
            declared=False,
            bbox=match.bbox,
            note=match.note,
        )
        self.on_demand.setdefault(territory.insee, replace(territory, note=""))
        return territory

    def source(self, sid: str) -> Source:
        """The source ``sid``: a ``sources:`` entry, else the template it instantiates."""
        if sid in self.sources:
            return self.sources[sid]
        for template in self.templates:
            found = template.pattern.fullmatch(sid)
            if found:
                values = found.groupdict()
                if template.needs_place:
                    values.update(self._place(values.get("insee"), sid))
                self.sources[sid] = template.instantiate(values)
                return self.sources[sid]
        raise CatalogError(f"unknown source id `{sid}`")

    def _place(self, insee: str | None, sid: str) -> dict[str, str]:
        """``{name}`` and ``{bbox}`` of commune ``insee`` (bbox with :data:`BBOX_MARGIN_DEG`)."""
        territory = next((t for t in self.on_demand.values() if t.insee == insee), None)
        name, bbox = (territory.name, territory.bbox) if territory is not None else (None, None)
        if bbox is None and insee is not None:
            from .communes import resolve_commune

            match = resolve_commune(insee)
            name, bbox = match.name, match.bbox
        if bbox is None:
            raise CatalogError(f"source `{sid}`: the bounding box of commune {insee} is unknown (no geometry)")
        m = BBOX_MARGIN_DEG
        box = f"{bbox[0] - m:.4f},{bbox[1] - m:.4f},{bbox[2] + m:.4f},{bbox[3] + m:.4f}"
        return {"name": name or insee, "bbox": box}

    def sources_for(self, territory: Territory, layer: str) -> list[Source]:
        """The sources that feed ``layer`` for ``territory``, in order of preference."""
        return [self.source(sid) for sid in territory.layers.get(layer, ())]
