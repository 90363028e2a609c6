"""The fictional demonstration town ("Ville fictive", INSEE 99999), generated deterministically.

Every layer of a real territory is invented here from one fixed seed (numpy ``Generator``), so
that two builds give the same frames, row for row. The town is placed in Lambert-93 around
x = 650 000 m, y = 6 700 000 m, in open country (no real town of that size there) and is meant
to look plausible on a map:

- a commune of 25 km² with an irregular outline;
- a river (« la Vionne ») crossing it west to east 550 m south of the old centre, with nested flood
  bands ``fort`` ⊂ ``moyen`` ⊂ ``faible``;
- radial roads, an inner ring boulevard around the old centre, a northern outer boulevard, street
  grids per district and a few country lanes (layer ``streets``, French names);
- two QPV: « Quartier de la Gare » (on the river, partly flooded) and « Les Tilleuls » (a housing
  estate on the north-east edge, with a shopping parade);
- Local Climate Zones per urban block (compact centre ``chaud``, residential ``tiede``, parks,
  river, forest and fields ``frais``), classes consistent with :mod:`pipelines.schemas`;
- 300 shops of which 36 (12 %) are vacant, concentrated in the old centre and the Tilleuls parade;
- a cycle network with gaps (protected tracks on two axes stopping short of the centre, lanes,
  a greenway along the river, planned segments, districts with nothing);
- a 200 m population grid of 40 000 residents, denser in the centre and the QPV.

The town is drawn in one module per group of layers, called in a fixed order on one random
generator (the order of the draws is what makes two builds identical): :mod:`~pipelines.demo.plan`
(the figures, the skeleton and the QPV), :mod:`~pipelines.demo.streets`,
:mod:`~pipelines.demo.exposure` (flood and heat), :mod:`~pipelines.demo.shops`,
:mod:`~pipelines.demo.cycle` and :mod:`~pipelines.demo.population`.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np

from ..errors import LayerUnavailable
from ..layers._common import BuildContext, LayerResult
from .cycle import _cycle
from .exposure import _flood, _heat
from .plan import (  # noqa: F401 - the town's figures, re-exported
    CELL_M,
    CENTRE,
    COMMUNE_AREA_M2,
    CORE_M,
    INSEE,
    NAME,
    NOTE,
    RESIDENTS,
    RIVER_NAME,
    SEED,
    SHOPS,
    VACANT_SHOPS,
    _frame,
    _plan,
    _polar,
    _qpv,
)
from .population import _population
from .shops import _shops
from .streets import _streets


@lru_cache(maxsize=1)
def _town() -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(SEED)
    plan = _plan(rng)
    streets, axes = _streets(plan, rng)
    heat = _heat(plan, streets, rng)
    commune = _frame({"insee": [INSEE], "name": [NAME], "population": [int(RESIDENTS)]}, [plan.commune])
    return {
        "commune": commune,
        "qpv": _qpv(plan),
        "flood": _flood(plan, rng),
        "heat": heat,
        "shops": _shops(plan, streets, rng),
        "cycle": _cycle(plan, axes, rng),
        "population": _population(plan, heat, rng),
        "streets": streets,
    }


def generate() -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the fictional town, keyed by layer name (fresh copies, EPSG:2154).

    Returns
    -------
    dict of str to GeoDataFrame
        ``commune``, ``qpv``, ``flood``, ``heat``, ``shops``, ``cycle``, ``population`` and
        ``streets``, each in its schema (see :mod:`pipelines.schemas`). Same content on every call.
    """
    return {name: frame.copy() for name, frame in _town().items()}


def build_layer(layer: str, ctx: BuildContext) -> LayerResult:
    """Build one layer of the fictional territory (called by :mod:`pipelines.build`)."""
    town = _town()
    if layer not in town:
        raise LayerUnavailable(f"la ville fictive n'a pas de couche « {layer} »")
    notes = [NOTE]
    if layer == "population":
        notes.append("carreaux de 200 m inventés : 40 000 habitants, plus denses au centre et dans les QPV")
    return LayerResult(town[layer].copy(), [], notes, {"fictional": True})
