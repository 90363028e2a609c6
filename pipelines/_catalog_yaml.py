"""How the catalog reads its YAML files: the line of every mapping, integers as they were written.

Every mapping read by :func:`load_yaml` carries its line under :data:`LINE` (for error messages
naming ``file:line``) and, under :data:`RAW`, the text of the scalars YAML read as integers (to
report ``insee: 01004``, read as octal 516, as it was written). Also the checks of raw values that
every catalog file shares (URLs, codes that must be quoted).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from . import safe_yaml
from .errors import CatalogError

LINE = "__line__"
RAW = "__raw__"  # the text of scalars YAML read as integers, to report `insee: 01004` (octal 516) as it was written
INT_TAG = "tag:yaml.org,2002:int"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    raw = {k.value: v.value for k, v in node.value if isinstance(v, yaml.ScalarNode) and v.tag == INT_TAG}
    if raw:
        mapping[RAW] = raw
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> dict:
    """The top-level mapping of a catalog YAML file, every mapping with its line (CatalogError naming the file)."""
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


def check_url(value: object, where: str) -> str:
    """``value`` as a string when it is an http(s) URL with a host; CatalogError naming ``where`` otherwise."""
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CatalogError(f"{where}: `{value}` is not an http(s) URL")
    return str(value)


def check_quoted(entry: dict, key: str, where: str) -> None:
    """Fail when a code was written without quotes and YAML changed it (``01004`` is read as octal 516)."""
    value, raw = entry.get(key), (entry.get(RAW) or {}).get(key)
    if isinstance(value, int) and not isinstance(value, bool) and raw is not None and raw != str(value):
        raise CatalogError(
            f'{where}: `{key}: {raw}` is read by YAML as the number {value}: write it in quotes, `{key}: "{raw}"`'
        )
