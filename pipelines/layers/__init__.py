"""One module per layer, all the same shape: read source(s) → normalise → validate → return.

Each module exposes ``build(ctx: BuildContext) -> LayerResult``. It raises
:class:`~pipelines.errors.LayerUnavailable` when no source can feed the layer for the territory,
and any other error when a source is broken (the build records ``error`` for that layer only).
"""

from __future__ import annotations

import importlib

from ..errors import LayerUnavailable
from ._common import BuildContext, LayerResult

__all__ = ["BuildContext", "LayerResult", "builder"]


def builder(layer: str):
    """Return the ``build`` function of the module ``pipelines.layers.<layer>``."""
    try:
        module = importlib.import_module(f"{__name__}.{layer}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{layer}":
            raise

        def not_yet(ctx: BuildContext) -> LayerResult:
            raise LayerUnavailable(f"la chaîne de traitement de la couche « {layer} » n'existe pas encore")

        return not_yet
    return module.build
