"""Plausibility checks at read time: data that reads without error but cannot be right.

Every check raises :class:`~pipelines.errors.ImplausibleData` naming the file (or layer), what
was found, what was expected and what to do. They are called from the shared read helpers of
:mod:`pipelines.layers._common` and from the build, never copied into a reader:

- :func:`check_shrink`: a layer that loses more than :data:`MAX_SHRINK` of its rows, area or
  length against its last good build fails unless the operator accepts it (``--accept-shrink``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import geopandas as gpd

from ..errors import ImplausibleData
from ..transaction import frame_totals

#: Largest share of rows, area or length a layer may lose against its last good build.
MAX_SHRINK = 0.25

_EXTENT: contextvars.ContextVar[tuple[float, float, float, float] | None] = contextvars.ContextVar(
    "territory_extent", default=None
)


@contextlib.contextmanager
def expected_extent(bbox: tuple[float, float, float, float] | None) -> Iterator[None]:
    """Within the block, every source read must reach ``bbox`` (EPSG:2154; None: no check)."""
    token = _EXTENT.set(bbox)
    try:
        yield
    finally:
        _EXTENT.reset(token)


def territory_extent() -> tuple[float, float, float, float] | None:
    """The bounding box set by :func:`expected_extent` (None outside a build)."""
    return _EXTENT.get()


def check_shrink(layer: str, frame: gpd.GeoDataFrame, last_good: dict | None, *, accept: bool = False) -> None:
    """Fail when ``frame`` lost more than :data:`MAX_SHRINK` of the last good build's rows, area or length.

    Parameters
    ----------
    layer : str
    frame : GeoDataFrame
        The layer just built (EPSG:2154).
    last_good : dict, optional
        The manifest entry of the last good version (``rows``, ``totals``, ``built_at``).
    accept : bool
        The operator accepts the loss (``--accept-shrink``): no check.
    """
    if accept or not last_good:
        return
    before = {"rows": float(last_good.get("rows") or 0), **(last_good.get("totals") or {})}
    now = {"rows": float(len(frame)), **frame_totals(frame)}
    lost = []
    for key, old in before.items():
        new = float(now.get(key, 0.0))
        if old > 0 and (old - new) / old > MAX_SHRINK:
            unit = {"rows": "rows", "area_ha": "ha", "length_km": "km"}.get(key, key)
            lost.append(f"{new:g} {unit} instead of {old:g} (-{(old - new) / old:.0%})")
    if lost:
        raise ImplausibleData(
            f"layer `{layer}` shrank against its last good build of {last_good.get('built_at', '?')}: "
            f"{', '.join(lost)}, more than {MAX_SHRINK:.0%} lost; check its sources, and if the loss is real "
            "rebuild with --accept-shrink"
        )
