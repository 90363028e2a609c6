"""One exception family for everything Cartopolis reports to a person.

Every message names the file or source at fault, what was expected and what to do.
"""

from __future__ import annotations


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
