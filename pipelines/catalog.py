"""Read ``geodata/sources.yaml`` and ``geodata/territories.yaml`` into typed objects.

Both files are checked as they are read: unknown or duplicate ids, bad URLs, missing fields and
unknown layers raise :class:`~pipelines.errors.CatalogError` with the file and line at fault.
The sources are read by :mod:`pipelines.catalog_sources`, the templates and the default sources of
a commune nobody declared by :mod:`pipelines.catalog_templates`; this module reads the territories
and cross-checks everything in the :class:`Catalog`.

**Territories.** :meth:`Catalog.territory` takes a declared id (``ales``), an INSEE code
(``30007``, ``34172``, an arrondissement code), a commune name (``Montpellier``, any case or
accents) or the id of a territory on demand (``montpellier``, ``saint-denis-93066``); any French
commune of the national file is a territory, its layers fed by the defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._catalog_yaml import LINE, RAW, check_quoted, load_yaml
from .catalog_sources import (  # noqa: F401 - re-exported
    PLACEHOLDERS,
    Source,
    check_mirror_path,
    load_sources,
)
from .catalog_templates import (  # noqa: F401 - re-exported
    BBOX_MARGIN_DEG,
    ID_PLACEHOLDERS,
    TEMPLATE_TOKEN,
    Template,
    expand_layers,
    load_defaults,
    load_templates,
)
from .errors import CatalogError
from .schemas import CONTEXT_LAYERS, LAYERS, crs_for_departement
from .settings import SOURCES_FILE, TERRITORIES_FILE

_CODE_SUFFIX = re.compile(r"^[a-z0-9-]+-(\d{5}|2[ab]\d{3})$")


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


def load_territories(
    path: Path = TERRITORIES_FILE,
    sources: dict[str, Source] | None = None,
    templates: list[Template] | None = None,
    data: dict | None = None,
    defaults: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Territory]:
    """Read ``territories.yaml``; every source id it names must be in ``sources`` or match a template.

    Layer lists are expanded with the file's ``defaults`` (see :mod:`pipelines.catalog_templates`).
    ``data`` and ``defaults``: the file and its defaults when the caller has already read them.
    """
    data = load_yaml(path) if data is None else data
    defaults = load_defaults(path, data) if defaults is None else defaults
    known_id = lambda sid: sid in sources or any(t.pattern.fullmatch(sid) for t in templates or [])  # noqa: E731
    entries = data.get("territories")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a `territories:` list")
    known_layers = set(LAYERS) | set(CONTEXT_LAYERS)
    territories: dict[str, Territory] = {}
    insee_seen: set[str] = set()
    for entry in entries:
        line = entry.get(LINE, "?") if isinstance(entry, dict) else "?"
        where = f"{path}:{line}"
        for key in ("id", "insee", "name", "departement"):
            if not isinstance(entry, dict) or not entry.get(key):
                raise CatalogError(f"{where}: territory lacks `{key}`")
        for key in ("insee", "departement"):
            check_quoted(entry, key, where)
        tid, insee = str(entry["id"]), str(entry["insee"])
        if tid in territories:
            raise CatalogError(f"{where}: duplicate territory id `{tid}`")
        if insee in insee_seen:
            raise CatalogError(f"{where}: duplicate INSEE code `{insee}`")
        if not (len(insee) == 5 and insee[:2].isalnum() and insee[2:].isdigit()):
            raise CatalogError(f"{where}: territory `{tid}` has a malformed INSEE code `{insee}`")
        layers: dict[str, tuple[str, ...]] = {}
        for layer, ids in (entry.get("layers") or {}).items():
            if layer in (LINE, RAW):
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
            notes={k: str(v) for k, v in (entry.get("notes") or {}).items() if k not in (LINE, RAW)},
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
        sources_data, territories_data = load_yaml(sources_path), load_yaml(territories_path)  # each read once
        sources = load_sources(sources_path, sources_data)
        templates = load_templates(sources_path, sources_data)
        defaults = load_defaults(territories_path, territories_data)
        territories = load_territories(territories_path, sources, templates, territories_data, defaults)
        return cls(sources, territories, templates, defaults)

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
        territory = self.on_demand.get(insee) if insee is not None else None
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
