"""Source templates and the default sources of a commune nobody declared.

``sources.yaml`` holds ``templates:``, sources whose id, title, URL or mirror path carry
placeholders — ``{dep}`` (département code), ``{insee}`` (INSEE code), ``{name}`` (commune name),
``{bbox}`` (the commune's lon/lat bounding box with a margin, as ``west,south,east,north``).
``territories.yaml`` has ``defaults: layers:``, the sources of every layer of a commune nobody
declared (template ids allowed, e.g. ``georisques.tri.{dep}``). A declared territory lists only the
layers it overrides; the word ``template`` in its list stands for the default sources of that
layer (``[francegeojson.communes.30, template]``). A concrete id (``georisques.tri.34``) becomes a
:class:`~pipelines.catalog_sources.Source` the first time the catalog is asked for it; a
``sources:`` entry with the same id wins over the template (``georisques.tri.24`` is mirrored).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from pathlib import Path

from ._catalog_yaml import LINE, RAW, load_yaml
from .catalog_sources import Source, placeholders, source_entry
from .errors import CatalogError
from .schemas import CONTEXT_LAYERS, LAYERS
from .settings import SOURCES_FILE, TERRITORIES_FILE

#: Placeholders that may appear in a template's id (all of :data:`~pipelines.catalog_sources.PLACEHOLDERS` may appear
#: in its other fields).
ID_PLACEHOLDERS = ("dep", "insee")
#: In a declared territory's layer list: the default sources of that layer.
TEMPLATE_TOKEN = "template"  # noqa: S105 - a YAML keyword, not a secret
#: Margin around a commune's bounding box for ``{bbox}`` (degrees, about 1 km): layers keep 500 m of context.
BBOX_MARGIN_DEG = 0.01


@dataclass(frozen=True)
class Template:
    """A source with placeholders (:data:`~pipelines.catalog_sources.PLACEHOLDERS`).

    :meth:`pattern` matches its concrete ids.
    """

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


def load_templates(path: Path = SOURCES_FILE, data: dict | None = None) -> list[Template]:
    """Read the ``templates:`` of ``sources.yaml`` (ids must carry ``{dep}`` or ``{insee}``); ``data``: the
    file when already read."""
    templates: list[Template] = []
    for entry in (load_yaml(path) if data is None else data).get("templates") or []:
        where = f"{path}:{entry.get(LINE, '?') if isinstance(entry, dict) else '?'}"
        source = source_entry(entry, where, template=True)
        in_id = placeholders(source.id)
        if not in_id or not in_id <= set(ID_PLACEHOLDERS):
            raise CatalogError(f"{where}: template id `{source.id}` must use {{dep}} or {{insee}} (and nothing else)")
        if any(t.source.id == source.id for t in templates):
            raise CatalogError(f"{where}: duplicate template id `{source.id}`")
        templates.append(Template(source, where))
    return templates


def load_defaults(path: Path = TERRITORIES_FILE, data: dict | None = None) -> dict[str, tuple[str, ...]]:
    """The ``defaults: layers:`` of ``territories.yaml``: the sources of each layer of an undeclared commune
    (``data``: the file when already read)."""
    data = load_yaml(path) if data is None else data
    layers = (data.get("defaults") or {}).get("layers") or {}
    known = set(LAYERS) | set(CONTEXT_LAYERS)
    out = {}
    for layer, ids in layers.items():
        if layer in (LINE, RAW):
            continue
        if layer not in known:
            raise CatalogError(f"{path}:{layers.get(LINE, '?')}: defaults name unknown layer `{layer}`")
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
