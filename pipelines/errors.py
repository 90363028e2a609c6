"""One exception family for everything Cartopolis reports to a person.

Every message names the file or source at fault, what was expected and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path


class CartopolisError(Exception):
    """Base of every error raised on purpose by Cartopolis."""


class CatalogError(CartopolisError):
    """`sources.yaml` or `territories.yaml` is malformed (message names file and line)."""


class FetchError(CartopolisError):
    """A source could not be resolved (mirror, cache or download)."""


class OfflineMiss(FetchError):
    """A source is neither in the mirror nor in the cache and downloading is forbidden."""


class ChecksumMismatch(FetchError):
    """A file's sha256 differs from the one declared in `sources.yaml`."""


class SchemaError(CartopolisError):
    """A layer does not match its schema (message names the layer and the column)."""


class SourceFormatError(CartopolisError):
    """A source file is not in the format its entry declares (message names the file)."""


class LayerUnavailable(CartopolisError):
    """No source can feed this layer for this territory: reported, never faked.

    Parameters
    ----------
    reason : str
        French sentence shown to users ("aucune zone inondable publiée dans le miroir…").
    urls : list of str
        Official URLs that would fill the layer.
    """

    def __init__(self, reason: str, urls: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.urls = list(urls or [])


class UsageError(CartopolisError):
    """The command line names something that cannot be used (a missing mirror, an unknown layer)."""


class UnknownTerritory(UsageError, CatalogError):
    """A territory id or INSEE code that ``territories.yaml`` does not declare."""


class StoreError(CartopolisError):
    """The store cannot be written (read-only, full, not a folder): nothing was published."""


class ImplausibleData(SourceFormatError):
    """A source reads without error but its content cannot be right (wrong ``.prj``, a lost share of rows)."""


_ABSOLUTE = re.compile(r"(?<![\w.~/:])/(?:[^\s/`'\"()!:,;]+/)+([^\s/`'\"()!:,;]+)")


def relative_paths(text: str, *, mirror: Path | None = None, cache: Path | None = None) -> str:
    """``text`` with paths made relative: to the mirror (``flood/…/x.shp``), to the cache (``cache/…``),
    any other absolute path cut to its file name (``…/x.shp``).

    For what is written in manifests and shown by the API: a reason says which file is at fault
    without telling the layout of the machine that built it.
    """
    for root, prefix in ((mirror, ""), (cache, "cache/")):
        if root is None:
            continue
        for form in dict.fromkeys((str(root), str(Path(root).resolve()))):
            text = text.replace(f"/vsizip/{form}/", prefix).replace(f"{form}/", prefix)
    text = text.replace("/vsizip/", "")
    return _ABSOLUTE.sub(lambda m: f"…/{m.group(1)}", text)
